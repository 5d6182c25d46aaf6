using Bosun.Core.Data.Safety;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Bosun.Core.Data.Sqlite;

/// Online copies of a SQLite database through SQLite's backup API, and putting one back.
///
/// The copy runs inside one read transaction on a connection of its own, so it is the database as of that transaction's
/// start however long it takes, and the row counts it reports are taken in the same transaction. In WAL mode a reader
/// never holds up a writer: the server's writes go on meanwhile into the write-ahead log (which cannot start over
/// until the copy ends, and so grows by what is written during it).
internal static class SqliteBackup
{
    public const string Extension = ".db";

    /// Pages copied per step (4 MB with 4 KB pages), between which progress is reported.
    private const int PagesPerStep = 1024;

    private static ReadOnlySpan<byte> Header => "SQLite format 3\0"u8;

    public static bool IsSqliteFile(string file) => DataSafety.StartsWith(file, Header);

    /// Runs at a lower priority on a thread of its own (see <see cref="Background"/>); SQLite's calls are synchronous anyway.
    public static Task<BackupSnapshot> CopyAsync(StoreOptions store, string target, Action<double>? progress, CancellationToken ct) =>
        Background.RunAsync(() => Copy(store, target, progress, ct), ct);

    private static BackupSnapshot Copy(StoreOptions store, string target, Action<double>? progress, CancellationToken ct)
    {
        if (!File.Exists(store.SqliteFile))
        {
            throw new DataSafetyException($"There is no Bosun database at {store.SqliteFile} to back up.");
        }

        using var source = SqliteLoad.OpenAsync(store, ct).GetAwaiter().GetResult();
        using var read = source.BeginTransaction(deferred: true);

        // The first read starts the transaction's snapshot: everything below sees the database as of this moment.
        var schema = DataSafety.SchemaVersionAsync(source, read, ct).GetAwaiter().GetResult();
        using (var destination = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = target, Pooling = false }.ToString()))
        {
            destination.Open();
            var backup = raw.sqlite3_backup_init(destination.Handle, "main", source.Handle, "main");
            if (backup is null || backup.IsInvalid)
            {
                throw new SqliteException($"The copy could not start: {raw.sqlite3_errmsg(destination.Handle).utf8_to_string()}", raw.sqlite3_errcode(destination.Handle));
            }

            try
            {
                while (true)
                {
                    ct.ThrowIfCancellationRequested();
                    var rc = raw.sqlite3_backup_step(backup, PagesPerStep);
                    var total = raw.sqlite3_backup_pagecount(backup);
                    progress?.Invoke(total == 0 ? 1 : 1 - (double)raw.sqlite3_backup_remaining(backup) / total);
                    if (rc == raw.SQLITE_DONE)
                    {
                        break;
                    }

                    if (rc is raw.SQLITE_BUSY or raw.SQLITE_LOCKED)
                    {
                        Thread.Sleep(10);
                    }
                    else if (rc != raw.SQLITE_OK)
                    {
                        throw new SqliteException($"The copy failed: {raw.sqlite3_errstr(rc).utf8_to_string()}", rc);
                    }
                }
            }
            finally
            {
                raw.sqlite3_backup_finish(backup);
            }

            // A backup stands alone: no write-ahead log beside it, and it opens on a read-only disk.
            using var journal = destination.CreateCommand();
            journal.CommandText = "PRAGMA journal_mode = DELETE";
            journal.ExecuteNonQuery();
        }

        var counts = CountTablesAsync(source, read, ct).GetAwaiter().GetResult();
        read.Commit();
        return new BackupSnapshot(schema, counts);
    }

    /// Opens a copy, checks its pages and reads what it holds, at a lower priority like the copy.
    public static Task<BackupContents> VerifyAsync(string file, CancellationToken ct) => Background.RunAsync(() => Verify(file, ct), ct);

    private static BackupContents Verify(string file, CancellationToken ct)
    {
        using var copy = OpenReadOnlyAsync(file, ct).GetAwaiter().GetResult();
        using (var check = copy.CreateCommand())
        {
            check.CommandText = "PRAGMA quick_check";
            check.CommandTimeout = 0;
            var result = (string?)check.ExecuteScalar();
            if (result != "ok")
            {
                throw new DataSafetyException($"The copy failed SQLite's integrity check: {result}.");
            }
        }

        var schema = DataSafety.SchemaVersionAsync(copy, null, ct).GetAwaiter().GetResult();
        var counts = CountTablesAsync(copy, null, ct).GetAwaiter().GetResult();
        var keys = counts.Keys.Any(t => Integrations.SealedColumns.All.Any(c => c.Table == t)) ? SecretCheck.KeyIdsAsync(copy, null, null, ct).GetAwaiter().GetResult() : [];
        return new BackupContents(schema, counts, keys);
    }

    public static async Task<SealedSample?> SampleAsync(string file, CancellationToken ct)
    {
        await using var copy = await OpenReadOnlyAsync(file, ct);
        var tables = await TablesAsync(copy, null, ct);
        return Integrations.SealedColumns.All.Any(c => tables.Contains(c.Table)) ? await SecretCheck.SampleAsync(copy, null, null, ct) : null;
    }

    /// Whether the file exists and any of its tables holds a row (EF's own bookkeeping aside).
    public static async Task<bool> HasDataAsync(StoreOptions store, CancellationToken ct)
    {
        if (!File.Exists(store.SqliteFile))
        {
            return false;
        }

        await using var connection = await SqliteLoad.OpenAsync(store, ct);
        foreach (var (table, rows) in await CountTablesAsync(connection, null, ct))
        {
            // The migration history and the search index (whose FTS5 tables hold their settings) say nothing of data.
            if (rows > 0 && !table.StartsWith("__EF", StringComparison.Ordinal) && !StoreTables.IsDerived(table))
            {
                return true;
            }
        }

        return false;
    }

    /// Puts a checked backup in place of the target file: copied beside it first, then moved over it, so the target is
    /// either as it was or the whole backup.
    public static Task RestoreAsync(string file, StoreOptions target, CancellationToken ct)
    {
        var path = Path.GetFullPath(target.SqliteFile!);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var incoming = path + ".restoring";
        File.Copy(file, incoming, overwrite: true);
        ct.ThrowIfCancellationRequested();
        SqliteConnection.ClearAllPools();
        foreach (var leftover in new[] { "-wal", "-shm", "-journal" })
        {
            File.Delete(path + leftover);
        }

        File.Move(incoming, path, overwrite: true);
        return Task.CompletedTask;
    }

    public static async Task<Dictionary<string, long>> CountTablesAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken ct)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in await TablesAsync(connection, transaction, ct))
        {
            counts[table] = await TableRows.CountAsync(connection, transaction, table, ct);
        }

        return counts;
    }

    private static async Task<List<string>> TablesAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }

    private static async Task<SqliteConnection> OpenReadOnlyAsync(string file, CancellationToken ct)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch (SqliteException ex)
        {
            await connection.DisposeAsync();
            throw new DataSafetyException($"{file} is not a SQLite database Bosun can open: {ex.Message}", inner: ex);
        }
    }
}
