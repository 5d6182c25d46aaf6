using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// `bosun status`: what the server's /healthz says, its backups included.
public static class StatusCommand
{
    public static Command Create() => ClientCommand.Create(
        "status", "Show whether the server answers, and the age of its last good backup with any warning about it (from /healthz)",
        async (cli, ct) =>
        {
            var health = await cli.Client.GetAsync("healthz", ct);
            return cli.Print(health, () =>
            {
                var status = health.Text("status");
                cli.Out.MarkupLine($"Bosun at {Markup.Escape(cli.Settings.Url.ToString())}: {(status == "ok" ? "[green]ok[/]" : $"[yellow]{Markup.Escape(status ?? "")}[/]")}");
                if (!health.TryGetProperty("backup", out var backup) || backup.ValueKind != JsonValueKind.Object)
                {
                    return;
                }

                var scheduled = backup.TryGetProperty("scheduled", out var s) && s.ValueKind == JsonValueKind.True;
                var last = backup.TryGetProperty("last_good_age_seconds", out var age) && age.ValueKind == JsonValueKind.Number
                    ? $"last good backup {Age(age.GetInt64())} ago ({backup.Text("last_good_file")})"
                    : "no good backup found";
                if (scheduled)
                {
                    cli.Out.MarkupLineInterpolated($"Backups: every {backup.Text("every")}, keeping {backup.Text("keep")}; {last}; next due {backup.Text("next_at")}");
                }
                else
                {
                    cli.Out.MarkupLineInterpolated($"Backups: not scheduled (set BOSUN_BACKUP_EVERY on the server); {last}");
                }
                foreach (var warning in backup.GetProperty("warnings").EnumerateArray())
                {
                    cli.Out.MarkupLineInterpolated($"[yellow]Warning:[/] {warning.GetString()}");
                }
            });
        });

    private static string Age(long seconds) =>
        seconds >= 172_800 ? $"{seconds / 86_400} days"
        : seconds >= 7_200 ? $"{seconds / 3_600} hours"
        : seconds >= 120 ? $"{seconds / 60} minutes"
        : $"{seconds} seconds";
}
