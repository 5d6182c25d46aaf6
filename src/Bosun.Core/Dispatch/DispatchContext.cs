using Bosun.Core.Data;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Dispatch;

/// Assembles what a worker receives with a claimed item.
public sealed class DispatchContext(BosunDb db, WorkItemService workItems)
{
    private const int RecentComments = 50;

    public async Task<IReadOnlyList<ClaimedWork>> BuildAsync(IReadOnlyList<Lease> leases, CancellationToken ct)
    {
        var runIds = leases.Select(l => l.RunId).ToList();
        var itemIds = await db.Runs.AsNoTracking().Where(r => runIds.Contains(r.Id)).ToDictionaryAsync(r => r.Id, r => r.WorkItemId, ct);
        var ids = itemIds.Values.ToList();
        var items = await db.WorkItems.AsNoTracking().Where(w => ids.Contains(w.Id)).ToListAsync(ct);
        var views = (await workItems.ViewsAsync(items, ct)).ToDictionary(v => v.Id);
        var result = new List<ClaimedWork>(leases.Count);
        foreach (var lease in leases)
        {
            var item = items.Single(i => i.Id == itemIds[lease.RunId]);
            result.Add(new ClaimedWork(views[item.Id], lease, await ContextOfAsync(item, ct)));
        }

        return result;
    }

    public async Task<WorkContext> ContextOfAsync(WorkItem item, CancellationToken ct)
    {
        RelatedItem? parent = null;
        if (item.ParentId is { } parentId)
        {
            parent = await db.WorkItems.AsNoTracking().Where(w => w.Id == parentId)
                .Select(w => new { w.Id, w.Key, w.Title, w.Description, w.Status, w.OutputJson }).FirstOrDefaultAsync(ct) is { } p
                ? new RelatedItem(p.Id, p.Key, p.Title, p.Description, p.Status, WorkItemView.ParseJson(p.OutputJson))
                : null;
        }

        GoalSummary? goal = null;
        if (item.GoalId is { } goalId && await db.Goals.AsNoTracking().FirstOrDefaultAsync(g => g.Id == goalId, ct) is { } g)
        {
            goal = new GoalSummary(g.Id, g.Title, g.MetricName, g.Baseline, g.Target, g.CurrentValue, g.ProgressPercent);
        }

        var dependencies = (await (from d in db.WorkItemDependencies
                                   join w in db.WorkItems on d.DependsOnId equals w.Id
                                   where d.WorkItemId == item.Id
                                   select new { w.Id, w.Key, w.Title, w.Description, w.Status, w.OutputJson }).ToListAsync(ct))
            .Select(w => new RelatedItem(w.Id, w.Key, w.Title, w.Description, w.Status, WorkItemView.ParseJson(w.OutputJson)))
            .ToList();
        var comments = (await db.Comments.AsNoTracking().Where(c => c.WorkItemId == item.Id)
                .OrderByDescending(c => c.Id).Take(RecentComments).ToListAsync(ct))
            .OrderBy(c => c.Id).Select(CommentView.From).ToList();
        return new WorkContext(parent, goal, dependencies, comments, item.RevisionNotes,
            WorkItemView.ParseJson(item.CheckpointJson), WorkItemView.ParseJson(item.OutputJson));
    }
}
