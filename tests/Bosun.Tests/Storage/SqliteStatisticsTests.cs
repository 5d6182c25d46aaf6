using Bosun.Core.Data;
using Bosun.Core.Data.Sqlite;
using Bosun.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Bosun.Tests.Storage;

/// SQLite's planner picks indexes by the statistics ANALYZE gathers; Bosun gathers them itself, at start and on its
/// hourly job, so a file that grew to many items is planned from its real sizes without anyone running ANALYZE.
public sealed class SqliteStatisticsTests
{
    [Fact]
    public async Task A_restart_gathers_statistics_for_the_tables_that_grew_and_the_job_refreshes_them()
    {
        var store = await TestDatabases.CreateAsync(StoreKind.Sqlite);
        await using (var app = await BosunTestApp.StartOnAsync(store))
        {
            var acme = await app.CreateTenantAsync();
            await acme.CreateProjectAsync("WEB");
            await acme.Owner.PostJsonAsync("/api/v1/work/batch", new { items = Enumerable.Range(1, 400).Select(i => new { @ref = $"i{i}", project_id = "WEB", title = $"Task {i}" }) });
        }

        // The template the test database was copied from was analysed while empty: the board index says so.
        Assert.True(await RowsOfAsync(store, "ix_work_items_board") is null or < 400);

        await using (await BosunTestApp.StartOnAsync(store))
        {
            Assert.Equal(400, await RowsOfAsync(store, "ix_work_items_board"));
        }

        await using (var app = await BosunTestApp.StartOnAsync(store))
        {
            var acme = await app.CreateTenantAsync("globex");
            await acme.CreateProjectAsync("OPS");
            for (var batch = 0; batch < 10; batch++)
            {
                await acme.Owner.PostJsonAsync("/api/v1/work/batch", new { items = Enumerable.Range(1, 1000).Select(i => new { @ref = $"i{i}", project_id = "OPS", title = $"Task {i}" }) });
            }

            // What the hourly job runs, while the server serves.
            await SqliteStatistics.RefreshAsync(store.ConnectionString);
            Assert.True(await RowsOfAsync(store, "ix_work_items_board") >= 10_000);
        }
    }

    /// The row count ANALYZE recorded for an index (the first number of its sqlite_stat1 entry), or null if none.
    private static async Task<long?> RowsOfAsync(StoreOptions store, string index)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder(store.ConnectionString) { Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT stat FROM sqlite_stat1 WHERE idx = $idx";
        command.Parameters.AddWithValue("$idx", index);
        try
        {
            return await command.ExecuteScalarAsync() is string stat ? long.Parse(stat.Split(' ')[0]) : null;
        }
        catch (SqliteException e) when (e.Message.Contains("no such table"))
        {
            return null;
        }
    }
}
