using System.CommandLine;
using System.Data.Common;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Core.Data.Safety;
using Bosun.Core.Integrations;
using Bosun.Core.Realtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Spectre.Console;

namespace Bosun.Cli;

/// backup, restore, export, import of a tenant archive, and move-store: commands that work on the database directly,
/// on the server's machine, while the server runs (restore excepted: stop the server for it).
public static class DataSafetyCommands
{
    public static void Add(RootCommand root)
    {
        root.Add(Backup());
        root.Add(Restore());
        root.Add(Export());
        AddImport(root.Subcommands.SingleOrDefault(c => c.Name == "import") ?? AddTo(root, new Command("import", "Import data")));
        root.Add(MoveStore());
    }

    private static Command AddTo(RootCommand root, Command command)
    {
        root.Add(command);
        return command;
    }

    private static IConfiguration Environment() => new ConfigurationBuilder().AddEnvironmentVariables().Build();

    private static Command Backup()
    {
        var to = new Option<string?>("--to") { Description = "Directory to write the backup into (default BOSUN_BACKUP_DIR, or backups/ in the data directory)" };
        var json = ServerCommands.JsonOption("Print the backup's manifest as JSON");
        var command = new Command("backup", "Back the database up while the server runs, check the copy and write its checksum and manifest beside it") { to, json };
        command.SetAction((result, ct) => RunAsync(result, json, async (console, progress) =>
        {
            var store = StoreSelection.Resolve(result);
            var directory = Path.GetFullPath(result.GetValue(to) ?? BackupScheduleOptions.DefaultDirectory(Environment(), store));
            var manifest = await Backups.CreateAsync(store, directory, TimeProvider.System, progress.Stage, ct);
            var file = Path.Combine(directory, manifest.File);
            if (result.GetValue(json))
            {
                Print(result, new { path = file, manifest });
                return 0;
            }

            console.MarkupLineInterpolated($"[green]Backed up[/] {store.Describe()} to [bold]{file}[/] ({manifest.SizeBytes / 1e6:N1} MB).");
            console.MarkupLineInterpolated($"Copied in {manifest.CopySeconds:N1} s; checked in {manifest.VerifySeconds:N1} s: schema {manifest.SchemaVersion ?? "none"}, {manifest.Tables.Count} tables, {manifest.Tables.Values.Sum():N0} rows, as in the database when the copy began.");
            console.MarkupLineInterpolated($"[grey]SHA-256 in {Path.GetFileName(Backups.ChecksumFile(file))}, manifest in {Path.GetFileName(Backups.ManifestFile(file))}.[/]");
            if (manifest.SecretKeyIds.Count > 0)
            {
                console.MarkupLineInterpolated($"[grey]Its secrets stay sealed with key {string.Join(", ", manifest.SecretKeyIds)}: keep that key (secret.key or BOSUN_SECRET_KEY) apart from the backup; a restore needs it.[/]");
            }

            return 0;
        }, "copy", "verify", "checksum"));
        return command;
    }

    private static Command Restore()
    {
        var file = new Argument<string>("file") { Description = "A backup written by `bosun backup` (its .sha256 beside it)" };
        var force = new Option<bool>("--force") { Description = "Replace what the target database holds (stop the server first)" };
        var json = ServerCommands.JsonOption();
        var command = new Command("restore", "Restore a backup into an empty database (--data-dir or --postgres), then apply later migrations") { file, force, json };
        command.SetAction((result, ct) => RunAsync(result, json, async (console, progress) =>
        {
            var target = StoreSelection.Resolve(result);
            var restored = await Restores.RestoreAsync(result.GetValue(file)!, target, new SecretBox(Environment(), target), result.GetValue(force), progress.Stage, ct);
            if (result.GetValue(json))
            {
                Print(result, restored);
                return 0;
            }

            console.MarkupLineInterpolated($"[green]Restored[/] {restored.File} into {target.Describe()}: {restored.Tables.Count} tables, {restored.Tables.Values.Sum():N0} rows, the counts of its manifest.");
            console.MarkupLineInterpolated($"Migrations applied since the backup: {(restored.MigrationsApplied.Count == 0 ? "none" : string.Join(", ", restored.MigrationsApplied))}.");
            return 0;
        }, "checksum", "restore", "migrate"));
        return command;
    }

    private static Command Export()
    {
        var tenant = new Option<string>("--tenant") { Description = "Slug of the tenant to export", Required = true };
        var to = new Option<string?>("--to") { Description = "Archive to write (default bosun-export-SLUG-TIME.zip here)" };
        var json = ServerCommands.JsonOption("Print the archive's manifest as JSON");
        var command = new Command("export", "Write one tenant's data, every table, audit and ledgers included, to a zip archive of NDJSON files with a manifest") { tenant, to, json };
        command.SetAction((result, ct) => RunAsync(result, json, async (console, progress) =>
        {
            var store = StoreSelection.Resolve(result);
            var slug = result.GetValue(tenant)!;
            var file = Path.GetFullPath(result.GetValue(to) ?? $"bosun-export-{slug}-{DateTime.UtcNow:yyyyMMdd'T'HHmmss'Z'}.zip");
            await using (var services = await ServerCommands.OpenStoreAsync(result, ct))
            {
                // PostgreSQL numbers stream events just after their commit; any the server has not numbered yet are now.
                await services.GetRequiredService<StreamSequencer>().CatchUpAllAsync(ct);
            }

            var manifest = await TenantArchive.ExportAsync(store, slug, file, TimeProvider.System, progress.Rows, ct);
            if (result.GetValue(json))
            {
                Print(result, new { path = file, manifest });
                return 0;
            }

            console.MarkupLineInterpolated($"[green]Exported[/] tenant [bold]{manifest.Tenant.Slug}[/] to {file}: {manifest.Tables.Count} tables, {manifest.Tables.Sum(t => t.Rows):N0} rows (schema {manifest.SchemaVersion}).");
            if (manifest.SecretKeyIds.Count > 0)
            {
                console.MarkupLineInterpolated($"[grey]Its secrets stay sealed with key {string.Join(", ", manifest.SecretKeyIds)}; the Bosun that imports it needs that key.[/]");
            }

            return 0;
        }, "rows"));
        return command;
    }

    /// `bosun import FILE` loads a tenant archive; `bosun import claude-code` and `import codex` stay the session imports.
    private static void AddImport(Command import)
    {
        var file = new Argument<string>("archive") { Description = "A tenant archive written by `bosun export`" };
        var json = ServerCommands.JsonOption();
        import.Description = "Load a tenant archive from `bosun export` into this Bosun as a new tenant with the same ids (bosun import FILE), or import coding agents' session transcripts (claude-code, codex)";
        import.Add(file);
        import.Add(json);
        import.SetAction((result, ct) => RunAsync(result, json, async (console, progress) =>
        {
            var store = StoreSelection.Resolve(result);
            await (await ServerCommands.OpenStoreAsync(result, ct)).DisposeAsync();
            var imported = await TenantArchive.ImportAsync(store, result.GetValue(file)!, new SecretBox(Environment(), store), progress.Rows, ct);
            if (result.GetValue(json))
            {
                Print(result, imported);
                return 0;
            }

            console.MarkupLineInterpolated($"[green]Imported[/] tenant [bold]{imported.Tenant.Slug}[/] into {store.Describe()}: {imported.Tables.Count} tables, {imported.Tables.Values.Sum():N0} rows, each table's count and checksum those of the archive.");
            return 0;
        }, "rows"));
    }

    private static Command MoveStore()
    {
        var from = new Option<string>("--from-data-dir") { Description = "Data directory of the SQLite installation (holding bosun.db)", Required = true };
        var to = new Option<string>("--to-postgres") { Description = "Connection string of an empty PostgreSQL database", Required = true };
        var json = ServerCommands.JsonOption();
        var command = new Command("move-store", "Copy a whole SQLite installation, every tenant, into an empty PostgreSQL database and compare every table's count and checksum") { from, to, json };
        command.SetAction((result, ct) => RunAsync(result, json, async (console, progress) =>
        {
            var source = StoreOptions.Sqlite(Path.Combine(Path.GetFullPath(result.GetValue(from)!), "bosun.db"));
            var target = StoreOptions.Postgres(result.GetValue(to)!);
            var moved = await StoreMove.MoveAsync(source, target, progress.Rows, ct);
            if (result.GetValue(json))
            {
                Print(result, moved);
                return 0;
            }

            var table = new Table().AddColumns("Table", "Rows", "Checksum");
            table.Columns[1].RightAligned();
            foreach (var t in moved.Tables)
            {
                table.AddRow(t.Name, $"{t.Rows:N0}", t.Checksum[..16]);
            }

            console.Write(table);
            console.MarkupLineInterpolated($"[green]Moved[/] {moved.Tables.Sum(t => t.Rows):N0} rows of {moved.Tables.Count} tables from {moved.From} to {moved.To}; every table's count and checksum match.");
            if (moved.SourceChanged)
            {
                console.MarkupLine("[yellow]The SQLite database took writes while it was copied; those are not in PostgreSQL. Stop the server, empty the PostgreSQL database and move again.[/]");
            }

            console.MarkupLineInterpolated($"Next: start Bosun with --postgres (or BOSUN_POSTGRES). Secrets stay sealed with the key in {Path.GetFullPath(result.GetValue(from)!)}/secret.key: keep BOSUN_DATA_DIR pointing there, or set BOSUN_SECRET_KEY_FILE.");
            return 0;
        }, "rows"));
        return command;
    }

    /// Captured output (tests, embedding): plain text, wide enough that lines do not wrap.
    private static IAnsiConsole Plain(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        return console;
    }

    private static void Print(ParseResult result, object value) =>
        result.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(value, DataSafety.Json));

    /// Progress as each command reports it, drawn as bars on a terminal and left out otherwise.
    private sealed class Progress(Func<string, ProgressTask?> task)
    {
        public void Stage(BackupProgress progress)
        {
            if (task(progress.Stage) is { } bar)
            {
                bar.Value = progress.Fraction * 100;
            }
        }

        public void Rows(LoadProgress progress)
        {
            if (task("rows") is { } bar)
            {
                bar.MaxValue = Math.Max(1, progress.TotalRows);
                bar.Value = progress.Rows;
                bar.Description = $"rows ({progress.Table})";
            }
        }
    }

    /// Runs a command with its progress bars (unless the output is JSON, captured or not a terminal) and turns what
    /// Bosun refuses into a message and an exit code: 2 when refused, 3 when the target holds data already, 1 when the
    /// database or a file could not be reached.
    private static async Task<int> RunAsync(ParseResult result, Option<bool> json, Func<IAnsiConsole, Progress, Task<int>> action, params string[] stages)
    {
        var output = result.InvocationConfiguration.Output;
        var terminal = ReferenceEquals(output, Console.Out);
        var console = terminal ? AnsiConsole.Console : Plain(output);
        var errors = terminal && ReferenceEquals(result.InvocationConfiguration.Error, Console.Error)
            ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) })
            : Plain(result.InvocationConfiguration.Error);
        if (terminal && Console.IsOutputRedirected)
        {
            // Piped into a file or a pager: one line per message reads better than lines wrapped at 80 columns.
            console.Profile.Width = 200;
        }
        try
        {
            if (result.GetValue(json) || !terminal || Console.IsOutputRedirected || !console.Profile.Capabilities.Interactive)
            {
                return await action(console, new Progress(_ => null));
            }

            var code = 0;
            await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var tasks = stages.ToDictionary(s => s, s => context.AddTask(s, autoStart: true, maxValue: 100));
                    code = await action(console, new Progress(s => tasks.GetValueOrDefault(s)));
                    foreach (var bar in tasks.Values)
                    {
                        bar.Value = bar.MaxValue;
                    }
                });
            return code;
        }
        catch (DataSafetyException refused)
        {
            errors.MarkupLineInterpolated($"[red]{refused.Message}[/]");
            return refused.Conflict ? 3 : 2;
        }
        catch (Exception ex) when (ex is DbException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            errors.MarkupLineInterpolated($"[red]{ex.Message}[/]");
            return 1;
        }
    }
}
