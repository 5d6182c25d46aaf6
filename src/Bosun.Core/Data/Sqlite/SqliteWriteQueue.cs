using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Bosun.Core.Data.Sqlite;

/// The writers of one database file, one at a time, and the commit they may share.
///
/// Each SQLite commit writes every page it changed to the log, in full: a claim changes a page of each index on work
/// items, runs, audit rows and stream events, and most of those pages are the same ones the previous claim changed.
/// Under load, writes queue at the gate anyway; so a short write that finds others waiting does not commit. It
/// releases its savepoint and hands the open transaction to the next writer, which works inside it under a savepoint
/// of its own; the last of the group commits for all of them, and each returns only once that commit is done. A
/// write that fails rolls back to its savepoint and leaves no trace, and the others of its group are unaffected. If
/// the shared commit itself fails, every write of the group fails: none of them was acknowledged.
internal sealed class SqliteWriteQueue
{
    /// A group stops taking writers at this size or age, which bounds how long its first writer waits for the commit.
    private const int MaxWriters = 64;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _waiting;
    private SharedCommit? _open;
    private long _writers;
    private long _commits;
    private long _heldSince;
    private long _heldTicks;

    /// Writes kept in shared commits, and the commits they took.
    internal (long Writers, long Commits) Counts => (Interlocked.Read(ref _writers), Interlocked.Read(ref _commits));

    /// How long the gate has been held in all: when it is held nearly all the time, this process's writes are as fast
    /// as one writer at a time allows, and only shorter writes make them faster.
    internal TimeSpan HeldTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _heldTicks));

    /// Writers waiting for the gate.
    internal int Waiting => Volatile.Read(ref _waiting);

    /// The age at which a group stops taking writers. Tests that count on writes sharing one group lengthen it, since on a
    /// loaded machine a group may reach its age between two writes.
    internal TimeSpan MaxAge { get; set; } = TimeSpan.FromMilliseconds(10);

    /// Waits for the gate. The wait itself is not cancelled: a writer that hands on the open transaction counts on
    /// every waiter arriving, to join the group or commit it; a cancelled request commits what it was handed and leaves.
    private async Task EnterAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            await _gate.WaitAsync(CancellationToken.None);
            _heldSince = Stopwatch.GetTimestamp();
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }

        if (ct.IsCancellationRequested)
        {
            CommitOpen();
            Release();
            ct.ThrowIfCancellationRequested();
        }
    }

    public async Task<IDisposable> HoldAsync(CancellationToken ct)
    {
        await EnterAsync(ct);
        CommitOpen();
        return new Held(this);
    }

    /// A write transaction inside the shared commit on the process's writer connection.
    public async Task<IDbContextTransaction> JoinAsync(BosunDb db, SqliteConnections connections, CancellationToken ct)
    {
        await EnterAsync(ct);
        SharedCommitWriter? writer = null;

        // Ends the write (a no-op once it committed) and moves the unit of work back to its own connection.
        void End()
        {
            try
            {
                writer?.Abandon();
            }
            finally
            {
                db.SharedCommitWriter = null;
                db.UseConnection(null);
            }
        }

        try
        {
            if (_open is { } open && (open.Owner != connections || !open.InTransaction))
            {
                CommitOpen();
            }

            if (_open is null)
            {
                if (connections.Writer is not { } connection)
                {
                    // Shutting down: a transaction of its own on the unit of work's connection.
                    return new EndingTransaction(await db.Database.BeginTransactionAsync(ct), Release);
                }

                _open = new SharedCommit(connections, connection);
            }
            else
            {
                connections.CountWrite();
            }

            writer = new SharedCommitWriter(this, _open);
            db.UseConnection(_open.Connection);
            var transaction = await db.Database.UseTransactionAsync(_open.Transaction, ct) ?? throw new InvalidOperationException("No transaction.");
            db.SharedCommitWriter = writer;
            return new EndingTransaction(transaction, End);
        }
        catch
        {
            if (writer is not null)
            {
                End();
            }
            else
            {
                // Nobody may be waiting to take the open transaction on, so what it holds is committed now.
                CommitOpen();
                Release();
            }

            throw;
        }
    }

    /// Called by the writer holding the gate when it is done: hands the open transaction on while others wait and the
    /// group is young, otherwise commits it; then releases the gate.
    internal void Leave(SharedCommit group)
    {
        if (!group.InTransaction)
        {
            // SQLite rolled the whole transaction back after an error (a full disk, an I/O error).
            _open = null;
            group.Fail(new SqliteException("A write shared this commit and failed; the commit was rolled back.", 0));
        }
        else if (Volatile.Read(ref _waiting) == 0 || group.Writers >= MaxWriters || group.Age >= MaxAge)
        {
            CommitOpen();
        }

        Release();
    }

    private void Release()
    {
        Interlocked.Add(ref _heldTicks, Stopwatch.GetTimestamp() - _heldSince);
        _gate.Release();
    }

    /// Ends the open group, if any: commits what its writers kept. Runs only while holding the gate.
    private void CommitOpen()
    {
        if (_open is not { } group)
        {
            return;
        }

        _open = null;
        if (group.Kept > 0)
        {
            Interlocked.Add(ref _writers, group.Kept);
            Interlocked.Increment(ref _commits);
        }

        group.Finish();
    }

    private sealed class Held(SqliteWriteQueue queue) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                queue.Release();
            }
        }
    }
}
