using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Bosun.Core.Data.Sqlite;

/// A connection that keeps one prepared command per statement text.
internal sealed class PreparingConnection(string connectionString) : SqliteConnection(connectionString)
{
    /// Statements beyond this many distinct texts are compiled per use, as before; only the few hot ones repeat.
    private const int MaxStatements = 128;

    private readonly Dictionary<string, PreparedCommand> _statements = new(StringComparer.Ordinal);

    /// Whether a cached command was not given back (a reader left open would hold a snapshot of the database).
    public bool InUse => _statements.Values.Any(c => c.InUse);

    private long _uses;

    /// The command for this text, ready to take parameters; a fresh one when the cached one is still in use
    /// (a statement run while a reader of the same text is open). When the cache is full, the statement used least
    /// recently makes room.
    public SqliteCommand Command(string text)
    {
        _uses++;
        if (_statements.TryGetValue(text, out var cached))
        {
            if (!cached.InUse)
            {
                cached.InUse = true;
                cached.LastUse = _uses;
                return cached;
            }

            return Fresh(text);
        }

        if (_statements.Count >= MaxStatements)
        {
            var oldest = _statements.Values.Where(c => !c.InUse).MinBy(c => c.LastUse);
            if (oldest is null)
            {
                return Fresh(text);
            }

            _statements.Remove(oldest.CommandText);
            oldest.Release();
        }

        var command = new PreparedCommand { Connection = this, CommandText = text, InUse = true, LastUse = _uses };
        _statements[text] = command;
        return command;
    }

    /// The command for this text in a transaction of this connection.
    public SqliteCommand Command(DbTransaction transaction, string text)
    {
        var command = Command(text);
        command.Transaction = (SqliteTransaction)transaction;
        return command;
    }

    private SqliteCommand Fresh(string text)
    {
        var command = CreateCommand();
        command.CommandText = text;
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
