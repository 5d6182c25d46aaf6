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
        var contexts = await ContextsOfAsync(items, ct);
        return leases.Select(lease => new ClaimedWork(views[itemIds[lease.RunId]], lease, contexts[itemIds[lease.RunId]])).ToList();
    }

    public async Task<WorkContext> ContextOfAsync(WorkItem item, CancellationToken ct) => (await ContextsOfAsync([item], ct))[item.Id];

    /// One query per kind of context for the whole batch, so claiming 50 items costs the round trips of claiming one.
    private async Task<Dictionary<string, WorkContext>> ContextsOfAsync(IReadOnlyList<WorkItem> items, CancellationToken ct)
    {
        var ids = items.Select(i => i.Id).ToList();
        var parentIds = items.Where(i => i.ParentId is not null).Select(i => i.ParentId!).Distinct().ToList();
        var goalIds = items.Where(i => i.GoalId is not null).Select(i => i.GoalId!).Distinct().ToList();
        var parents = parentIds.Count == 0
            ? new Dictionary<string, RelatedItem>()
            : (await db.WorkItems.AsNoTracking().Where(w => parentIds.Contains(w.Id))
                    .Select(w => new { w.Id, w.Key, w.Title, w.Description, w.Status, w.OutputJson }).ToListAsync(ct))
                .ToDictionary(p => p.Id, p => new RelatedItem(p.Id, p.Key, p.Title, p.Description, p.Status, WorkItemView.ParseJson(p.OutputJson)));
        var goals = goalIds.Count == 0
            ? new Dictionary<string, GoalSummary>()
            : (await db.Goals.AsNoTracking().Where(g => goalIds.Contains(g.Id)).ToListAsync(ct))
                .ToDictionary(g => g.Id, g => new GoalSummary(g.Id, g.Title, g.MetricName, g.Baseline, g.Target, g.CurrentValue, g.ProgressPercent));
        var dependencies = (await (from d in db.WorkItemDependencies
                                   join w in db.WorkItems on d.DependsOnId equals w.Id
                                   where ids.Contains(d.WorkItemId)
                                   select new { d.WorkItemId, w.Id, w.Key, w.Title, w.Description, w.Status, w.OutputJson }).ToListAsync(ct))
            .ToLookup(d => d.WorkItemId, d => new RelatedItem(d.Id, d.Key, d.Title, d.Description, d.Status, WorkItemView.ParseJson(d.OutputJson)));
        var comments = (await db.Comments.AsNoTracking().Where(c => ids.Contains(c.WorkItemId)).ToListAsync(ct)).ToLookup(c => c.WorkItemId);
        return items.ToDictionary(item => item.Id, item => new WorkContext(
            item.ParentId is { } parent ? parents.GetValueOrDefault(parent) : null,
            item.GoalId is { } goal ? goals.GetValueOrDefault(goal) : null,
            dependencies[item.Id].ToList(),
            comments[item.Id].OrderByDescending(c => c.Id).Take(RecentComments).OrderBy(c => c.Id).Select(CommentView.From).ToList(),
            item.RevisionNotes,
            WorkItemView.ParseJson(item.CheckpointJson),
            WorkItemView.ParseJson(item.OutputJson)));
    }
}
