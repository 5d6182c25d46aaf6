using Bosun.Core.Data;
using Bosun.Core.Data.Safety;
using Bosun.Tests.Cli;
using Bosun.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.DataSafety;

/// An installation that started on the SQLite file moves to PostgreSQL whole, and the server carries on there.
[Trait(TestCategory.Key, TestCategory.Postgres)]
[Collection("CLI")]
public sealed class MoveStoreTests
{
    [Fact]
    public async Task Move_store_copies_a_populated_SQLite_installation_and_the_server_runs_on_it()
    {
        using var dir = new TempDir();
        var sqlite = await DataSafetyKit.NamedStoreAsync(StoreKind.Sqlite, dir);
        TestTenant acme;
        string held;
        await using (var app = await BosunTestApp.StartOnAsync(sqlite))
        {
            acme = await app.CreateTenantAsync("acme");
            held = await DataSafetyKit.PopulateAsync(acme, DateTimeOffset.UtcNow);
            var globex = await app.CreateTenantAsync("globex");
            await globex.CreateProjectAsync("OPS");
            await globex.CreateWorkAsync("OPS", "Rotate the keys", new { status = "ready" });
        }

        var before = await DataSafetyKit.RowsAsync(sqlite, null);
        var postgres = await TestDatabases.CreateEmptyAsync(StoreKind.Postgres);
        using var cli = new CliRunner(null);
        var moved = (await cli.OkAsync("move-store", "--from-data-dir", Path.GetDirectoryName(sqlite.SqliteFile)!, "--to-postgres", postgres.ConnectionString, "--json")).Json();

        Assert.False(moved.GetProperty("source_changed").GetBoolean());
        Assert.Equal(Bosun.Core.Data.Safety.DataSafety.CodeMigrations(postgres), moved.GetProperty("migrations_applied").EnumerateArray().Select(m => m.GetString()));
        var after = await DataSafetyKit.RowsAsync(postgres, null);
        Assert.Equal(before.Keys, after.Keys);
        foreach (var (table, rows) in before)
        {
            Assert.True(rows.SequenceEqual(after[table]), $"{table} differs after the move");
        }

        Assert.Equal(before.Select(t => (long)t.Value.Count), moved.GetProperty("tables").EnumerateArray().Select(t => t.GetProperty("rows").GetInt64()));

        // Row-level security, grants, triggers and functions are those of a fresh install; partitions hold the events' days.
        var fresh = await TestDatabases.CreateAsync(StoreKind.Postgres);
        Assert.Equal(await DataSafetyKit.CatalogAsync(fresh), await DataSafetyKit.CatalogAsync(postgres));
        var days = await DataSafetyKit.ColumnAsync(sqlite, "SELECT DISTINCT substr(occurred_at, 1, 10) FROM agent_events ORDER BY 1");
        Assert.Equal(days.Select(d => $"agent_events_{d.Replace("-", "", StringComparison.Ordinal)}"), await DataSafetyKit.PartitionsAsync(postgres));

        await using var server = await BosunTestApp.StartOnAsync(postgres);
        var owner = server.ClientFor(acme.OwnerToken);
        var (_, agent, _) = await new TestTenant(server, acme.Id, acme.Slug, acme.OwnerId, owner, acme.OwnerToken).CreateAgentAsync("after-the-move");
        var claimed = (await agent.PostJsonAsync("/api/v1/work/claim", new { project = "WEB" })).GetProperty("items")[0];
        Assert.NotEqual(held, claimed.GetProperty("item").Str("id"));
        var run = claimed.GetProperty("run");
        var completed = await agent.PostJsonAsync($"/api/v1/runs/{run.Str("run_id")}/complete", new { lease_token = run.Str("lease_token"), summary = "done on PostgreSQL" });
        Assert.Equal("done", completed.GetProperty("item").Str("status"));
        Assert.Equal("done", (await owner.GetJsonAsync($"/api/v1/work/{claimed.GetProperty("item").Str("id")}")).Str("status"));

        // The stream carries on after the moved events' numbers, and the ledger is still append-only.
        await server.Services.GetRequiredService<Bosun.Core.Realtime.StreamSequencer>().CatchUpAllAsync(CancellationToken.None);
        var numbers = (await DataSafetyKit.ColumnAsync(postgres, $"SELECT seq FROM stream_events WHERE tenant_id = '{acme.Id}' ORDER BY seq")).Select(long.Parse).ToList();
        Assert.Equal(Enumerable.Range(1, numbers.Count).Select(n => (long)n), numbers);
        Assert.True(numbers.Count > before["stream_events"].Count(l => l.Contains(acme.Id, StringComparison.Ordinal)));
        var change = await Assert.ThrowsAnyAsync<Exception>(() => DataSafetyKit.ExecuteAsync(postgres, "UPDATE llm_calls SET cost_micros = 0"));
        Assert.Contains("append-only", change.Message);
    }

    [Fact]
    public async Task Move_store_refuses_a_PostgreSQL_database_that_holds_data()
    {
        using var dir = new TempDir();
        var sqlite = await DataSafetyKit.NamedStoreAsync(StoreKind.Sqlite, dir);
        await using var existing = await BosunTestApp.StartAsync(StoreKind.Postgres);
        await existing.CreateTenantAsync("already-here");
        using var cli = new CliRunner(null);

        var refused = await cli.RunAsync("move-store", "--from-data-dir", Path.GetDirectoryName(sqlite.SqliteFile)!, "--to-postgres", existing.Store.ConnectionString);

        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("already holds data; move-store copies into an empty database only", refused.Error);
        Assert.Equal(["already-here"], await DataSafetyKit.ColumnAsync(existing.Store, "SELECT slug FROM tenants"));
    }
}
