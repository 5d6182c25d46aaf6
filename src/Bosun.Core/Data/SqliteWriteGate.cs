using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace Bosun.Core.Data;

/// SQLite admits one writer at a time and makes the others wait inside the driver, each blocking a thread.
/// Queuing write transactions of this process on an async gate first keeps threads free under load; the
/// busy timeout still covers writers in other processes.
internal static class SqliteWriteGate
{
    private static readonly ConcurrentDictionary<string, SqliteWriteQueue> Queues = new(StringComparer.Ordinal);

    public static SqliteWriteQueue Of(string file) => Queues.GetOrAdd(Path.GetFullPath(file), _ => new SqliteWriteQueue());

    /// A write transaction of its own, begun while holding the gate, which it releases when it ends.
    public static async Task<IDbContextTransaction> BeginAsync(string file, Func<Task<IDbContextTransaction>> begin, CancellationToken ct)
    {
        var held = await HoldAsync(file, ct);
        try
        {
            return new EndingTransaction(await begin(), held.Dispose);
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    /// Holds the gate with no transaction (an open shared commit is committed first), so that none of this
    /// process's writers runs meanwhile.
    public static Task<IDisposable> HoldAsync(string file, CancellationToken ct) => Of(file).HoldAsync(ct);
}

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

    private static readonly TimeSpan MaxAge = TimeSpan.FromMilliseconds(10);

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
        Writer? writer = null;

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

            writer = new Writer(this, _open);
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
    private void Leave(SharedCommit group)
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

    /// One write inside a shared commit, between its SAVEPOINT and its RELEASE or ROLLBACK TO.
    internal sealed class Writer
    {
        private const string Savepoint = "bosun_write";
        private readonly SqliteWriteQueue _queue;
        private readonly SharedCommit _group;
        private bool _ended;

        public Writer(SqliteWriteQueue queue, SharedCommit group)
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

    /// The open transaction on the writer connection and the writers waiting for it to commit.
    internal sealed class SharedCommit
    {
        private readonly TaskCompletionSource _committed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly long _started = Stopwatch.GetTimestamp();

        public SharedCommit(SqliteConnections owner, SqliteConnection connection)
        {
            Owner = owner;
            Connection = connection;
            Transaction = connection.BeginTransaction(deferred: false);
        }

        public SqliteConnections Owner { get; }
        public SqliteConnection Connection { get; }
        public SqliteTransaction Transaction { get; }

        /// Writers that joined, and those whose changes are kept.
        public int Writers { get; set; }
        public int Kept { get; set; }

        public Task Committed => _committed.Task;
        public TimeSpan Age => Stopwatch.GetElapsedTime(_started);

        public bool InTransaction =>
            Connection.State == System.Data.ConnectionState.Open && SQLitePCL.raw.sqlite3_get_autocommit(Connection.Handle) == 0;

        public void Run(string sql)
        {
            using var command = Sql.On(Transaction, sql);
            command.ExecuteNonQuery();
        }

        public void Finish()
        {
            try
            {
                if (Kept > 0)
                {
                    Transaction.Commit();
                }
                else
                {
                    Transaction.Rollback();
                }

                _committed.TrySetResult();
            }
            catch (Exception ex)
            {
                _committed.TrySetException(ex);
            }
            finally
            {
                Dispose();
            }
        }

        public void Fail(Exception reason)
        {
            _committed.TrySetException(reason);
            Dispose();
        }

        private void Dispose()
        {
            try
            {
                Transaction.Dispose();
            }
            catch (SqliteException)
            {
                // The transaction had already ended inside SQLite.
            }
        }
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

/// Makes EF's commit and rollback of a write inside a shared commit end that write (RELEASE or ROLLBACK TO its
/// savepoint) instead of the whole transaction. It must be the last transaction interceptor, so that those before it
/// (the stream's events, written as the transaction commits) still write inside the write's savepoint, and those
/// after the commit (announcing the events) run once the shared commit is done.
public sealed class SqliteSharedCommitInterceptor : DbTransactionInterceptor
{
    public override InterceptionResult TransactionCommitting(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        if (eventData.Context is BosunDb { SharedCommitWriter: { } writer })
        {
            writer.CommitAsync().GetAwaiter().GetResult();
            return InterceptionResult.Suppress();
        }

        return result;
    }

    public override async ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is BosunDb { SharedCommitWriter: { } writer })
        {
            await writer.CommitAsync();
            return InterceptionResult.Suppress();
        }

        return result;
    }

    public override InterceptionResult TransactionRollingBack(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        if (eventData.Context is BosunDb { SharedCommitWriter: { } writer })
        {
            writer.Abandon();
            return InterceptionResult.Suppress();
        }

        return result;
    }

    public override ValueTask<InterceptionResult> TransactionRollingBackAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(TransactionRollingBack(transaction, eventData, result));

    /// Whether the options of a unit of work share commits: the interceptor is there, and last among transaction interceptors.
    internal static bool IsIn(DbContextOptions options)
    {
        var transactionInterceptors = options.FindExtension<CoreOptionsExtension>()?.Interceptors?.OfType<IDbTransactionInterceptor>().ToList() ?? [];
        var index = transactionInterceptors.FindIndex(i => i is SqliteSharedCommitInterceptor);
        if (index >= 0 && index != transactionInterceptors.Count - 1)
        {
            throw new InvalidOperationException($"{nameof(SqliteSharedCommitInterceptor)} must be the last transaction interceptor.");
        }

        return index >= 0;
    }
}

/// A transaction that runs a clean-up once when it is disposed (committed or not), after the transaction itself.
internal sealed class EndingTransaction(IDbContextTransaction inner, Action ended) : IDbContextTransaction
{
    private int _ended;

    public Guid TransactionId => inner.TransactionId;

    public void Commit() => inner.Commit();

    public Task CommitAsync(CancellationToken cancellationToken = default) => inner.CommitAsync(cancellationToken);

    public void Rollback() => inner.Rollback();

    public Task RollbackAsync(CancellationToken cancellationToken = default) => inner.RollbackAsync(cancellationToken);

    public void Dispose()
    {
        try
        {
            inner.Dispose();
        }
        finally
        {
            End();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await inner.DisposeAsync();
        }
        finally
        {
            End();
        }
    }

    private void End()
    {
        if (Interlocked.Exchange(ref _ended, 1) == 0)
        {
            ended();
        }
    }
}
