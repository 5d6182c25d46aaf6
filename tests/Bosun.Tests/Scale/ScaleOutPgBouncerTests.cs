using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Server.Http;
using Bosun.Tests.Agents;
using Bosun.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Bosun.Tests.Scale;

/// Bosun behind a real PgBouncer in transaction mode, with the connection-string setting docs/scale-out.md gives
/// (`Max Auto Prepare=0`): each transaction may run on a different server connection, and one server connection
/// serves both tenants' transactions in turn, so nothing Bosun relies on may live in a session.
public sealed class ScaleOutPgBouncerTests
{
    private const int ItemsPerTenant = 20;

    [Fact, Trait(TestCategory.Key, TestCategory.Postgres)]
    public async Task Behind_pgbouncer_in_transaction_mode_tenants_stay_apart_and_claims_completions_and_the_stream_work()
    {
        var database = await TestDatabases.CreateEmptyAsync(StoreKind.Postgres);
        var postgres = await TestDatabases.PostgresAsync();
        var name = new NpgsqlConnectionStringBuilder(database.ConnectionString).Database!;
        await using var bouncer = await PgBouncer.StartAsync(postgres, poolSize: 3);
        var errors = new ErrorLog();
        var store = StoreOptions.Postgres(bouncer.ConnectionString(name));

        // Three servers start at once on an empty database and migrate it through the pooler's three server connections:
        // one holds the migration lock on one and migrates on another, while the others try for the lock again and again
        // in short transactions. Had they waited for it inside a transaction, they would hold the last server connections
        // and the migrations would wait for one until their command timed out (as they did).
        var apps = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => BosunTestApp.StartOnAsync(store, logs: errors)));
        await using var first = apps[0];
        await using var second = apps[1];
        await using var third = apps[2];
        Assert.Empty((await first.WithDbAsync(db => Migrator.StatusAsync(db))).Pending);
        var tenants = new[] { await first.CreateTenantAsync(), await second.CreateTenantAsync() };

        var streams = new List<SseClient>();
        var items = new List<List<string>>();
        var agents = new List<HttpClient>();
        foreach (var tenant in tenants)
        {
            streams.Add(await SseClient.OpenAsync(tenant.Owner, "/api/v1/stream?last_event_id=0"));
            await tenant.CreateProjectAsync("WEB");
            var mine = new List<string>();
            for (var i = 0; i < ItemsPerTenant; i++)
            {
                mine.Add((await tenant.CreateWorkAsync("WEB", $"{tenant.Slug} item {i}", new { status = "ready" })).Str("id"));
            }

            items.Add(mine);
            for (var a = 0; a < 3; a++)
            {
                agents.Add((await tenant.CreateAgentAsync($"worker-{a}")).Client);
            }
        }

        // Both tenants read at once, many times, through two servers over three server connections: a tenant id left on a
        // server connection by one transaction would show another tenant's items to the next.
        await Task.WhenAll(Enumerable.Range(0, 40).Select(async n =>
        {
            var t = n % 2;
            var listed = await tenants[t].Owner.ListAllAsync("/api/v1/work");
            Assert.Equal(items[t].Order(), listed.Select(w => w.Str("id")).Order());
        }));

        // Six agents, three per tenant, claim and complete concurrently.
        var completed = new[] { new ConcurrentBag<string>(), new ConcurrentBag<string>() };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        await Task.WhenAll(agents.Select((agent, a) => Task.Run(async () =>
        {
            var t = a / 3;
            while (true)
            {
                var response = await agent.PostAsJsonAsync("/api/v1/work/claim", new { }, BosunJson.Options, timeout.Token);
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    continue;
                }

                var claimed = (await response.ReadSuccessAsync()).GetProperty("items").EnumerateArray().ToList();
                if (claimed.Count == 0)
                {
                    return;
                }

                var item = claimed[0].GetProperty("item").Str("id");
                Assert.Contains(item, items[t]);
                var run = claimed[0].GetProperty("run");
                var lease = run.Str("lease_token");
                await (await agent.PostAsJsonAsync($"/api/v1/runs/{run.Str("run_id")}/heartbeat", new { lease_token = lease }, BosunJson.Options, timeout.Token)).ReadSuccessAsync();
                var done = await (await agent.PostAsJsonAsync($"/api/v1/runs/{run.Str("run_id")}/complete", new { lease_token = lease }, BosunJson.Options, timeout.Token)).ReadSuccessAsync();
                Assert.Equal("done", done.GetProperty("item").Str("status"));
                completed[t].Add(item);
            }
        })));

        for (var t = 0; t < 2; t++)
        {
            Assert.Equal(items[t].Order(), completed[t].Order());

            // The tenant's stream, numbered from 1 with no gaps, carries each of its items' completion and nothing of
            // the other tenant's.
            var pending = items[t].ToHashSet();
            var events = await streams[t].UntilAsync(e =>
                (e.Type != "work_item.changed" || StatusAfter(e) != "done" || pending.Remove(e.Data.Str("work_item_id"))) && pending.Count == 0);
            Assert.Equal(Enumerable.Range(1, events.Count).Select(n => (long?)n), events.Select(e => e.Id));
            Assert.DoesNotContain(events, e => e.Data.TryGetProperty("work_item_id", out var w) && items[1 - t].Contains(w.GetString()!));
            Assert.Equal(items[t].Order(), events.Where(e => e.Type == "work_item.changed" && StatusAfter(e) == "done").Select(e => e.Data.Str("work_item_id")).Order());
            await streams[t].DisposeAsync();
        }

        // Row-level security still holds per transaction through the pooler: a transaction that sets tenant A sees only
        // A's items, and the next one on the same client connection starts with no tenant at all.
        await using var connection = new NpgsqlConnection(bouncer.ConnectionString(name));
        await connection.OpenAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using var command = new NpgsqlCommand(
                "SET LOCAL ROLE bosun_app; SELECT set_config('app.tenant_id', @tenant, true); SELECT count(*) FROM work_items", connection, transaction);
            command.Parameters.AddWithValue("tenant", tenants[0].Id);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.NextResultAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(ItemsPerTenant, reader.GetInt64(0));
        }

        await using (var after = new NpgsqlCommand("SELECT coalesce(current_setting('app.tenant_id', true), ''), current_user", connection))
        await using (var reader = await after.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(("", "postgres"), (reader.GetString(0), reader.GetString(1)));
        }

        Assert.True(errors.Messages.IsEmpty, $"the server logged errors:\n{string.Join("\n", errors.Messages)}\n{bouncer.Log()}");
    }

    private static string? StatusAfter(SseEvent e) =>
        e.Data.TryGetProperty("changes", out var changes) && changes.ValueKind == JsonValueKind.Object && changes.TryGetProperty("status", out var status)
            ? status.GetProperty("after").GetString()
            : null;

    private sealed class ErrorLog : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Messages.Enqueue($"{formatter(state, exception)} {exception}");
            }
        }

        public void Dispose()
        {
        }
    }
}
