using System.CommandLine;
using System.Data.Common;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Data.Sqlite;
using Bosun.Server.Http;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Spectre.Console;

namespace Bosun.Cli.Bench;

/// `bosun bench dispatch`: agents doing claim → heartbeat → complete over real HTTP, against a raw-SQL
/// claim+complete loop on the same database in the same run, and single against batched claims.
public static class DispatchBench
{
    public static Command Command()
    {
        var store = BenchServer.StoreOption();
        var agents = new Option<int>("--agents") { Description = "Concurrent agents", DefaultValueFactory = _ => 16 };
        var items = new Option<int>("--items") { Description = "Work items per measured phase", DefaultValueFactory = _ => 20000 };
        var seconds = new Option<int>("--seconds") { Description = "Time limit per phase", DefaultValueFactory = _ => 30 };
        var batch = new Option<int>("--batch") { Description = "Items per batched claim", DefaultValueFactory = _ => 50 };
        var streams = new Option<int>("--streams") { Description = "Live event streams held open by the tenant's owner while the phases run, as open dashboards would be", DefaultValueFactory = _ => 0 };
        var rounds = new Option<int>("--rounds") { Description = "Times the measured phases run, one after another; the ratios are also given as medians", DefaultValueFactory = _ => 1 };
        var command = new Command("dispatch", "Claim/heartbeat/complete cycles per second and latency, with a raw SQL baseline")
        {
            store, agents, items, seconds, batch, rounds, streams,
        };
        command.SetAction(async (result, ct) =>
        {
            if (result.GetValue(rounds) is < 1 or > 20)
            {
                AnsiConsole.MarkupLine("[red]--rounds must be between 1 and 20[/]");
                return 2;
            }

            if (result.GetValue(streams) is < 0 or > 200)
            {
                AnsiConsole.MarkupLine("[red]--streams must be between 0 and 200[/]");
                return 2;
            }

            return await BenchServer.RunToEndAsync(() => RunAsync(result.GetValue(store)!, result.GetValue(agents), result.GetValue(items),
                TimeSpan.FromSeconds(result.GetValue(seconds)), result.GetValue(batch), result.GetValue(rounds), result.GetValue(streams), ct), ct);
        });
        return command;
    }

    /// The concurrency limit the benchmark gives its agents (the most an agent may have), so claim phases can keep what they claim.
    private const int HeldPerAgent = 1000;

    private const int MaxWarmUpRounds = 15;

    private sealed record Phase(string Name, long Operations, long Items, TimeSpan Elapsed, List<double> LatenciesMs)
    {
        /// Which round of the measured phases this phase belongs to (the floor and warm-up belong to none).
        public int Round { get; init; }

        public double CpuMs { get; init; }

        public double JitMs { get; init; }

        /// SQLite: writes kept per commit, as writes queued behind one another share commits.
        public double? WritesPerCommit { get; init; }

        /// The share of the phase in which a write held SQLite's writer gate.
        public double? WriterHeld { get; init; }

        public double ItemsPerSecond => Items / Elapsed.TotalSeconds;
        public double Percentile(double p) => LatenciesMs.Count == 0 ? 0 : LatenciesMs.Order().ElementAt(Math.Min(LatenciesMs.Count - 1, (int)Math.Ceiling(p * LatenciesMs.Count) - 1));
    }

    private static async Task RunAsync(string storeName, int agentCount, int items, TimeSpan limit, int batch, int rounds, int streamCount, CancellationToken ct)
    {
        await using var server = await BenchServer.StartAsync(storeName);
        var (tenantId, owner) = await server.CreateTenantAsync("bench");
        AnsiConsole.MarkupLineInterpolated($"Store: [bold]{server.Store.Describe()}[/], {agentCount} agents, {items} items per phase");

        var agents = new List<(string Id, HttpClient Client)>();
        for (var i = 0; i < agentCount; i++)
        {
            var agent = await PostAsync(owner, "api/v1/agents", new { name = $"bench-{i}", role = "bench", max_concurrent_runs = HeldPerAgent, run_timeout_seconds = 3600 });
            var token = await PostAsync(owner, "api/v1/tokens", new { name = "bench", agent_id = agent.GetProperty("id").GetString() });
            var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 4 }) { BaseAddress = new Uri(server.Url + "/") };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("token").GetString());
            agents.Add((agent.GetProperty("id").GetString()!, client));
        }

        using var watching = new CancellationTokenSource();
        var watchers = Enumerable.Range(0, streamCount).Select(_ => WatchAsync(server.Url, owner.DefaultRequestHeaders.Authorization!, watching.Token)).ToList();
        var phases = new List<Phase>();
        var cpuOfMachine = true;

        // Tiered compilation recompiles hot code for many seconds after start (tens of thousands of methods here), and a
        // phase measured meanwhile charges that compiling to Bosun. Unmeasured rounds of every kind of call run until a
        // round spends less than 2 % of its time in the JIT, so the phases see the server as it runs for the rest of its life.
        for (var round = 1; ; round++)
        {
            var jit = JitInfo.GetCompilationTime();
            var warm = await RunPhaseAsync("warm-up", $"WRM{round}", Math.Min(items, 3000));
            var share = (JitInfo.GetCompilationTime() - jit) / warm.Elapsed;
            var settled = await SettleJitAsync(ct);
            AnsiConsole.MarkupLineInterpolated($"warm-up round {round}: {warm.ItemsPerSecond:F0} items/s, {share:P1} of the time compiling, then {settled.TotalMilliseconds:F0} ms more while idle");
            if (share < 0.02 || round == MaxWarmUpRounds)
            {
                break;
            }
        }

        // On a busy machine one run's figures move by a tenth or more from the next one's, raw baseline included; with
        // several rounds the ratios are also given as medians, which one slow phase does not move.
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var (name, key) in new[] { ("cycle", "CYC"), ("single", "ONE"), ("batched", "BAT"), ("raw", "RAW") })
            {
                var phase = await RunPhaseAsync(name, rounds == 1 ? key : $"{key}{round}", items);
                phases.Add(phase with { Round = round });
            }
        }

        async Task<Phase> RunPhaseAsync(string name, string key, int count)
        {
            var project = await PostAsync(owner, "api/v1/projects", new { key, name });
            await SeedAsync(server, tenantId, project.GetProperty("id").GetString()!, key, count, ct);
            var queue = server.Store.Kind == StoreKind.Sqlite ? SqliteWriteGate.Of(new SqliteConnectionStringBuilder(server.Store.ConnectionString).DataSource) : null;
            var shared = queue?.Counts;
            var held = queue?.HeldTime;
            var cpu = CpuMeter.Start();
            var jit = JitInfo.GetCompilationTime();
            var phase = name switch
            {
                "warm-up" => await WarmUpAsync(agents, key, batch, ct),
                "cycle" => await CyclesAsync(agents, key, limit, ct),
                "single" => await ClaimsAsync(agents, key, 1, limit, ct),
                "batched" => await ClaimsAsync(agents, key, batch, limit, ct),
                _ => await RawBaselineAsync(server, tenantId, project.GetProperty("id").GetString()!, agents, limit, ct),
            };
            var (cpuMs, machine) = cpu.Elapsed();
            cpuOfMachine = machine;
            double? writesPerCommit = queue?.Counts is { } now && shared is { } then && now.Commits > then.Commits
                ? (double)(now.Writers - then.Writers) / (now.Commits - then.Commits)
                : null;

            // What a phase left unclaimed must not sit ahead of the next phase's items in the queue, and the runs the
            // claim phases hold must not count against the agents' limits in the next phase.
            await using var scope = server.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            await db.Database.ExecuteSqlRawAsync("UPDATE runs SET status = 'cancelled', stop_reason = 'cancelled', ended_at = {0} WHERE status = 'active'", [DateTime.UtcNow], ct);
            await db.Database.ExecuteSqlRawAsync(
                "UPDATE work_items SET status = 'cancelled', active_run_id = NULL, lease_token = NULL, lease_expires_at = NULL WHERE status IN ('ready', 'claimed', 'in_progress')", ct);
            var writerHeld = queue is not null && held is { } heldBefore ? (queue.HeldTime - heldBefore) / phase.Elapsed : (double?)null;
            return phase with
            {
                Name = name, CpuMs = cpuMs, JitMs = (JitInfo.GetCompilationTime() - jit).TotalMilliseconds, WritesPerCommit = writesPerCommit,
                WriterHeld = writerHeld,
            };
        }

        var floorCpu = CpuMeter.Start();
        var floorJit = JitInfo.GetCompilationTime();
        var floorPhase = await HttpFloorAsync(agents, limit < TimeSpan.FromSeconds(5) ? limit : TimeSpan.FromSeconds(5), ct);
        phases.Add(floorPhase with { Name = "http floor", CpuMs = floorCpu.Elapsed().Ms, JitMs = (JitInfo.GetCompilationTime() - floorJit).TotalMilliseconds });

        // Phases cut short by Ctrl+C would print figures that mean nothing.
        ct.ThrowIfCancellationRequested();

        string Label(Phase p) => rounds > 1 && p.Round > 0 ? $"{p.Name} {p.Round}" : p.Name;
        var table = new Table().AddColumns("phase", "operations", "items", "seconds", "items/s", "p50 ms", "p99 ms", "cpu ms/item", "jit ms");
        foreach (var p in phases)
        {
            table.AddRow(Label(p), p.Operations.ToString(), p.Items.ToString(), p.Elapsed.TotalSeconds.ToString("F1"), p.ItemsPerSecond.ToString("F0"),
                p.Percentile(0.5).ToString("F2"), p.Percentile(0.99).ToString("F2"), (p.CpuMs / Math.Max(1, p.Items)).ToString("F3"), p.JitMs.ToString("F0"));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"cpu ms/item: CPU time {(cpuOfMachine ? $"the whole machine ({Environment.ProcessorCount} cores: server, client and database)" : "of this process")} spent per item during the phase");
        double Rate(string name, int round) => phases.Single(p => p.Name == name && p.Round == round).ItemsPerSecond;
        List<double> ByRound(Func<int, double> figure) => [.. Enumerable.Range(1, rounds).Select(figure)];
        var cycleToRaw = ByRound(r => Rate("cycle", r) / Rate("raw", r));
        var batchedToSingle = ByRound(r => Rate("batched", r) / Rate("single", r));
        string EachRound(List<double> ratios, string format) =>
            rounds == 1 ? "" : $"; by round {string.Join(", ", ratios.Select(x => x.ToString(format)))}, the median shown";
        AnsiConsole.MarkupLineInterpolated($"cycle: claim → heartbeat → complete over HTTP; raw: SQL writing the same rows (item, run, 5 audit rows, 5 stream events) in the same 3 transactions, no HTTP");
        var cycleGoal = Median(cycleToRaw) >= 0.5 ? "met" : "not met";
        AnsiConsole.MarkupLineInterpolated($"Bosun cycles / raw SQL baseline: [bold]{Median(cycleToRaw):F2}[/] (goal ≥ 0.5: {cycleGoal}){EachRound(cycleToRaw, "F2")}");
        var batchGoal = server.Store.Kind == StoreKind.Postgres ? $" (goal ≥ 10×: {(Median(batchedToSingle) >= 10 ? "met" : "not met")})" : " (no goal on SQLite: one writer bounds both)";
        AnsiConsole.MarkupLineInterpolated($"batched claims (max {batch}) / single claims: [bold]{Median(batchedToSingle):F1}×[/]{batchGoal}{EachRound(batchedToSingle, "F1")}");
        if (phases.Any(p => p.WritesPerCommit is not null))
        {
            AnsiConsole.MarkupLineInterpolated($"SQLite writes per shared commit: {string.Join(", ", phases.Where(p => p.WritesPerCommit is not null).Select(p => $"{Label(p)} {p.WritesPerCommit:F1}"))}");
            var bosunPhases = phases.Where(p => p.WriterHeld is not null && p.Name != "raw").ToList();
            AnsiConsole.MarkupLineInterpolated($"SQLite writer gate held (share of the phase; µs per item): {string.Join(", ", bosunPhases.Select(p => $"{Label(p)} {p.WriterHeld:P0}; {p.WriterHeld * p.Elapsed.TotalMicroseconds / Math.Max(1, p.Items):F0}"))}");
        }

        watching.Cancel();
        if (streamCount > 0)
        {
            var received = (await Task.WhenAll(watchers)).Sum();
            AnsiConsole.MarkupLineInterpolated($"{streamCount} live event streams were open throughout and received {received / 1e6:F1} MB of events");
        }

        var floor = phases.Single(p => p.Name == "http floor");
        var rawRate = Median(ByRound(r => Rate("raw", r)));
        var cycleRate = Median(ByRound(r => Rate("cycle", r)));
        AnsiConsole.MarkupLineInterpolated($"http floor (three empty requests per cycle, no auth, no database) / raw SQL baseline: [bold]{floor.ItemsPerSecond / rawRate:F2}[/]; Bosun cycles reach [bold]{cycleRate / floor.ItemsPerSecond:F2}[/] of it");
    }

    /// The runtime recompiles hot methods on one background thread, which a loaded two-core machine starves: the queue it
    /// had not worked off in a warm-up round spilled into the first measured phase (1.5-2 s of compiling in a 10 s phase).
    /// Between warm-up rounds the bench waits, idle, until a quarter second passes without compiling (at most 10 s), and
    /// returns how much was compiled meanwhile.
    internal static async Task<TimeSpan> SettleJitAsync(CancellationToken ct)
    {
        var start = JitInfo.GetCompilationTime();
        var waited = Stopwatch.StartNew();
        for (var before = start; waited.Elapsed < TimeSpan.FromSeconds(10); )
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
            var now = JitInfo.GetCompilationTime();
            if (now - before < TimeSpan.FromMilliseconds(1))
            {
                break;
            }

            before = now;
        }

        return JitInfo.GetCompilationTime() - start;
    }

    /// Runs every agent's loop until the time limit or until a step reports no more work; each completed step is
    /// one timed cycle.
    private static async Task<Phase> TimedCyclesAsync(List<(string Id, HttpClient Client)> agents, TimeSpan limit, Func<HttpClient, Task<bool>> step, CancellationToken ct)
    {
        var latencies = new List<double>();
        long done = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(agents.Select(async agent =>
        {
            var mine = new List<double>();
            while (clock.Elapsed < limit && !ct.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                if (!await step(agent.Client))
                {
                    break;
                }

                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Increment(ref done);
            }

            lock (latencies)
            {
                latencies.AddRange(mine);
            }
        }));
        return new Phase("", done, done, clock.Elapsed, latencies);
    }

    private static Task<Phase> CyclesAsync(List<(string Id, HttpClient Client)> agents, string project, TimeSpan limit, CancellationToken ct) =>
        TimedCyclesAsync(agents, limit, async client =>
        {
            var claimed = (await PostAsync(client, "api/v1/work/claim", new { project })).GetProperty("items");
            if (claimed.GetArrayLength() == 0)
            {
                return false;
            }

            var run = claimed[0].GetProperty("run");
            var path = $"api/v1/runs/{run.GetProperty("run_id").GetString()}";
            var lease = run.GetProperty("lease_token").GetString();
            await PostAsync(client, $"{path}/heartbeat", new { lease_token = lease, progress = "working" });
            await PostAsync(client, $"{path}/complete", new { lease_token = lease, output = new { ok = true } });
            return true;
        }, ct);

    /// Every agent claims, beats, completes, fails, releases and claims a batch a few times; nothing is measured.
    private static async Task<Phase> WarmUpAsync(List<(string Id, HttpClient Client)> agents, string project, int batch, CancellationToken ct)
    {
        // A claim of one item takes other code than a claim of several (compiled single-row queries), so both are warmed:
        // the measured cycles claim one at a time.
        await TimedCyclesAsync(agents, TimeSpan.FromSeconds(3), async client =>
        {
            var one = await ClaimRunsAsync(client, project, 1);
            var two = await ClaimRunsAsync(client, project, 2);
            if (one.Count < 1 || two.Count < 2)
            {
                return false;
            }

            await PostAsync(client, $"{one[0].Path}/heartbeat", new { lease_token = one[0].Token, progress = "warming up" });
            await PostAsync(client, $"{one[0].Path}/complete", new { lease_token = one[0].Token, output = new { ok = true } });
            await PostAsync(client, $"{two[0].Path}/fail", new { lease_token = two[0].Token, error = "warm-up", retryable = true });
            await PostAsync(client, $"{two[1].Path}/release", new { lease_token = two[1].Token });
            return true;
        }, ct);
        return await ClaimsAsync(agents, project, batch, TimeSpan.FromSeconds(1), ct);
    }

    private static async Task<List<(string Path, string? Token)>> ClaimRunsAsync(HttpClient client, string project, int max) =>
        (await PostAsync(client, "api/v1/work/claim", new { project, max })).GetProperty("items").EnumerateArray()
            .Select(c => c.GetProperty("run"))
            .Select(r => ($"api/v1/runs/{r.GetProperty("run_id").GetString()}", r.GetProperty("lease_token").GetString()))
            .ToList();

    /// The same agents making three requests per cycle to an endpoint that does nothing: what HTTP alone costs on
    /// this machine, the ceiling for any API cycle of three calls.
    private static Task<Phase> HttpFloorAsync(List<(string Id, HttpClient Client)> agents, TimeSpan limit, CancellationToken ct) =>
        TimedCyclesAsync(agents, limit, async client =>
        {
            for (var call = 0; call < 3; call++)
            {
                using var response = await client.GetAsync("/healthz");
                response.EnsureSuccessStatusCode();
                await response.Content.ReadAsByteArrayAsync();
            }

            return true;
        }, ct);

    /// Claims only, as fast as the agents can make them: each agent keeps what it claims (up to its concurrency
    /// limit), so no completion competes with the claims being measured.
    private static async Task<Phase> ClaimsAsync(List<(string Id, HttpClient Client)> agents, string project, int max, TimeSpan limit, CancellationToken ct)
    {
        var latencies = new List<double>();
        long calls = 0, claimed = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(agents.Select(async agent =>
        {
            var mine = new List<double>();
            var held = 0;
            while (clock.Elapsed < limit && held < HeldPerAgent && !ct.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                var batch = (await PostAsync(agent.Client, "api/v1/work/claim", new { project, max = Math.Min(max, HeldPerAgent - held) })).GetProperty("items");
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Increment(ref calls);
                if (batch.GetArrayLength() == 0)
                {
                    break;
                }

                held += batch.GetArrayLength();
                Interlocked.Add(ref claimed, batch.GetArrayLength());
            }

            lock (latencies)
            {
                latencies.AddRange(mine);
            }
        }));
        return new Phase("", calls, claimed, clock.Elapsed, latencies);
    }

    /// Raw SQL cycles that write what Bosun's cycles write (see <see cref="DispatchBaseline"/>), one connection per agent.
    private static async Task<Phase> RawBaselineAsync(BenchServer server, string tenantId, string projectId, List<(string Id, HttpClient Client)> agents, TimeSpan limit, CancellationToken ct)
    {
        var postgres = server.Store.Kind == StoreKind.Postgres;
        var latencies = new List<double>();
        long done = 0;
        var clock = Stopwatch.StartNew();
        var writer = postgres ? null : new SemaphoreSlim(1, 1);
        await Task.WhenAll(agents.Select(async (agent, i) =>
        {
            await using DbConnection connection = postgres ? new NpgsqlConnection(server.Store.ConnectionString) : new SqliteConnection(server.Store.ConnectionString);
            await connection.OpenAsync(ct);
            if (!postgres)
            {
                await Exec(connection, null, "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;");
            }

            var who = new DispatchBaseline.Agent(tenantId, projectId, agent.Id, $"bench-{i}");
            var mine = new List<double>();
            while (clock.Elapsed < limit && !ct.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                if (!await DispatchBaseline.CycleAsync(connection, postgres, who, writer, ct))
                {
                    break;
                }

                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Increment(ref done);
            }

            lock (latencies)
            {
                latencies.AddRange(mine);
            }
        }));
        return new Phase("", done, done, clock.Elapsed, latencies);
    }

    private static async Task SeedAsync(BenchServer server, string tenantId, string projectId, string key, int count, CancellationToken ct)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        await db.Database.OpenConnectionAsync(ct);
        var connection = db.Database.GetDbConnection();
        await using var tx = await connection.BeginTransactionAsync(ct);
        var now = DateTime.UtcNow;
        await using var insert = connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = """
            INSERT INTO work_items (tenant_id, id, project_id, number, key, type, title, status, priority, approval_required, attempts,
                                    position, close_with_children, created_at, updated_at)
            VALUES (@t, @id, @p, @n, @k, 'task', @title, 'ready', 1, FALSE, 0, @id, FALSE, @now, @now)
            """;
        var parameters = new[] { "t", "id", "p", "n", "k", "title", "now" }.ToDictionary(n => n, n =>
        {
            var p = insert.CreateParameter();
            p.ParameterName = n;
            insert.Parameters.Add(p);
            return p;
        });
        parameters["t"].Value = tenantId;
        parameters["p"].Value = projectId;
        parameters["now"].Value = now;
        for (var i = 1; i <= count; i++)
        {
            parameters["id"].Value = Ids.New();
            parameters["n"].Value = i;
            parameters["k"].Value = $"{key}-{i}";
            parameters["title"].Value = $"Benchmark item {i}";
            await insert.ExecuteNonQueryAsync(ct);
        }

        await Exec(connection, tx, "UPDATE projects SET next_item_number = @n WHERE tenant_id = @t AND id = @p", ("n", count + 1), ("t", tenantId), ("p", projectId));
        await tx.CommitAsync(ct);
        // On PostgreSQL the earlier phases left dead row versions behind; vacuuming them now keeps autovacuum from
        // cleaning up after those phases while this one is measured. SQLite is measured as Bosun leaves it: without
        // statistics, which SQLite only gathers when told to.
        if (server.Store.Kind == StoreKind.Postgres)
        {
            await Exec(connection, null, "VACUUM ANALYZE");
        }
    }

    /// One live event stream, as a dashboard holds it open: reads everything the server sends until told to stop.
    private static async Task<long> WatchAsync(string url, AuthenticationHeaderValue auth, CancellationToken ct)
    {
        using var client = new HttpClient { BaseAddress = new Uri(url + "/"), Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Authorization = auth;
        long received = 0;
        try
        {
            using var response = await client.GetAsync("api/v1/stream", HttpCompletionOption.ResponseHeadersRead, ct);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await body.ReadAsync(buffer, ct)) > 0)
            {
                received += read;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }

        return received;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static async Task<JsonElement> PostAsync(HttpClient client, string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: BosunJson.Options) };
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {text}");
        }

        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task Exec(DbConnection connection, DbTransaction? tx, string sql, params (string Name, object Value)[] args)
    {
        await using var command = Build(connection, tx, sql, args);
        await command.ExecuteNonQueryAsync();
    }

    private static DbCommand Build(DbConnection connection, DbTransaction? tx, string sql, (string Name, object Value)[] args)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        foreach (var (name, value) in args)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            command.Parameters.Add(p);
        }

        return command;
    }
}
