using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bosun.Core.Data;
using Bosun.Server.Http;
using Bosun.Tests.Agents;
using Bosun.Tests.Cli;
using Bosun.Tests.Infrastructure;
using Npgsql;

namespace Bosun.Tests.Scale;

/// Three real `bosun serve` processes on one PostgreSQL database, as behind a load balancer: agents claim through one
/// process and complete through another, and what must happen once (a claim, a completion, a schedule's firing, the
/// reaping of an expired lease, a stream event) happens once whichever process gets there first.
public sealed partial class ScaleOutTests
{
    private const int Items = 45;
    private const int Agents = 6;
    private const int Schedules = 12;

    [Fact, Trait(TestCategory.Key, TestCategory.Postgres)]
    public async Task Three_serve_processes_on_one_postgresql_share_claims_schedules_the_reaper_and_one_stream()
    {
        var database = await TestDatabases.CreateAsync(StoreKind.Postgres);
        string tenantId;
        string ownerToken;
        await using (var setup = await BosunTestApp.StartOnAsync(database))
        {
            var tenant = await setup.CreateTenantAsync();
            (tenantId, ownerToken) = (tenant.Id, tenant.OwnerToken);
        }

        var processes = Enumerable.Range(0, 3).Select(_ => BosunProcess.Start("serve", "--postgres", database.ConnectionString, "--urls", "http://127.0.0.1:0")).ToList();
        try
        {
            var urls = new List<string>();
            foreach (var process in processes)
            {
                await process.WaitForOutputAsync("Listening on", TimeSpan.FromMinutes(1));
                urls.Add(ListeningUrl().Match(process.Output).Value);
            }

            HttpClient Client(int process, string token) =>
                new() { BaseAddress = new Uri(urls[process % 3]), DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
            var owners = Enumerable.Range(0, 3).Select(p => Client(p, ownerToken)).ToList();

            // Each process streams the tenant from its first event, before anything below happens.
            var streams = new List<SseClient>();
            foreach (var owner in owners)
            {
                streams.Add(await SseClient.OpenAsync(owner, "/api/v1/stream?last_event_id=0"));
            }

            await owners[0].PostJsonAsync("/api/v1/projects", new { key = "WEB", name = "Web" });
            await owners[1].PostJsonAsync("/api/v1/projects", new { key = "OPS", name = "Operations" });
            var agentTokens = new List<string>();
            for (var a = 0; a < Agents; a++)
            {
                var agent = await owners[a % 3].PostJsonAsync("/api/v1/agents", new { name = $"worker-{a}", role = "backend" });
                var token = await owners[a % 3].PostJsonAsync("/api/v1/tokens", new { name = $"worker-{a} token", agent_id = agent.Str("id") });
                agentTokens.Add(token.Str("token"));
            }

            // An agent that claims and vanishes: its lease is made to have expired, and each process sweeps for
            // expired leases every few seconds.
            var lost = await owners[0].PostJsonAsync("/api/v1/work", new { project_id = "WEB", title = "Lost", status = "ready" });
            using (var vanishing = Client(0, agentTokens[0]))
            {
                var claimed = (await vanishing.PostJsonAsync("/api/v1/work/claim", new { project = "WEB" })).GetProperty("items").EnumerateArray().Single();
                Assert.Equal(lost.Str("id"), claimed.GetProperty("item").Str("id"));
            }

            await ExecuteAsync(database.ConnectionString, "UPDATE work_items SET lease_expires_at = now() - interval '1 minute' WHERE id = @id", ("id", lost.Str("id")));

            // Schedules due once, a few seconds from now, at the same second: each process's loop reaches them together.
            var due = DateTime.UtcNow.AddSeconds(6);
            var cron = $"{due.Second} {due.Minute} {due.Hour} {due.Day} {due.Month} *";
            var schedules = new List<string>();
            for (var s = 0; s < Schedules; s++)
            {
                schedules.Add((await owners[s % 3].PostJsonAsync("/api/v1/schedules", new { name = $"Once {s}", cron, project = "OPS", title = $"Scheduled {s}" })).Str("id"));
            }

            var items = new List<string> { lost.Str("id") };
            for (var i = 0; i < Items; i++)
            {
                items.Add((await owners[i % 3].PostJsonAsync("/api/v1/work", new { project_id = "WEB", title = $"Item {i}", status = "ready" })).Str("id"));
            }

            // Agent a claims through process a and completes through the next one.
            var completed = new ConcurrentBag<string>();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(45));
            await Task.WhenAll(Enumerable.Range(0, Agents).Select(a => Task.Run(async () =>
            {
                using var claims = Client(a, agentTokens[a]);
                using var completions = Client(a + 1, agentTokens[a]);
                while (completed.Count < items.Count)
                {
                    timeout.Token.ThrowIfCancellationRequested();
                    var response = await claims.PostAsJsonAsync("/api/v1/work/claim", new { project = "WEB" }, BosunJson.Options, timeout.Token);
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        continue;
                    }

                    var claimed = (await response.ReadSuccessAsync()).GetProperty("items").EnumerateArray().ToList();
                    if (claimed.Count == 0)
                    {
                        await Task.Delay(200, timeout.Token);
                        continue;
                    }

                    var run = claimed[0].GetProperty("run");
                    HttpResponseMessage completion;
                    do
                    {
                        // A database too busy to answer in time is a 503 that saved nothing: agents send it again.
                        completion = await completions.PostAsJsonAsync($"/api/v1/runs/{run.Str("run_id")}/complete",
                            new { lease_token = run.Str("lease_token"), summary = $"by worker-{a}" }, BosunJson.Options, timeout.Token);
                    }
                    while (completion.StatusCode == HttpStatusCode.ServiceUnavailable);

                    var done = await completion.ReadSuccessAsync();
                    Assert.Equal("done", done.GetProperty("item").Str("status"));
                    completed.Add(claimed[0].GetProperty("item").Str("id"));
                }
            })));

            // Every item was completed once, by one run, except the lost one: its first run was reaped once and a second
            // run did it.
            Assert.Equal(items.Order(), completed.Order());
            var runs = await RowsAsync(database.ConnectionString, "SELECT work_item_id, attempt, status FROM runs WHERE tenant_id = @t", ("t", tenantId));
            foreach (var item in items.Skip(1))
            {
                var only = Assert.Single(runs, r => (string)r[0]! == item);
                Assert.Equal((1, "completed"), ((int)only[1]!, (string)only[2]!));
            }

            Assert.Equal([(1, "timed_out"), (2, "completed")],
                runs.Where(r => (string)r[0]! == lost.Str("id")).Select(r => ((int)r[1]!, (string)r[2]!)).Order());

            // Each schedule fired once, for one item, across the three loops.
            await WaitUntilAsync(async () => await CountAsync(database.ConnectionString,
                "SELECT count(*) FROM schedule_firings WHERE tenant_id = @t", ("t", tenantId)) >= Schedules, TimeSpan.FromSeconds(20));
            await Task.Delay(TimeSpan.FromSeconds(2)); // one more pass of every loop, which must find nothing due
            var firings = await RowsAsync(database.ConnectionString, "SELECT schedule_id, status FROM schedule_firings WHERE tenant_id = @t", ("t", tenantId));
            Assert.Equal(schedules.Order(), firings.Select(f => (string)f[0]!).Order());
            Assert.All(firings, f => Assert.Equal("fired", (string)f[1]!));
            Assert.Equal(Schedules, await CountAsync(database.ConnectionString,
                "SELECT count(*) FROM work_items w JOIN projects p ON p.id = w.project_id WHERE w.tenant_id = @t AND p.key = 'OPS'", ("t", tenantId)));

            // Every process's stream delivered the same events, numbered 1, 2, 3, ... with none twice and none missing.
            await WaitUntilAsync(async () => await CountAsync(database.ConnectionString,
                "SELECT count(*) FROM stream_events WHERE tenant_id = @t AND seq < 0", ("t", tenantId)) == 0, TimeSpan.FromSeconds(10));
            var last = await CountAsync(database.ConnectionString, "SELECT last_seq FROM stream_heads WHERE tenant_id = @t", ("t", tenantId));
            var seen = new List<List<SseEvent>>();
            foreach (var stream in streams)
            {
                seen.Add(await stream.UntilAsync(e => e.Id == last));
            }

            foreach (var events in seen)
            {
                Assert.Equal(Enumerable.Range(1, (int)last).Select(n => (long?)n), events.Select(e => e.Id));
                Assert.Equal(seen[0].Select(e => (e.Type, e.Data.GetRawText())), events.Select(e => (e.Type, e.Data.GetRawText())));
            }

            var stream0 = seen[0];
            Assert.Equal(items.Count + 1, stream0.Count(e => e.Type == "run.ended"));
            Assert.Single(stream0, e => e.Type == "run.ended" && e.Data.GetProperty("work_item_id").GetString() == lost.Str("id")
                && e.Data.GetProperty("changes").GetProperty("status").GetProperty("after").GetString() == "timed_out");
            Assert.Equal(schedules.Order(), stream0.Where(e => e.Type == "schedule.fired").Select(e => e.Data.Str("entity_id")).Order());
            Assert.Equal(items.Order(), stream0.Where(e => e.Type == "work_item.changed" && StatusAfter(e) == "done").Select(e => e.Data.Str("work_item_id")).Order());

            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }

            owners.ForEach(o => o.Dispose());
        }
        catch (Exception) when (Dump(processes))
        {
            throw;
        }
        finally
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }
        }
    }

    private static string? StatusAfter(SseEvent e) =>
        e.Data.TryGetProperty("changes", out var changes) && changes.ValueKind == JsonValueKind.Object && changes.TryGetProperty("status", out var status)
            ? status.GetProperty("after").GetString()
            : null;

    /// Puts what the servers printed beside a failure; never catches.
    private static bool Dump(IEnumerable<BosunProcess> processes)
    {
        foreach (var process in processes)
        {
            Console.Error.WriteLine(process.Transcript());
        }

        return false;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within {limit}");
            await Task.Delay(250);
        }
    }

    internal static async Task ExecuteAsync(string connectionString, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync();
    }

    internal static async Task<long> CountAsync(string connectionString, string sql, params (string Name, object Value)[] parameters) =>
        Convert.ToInt64((await RowsAsync(connectionString, sql, parameters)).Single()[0], System.Globalization.CultureInfo.InvariantCulture);

    internal static async Task<List<object?[]>> RowsAsync(string connectionString, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await Sql.RowsAsync(command, sync: false, CancellationToken.None);
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+")]
    private static partial Regex ListeningUrl();
}
