using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// `bosun usage daily|monthly|session|blocks`: the usage reports, read the way ccusage prints them.
public static class UsageCommands
{
    public static Command Create() => ClientCommand.Group("usage", "Token usage and cost per day, month, session or five-hour billing block",
        Report("daily", "daily", "Usage per UTC day, with its models and cache hit ratio"),
        Report("monthly", "monthly", "Usage per UTC month, with its models"),
        Report("session", "sessions", "Usage per imported session or run, latest first"),
        Report("blocks", "blocks", "Five-hour billing blocks, with the active block's burn rate and projected spend"));

    private static Command Report(string name, string route, string description)
    {
        var since = new Option<string?>("--since") { Description = "First day, UTC (2026-03-01 or 20260301; default 30 days ago, 12 months for monthly)" };
        var until = new Option<string?>("--until") { Description = "Last day, included (default today)" };
        var project = new Option<string?>("--project") { Description = "Only this project (key or id)" };
        var agent = new Option<string?>("--agent") { Description = "Only this agent (name or id)" };
        return ClientCommand.Create(name, description, async (cli, ct) =>
        {
            var query = string.Join("&", new[] { ("since", cli.Get(since)), ("until", cli.Get(until)), ("project", cli.Get(project)), ("agent", cli.Get(agent)) }
                .Where(p => p.Item2 is { Length: > 0 }).Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!)}"));
            var report = await cli.Client.GetAsync($"/api/v1/usage/{route}{(query.Length > 0 ? "?" + query : "")}", ct);
            if (cli.Json)
            {
                cli.PrintJson(report);
                return CliContext.Ok;
            }

            var table = route switch
            {
                "sessions" => Sessions(report),
                "blocks" => Blocks(report),
                _ => Periods(report, name == "daily" ? "Day" : "Month"),
            };
            cli.Out.Write(table);
            if (route == "blocks" && report.GetProperty("active_block") is { ValueKind: JsonValueKind.Object } active)
            {
                var burn = active.GetProperty("burn_rate");
                cli.Out.MarkupLineInterpolated(
                    $"Active block until {active.GetProperty("end").GetDateTime():yyyy-MM-dd HH:mm} UTC: {burn.GetProperty("tokens_per_minute").GetDouble():N0} tokens/min, {Usd(burn, "list_cost_per_hour_usd")}/h at list price ({Usd(burn, "cost_per_hour_usd")}/h billed); projected {burn.GetProperty("projected_tokens").GetInt64():N0} tokens, {Usd(burn, "projected_list_cost_usd")} at list price ({Usd(burn, "projected_cost_usd")} billed).");
            }

            cli.Out.MarkupLineInterpolated($"[grey]{report.GetProperty("since").GetDateTime():yyyy-MM-dd} to {report.GetProperty("until").GetDateTime():yyyy-MM-dd} (UTC days, both included)[/]");
            return CliContext.Ok;
        }, since, until, project, agent);
    }

    private static Table Periods(JsonElement report, string heading)
    {
        var table = UsageTable(heading, "Models");
        foreach (var row in report.GetProperty("rows").EnumerateArray())
        {
            AddRow(table, row.Text("period"), string.Join(", ", row.GetProperty("models").EnumerateArray().Select(m => m.Text("model"))), row.GetProperty("usage"));
        }

        AddRow(table, "[bold]total[/]", "", report.GetProperty("total"), markup: true);
        return table;
    }

    private static Table Sessions(JsonElement report)
    {
        var table = UsageTable("Session", "Agent / project");
        foreach (var row in report.GetProperty("rows").EnumerateArray())
        {
            var who = string.Join(" / ", new[] { row.Text("agent"), row.Text("project") }.Where(s => s is { Length: > 0 }));
            AddRow(table, $"{row.Text("label")} ({row.GetProperty("last_call_at").GetDateTime():yyyy-MM-dd})", who, row.GetProperty("usage"));
        }

        AddRow(table, "[bold]total[/]", "", report.GetProperty("total"), markup: true);
        return table;
    }

    private static Table Blocks(JsonElement report)
    {
        var table = UsageTable("Block (UTC)", "Models");
        foreach (var block in report.GetProperty("blocks").EnumerateArray())
        {
            var start = block.GetProperty("start").GetDateTime();
            var label = $"{start:yyyy-MM-dd HH:mm}–{block.GetProperty("end").GetDateTime():HH:mm}{(block.GetProperty("active").GetBoolean() ? " (active)" : "")}";
            AddRow(table, label, string.Join(", ", block.GetProperty("models").EnumerateArray().Select(m => m.GetString())), block.GetProperty("usage"));
        }

        AddRow(table, "[bold]total[/]", "", report.GetProperty("total"), markup: true);
        return table;
    }

    private static Table UsageTable(string first, string second)
    {
        var table = new Table().AddColumns(first, second, "Input", "Output", "Cache read", "Cache write", "Total tokens", "Cache hit", "Cost", "List price");
        foreach (var column in table.Columns.Skip(2))
        {
            column.RightAligned();
        }

        return table;
    }

    private static void AddRow(Table table, string? label, string? second, JsonElement u, bool markup = false)
    {
        var ratio = u.GetProperty("cache_hit_ratio") is { ValueKind: JsonValueKind.Number } r ? $"{r.GetDouble() * 100:0.#}%" : "";
        table.AddRow(markup ? label ?? "" : Markup.Escape(label ?? ""), Markup.Escape(second ?? ""), N(u, "input_tokens"), N(u, "output_tokens"), N(u, "cache_read_tokens"),
            N(u, "cache_write_tokens"), N(u, "total_tokens"), ratio, Usd(u, "cost_usd"), Usd(u, "list_cost_usd"));
    }

    private static string N(JsonElement e, string name) => e.GetProperty(name).GetInt64().ToString("N0", CultureInfo.InvariantCulture);

    private static string Usd(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? $"${v.GetDecimal().ToString("0.00##", CultureInfo.InvariantCulture)}" : "";
}
