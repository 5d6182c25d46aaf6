using Bosun.Core.Data.Postgres;
using Bosun.Core.Data.Sqlite;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Bosun.Core.Data.Safety;

public sealed record MovedTable(string Name, long Rows, string Checksum);

/// <param name="SourceChanged">The SQLite file took writes while it was copied; those are not in PostgreSQL.</param>
public sealed record MoveResult(string From, string To, IReadOnlyList<MovedTable> Tables, IReadOnlyList<string> MigrationsApplied, bool SourceChanged);

/// Copies a whole SQLite installation, every tenant, into an empty PostgreSQL database. The PostgreSQL schema is made by
/// Bosun's own migrations first, so its roles, row-level security, triggers and functions are a fresh install's; the
/// rows then go in in one transaction, which commits only once every table's count and checksum there equal the
/// SQLite file's, as read in one read transaction.
public static class StoreMove
{
    public static async Task<MoveResult> MoveAsync(StoreOptions from, StoreOptions to, Action<LoadProgress>? progress, CancellationToken ct)
    {
        if (from.Kind != StoreKind.Sqlite || to.Kind != StoreKind.Postgres)
        {
            throw new ArgumentException("Stores move from SQLite to PostgreSQL.");
        }

        if (!File.Exists(from.SqliteFile))
        {
            throw new DataSafetyException($"There is no Bosun database at {from.SqliteFile} to move.");
        }

        if (await PostgresBackup.HasDataAsync(to, ct))
        {
            throw new DataSafetyException($"{to.Describe()} already holds data; move-store copies into an empty database only.", conflict: true);
        }

        await using var source = await SqliteLoad.OpenAsync(from, ct);
        var changes = await DataVersionAsync(source, ct);
        await using var read = source.BeginTransaction(deferred: true);
        var known = DataSafety.CodeMigrations(from);
        var schema = await DataSafety.SchemaVersionAsync(source, read, ct);
        if (schema != known[^1])
        {
            throw new DataSafetyException(schema is not null && string.CompareOrdinal(schema, known[^1]) > 0
                ? $"The SQLite database is at migration {schema}, newer than this Bosun ({known[^1]}): move it with the Bosun that wrote it."
                : $"The SQLite database is at migration {schema ?? "none"}; this Bosun's schema is {known[^1]}. Bring it up to date first: bosun migrate --data-dir {Path.GetDirectoryName(from.SqliteFile)}");
        }

        var applied = await Restores.MigrateAsync(to, ct);
        var tables = StoreTables.Of(to);
        var sourceTables = StoreTables.Of(from).ToDictionary(t => t.Name, StringComparer.Ordinal);
        var total = 0L;
        foreach (var table in tables)
        {
            total += await TableRows.CountAsync(source, read, table.Name, ct);
        }

        await using var load = await PostgresLoad.BeginAsync(to, ct);
        await TableLoader.LoadAsync(load, StoreTables.LoadOrder(tables),
            table => Reordered(TableRows.ReadAsync(source, read, sourceTables[table.Name], null, ct), sourceTables[table.Name], table), total, progress, ct);

        var moved = new List<MovedTable>();
        var wrong = new List<string>();
        foreach (var table in tables)
        {
            var there = await TableRows.ChecksumAsync(load.Connection, load.Transaction, table, null, ct);
            var here = await TableRows.ChecksumAsync(source, read, sourceTables[table.Name], null, ct);
            if (there.Rows != here.Rows || there.Value != here.Value)
            {
                wrong.Add($"{table.Name} ({here.Rows} rows in SQLite, {there.Rows} in PostgreSQL{(there.Rows == here.Rows ? ", with different contents" : "")})");
            }

            moved.Add(new MovedTable(table.Name, there.Rows, there.Value));
        }

        if (wrong.Count > 0)
        {
            throw new DataSafetyException($"The copy differs from the SQLite database in {string.Join(", ", wrong)}; nothing was committed.");
        }

        await load.CommitAsync(ct);
        await read.CommitAsync(ct);

        // Planner statistics for the tables just filled, as PostgreSQL would gather by itself some time later.
        await using (var analyze = new NpgsqlConnection(to.ConnectionString))
        {
            await analyze.OpenAsync(ct);
            await using var command = new NpgsqlCommand("ANALYZE", analyze) { CommandTimeout = 0 };
            await command.ExecuteNonQueryAsync(ct);
        }

        return new MoveResult(from.Describe(), to.Describe(), moved, applied, await DataVersionAsync(source, ct) != changes);
    }

    /// SQLite's count of commits by other connections, as seen from this one.
    private static async Task<long> DataVersionAsync(SqliteConnection connection, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA data_version";
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct));
    }

    /// A source row in the target table's column order.
    private static async IAsyncEnumerable<object?[]> Reordered(IAsyncEnumerable<object?[]> rows, StoreTable source, StoreTable target)
    {
        var map = target.Columns.Select(c => TableLoader.IndexOf(source, c.Name)).ToArray();
        await foreach (var row in rows)
        {
            yield return [.. map.Select(i => row[i])];
        }
    }
}
