using System.CommandLine;
using System.Text.Json;
using Bosun.Cli.Client;
using Bosun.Core.Integrations;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// The vault: secrets are set from standard input or a file (never from an argument, which other users of the machine
/// can read in the process list), listed without their values, bound to agents or roles, and their reads listed.
public static class SecretCommands
{
    public static Command Create()
    {
        var group = ClientCommand.Group("secrets", "The vault: credentials agents read during their runs; values are write-only",
            List(), Set(), Delete(), Bind(), Unbind(), Accesses(), RotateKey());
        group.Aliases.Add("secret");
        return group;
    }

    private static Argument<string> NameArgument() => new("name") { Description = "The secret's name (or id), e.g. GITHUB_TOKEN" };

    private static Option<string?> ProjectOption() => new("--project") { Description = "A project's secret (key or id) instead of the tenant's" };

    private static string On(string name, string? project, string tail = "") =>
        new Query().Add("project", project).On($"api/v1/secrets/{Query.Segment(name)}{tail}");

    private static Command List()
    {
        var project = ProjectOption();
        var archived = new Option<bool>("--archived") { Description = "The archived secrets instead" };
        var list = new ListOptions();
        return ClientCommand.Create("list", "List secrets: names, scopes, status and use, never values", async (cli, ct) =>
        {
            var rows = await list.FetchAsync(cli, "api/v1/secrets", new Query().Add("project", cli.Get(project)).Add("archived", cli.Get(archived) ? true : null), ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "secrets",
                    Column.Of("Name", "name"), Column.Of("Scope", s => s.TextOrNull("project_id") ?? "tenant"), Column.Of("Type", "type"),
                    new Column("Status", s => Output.Status(s.Text("status"))), Column.Of("Version", "version"), Column.Of("Key", "key_id"),
                    Column.Of("Expires", s => s.Time("expires_at")), Column.Of("Last used", s => s.Time("last_used_at")), Column.Of("Id", "id"));
            }

            return CliContext.Ok;
        }, [project, archived, .. list.Symbols]);
    }

    private static Command Set()
    {
        var name = NameArgument();
        var project = ProjectOption();
        var file = new Option<string?>("--from-file") { Description = "Read the value from this file (default: standard input, to its end)" };
        var type = new Option<string?>("--type") { Description = "api_key (default), oauth2, basic or custom" };
        var description = new Option<string?>("--description") { Description = "What it is for" };
        var expires = Moments.Option("--expires", "When it stops being valid");
        return ClientCommand.Create("set", "Store a secret, or give an existing one a new value; the value comes from stdin or --from-file", async (cli, ct) =>
        {
            var value = await ReadValueAsync(cli.Get(file), ct);
            var body = new Body().Set("value", value).Set("type", cli.Get(type)).Set("description", cli.Get(description)).Set("expires_at", cli.Get(expires));
            JsonElement saved;
            try
            {
                saved = await cli.Client.PatchAsync(On(cli.Get(name), cli.Get(project)), body, ct);
            }
            catch (ApiProblem problem) when (problem.Status == 404)
            {
                body.Set("name", cli.Get(name)).Set("project", cli.Get(project));
                saved = await cli.Client.PostAsync("api/v1/secrets", body, ct);
            }

            return cli.Print(saved, () =>
                cli.Out.MarkupLineInterpolated($"[green]Stored[/] {saved.Text("name")} version {saved.Text("version")} (key {saved.Text("key_id")}); bind it with [grey]bosun secrets bind {saved.Text("name")} agent:NAME[/]"));
        }, name, project, file, type, description, expires);
    }

    /// The value as given, without the one line break a file or `echo` ends it with.
    internal static async Task<string> ReadValueAsync(string? file, CancellationToken ct)
    {
        string text;
        if (file is { Length: > 0 } and not "-")
        {
            if (!File.Exists(file))
            {
                throw new UsageException($"There is no file {file}.");
            }

            text = await File.ReadAllTextAsync(file, ct);
        }
        else
        {
            if (!Console.IsInputRedirected)
            {
                Console.Error.WriteLine("Type the value, then Ctrl+D:");
            }

            text = await Console.In.ReadToEndAsync(ct);
        }

        text = text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
        return text.Length > 0 ? text : throw new UsageException("The value is empty: pipe it into standard input or name a file with --from-file.");
    }

    private static Command Delete()
    {
        var name = NameArgument();
        var project = ProjectOption();
        return ClientCommand.Create("delete", "Archive a secret: its value and bindings are erased, its reads stay listed", async (cli, ct) =>
        {
            var archived = await cli.Client.DeleteAsync(On(cli.Get(name), cli.Get(project)), ct);
            return cli.Print(archived, () => cli.Out.MarkupLineInterpolated($"Archived {archived.Text("name")}; its value is erased."));
        }, name, project);
    }

    private static Command Bind()
    {
        var name = NameArgument();
        var subject = new Argument<string>("subject") { Description = "agent:NAME (one agent) or role:ROLE (every agent of that role)" };
        var project = ProjectOption();
        return ClientCommand.Create("bind", "Let an agent or a role read the secret during its runs", async (cli, ct) =>
        {
            var binding = await cli.Client.PostAsync(On(cli.Get(name), cli.Get(project), "/bindings"), new { subject = cli.Get(subject) }, ct);
            return cli.Print(binding, () => cli.Out.MarkupLineInterpolated($"{binding.Text("subject")} may read {cli.Get(name)} now."));
        }, name, subject, project);
    }

    private static Command Unbind()
    {
        var name = NameArgument();
        var subject = new Argument<string>("subject") { Description = "agent:NAME, role:ROLE or the binding's id" };
        var project = ProjectOption();
        return ClientCommand.Create("unbind", "Stop an agent or a role from reading the secret", async (cli, ct) =>
        {
            await cli.Client.DeleteAsync(On(cli.Get(name), cli.Get(project), $"/bindings/{Query.Segment(cli.Get(subject))}"), ct);
            if (cli.Json)
            {
                cli.PrintJson(new { unbound = cli.Get(subject) });
            }
            else
            {
                cli.Out.MarkupLineInterpolated($"{cli.Get(subject)} may no longer read {cli.Get(name)}.");
            }

            return CliContext.Ok;
        }, name, subject, project);
    }

    private static Command Accesses()
    {
        var name = new Argument<string?>("name") { Description = "Only this secret's reads", Arity = ArgumentArity.ZeroOrOne };
        var project = ProjectOption();
        var run = new Option<string?>("--run") { Description = "Only the reads of this run" };
        var list = new ListOptions();
        return ClientCommand.Create("accesses", "Who read which secret, in which run, when (newest first)", async (cli, ct) =>
        {
            var path = cli.Get(name) is { } secret ? On(secret, cli.Get(project), "/accesses") : "api/v1/secret-accesses";
            var rows = await list.FetchAsync(cli, path, new Query().Add("run", cli.Get(run)), ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "reads",
                    Column.Of("When", a => a.Time("created_at")), Column.Of("Secret", "secret_name"), Column.Of("Version", "version"),
                    Column.Of("Who", "actor_name"), Column.Of("Run", "run_id"), Column.Of("Via", "via"));
            }

            return CliContext.Ok;
        }, [name, project, run, .. list.Symbols]);
    }

    /// Works on the database directly, on the server's machine, while the server runs.
    private static Command RotateKey()
    {
        var batch = new Option<int>("--batch") { Description = "Secrets re-sealed per transaction", DefaultValueFactory = _ => 200 };
        var json = ServerCommands.JsonOption("Print the result as JSON");
        var command = new Command("rotate-key",
            "Seal every secret's data key again under the newest key (the first of BOSUN_SECRET_KEY or the key file; keep the old key "
            + "as a later line or in BOSUN_SECRET_KEYS_PREVIOUS), in batches, while the server runs") { batch, json };
        command.SetAction(async (result, ct) =>
        {
            var output = result.InvocationConfiguration.Output;
            await using var services = await ServerCommands.OpenStoreAsync(result, ct);
            var rotation = services.GetRequiredService<SecretRotation>();
            var size = Math.Clamp(result.GetValue(batch), 1, 10_000);
            RotationResult done;
            try
            {
                if (result.GetValue(json) || !ReferenceEquals(output, Console.Out) || Console.IsOutputRedirected)
                {
                    done = await rotation.RotateAsync(size, null, ct);
                }
                else
                {
                    done = null!;
                    await AnsiConsole.Progress()
                        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                        .StartAsync(async context =>
                        {
                            var bar = context.AddTask("re-sealing data keys", maxValue: 1);
                            done = await rotation.RotateAsync(size, p =>
                            {
                                bar.MaxValue = Math.Max(1, p.Total);
                                bar.Value = p.Done;
                            }, ct);
                            bar.Value = bar.MaxValue;
                        });
                }
            }
            catch (InvalidOperationException ex)
            {
                result.InvocationConfiguration.Error.WriteLine(ex.Message);
                return 1;
            }

            if (result.GetValue(json))
            {
                ServerCommands.PrintJson(result, done);
                return done.Remaining == 0 ? 0 : 3;
            }

            output.WriteLine($"Re-sealed {done.Rewrapped} of {done.Total} data keys under key {done.KeyId} in {done.Batches} batches" +
                             (done.Skipped > 0 ? $"; {done.Skipped} changed meanwhile" : "") + ".");
            output.WriteLine(done.Remaining == 0
                ? $"Every secret is under key {done.KeyId}; the older keys may be removed once no backup you keep needs them."
                : $"{done.Remaining} secrets are still under an older key: run bosun secrets rotate-key again.");
            return done.Remaining == 0 ? 0 : 3;
        });
        return command;
    }
}
