using Microsoft.Data.Sqlite;

namespace Bosun.Core.Data.Sqlite;

/// One write inside a shared commit, between its SAVEPOINT and its RELEASE or ROLLBACK TO.
internal sealed class SharedCommitWriter
{
    private const string Savepoint = "bosun_write";
    private readonly SqliteWriteQueue _queue;
    private readonly SharedCommit _group;
    private bool _ended;

    public SharedCommitWriter(SqliteWriteQueue queue, SharedCommit group)
    {
        _queue = queue;
        _group = group;
        group.Run($"SAVEPOINT {Savepoint}");
        group.Writers++;
    }

    /// Keeps this write's changes and returns once they are committed with the group's.
    public Task CommitAsync()
    {
        if (_ended)
        {
            throw new InvalidOperationException("This write has already ended.");
        }

        try
        {
            _group.Run($"RELEASE {Savepoint}");
        }
        catch
        {
            Abandon();
            throw;
        }

        _ended = true;
        _group.Kept++;
        var committed = _group.Committed;
        _queue.Leave(_group);
        return committed;
    }

    /// Undoes this write's changes and leaves the group; a write that already ended is left as it is.
    public void Abandon()
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        try
        {
            if (_group.InTransaction)
            {
                _group.Run($"ROLLBACK TO {Savepoint}");
                _group.Run($"RELEASE {Savepoint}");
            }
        }
        catch (SqliteException)
        {
            // Left to Leave: if SQLite ended the transaction, the group fails.
        }
        finally
        {
            _queue.Leave(_group);
        }
    }
}
