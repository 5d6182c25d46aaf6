using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Bosun.Core.Data.Sqlite;

/// Open SQLite connections that outlive a unit of work, each keeping the statements run on it prepared.
/// SQLite compiles a statement's text on every execution of a new command, and a connection that closes (as EF
/// closes its connection after every unit of work) throws its compiled statements away; for the short statements
/// of claims, heartbeats and completions, compiling cost as much as running. A unit of work borrows a connection
/// here, and hand-written statements (<see cref="Sql.Command"/>) reuse what was compiled for the same text.
///
/// Checkpoints (copying the write-ahead log back into the database file) run beside the writer rather than inside
/// its commits: left to SQLite, every thousandth page written makes one commit copy the whole log while the write lock
/// is held, and that was half of what a commit cost. The writer turns its automatic checkpoints off, and a background
/// loop checkpoints shortly after writes, beside the writer (see <see cref="CheckpointAsync"/>).
public sealed class SqliteConnections : IDisposable
{
    /// Connections kept open while idle; more are opened under load and closed when given back.
    private const int KeepIdle = 32;

    /// How soon after a write the log is checkpointed.
    private static readonly TimeSpan CheckpointDelay = TimeSpan.FromMilliseconds(50);

    /// How long the log may grow (16 MB in 4 KB pages) before a checkpoint holds the write gate to start it over.
    /// SQLite's automatic checkpoints start over every 1,000 pages; each time costs the writers a few milliseconds here.
    private const long TruncateAfterPages = 4000;

    private readonly string _connectionString;
    private readonly ConcurrentBag<PreparingConnection> _idle = [];
    private readonly CancellationTokenSource _stopping = new();
    private volatile bool _disposed;
    private PreparingConnection? _writer;
    private Task? _checkpoints;
    private long _writes;

    public SqliteConnections(StoreOptions store)
    {
        if (store.Kind != StoreKind.Sqlite)
        {
            throw new ArgumentException("Only SQLite connections are kept open.", nameof(store));
        }

        _connectionString = store.ConnectionString;

        // The first borrower may be the migration that creates the file.
        File = Path.GetFullPath(new SqliteConnectionStringBuilder(_connectionString).DataSource);
        if (Path.GetDirectoryName(File) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }
    }

    /// What each connection opens, for a unit of work that opens its own once these are closed.
    internal string ConnectionString => _connectionString;

    /// The database file, as a full path.
    internal string File { get; }

    /// The connection every write transaction of this process runs on, taken only while holding the write gate.
    /// No other connection of the process writes, so its page cache stays valid from one write to the next (SQLite
    /// drops a connection's cache whenever another connection changed the file), and its statements stay compiled.
    /// A writer left inside a transaction (which a unit of work ending normally never does) is replaced, not reused.
    internal SqliteConnection? Writer
    {
        get
        {
            if (_disposed)
            {
                return null;
            }

            if (_writer is { } writer && !IsIdle(writer))
            {
                writer.Dispose();
                _writer = null;
            }

            CountWrite();
            if (_writer is null)
            {
                _writer = Open();
                using var manual = _writer.CreateCommand();
                manual.CommandText = "PRAGMA wal_autocheckpoint = 0";
                manual.ExecuteNonQuery();
                _checkpoints ??= Task.Run(CheckpointAsync);
            }

            return _writer;
        }
    }

    /// Counts a write for the checkpoint loop; a write inside a shared commit takes the writer without asking for it.
    internal void CountWrite() => Interlocked.Increment(ref _writes);

    /// Checkpoints the log on a connection of its own a little after writes. PASSIVE copies what no reader still needs
    /// and waits for no one. The log starts over only when a write begins with all of it copied, which under steady
    /// writes may never happen by itself; so once the log passes <see cref="TruncateAfterPages"/>, the next checkpoint
    /// holds the write gate (only the pages written since the last one are left to copy) and truncates it.
    private async Task CheckpointAsync()
    {
        using var connection = Open();
        using (var noWaiting = connection.CreateCommand())
        {
            // While the gate is held, waiting for readers would hold up every writer: a checkpoint that finds a reader
            // still on the log gives up at once and is tried again at the next round.
            noWaiting.CommandText = "PRAGMA busy_timeout = 0";
            noWaiting.ExecuteNonQuery();
        }

        using var passive = connection.CreateCommand();
        passive.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        using var truncate = connection.CreateCommand();
        truncate.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        long seen = 0;
        var wroteBefore = false;
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(CheckpointDelay, _stopping.Token);

                // Writes are counted as they begin, so one more round follows the last one seen: a write still running
                // at a round commits its pages after that round's checkpoint.
                var writes = Interlocked.Read(ref _writes);
                var wrote = writes != seen;
                seen = writes;
                if (!wrote && !wroteBefore)
                {
                    continue;
                }

                wroteBefore = wrote;
                if (LogPages(passive) > TruncateAfterPages)
                {
                    using (await SqliteWriteGate.HoldAsync(File, _stopping.Token))
                    {
                        truncate.ExecuteNonQuery();
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SqliteException)
            {
                // Tried again after the next write; until then the log only grows.
            }
        }
    }

    /// Runs a checkpoint and returns how many pages the log holds (its second column).
    private static long LogPages(SqliteCommand checkpoint)
    {
        using var reader = checkpoint.ExecuteReader();
        return reader.Read() ? reader.GetInt64(1) : 0;
    }

    /// An open connection, or null once the store is shutting down (the unit of work then opens its own).
    internal SqliteConnection? Rent()
    {
        if (_disposed)
        {
            return null;
        }

        while (_idle.TryTake(out var connection))
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                return connection;
            }

            connection.Dispose();
        }

        return Open();
    }

    private PreparingConnection Open()
    {
        var opened = new PreparingConnection(_connectionString);
        opened.Open();
        using var pragmas = opened.CreateCommand();
        pragmas.CommandText = SqlitePragmaInterceptor.Pragmas;
        pragmas.ExecuteNonQuery();
        return opened;
    }

    /// Takes a connection back. One still inside a transaction (a unit of work that ended abnormally) or beyond the
    /// idle allowance is closed instead, so no borrower ever inherits someone else's open transaction.
    internal void Return(DbConnection connection)
    {
        if (connection is PreparingConnection { InUse: false } preparing && !_disposed && IsIdle(preparing) && _idle.Count < KeepIdle)
        {
            _idle.Add(preparing);
            if (_disposed && _idle.TryTake(out var late))
            {
                late.Dispose();
            }

            return;
        }

        connection.Dispose();
    }

    /// Open and outside any transaction: safe to hand to the next unit of work.
    private static bool IsIdle(SqliteConnection connection) =>
        connection.State == System.Data.ConnectionState.Open && SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) != 0;

    public void Dispose()
    {
        _disposed = true;
        _stopping.Cancel();
        _checkpoints?.Wait(TimeSpan.FromSeconds(10));
        _writer?.Dispose();
        while (_idle.TryTake(out var connection))
        {
            connection.Dispose();
        }
    }
}
