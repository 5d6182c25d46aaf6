using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Planning;

/// What follows, in the same transaction, when an item is done, cancelled or re-opened: the count of the deliverable
/// period it is linked to, and the pipeline parent that closes with its children. Every path that finishes an item
/// (a run's completion, an approval, a move by hand) calls this, so counts never drift from the items.
public static class ItemClosing
{
    /// After <paramref name="item"/> became done or cancelled. Answers whether it changed tracked rows that still
    /// need saving (a parent it closed).
    public static async Task<bool> FinishedAsync(BosunDb db, WorkItem item, DateTime now, CancellationToken ct)
    {
        if (item.Status == WorkStatus.Done && item.DeliverablePeriodId is { } period)
        {
            await db.DeliverablePeriods.Where(p => p.Id == period)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.CompletedCount, p => p.CompletedCount + 1), ct);
        }

        if (item.ParentId is not { } parentId)
        {
            return false;
        }

        if (!await db.WorkItems.AnyAsync(w => w.Id == parentId && w.CloseWithChildren, ct))
        {
            return false;
        }

        // Two last steps finishing at once on PostgreSQL would each see the other still open: the parent's row lock
        // puts them one after the other, and the second sees the first's commit.
        await RowLock.LockAsync(db, "work_items", parentId, ct);
        var parent = await db.WorkItems.FirstAsync(w => w.Id == parentId, ct);
        if (db.Entry(parent).State == EntityState.Unchanged)
        {
            await db.Entry(parent).ReloadAsync(ct);
        }

        if (Workflow.IsFinished(parent.Status) || parent.ArchivedAt is not null)
        {
            return false;
        }

        var siblings = await db.WorkItems.AsNoTracking()
            .Where(w => w.ParentId == parentId && w.Id != item.Id && w.ArchivedAt == null)
            .Select(w => w.Status).ToListAsync(ct);
        if (siblings.Any(s => !Workflow.IsFinished(s)) || (item.Status != WorkStatus.Done && !siblings.Contains(WorkStatus.Done)))
        {
            return false;
        }

        // The pipeline is done when its last step finishes, at least one of them done (all cancelled closes nothing).
        parent.Status = WorkStatus.Done;
        parent.CompletedAt = now;
        await FinishedAsync(db, parent, now, ct);
        return true;
    }

    /// After <paramref name="item"/> left done for ready: its period counts one less, and a parent it had closed is
    /// underway again.
    public static async Task ReopenedAsync(BosunDb db, WorkItem item, CancellationToken ct)
    {
        if (item.DeliverablePeriodId is { } period)
        {
            await db.DeliverablePeriods.Where(p => p.Id == period && p.CompletedCount > 0)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.CompletedCount, p => p.CompletedCount - 1), ct);
        }

        if (item.ParentId is { } parentId
            && await db.WorkItems.FirstOrDefaultAsync(w => w.Id == parentId, ct) is { CloseWithChildren: true, Status: WorkStatus.Done } parent)
        {
            parent.Status = WorkStatus.InProgress;
            parent.CompletedAt = null;
            await ReopenedAsync(db, parent, ct);
        }
    }
}
