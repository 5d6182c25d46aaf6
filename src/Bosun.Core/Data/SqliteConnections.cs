using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Bosun.Core.Data;

/// Open SQLite connections that outlive a unit of work, each keeping the statements run on it prepared.
/// SQLite compiles a statement's text on every execution of a new command, and a connection that closes (as EF
/// closes its connection after every unit of work) throws its compiled statements away; for the short statements
/// of claims, heartbeats and completions, compiling cost as much as running. A unit of work borrows a connection
/// here, and hand-written statements (<see cref="Sql.Command"/>) reuse what was compiled for the same text.
public sealed class SqliteConnections : IDisposable
{
    /// Connections kept open while idle; more are opened under load and closed when given back.
    private const int KeepIdle = 32;

    private readonly string _connectionString;
    private readonly ConcurrentBag<PreparingConnection> _idle = [];
    private volatile bool _disposed;

    public SqliteConnections(StoreOptions store)
    {
        if (store.Kind != StoreKind.Sqlite)
        {
            throw new ArgumentException("Only SQLite connections are kept open.", nameof(store));
        }

        _connectionString = store.ConnectionString;

        // The first borrower may be the migration that creates the file.
        var file = new SqliteConnectionStringBuilder(_connectionString).DataSource;
        if (Path.GetDirectoryName(Path.GetFullPath(file)) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }
    }

    private PreparingConnection? _writer;

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

            return _writer ??= Open();
        }
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
    internal void Return(SqliteConnection connection)
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
        _writer?.Dispose();
        while (_idle.TryTake(out var connection))
        {
            connection.Dispose();
        }
    }
}

/// A connection that keeps one prepared command per statement text.
internal sealed class PreparingConnection(string connectionString) : SqliteConnection(connectionString)
{
    /// Statements beyond this many distinct texts are compiled per use, as before; only the few hot ones repeat.
    private const int MaxStatements = 128;

    private readonly Dictionary<string, PreparedCommand> _statements = new(StringComparer.Ordinal);

    /// Whether a cached command was not given back (a reader left open would hold a snapshot of the database).
    public bool InUse => _statements.Values.Any(c => c.InUse);

    /// The command for this text, ready to take parameters; a fresh one when the cached one is still in use
    /// (a statement run while a reader of the same text is open).
    public SqliteCommand Command(string text)
    {
        if (_statements.TryGetValue(text, out var cached))
        {
            if (!cached.InUse)
            {
                cached.InUse = true;
                return cached;
            }

            return CreateCommand();
        }

        if (_statements.Count >= MaxStatements)
        {
            return CreateCommand();
        }

        var command = new PreparedCommand { Connection = this, CommandText = text, InUse = true };
        _statements[text] = command;
        return command;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var command in _statements.Values)
            {
                command.Release();
            }

            _statements.Clear();
        }

        base.Dispose(disposing);
    }
}

/// A cached command: disposing it after use keeps its compiled statement and only forgets the parameters.
internal sealed class PreparedCommand : SqliteCommand
{
    private bool _released;

    public bool InUse { get; set; }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_released)
        {
            Parameters.Clear();
            Transaction = null;
            InUse = false;
            return;
        }

        base.Dispose(disposing);
    }

    /// Really disposes it, with its connection.
    public void Release()
    {
        _released = true;
        Dispose();
    }
}
