using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;

namespace Bosun.Core.Planning;

/// Archiving instead of deleting: an archived item leaves every list, board and claim, keeps everything it had, and a
/// restore brings it back where it stood. Its sub-items are not archived with it.
public sealed partial class WorkItemService
{
    public async Task<WorkItemView> ArchiveAsync(string idOrKey, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var item = await FindAsync(idOrKey, ct);
        if (item.ArchivedAt is null)
        {
            if (Workflow.IsActive(item.Status))
            {
                throw ProblemException.Conflict(
                    $"{item.Key} is {item.Status.Snake()}: someone is working on it. Release its run or cancel the item before archiving it.", "/problems/item-active");
            }

            if (item.Status == WorkStatus.AwaitingApproval)
            {
                throw ProblemException.Conflict(
                    $"{item.Key} waits for a reviewer: decide its approval or cancel the item before archiving it.", "/problems/awaiting-approval");
            }

            item.ArchivedAt = Now;
            ArchiveAudit.Record(db, "work_item", item.Id, archived: true, new { key = item.Key, status = item.Status.Snake() }, Now);
            await db.SaveChangesAsync(ct);
        }

        return await ViewAsync(item, ct);
    }

    public async Task<WorkItemView> RestoreAsync(string idOrKey, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var item = await FindAsync(idOrKey, ct);
        if (item.ArchivedAt is not null)
        {
            item.ArchivedAt = null;
            ArchiveAudit.Record(db, "work_item", item.Id, archived: false, new { key = item.Key, status = item.Status.Snake() }, Now);
            await db.SaveChangesAsync(ct);
            if (item.Status == WorkStatus.Ready)
            {
                queue.Changed();
            }
        }

        return await ViewAsync(item, ct);
    }
}
