using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Bosun.Core.Data;

/// Empties an in-process cache when a save touches rows it was built from: once when saved and again when the
/// transaction commits, so a lookup made between the two (which may read the old rows) does not stay cached.
public abstract class CacheInvalidator : SaveChangesInterceptor, IDbTransactionInterceptor
{
    private readonly ConditionalWeakTable<DbContext, object> _pending = [];

    /// Whether a change to this entry makes the cache stale.
    protected abstract bool Touches(EntityEntry entry);

    protected abstract void Clear();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Check(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Check(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        AfterSaveWithoutTransaction(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        AfterSaveWithoutTransaction(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => AfterCommit(eventData.Context);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        AfterCommit(eventData.Context);
        return Task.CompletedTask;
    }

    private void Check(DbContext? context)
    {
        if (context is not null && context.ChangeTracker.Entries().Any(Touches))
        {
            Clear();
            _pending.AddOrUpdate(context, true);
        }
    }

    private void AfterSaveWithoutTransaction(DbContext? context)
    {
        if (context?.Database.CurrentTransaction is null)
        {
            AfterCommit(context);
        }
    }

    private void AfterCommit(DbContext? context)
    {
        if (context is not null && _pending.Remove(context))
        {
            Clear();
        }
    }
}
