using System.Data.Common;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Core.Data.Sqlite;
using Bosun.Core.Dispatch;
using Bosun.Core.Governance;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;

namespace Bosun.Core.Realtime;

/// Turns the audit rows of each transaction into stream events. Rows are collected as SaveChanges writes
/// them and inserted just before the transaction commits. On SQLite they are numbered there from the tenant's
/// stream head (the writer lock is held anyway); on PostgreSQL they get provisional numbers and the
/// <see cref="StreamSequencer"/> numbers them after the commit.
public sealed class StreamRecorder(StreamSignal signal, StreamSequencer sequencer) : ISaveChangesInterceptor, IDbTransactionInterceptor
{
    /// What one unit of work has recorded so far; it lives on the BosunDb, so the recorder itself holds no state.
    internal sealed class Buffer
    {
        public List<StreamEvent> Staged { get; } = [];
        public List<StreamEvent> Pending { get; } = [];
        public HashSet<string> CommittedTenants { get; } = new(StringComparer.Ordinal);

        /// The committed events still need their numbers from the sequencer.
        public bool Provisional { get; set; }

        public void Clear()
        {
            Staged.Clear();
            Pending.Clear();
            CommittedTenants.Clear();
            Provisional = false;
        }
    }

    private static Buffer? Of(DbContext? context) => (context as BosunDb)?.Stream;

    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Stage(eventData.Context);
        return result;
    }

    public ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Stage(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Promote(eventData.Context);
        return result;
    }

    public ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Promote(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public void SaveChangesFailed(DbContextErrorEventData eventData) => Of(eventData.Context)?.Staged.Clear();

    public Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Of(eventData.Context)?.Staged.Clear();
        return Task.CompletedTask;
    }

    public void SaveChangesCanceled(DbContextEventData eventData) => Of(eventData.Context)?.Staged.Clear();

    public Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default)
    {
        Of(eventData.Context)?.Staged.Clear();
        return Task.CompletedTask;
    }

    // A new transaction means any earlier one ended; if it ended without a commit (a disposed transaction rolls back
    // without a rollback event), its events and its directly written audit rows died with it.
    public DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        ForgetUncommitted(eventData.Context);
        return result;
    }

    public ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
    {
        ForgetUncommitted(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public DbTransaction TransactionUsed(DbConnection connection, TransactionEventData eventData, DbTransaction result)
    {
        ForgetUncommitted(eventData.Context);
        return result;
    }

    public ValueTask<DbTransaction> TransactionUsedAsync(DbConnection connection, TransactionEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
    {
        ForgetUncommitted(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public InterceptionResult TransactionCommitting(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        TakeDirect(eventData.Context);
        FlushAsync(Of(eventData.Context), transaction, sync: true, CancellationToken.None).GetAwaiter().GetResult();
        return result;
    }

    public async ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        TakeDirect(eventData.Context);
        await FlushAsync(Of(eventData.Context), transaction, sync: false, cancellationToken);
        return result;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Announce(Of(eventData.Context));

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Announce(Of(eventData.Context));
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Forget(eventData.Context);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => Forget(eventData.Context);

    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    private static void Stage(DbContext? context)
    {
        if (context is not BosunDb db)
        {
            return;
        }

        var staged = db.Stream.Staged;
        var before = staged.Count;
        var tracked = new TrackedEntities(db);
        foreach (var entry in db.ChangeTracker.Entries<AuditEntry>())
        {
            if (entry.State == EntityState.Added && StreamEvents.TypeOf(entry.Entity) is { } type)
            {
                var e = StreamEvents.From(entry.Entity, type, tracked);
                e.Depth = db.Context.CauseDepth;
                staged.Add(e);
            }
        }

        // A save outside any transaction would commit without a commit hook; make EF open one around it.
        if (staged.Count > before && db.Database.CurrentTransaction is null)
        {
            db.Database.AutoTransactionBehavior = AutoTransactionBehavior.Always;
        }
    }

    /// Audit rows written with plain SQL carry what the stream needs, so they need no lookups at commit.
    private static void TakeDirect(DbContext? context)
    {
        if (context is not BosunDb db || db.DirectAudits.Count == 0)
        {
            return;
        }

        var tracked = new TrackedEntities(db);
        foreach (var written in db.DirectAudits)
        {
            if (StreamEvents.TypeOf(written.Audit) is { } type)
            {
                var e = StreamEvents.From(written.Audit, type, tracked);
                e.WorkItemId ??= written.WorkItemId;
                e.ProjectId ??= written.ProjectId;
                e.WorkItemKey ??= written.WorkItemKey;
                e.Depth = db.Context.CauseDepth;
                db.Stream.Pending.Add(e);
            }
        }

        db.DirectAudits.Clear();
    }

    private static void Promote(DbContext? context)
    {
        if (Of(context) is { } buffer)
        {
            buffer.Pending.AddRange(buffer.Staged);
            buffer.Staged.Clear();
        }
    }

    private static void ForgetUncommitted(DbContext? context)
    {
        (context as BosunDb)?.DirectAudits.Clear();
        Of(context)?.Pending.Clear();
    }

    private static void Forget(DbContext? context)
    {
        (context as BosunDb)?.DirectAudits.Clear();
        Of(context)?.Clear();
    }

    private void Announce(Buffer? buffer)
    {
        if (buffer is null)
        {
            return;
        }

        foreach (var tenant in buffer.CommittedTenants)
        {
            if (buffer.Provisional)
            {
                sequencer.Nudge(tenant);
            }
            else
            {
                signal.Pulse(tenant);
            }
        }

        buffer.CommittedTenants.Clear();
        buffer.Provisional = false;
    }

    private static async Task FlushAsync(Buffer? buffer, DbTransaction transaction, bool sync, CancellationToken ct)
    {
        if (buffer is null)
        {
            return;
        }

        buffer.CommittedTenants.Clear();
        buffer.Provisional = false;
        if (buffer.Pending.Count == 0 && buffer.Staged.Count == 0)
        {
            return;
        }

        var events = buffer.Pending.Concat(buffer.Staged).ToList();
        buffer.Pending.Clear();
        buffer.Staged.Clear();
        foreach (var tenant in events.GroupBy(e => e.TenantId))
        {
            var batch = tenant.ToList();
            await StreamEvents.ResolveAsync(transaction, sync, tenant.Key, batch, ct);
            if (SqliteTransactions.Is(transaction))
            {
                await NumberAsync(transaction, sync, tenant.Key, batch, ct);
                var rows = batch.Select(Values).ToList();
                if (rows.Count > 1 && SqliteRows.Json(rows) is { } json)
                {
                    await using var many = Sql.On(transaction, StreamStatements.InsertMany.Sqlite).With("rows", json);
                    await many.ExecuteAsync(sync, ct);
                }
                else
                {
                    await Sql.ExecuteEachAsync(transaction, StreamStatements.InsertOne.Sqlite, rows, sync, ct);
                }
            }
            else
            {
                await InsertProvisionalAsync(transaction, sync, tenant.Key, batch, ct);
                buffer.Provisional = true;
            }

            buffer.CommittedTenants.Add(tenant.Key);
        }
    }

    private static object?[] Values(StreamEvent e) =>
        [e.TenantId, e.Seq, e.Type, e.EntityType, e.EntityId, e.ProjectId, e.WorkItemId, e.WorkItemKey, e.ActorRef, e.ActorName, e.ChangesJson, e.CreatedAt, e.Depth];

    /// The batch takes the numbers up to and including the head's new last number, in order.
    private static async Task NumberAsync(DbTransaction transaction, bool sync, string tenantId, List<StreamEvent> batch, CancellationToken ct)
    {
        await using var advance = Sql.On(transaction, StreamStatements.AdvanceHead.Sqlite).With("t", tenantId).With("n", (long)batch.Count);
        var last = await advance.ScalarLongAsync(sync, ct);
        var seq = last - batch.Count;
        foreach (var e in batch)
        {
            e.Seq = ++seq;
        }
    }

    /// PostgreSQL: the events are inserted with provisional numbers, taken in array order from one sequence for all tenants,
    /// and the <see cref="StreamSequencer"/> numbers them once this transaction has committed. Nothing here waits for
    /// another transaction of the tenant, so the tenant's writes commit side by side.
    private static async Task InsertProvisionalAsync(DbTransaction transaction, bool sync, string tenantId, List<StreamEvent> batch, CancellationToken ct)
    {
        await using var insert = Sql.On(transaction, StreamStatements.InsertProvisional.Postgres).With(
            ("t", tenantId),
            ("ty", batch.Select(e => e.Type).ToArray()), ("et", batch.Select(e => e.EntityType).ToArray()),
            ("ei", batch.Select(e => e.EntityId).ToArray()), ("p", batch.Select(e => e.ProjectId).ToArray()),
            ("w", batch.Select(e => e.WorkItemId).ToArray()), ("wk", batch.Select(e => e.WorkItemKey).ToArray()),
            ("ar", batch.Select(e => e.ActorRef).ToArray()), ("an", batch.Select(e => e.ActorName).ToArray()),
            ("c", batch.Select(e => e.ChangesJson).ToArray()), ("at", batch.Select(e => e.CreatedAt).ToArray()),
            ("d", batch.Select(e => e.Depth).ToArray()));
        await insert.ExecuteAsync(sync, ct);
    }
}
