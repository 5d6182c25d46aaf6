using System.CommandLine;
using System.Data.Common;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Data.Safety;
using Bosun.Core.Integrations;
using Bosun.Server.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Npgsql;
using NpgsqlTypes;
using Spectre.Console;

namespace Bosun.Cli.Bench;

/// `bosun bench backup`: a database of many work items is backed up, checked and restored while agents claim and
/// complete work, and the agents' rate during the backup is set against their rate without one, before and after it,
/// in the same run.
public static class BackupBench
{
    private const double Goal = 0.8;

    public static Command Command()
    {
        var store = BenchServer.StoreOption();
        var items = new Option<int>("--items") { Description = "Work items in the database before it is backed up", DefaultValueFactory = _ => 1_000_000 };
        var agents = new Option<int>("--agents") { Description = "Agents claiming and completing work throughout", DefaultValueFactory = _ => 8 };
        var seconds = new Option<int>("--seconds") { Description = "Length of each phase without a backup", DefaultValueFactory = _ => 15 };
        var rounds = new Option<int>("--rounds") { Description = "Backups made one after another, each between two phases without one; the ratio is their median", DefaultValueFactory = _ => 1 };
        var command = new Command("backup", "Backup, check and restore times of a large database, and the agents' write rate while it is backed up against without") { store, items, agents, seconds, rounds };
        command.SetAction((result, ct) => BenchServer.RunToEndAsync(() => RunAsync(result.GetValue(store)!, Math.Max(1, result.GetValue(items)),
            Math.Max(1, result.GetValue(agents)), TimeSpan.FromSeconds(Math.Max(1, result.GetValue(seconds))), Math.Clamp(result.GetValue(rounds), 1, 20), ct), ct));
        return command;
    }

    private static async Task RunAsync(string storeName, int items, int agentCount, TimeSpan phase, int rounds, CancellationToken ct)
    {
        await using var server = await BenchServer.StartAsync(storeName);
        var (tenantId, owner) = await server.CreateTenantAsync("bench");
        AnsiConsole.MarkupLineInterpolated($"Bosun at {server.Url} on {server.Store.Describe()}; {items:N0} work items, {agentCount} agents");

        var history = await BenchServer.PostAsync(owner, "api/v1/projects", new { key = "OLD", name = "Done work" }, ct);
        var queue = await BenchServer.PostAsync(owner, "api/v1/projects", new { key = "CYC", name = "Work the agents do" }, ct);
        var seeding = Stopwatch.StartNew();
        await SeedAsync(server.Store, tenantId, history.GetProperty("id").GetString()!, "OLD", items, "done", ct);

        // The agents' queue: more than they can work off in the run at the rate this machine allows.
        var queued = Math.Max(20_000, agentCount * 2_500 * (int)Math.Ceiling(phase.TotalSeconds / 5) * (rounds + 1));
        await SeedAsync(server.Store, tenantId, queue.GetProperty("id").GetString()!, "CYC", queued, "ready", ct);
        AnsiConsole.MarkupLineInterpolated($"Seeded {items + queued:N0} work items in {seeding.Elapsed.TotalSeconds:N0} s");

        var clients = new List<HttpClient>();
        for (var i = 0; i < agentCount; i++)
        {
            var agent = await BenchServer.PostAsync(owner, "api/v1/agents", new { name = $"bench-{i}", role = "bench", max_concurrent_runs = 10, run_timeout_seconds = 3600 }, ct);
            var token = await BenchServer.PostAsync(owner, "api/v1/tokens", new { name = "bench", agent_id = agent.GetProperty("id").GetString() }, ct);
            var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 4 }) { BaseAddress = new Uri(server.Url + "/") };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("token").GetString());
            clients.Add(client);
        }

        // Agents cycle from here to the end; each phase counts the cycles completed within it.
        long completed = 0;
        var exhausted = false;

        // Agents stop between cycles, so no request is cut off half-way (which the server would log as a failed
        // transaction); Ctrl+C still cuts them off.
        using var stop = new CancellationTokenSource();
        var working = Task.WhenAll(clients.Select(async client =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    if (!await CycleAsync(client, ct))
                    {
                        exhausted = true;
                        return;
                    }

                    Interlocked.Increment(ref completed);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
            }
        }));

        async Task<(double Rate, TimeSpan Elapsed)> MeasureAsync(Func<Task> during)
        {
            var before = Interlocked.Read(ref completed);
            var clock = Stopwatch.StartNew();
            await during();
            var elapsed = clock.Elapsed;
            return ((Interlocked.Read(ref completed) - before) / elapsed.TotalSeconds, elapsed);
        }

        // Tiered compilation goes on recompiling hot code for a while after start: the agents warm the server up for a
        // phase's length, then the bench waits for the compiler to settle, so the first phase is not charged for it.
        await Task.Delay(phase, ct);
        await DispatchBench.SettleJitAsync(ct);
        var dir = Path.Combine(Path.GetTempPath(), $"bosun-bench-backups-{Guid.NewGuid():N}");
        try
        {
            // Phases alternate, without a backup and during one; each backup's rate is set against the phases on
            // either side of it, since on a shared machine the rate drifts from one phase to the next.
            var without = new List<double> { (await MeasureAsync(() => Task.Delay(phase, ct))).Rate };
            AnsiConsole.MarkupLineInterpolated($"without a backup: {without[^1]:N0} cycles/s");
            var during = new List<(double Rate, TimeSpan Elapsed, double CopyRate, BackupManifest Manifest)>();
            for (var round = 1; round <= rounds; round++)
            {
                BackupManifest? manifest = null;
                var copyRate = 0.0;
                var backup = await MeasureAsync(async () =>
                {
                    var copyStarted = Interlocked.Read(ref completed);
                    var copyClock = Stopwatch.StartNew();
                    manifest = await Backups.CreateAsync(server.Store, dir, TimeProvider.System, p =>
                    {
                        if (p.Stage == "verify" && p.Fraction == 0 && copyRate == 0)
                        {
                            copyRate = (Interlocked.Read(ref completed) - copyStarted) / copyClock.Elapsed.TotalSeconds;
                        }
                    }, ct);
                });
                during.Add((backup.Rate, backup.Elapsed, copyRate, manifest!));
                AnsiConsole.MarkupLineInterpolated($"during backup {round}: {backup.Rate:N0} cycles/s ({copyRate:N0} while copying), copied in {manifest!.CopySeconds:N1} s, checked in {manifest.VerifySeconds:N1} s");
                without.Add((await MeasureAsync(() => Task.Delay(phase, ct))).Rate);
                AnsiConsole.MarkupLineInterpolated($"without a backup: {without[^1]:N0} cycles/s");
                if (round < rounds)
                {
                    Backups.Prune(dir, 1);
                }
            }

            await stop.CancelAsync();
            await working;
            ct.ThrowIfCancellationRequested();

            var last = during[^1].Manifest;
            var file = Path.Combine(dir, last.File);
            var (target, drop) = await RestoreTargetAsync(server.Store, ct);
            try
            {
                var restoring = Stopwatch.StartNew();
                var restored = await Restores.RestoreAsync(file, target, new SecretBox(new ConfigurationBuilder().Build(), target), force: false, null, ct);
                restoring.Stop();

                var ratios = during.Select((d, i) => d.Rate / ((without[i] + without[i + 1]) / 2)).ToList();
                var table = new Table().AddColumns("Figure", "Value");
                table.AddRow("Database", $"{last.Tables.Values.Sum():N0} rows, {last.SizeBytes / 1e6:N0} MB backup file");
                table.AddRow("Backup: copy", string.Join("; ", during.Select(d => $"{d.Manifest.CopySeconds:N1} s")));
                table.AddRow("Backup: check", string.Join("; ", during.Select(d => $"{d.Manifest.VerifySeconds:N1} s")));
                table.AddRow("Restore", $"{restoring.Elapsed.TotalSeconds:N1} s, {restored.Tables.Values.Sum():N0} rows");
                table.AddRow("Cycles/s without a backup", string.Join("; ", without.Select(w => $"{w:N0}")));
                table.AddRow("Cycles/s during a backup (copying)", string.Join("; ", during.Select(d => $"{d.Rate:N0} over {d.Elapsed.TotalSeconds:N1} s ({d.CopyRate:N0})")));
                AnsiConsole.Write(table);
                var ratio = Median(ratios);
                AnsiConsole.MarkupLineInterpolated($"cycle: claim → heartbeat → complete over HTTP by {agentCount} agents");
                AnsiConsole.MarkupLineInterpolated($"During a backup agents write at [bold]{ratio:N2}×[/] their rate without one (goal ≥ {Goal:N1}×): {(ratio >= Goal ? "met" : "not met")}{(rounds > 1 ? $"; by round {string.Join(", ", ratios.Select(r => r.ToString("N2")))}, the median shown" : "")}");
                if (exhausted)
                {
                    AnsiConsole.MarkupLine("[yellow]The agents ran out of work before the end; the rates after that point are low.[/]");
                }
            }
            finally
            {
                await drop();
            }
        }
        finally
        {
            await stop.CancelAsync();
            await working;
            foreach (var client in clients)
            {
                client.Dispose();
            }

            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// An empty database beside the bench's: a new file, or a new database in the same PostgreSQL.
    private static async Task<(StoreOptions Target, Func<Task> Drop)> RestoreTargetAsync(StoreOptions store, CancellationToken ct)
    {
        if (store.Kind == StoreKind.Sqlite)
        {
            var dir = Path.Combine(Path.GetTempPath(), $"bosun-bench-restore-{Guid.NewGuid():N}");
            return (StoreOptions.Sqlite(Path.Combine(dir, "bosun.db")), () =>
            {
                SqliteConnection.ClearAllPools();
                if (Directory.Exists(dir))
                {
                    Directory.Delete(dir, recursive: true);
                }

                return Task.CompletedTask;
            });
        }

        var builder = new NpgsqlConnectionStringBuilder(store.ConnectionString) { Database = "postgres" };
        await using (var connection = new NpgsqlConnection(builder.ConnectionString))
        {
            await connection.OpenAsync(ct);
            await using var create = new NpgsqlCommand("CREATE DATABASE bosun_restored", connection);
            await create.ExecuteNonQueryAsync(ct);
        }

        return (StoreOptions.Postgres(new NpgsqlConnectionStringBuilder(store.ConnectionString) { Database = "bosun_restored" }.ConnectionString), () =>
        {
            NpgsqlConnection.ClearAllPools();
            return Task.CompletedTask;
        });
    }

    private static async Task<bool> CycleAsync(HttpClient client, CancellationToken ct)
    {
        var claimed = (await BenchServer.PostAsync(client, "api/v1/work/claim", new { project = "CYC" }, ct)).GetProperty("items");
        if (claimed.GetArrayLength() == 0)
        {
            return false;
        }

        var run = claimed[0].GetProperty("run");
        var path = $"api/v1/runs/{run.GetProperty("run_id").GetString()}";
        var lease = run.GetProperty("lease_token").GetString();
        await BenchServer.PostAsync(client, $"{path}/heartbeat", new { lease_token = lease, progress = "working" }, ct);
        await BenchServer.PostAsync(client, $"{path}/complete", new { lease_token = lease, output = new { ok = true } }, ct);
        return true;
    }

    private static readonly string[] Columns =
        ["tenant_id", "id", "project_id", "number", "key", "type", "title", "description", "status", "priority", "approval_required", "close_with_children", "attempts", "position", "created_at", "updated_at"];

    /// Work items written straight into the table, a project's numbers in order: COPY on PostgreSQL, prepared inserts in
    /// transactions of 50,000 on SQLite.
    private static async Task SeedAsync(StoreOptions store, string tenantId, string projectId, string key, int count, string status, CancellationToken ct)
    {
        var now = DateTime.UtcNow;
        object?[] Row(int n)
        {
            var id = Ids.New();
            return [tenantId, id, projectId, n, $"{key}-{n}", "task", $"Benchmark item {n}", $"What item {n} of the benchmark asks for, in a sentence or two.",
                status, 1, false, false, 0, id, now, now];
        }

        if (store.Kind == StoreKind.Postgres)
        {
            await using var connection = new NpgsqlConnection(store.ConnectionString);
            await connection.OpenAsync(ct);
            await using (var copy = await connection.BeginBinaryImportAsync($"COPY work_items ({string.Join(", ", Columns)}) FROM STDIN (FORMAT BINARY)", ct))
            {
                for (var n = 1; n <= count; n++)
                {
                    var row = Row(n);
                    copy.StartRow();
                    foreach (var value in row)
                    {
                        switch (value)
                        {
                            case string s: copy.Write(s, NpgsqlDbType.Text); break;
                            case int i: copy.Write(i, NpgsqlDbType.Integer); break;
                            case bool b: copy.Write(b, NpgsqlDbType.Boolean); break;
                            case DateTime d: copy.Write(d, NpgsqlDbType.TimestampTz); break;
                            default: copy.WriteNull(); break;
                        }
                    }
                }

                await copy.CompleteAsync(ct);
            }

            await Exec(connection, "UPDATE projects SET next_item_number = @n WHERE tenant_id = @t AND id = @p", ct, ("n", count + 1), ("t", tenantId), ("p", projectId));
            await Exec(connection, "VACUUM ANALYZE work_items", ct);
            return;
        }

        await using var sqlite = new SqliteConnection(store.ConnectionString);
        await sqlite.OpenAsync(ct);
        await Exec(sqlite, "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;", ct);
        for (var start = 1; start <= count; start += 50_000)
        {
            await using var tx = (SqliteTransaction)await sqlite.BeginTransactionAsync(ct);
            await using var insert = sqlite.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = $"INSERT INTO work_items ({string.Join(", ", Columns)}) VALUES ({string.Join(", ", Columns.Select((_, i) => $"@p{i}"))})";
            var parameters = Columns.Select((_, i) => insert.Parameters.Add(new SqliteParameter($"@p{i}", null))).ToArray();
            insert.Prepare();
            for (var n = start; n < start + 50_000 && n <= count; n++)
            {
                var row = Row(n);
                for (var i = 0; i < row.Length; i++)
                {
                    parameters[i].Value = row[i] ?? DBNull.Value;
                }

                insert.ExecuteNonQuery();
            }

            await tx.CommitAsync(ct);
        }

        await Exec(sqlite, "UPDATE projects SET next_item_number = @n WHERE tenant_id = @t AND id = @p", ct, ("n", count + 1), ("t", tenantId), ("p", projectId));
    }

    private static async Task Exec(DbConnection connection, string sql, CancellationToken ct, params (string Name, object Value)[] args)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0;
        foreach (var (name, value) in args)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            command.Parameters.Add(p);
        }

        await command.ExecuteNonQueryAsync(ct);
    }
}
