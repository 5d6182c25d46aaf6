using Bosun.Core.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Bosun.Core.Data.Sqlite;

/// The table statistics SQLite's planner chooses indexes by. Without them it guesses, and on a tenant of a million
/// items a guess can walk the wrong index (by status instead of by project, say). Bosun gathers them itself, at start
/// and every hour, instead of asking its operator to run ANALYZE: `PRAGMA optimize` re-analyses only the tables that
/// were never analysed or whose size changed a lot, so a run costs nothing when nothing changed. Each ANALYZE reads
/// whole indexes: with `analysis_limit` it reads only the first rows of each, and on a tenant of 100,000 items those
/// were all one agent's and one project's, so the planner took one agent for the owner of every item and walked the
/// tenant by id for an agent's list (37 ms instead of a fraction of one).
public static class SqliteStatistics
{
    /// 0x10000: look at every table, not only those this connection has used (a fresh connection has used none);
    /// 0x02: analyse those that need it.
    private const string Refresh = "PRAGMA optimize = 0x10002;";

    public static async Task RefreshAsync(string connectionString, CancellationToken ct = default)
    {
        // Its own connection, so the pool's connections keep their per-connection state untouched.
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA busy_timeout = 10000; {Refresh}";
        await command.ExecuteNonQueryAsync(ct);
    }
}

/// Keeps the SQLite planner's statistics current while the server runs (see <see cref="SqliteStatistics"/>).
public sealed class SqliteStatisticsJob(StoreOptions store, ILogger<SqliteStatisticsJob> logger) : PeriodicJob(TimeSpan.FromHours(1), logger)
{
    protected override string Name => "SQLite statistics";

    protected override Task RunOnceAsync(CancellationToken ct) => SqliteStatistics.RefreshAsync(store.ConnectionString, ct);
}
