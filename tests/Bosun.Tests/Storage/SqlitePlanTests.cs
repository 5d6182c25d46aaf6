using Bosun.Core.Data;
using Bosun.Core.Dispatch;
using Bosun.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Bosun.Tests.Storage;

/// SQLite gathers no statistics unless told to, so the planner guesses how many rows each table holds. The hot
/// statements must reach their rows through a key whatever it guesses: a wrong guess about the claim's lease made it
/// walk every item of the tenant.
public sealed class SqlitePlanTests
{
    [Fact]
    public async Task Without_statistics_the_claim_leases_its_items_through_their_key()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync("acme");
        await acme.CreateProjectAsync("WEB");
        for (var i = 0; i < 30; i++)
        {
            await acme.CreateWorkAsync("WEB", $"Item {i}");
        }

        await using var connection = new SqliteConnection(app.Store.ConnectionString);
        await connection.OpenAsync();
        await using (var forget = connection.CreateCommand())
        {
            forget.CommandText = "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'";
            if ((long)(await forget.ExecuteScalarAsync())! > 0)
            {
                forget.CommandText = "DELETE FROM sqlite_stat1";
                await forget.ExecuteNonQueryAsync();
            }
        }

        await using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + ClaimStatements.Lease.Sqlite;
        explain.Parameters.AddWithValue("@expires", "2026-01-01");
        explain.Parameters.AddWithValue("@now", "2026-01-01");
        explain.Parameters.AddWithValue("@rows", "[]");
        var steps = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                steps.Add(reader.GetString(3));
            }
        }

        // The rows to lease come first, and each finds its item by tenant and id; no step walks the items.
        Assert.True(steps.Count == 2, string.Join(" | ", steps));
        Assert.StartsWith("SCAN jsonb_each", steps[0]);
        Assert.Equal("SEARCH work_items USING INDEX sqlite_autoindex_work_items_1 (tenant_id=? AND id=?)", steps[1]);
    }

    /// The claim leaves archived items out; the test on their mark must not cost it the partial index of the ready set,
    /// which hands the candidates over in claim order.
    [Fact]
    public async Task The_claim_reads_the_ready_items_through_their_partial_indexes_though_it_skips_archived_ones()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        await using var connection = new SqliteConnection(app.Store.ConnectionString);
        await connection.OpenAsync();

        foreach (var (statement, index) in new[] { (ClaimStatements.Pick, "ix_work_items_ready"), (ClaimStatements.PickInProject, "ix_work_items_ready_by_project") })
        {
            Assert.Contains("w.archived_at IS NULL", statement.Sqlite);
            await using var explain = connection.CreateCommand();
            explain.CommandText = "EXPLAIN QUERY PLAN " + statement.Sqlite;
            foreach (var name in new[] { "@tenant", "@agent", "@role", "@project" })
            {
                explain.Parameters.AddWithValue(name, "x");
            }

            var steps = new List<string>();
            await using (var reader = await explain.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    steps.Add(reader.GetString(3));
                }
            }

            // The named project is one row found by its key; the items are read from the index, already in claim order.
            Assert.True(steps.Count(s => s.StartsWith($"SEARCH w USING INDEX {index} (", StringComparison.Ordinal)) == 1, string.Join(" | ", steps));
            Assert.DoesNotContain(steps, s => s.StartsWith("SCAN", StringComparison.Ordinal) || s.Contains("TEMP B-TREE", StringComparison.Ordinal));
        }
    }
}
