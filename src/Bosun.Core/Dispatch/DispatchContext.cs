using Bosun.Core.Data;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Dispatch;

/// Assembles what a worker receives with a claimed item.
public sealed class DispatchContext(BosunDb db)
{
    private const int RecentComments = 50;

    /// One query per kind of data for the whole batch, so claiming 50 items costs the round trips of claiming one.
    public async Task<IReadOnlyList<ClaimedWork>> BuildAsync(IReadOnlyList<Lease> leases, CancellationToken ct)
    {
        var ids = leases.Select(l => l.WorkItemId ?? throw new InvalidOperationException("A lease made by a claim knows its work item.")).ToList();
        var items = await db.WorkItems.AsNoTracking().WhereIn(w => w.Id, ids).ToListAsync(ct);
        var contexts = await ContextsOfAsync(items, ct);
        var byId = items.ToDictionary(i => i.Id);
        return leases.Select((lease, i) =>
        {
            var item = byId[ids[i]];
            var context = contexts[item.Id];
            return new ClaimedWork(WorkItemView.From(item, context.Labels, context.Work.Dependencies.Select(d => new DependencyView(d.Id, d.Key, d.Title, d.Status)).ToList()), lease, context.Work);
        }).ToList();
    }

    public async Task<WorkContext> ContextOfAsync(WorkItem item, CancellationToken ct) => (await ContextsOfAsync([item], ct))[item.Id].Work;

    private async Task<Dictionary<string, (WorkContext Work, List<string> Labels)>> ContextsOfAsync(IReadOnlyList<WorkItem> items, CancellationToken ct)
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
                                   select new { d.WorkItemId, w.Id, w.Key, w.Title, w.Description, w.Status, w.OutputJson })
                .WhereIn(d => d.WorkItemId, ids).ToListAsync(ct))
            .ToLookup(d => d.WorkItemId, d => new RelatedItem(d.Id, d.Key, d.Title, d.Description, d.Status, WorkItemView.ParseJson(d.OutputJson)));
        var comments = (await db.Comments.AsNoTracking().WhereIn(c => c.WorkItemId, ids).ToListAsync(ct)).ToLookup(c => c.WorkItemId);
        var labels = (await db.WorkItemLabels.AsNoTracking().WhereIn(l => l.WorkItemId, ids).ToListAsync(ct)).ToLookup(l => l.WorkItemId, l => l.Label);
        return items.ToDictionary(item => item.Id, item => (new WorkContext(
            item.ParentId is { } parent ? parents.GetValueOrDefault(parent) : null,
            item.GoalId is { } goal ? goals.GetValueOrDefault(goal) : null,
            dependencies[item.Id].ToList(),
            comments[item.Id].OrderByDescending(c => c.Id).Take(RecentComments).OrderBy(c => c.Id).Select(CommentView.From).ToList(),
            item.RevisionNotes,
            WorkItemView.ParseJson(item.CheckpointJson),
            WorkItemView.ParseJson(item.OutputJson)), labels[item.Id].Order().ToList()));
    }
}
