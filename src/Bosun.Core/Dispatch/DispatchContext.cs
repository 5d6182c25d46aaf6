using Bosun.Core.Data;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Dispatch;

/// Assembles what a worker receives with a claimed item.
public sealed class DispatchContext(BosunDb db)
{
    private const int RecentComments = ContextStatements.RecentComments;

    private sealed record RelatedOf(string WorkItemId, string Id, string Key, string Title, string? Description, WorkStatus Status, string? OutputJson);

    // A single-item claim is the most frequent call there is, so its queries are compiled once: EF then neither
    // translates them nor looks them up in its query cache per call. Batches use the list queries below.
    private static readonly Compiled<Func<BosunDb, string, Task<WorkItem?>>> ItemById = new(() => EF.CompileAsyncQuery(
        (BosunDb db, string id) => db.WorkItems.AsNoTracking().FirstOrDefault(w => w.Id == id)));

    private static readonly Compiled<Func<BosunDb, string, IAsyncEnumerable<RelatedOf>>> DependenciesOfOne = new(() => EF.CompileAsyncQuery(
        (BosunDb db, string id) => from d in db.WorkItemDependencies
                                   join w in db.WorkItems on d.DependsOnId equals w.Id
                                   where d.WorkItemId == id
                                   select new RelatedOf(d.WorkItemId, w.Id, w.Key, w.Title, w.Description, w.Status, w.OutputJson)));

    // Only the latest comments are sent, so only they are read: an agent posting progress as comments can leave an item
    // with thousands.
    private static readonly Compiled<Func<BosunDb, string, IAsyncEnumerable<Comment>>> CommentsOfOne = new(() => EF.CompileAsyncQuery(
        (BosunDb db, string id) => db.Comments.AsNoTracking().Where(c => c.WorkItemId == id).OrderByDescending(c => c.Id).Take(RecentComments)));

    private static readonly Compiled<Func<BosunDb, string, IAsyncEnumerable<WorkItemLabel>>> LabelsOfOne = new(() => EF.CompileAsyncQuery(
        (BosunDb db, string id) => db.WorkItemLabels.AsNoTracking().Where(l => l.WorkItemId == id)));

    /// One query per kind of data for the whole batch, so claiming 50 items costs the round trips of claiming one.
    public async Task<IReadOnlyList<ClaimedWork>> BuildAsync(IReadOnlyList<Lease> leases, CancellationToken ct)
    {
        var ids = leases.Select(l => l.WorkItemId ?? throw new InvalidOperationException("A lease made by a claim knows its work item.")).ToList();
        var items = ids.Count == 1
            ? [await ItemById.For(db)(db, ids[0]) ?? throw new InvalidOperationException("A claimed item disappeared.")]
            : await db.WorkItems.AsNoTracking().WhereIn(w => w.Id, ids).ToListAsync(ct);
        var contexts = await ContextsOfAsync(items, ct);
        var byId = items.ToDictionary(i => i.Id);
        return leases.Select((lease, i) =>
        {
            var item = byId[ids[i]];
            var context = contexts[item.Id];
            return new ClaimedWork(WorkItemView.From(item, context.Labels, context.Work.Dependencies.Select(d => new DependencyView(d.Id, d.Key, d.Title, d.Status)).ToList()), lease, context.Work);
        }).ToList();
    }

    private Task<List<Comment>> LatestCommentsAsync(List<string> ids, CancellationToken ct) =>
        ContextStatements.LatestCommentsAsync(db, db.Context.RequireTenant(), ids, ct);

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

        var one = ids.Count == 1 ? ids[0] : null;
        var dependencies = (one is not null
                ? await DependenciesOfOne.For(db)(db, one).ToListAsync(ct)
                : await (from d in db.WorkItemDependencies.WhereIn(d => d.WorkItemId, ids)
                         join w in db.WorkItems on d.DependsOnId equals w.Id
                         select new RelatedOf(d.WorkItemId, w.Id, w.Key, w.Title, w.Description, w.Status, w.OutputJson)).ToListAsync(ct))
            .ToLookup(d => d.WorkItemId, d => new RelatedItem(d.Id, d.Key, d.Title, d.Description, d.Status, WorkItemView.ParseJson(d.OutputJson)));
        var comments = (one is not null
                ? await CommentsOfOne.For(db)(db, one).ToListAsync(ct)
                : await LatestCommentsAsync(ids, ct))
            .ToLookup(c => c.WorkItemId);
        var labels = (one is not null
                ? await LabelsOfOne.For(db)(db, one).ToListAsync(ct)
                : await db.WorkItemLabels.AsNoTracking().WhereIn(l => l.WorkItemId, ids).ToListAsync(ct))
            .ToLookup(l => l.WorkItemId, l => l.Label);
        return items.ToDictionary(item => item.Id, item => (new WorkContext(
            item.ParentId is { } parent ? parents.GetValueOrDefault(parent) : null,
            item.GoalId is { } goal ? goals.GetValueOrDefault(goal) : null,
            dependencies[item.Id].ToList(),
            comments[item.Id].OrderByDescending(c => c.Id).Take(RecentComments).OrderBy(c => c.Id).Select(CommentView.From).ToList(),
            item.RevisionNotes,
            WorkItemView.ParseJson(item.CheckpointJson),
            WorkItemView.ParseJson(item.OutputJson)) { Answers = WorkItemView.ParseJson(item.AnswersJson) }, labels[item.Id].Order().ToList()));
    }
}
