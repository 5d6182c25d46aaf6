using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Planning;

public sealed record PlanRelease(IReadOnlyList<WorkItem> Released, IReadOnlyList<WorkItem> Skipped);

public sealed partial class WorkItemService
{
    /// New steps of a later plan version, made under work already under way: each waits for the earlier steps it names
    /// (new items have no dependents yet, so no cycle can close), and a pipeline parent they joined after it was done is
    /// underway again.
    internal async Task StepsJoinedAsync(string firstStepId, IReadOnlyList<(string ItemId, string DependsOnId)> waits, CancellationToken ct)
    {
        foreach (var (itemId, dependsOnId) in waits.Distinct())
        {
            db.WorkItemDependencies.Add(new WorkItemDependency { WorkItemId = itemId, DependsOnId = dependsOnId });
            var key = await db.WorkItems.AsNoTracking().Where(w => w.Id == dependsOnId).Select(w => w.Key).FirstAsync(ct);
            Governance.AuditLog.Record(db, "work_item.dependency_added", "work_item", itemId, new { depends_on = new { after = key } }, Now);
        }

        await ItemClosing.ReopenedAsync(db, await db.WorkItems.FirstAsync(w => w.Id == firstStepId, ct), ct);
        await db.SaveChangesAsync(ct);
    }

    /// Steps of this plan that a later approved version no longer has. One nobody has taken yet (backlog, ready,
    /// blocked or failed) is cancelled, and the steps that waited for it wait no more, as the new version's `after`
    /// says; one under way or finished is left as it is, for a person to decide, since cancelling it would throw work
    /// away. Done on the approver's behalf, in the approval's transaction.
    internal async Task<(IReadOnlyList<WorkItem> Cancelled, IReadOnlyList<WorkItem> Left)> DropStepsAsync(IReadOnlyList<string> itemIds, CancellationToken ct)
    {
        var cancelled = new List<WorkItem>();
        var left = new List<WorkItem>();
        foreach (var id in itemIds)
        {
            await RowLock.LockAsync(db, "work_items", id, ct);
            var item = await db.WorkItems.FirstAsync(w => w.Id == id, ct);
            await db.Entry(item).ReloadAsync(ct);
            if (item.Status is not (WorkStatus.Backlog or WorkStatus.Ready or WorkStatus.Blocked or WorkStatus.Failed) || item.ArchivedAt is not null)
            {
                left.Add(item);
                continue;
            }

            foreach (var waiting in await db.WorkItemDependencies.Where(d => d.DependsOnId == id).ToListAsync(ct))
            {
                db.WorkItemDependencies.Remove(waiting);
                Governance.AuditLog.Record(db, "work_item.dependency_removed", "work_item", waiting.WorkItemId, new { depends_on = new { before = item.Key } }, Now);
            }

            item.Status = WorkStatus.Cancelled;
            await ItemClosing.FinishedAsync(db, item, Now, ct);
            cancelled.Add(item);
        }

        await db.SaveChangesAsync(ct);
        if (cancelled.Count > 0)
        {
            // A step that waited only for a dropped one may be claimable now.
            queue.Changed();
        }

        return (cancelled, left);
    }

    /// The backlog items an approved plan releases, in the caller's transaction: each still in the backlog becomes ready;
    /// one that left the backlog meanwhile (released by hand, cancelled, archived) keeps its status. Both are linked to
    /// the plan. Bosun does this on the approver's behalf, so no permission of the caller is asked.
    internal async Task<PlanRelease> ReleaseForPlanAsync(string planId, IReadOnlyList<string> itemIds, CancellationToken ct)
    {
        var released = new List<WorkItem>();
        var skipped = new List<WorkItem>();
        foreach (var id in itemIds)
        {
            await RowLock.LockAsync(db, "work_items", id, ct);
            if (await db.WorkItems.FirstOrDefaultAsync(w => w.Id == id, ct) is not { } item)
            {
                continue;
            }

            await db.Entry(item).ReloadAsync(ct);
            item.PlanId = planId;
            if (item.Status == WorkStatus.Backlog && item.ArchivedAt is null)
            {
                item.Status = WorkStatus.Ready;
                released.Add(item);
            }
            else
            {
                skipped.Add(item);
            }
        }

        await db.SaveChangesAsync(ct);
        if (released.Count > 0)
        {
            queue.Changed();
        }

        return new PlanRelease(released, skipped);
    }
}
