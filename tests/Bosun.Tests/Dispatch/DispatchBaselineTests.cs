using System.Data.Common;
using Bosun.Cli.Bench;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Bosun.Tests.Dispatch;

/// `bosun bench dispatch` compares Bosun's claim → heartbeat → complete cycles with raw SQL that writes the same rows.
/// The comparison means something only while that holds, so this test runs one cycle of each on one database and
/// compares the rows each added, table by table.
public sealed class DispatchBaselineTests
{
    [Theory, BothStores]
    public async Task A_baseline_cycle_inserts_the_same_rows_as_a_Bosun_cycle_and_leaves_the_item_done(StoreKind store)
    {
        var database = await TestDatabases.CreateAsync(store);
        await using var app = await BosunTestApp.StartOnAsync(database);
        var acme = await app.CreateTenantAsync();
        var project = await acme.CreateProjectAsync("WEB");
        var (agent, coder, _) = await acme.CreateAgentAsync("coder");
        await acme.CreateWorkAsync("WEB", "By Bosun", new { status = "ready", priority = "high" });
        var byBaseline = await acme.CreateWorkAsync("WEB", "By the baseline", new { status = "ready" });

        var before = await RowsAsync(database);
        var claim = await coder.PostJsonAsync("/api/v1/work/claim", new { project = "WEB" });
        var run = claim.GetProperty("items")[0].GetProperty("run");
        await coder.PostJsonAsync($"/api/v1/runs/{run.Str("run_id")}/heartbeat", new { lease_token = run.Str("lease_token"), progress = "working" });
        await coder.PostJsonAsync($"/api/v1/runs/{run.Str("run_id")}/complete", new { lease_token = run.Str("lease_token"), output = new { ok = true } });
        var afterBosun = await RowsAsync(database);

        await using (var connection = Open(database))
        {
            await connection.OpenAsync();
            var who = new DispatchBaseline.Agent(acme.Id, project.Str("id"), agent.Str("id"), "coder");
            Assert.True(await DispatchBaseline.CycleAsync(connection, store == StoreKind.Postgres, who, store == StoreKind.Sqlite ? new SemaphoreSlim(1, 1) : null, default));
            Assert.False(await DispatchBaseline.CycleAsync(connection, store == StoreKind.Postgres, who, null, default));
        }

        var afterBaseline = await RowsAsync(database);
        var bosun = Added(before, afterBosun);
        Assert.Equal(1, bosun["runs"]);
        Assert.Equal(5, bosun["audit_entries"]);
        Assert.Equal(5, bosun["stream_events"]);
        Assert.True(bosun.OrderBy(k => k.Key).SequenceEqual(Added(afterBosun, afterBaseline).OrderBy(k => k.Key)), $"Bosun: {string.Join(", ", bosun.Select(k => $"{k.Key}={k.Value}"))}; baseline: {string.Join(", ", Added(afterBosun, afterBaseline).Select(k => $"{k.Key}={k.Value}"))}");

        // What the baseline wrote reads back through Bosun as a finished item and run, its events numbered in the stream.
        var item = await acme.Owner.GetJsonAsync($"/api/v1/work/{byBaseline.Str("key")}");
        Assert.Equal("done", item.Str("status"));
        var events = await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={byBaseline.Str("id")}");
        Assert.Equal(["work_item.claimed", "work_item.created", "work_item.updated", "work_item.updated"], events.Select(e => e.Str("action")).Order());
    }

    private static DbConnection Open(StoreOptions store) =>
        store.Kind == StoreKind.Postgres ? new NpgsqlConnection(store.ConnectionString) : new SqliteConnection(store.ConnectionString);

    private static Dictionary<string, long> Added(Dictionary<string, long> before, Dictionary<string, long> after) =>
        after.Where(t => t.Value != before.GetValueOrDefault(t.Key)).ToDictionary(t => t.Key, t => t.Value - before.GetValueOrDefault(t.Key));

    /// Rows in every table of the database.
    private static async Task<Dictionary<string, long>> RowsAsync(StoreOptions store)
    {
        await using var connection = Open(store);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = store.Kind == StoreKind.Postgres
                ? "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                : "SELECT name FROM sqlite_master WHERE type = 'table'";
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        // The evaluation log is written by its own job about once a second, from decisions made before the cycle (issuing
        // the agent's token is a logged allow): when it lands says nothing of what a cycle writes.
        // The same holds for the notification router's cursor, whose row a tenant gets on the router's first pass, and
        // SQLite's planner statistics (sqlite_stat1, sqlite_stat4), rewritten by the statistics job.
        tables.Remove("permission_decisions");
        tables.Remove("notification_cursors");
        tables.RemoveAll(t => t.StartsWith("sqlite_stat", StringComparison.Ordinal));
        var rows = new Dictionary<string, long>();
        foreach (var table in tables)
        {
            await using var count = connection.CreateCommand();
            count.CommandText = $"SELECT count(*) FROM \"{table}\"";
            rows[table] = Convert.ToInt64(await count.ExecuteScalarAsync());
        }

        return rows;
    }
}
