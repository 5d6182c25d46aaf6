using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Planning;

/// Reading work items: lists with their filters, one item, its comments, and the views answers carry.
public sealed partial class WorkItemService
{
    public async Task<Page<WorkItemView>> ListAsync(WorkItemFilter filter, PageRequest page, CancellationToken ct)
    {
        var query = await FilteredAsync(filter, ct);
        Page<WorkItem> rows;
        if (WorkItemFilter.OrdersByPosition(filter.Parent))
        {
            rows = await ByPositionAsync(query, page, ct);
        }
        else
        {
            if (page.Cursor is { } cursor)
            {
                query = query.Where(w => string.Compare(w.Id, cursor) > 0);
            }

            rows = await query.OrderBy(w => w.Id).ToPageAsync(page, w => w.Id, w => w, ct);
        }

        return new Page<WorkItemView>(await ViewsAsync(rows.Items, ct), rows.NextCursor);
    }

    /// A board's columns in the order work flows through them; the side states come last.
    public static readonly IReadOnlyList<WorkStatus> BoardColumns =
    [
        WorkStatus.Backlog, WorkStatus.Ready, WorkStatus.Claimed, WorkStatus.InProgress, WorkStatus.AwaitingApproval,
        WorkStatus.Done, WorkStatus.Blocked, WorkStatus.Failed, WorkStatus.Cancelled,
    ];

    /// A project's board: how many items each column holds (all of them that match the filter, not only those shown)
    /// and the first <paramref name="perColumn"/> cards of each in position order (the order items were made, except
    /// where someone moved one among its siblings), with the cursor of the rest. The counts and each column's page read
    /// the board index (tenant, project, status, position, id, items not archived), so the board of a project with tens
    /// of thousands of items costs its counts plus a few short index reads, not one row per item.
    public async Task<IReadOnlyList<BoardColumn>> BoardAsync(WorkItemFilter filter, IReadOnlyList<WorkStatus> columns, int perColumn, CancellationToken ct)
    {
        var query = await FilteredAsync(filter with { Status = null }, ct);
        var counts = await query.GroupBy(w => w.Status).Select(g => new { Status = g.Key, Count = g.Count() }).ToDictionaryAsync(c => c.Status, c => c.Count, ct);
        var pages = new List<(WorkStatus Status, Page<WorkItem> Rows)>();
        foreach (var status in columns)
        {
            pages.Add((status, counts.GetValueOrDefault(status) == 0
                ? new Page<WorkItem>([], null)
                : await ByPositionAsync(query.Where(w => w.Status == status), new PageRequest(perColumn, null), ct)));
        }

        // One view lookup (labels, dependencies, assignee names) for every card on the board.
        var views = (await ViewsAsync(pages.SelectMany(p => p.Rows.Items).ToList(), ct)).ToDictionary(v => v.Id);
        return pages.Select(p => new BoardColumn(p.Status, counts.GetValueOrDefault(p.Status), p.Rows.Items.Select(i => views[i.Id]).ToList(), p.Rows.NextCursor)).ToList();
    }

    /// The next cards of one board column, after the cursor the board (or the previous page) gave.
    public async Task<Page<WorkItemView>> ColumnAsync(WorkItemFilter filter, WorkStatus status, PageRequest page, CancellationToken ct)
    {
        var query = (await FilteredAsync(filter with { Status = null }, ct)).Where(w => w.Status == status);
        var rows = await ByPositionAsync(query, page, ct);
        return new Page<WorkItemView>(await ViewsAsync(rows.Items, ct), rows.NextCursor);
    }

    private static async Task<Page<WorkItem>> ByPositionAsync(IQueryable<WorkItem> query, PageRequest page, CancellationToken ct)
    {
        if (page.Cursor is { } cursor)
        {
            if (!KeyedCursor.TryDecode(cursor, out var position, out var id))
            {
                throw ProblemException.Invalid("cursor", "is not a cursor returned by this list");
            }

            query = query.Where(w => string.Compare(w.Position, position) > 0 || (w.Position == position && string.Compare(w.Id, id) > 0));
        }

        return await query.OrderBy(w => w.Position).ThenBy(w => w.Id).ToPageAsync(page, w => KeyedCursor.Encode(w.Position, w.Id), w => w, ct);
    }

    /// The items a filter selects, unordered; an unknown status or project is a 400 naming the field.
    private async Task<IQueryable<WorkItem>> FilteredAsync(WorkItemFilter filter, CancellationToken ct)
    {
        var query = filter.Archived
            ? db.WorkItems.AsNoTracking().Where(w => w.ArchivedAt != null)
            : db.WorkItems.AsNoTracking().Where(w => w.ArchivedAt == null);
        if (filter.Status is { Length: > 0 } statusList)
        {
            var statuses = new List<WorkStatus>();
            foreach (var name in statusList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!EnumNames<WorkStatus>.TryParse(name, out var status))
                {
                    throw ProblemException.Invalid("status", $"'{name}' is not one of: {string.Join(", ", EnumNames<WorkStatus>.All)}");
                }

                statuses.Add(status);
            }

            query = query.Where(w => statuses.Contains(w.Status));
        }

        if (filter.Assignee is { Length: > 0 } assignee)
        {
            query = Assignment.Filter(query, assignee);
        }

        if (filter.Project is { Length: > 0 } projectRef)
        {
            var projectId = await db.ProjectIdOfAsync(projectRef, ct) ?? throw ProblemException.Invalid("project", "no such project");
            query = query.Where(w => w.ProjectId == projectId);
        }

        if (filter.Type is { Length: > 0 } type)
        {
            query = query.Where(w => w.Type == type);
        }

        if (filter.Label is { Length: > 0 } label)
        {
            query = query.Where(w => db.WorkItemLabels.Any(l => l.WorkItemId == w.Id && l.Label == label));
        }

        if (filter.Parent is { Length: > 0 } parent)
        {
            // An unknown parent (or another tenant's) has no children, as before keys were accepted here.
            var parentId = parent == "none" ? null : (await FindOrNullAsync(parent, ct))?.Id ?? parent;
            query = parentId is null ? query.Where(w => w.ParentId == null) : query.Where(w => w.ParentId == parentId);
        }

        if (filter.Goal is { Length: > 0 } goal)
        {
            query = query.Where(w => w.GoalId == goal);
        }

        if (filter.Search is { Length: > 0 } search)
        {
            var pattern = $"%{search.Replace("%", "").Replace("_", "")}%";
            var matching = db.Database.SqlQueryRaw<string>(WorkItemStatements.TitleOrKeyMatches.For(db),
                Parameter("tenant", context.RequireTenant()), Parameter("pattern", pattern));
            query = query.Where(w => matching.Contains(w.Id));
        }

        return query;
    }

    private System.Data.Common.DbParameter Parameter(string name, object value)
    {
        using var command = db.Database.GetDbConnection().CreateCommand();
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        return parameter;
    }

    public async Task<WorkItemView> GetAsync(string idOrKey, CancellationToken ct) => await ViewAsync(await FindAsync(idOrKey, ct), ct);

    public async Task<Page<CommentView>> ListCommentsAsync(string idOrKey, PageRequest page, CancellationToken ct)
    {
        var item = await FindAsync(idOrKey, ct);
        var query = db.Comments.AsNoTracking().Where(c => c.WorkItemId == item.Id);
        if (page.Cursor is { } cursor)
        {
            query = query.Where(c => string.Compare(c.Id, cursor) > 0);
        }

        return await query.OrderBy(c => c.Id).ToPageAsync(page, c => c.Id, CommentView.From, ct);
    }

    public async Task<WorkItem?> FindOrNullAsync(string idOrKey, CancellationToken ct)
    {
        var key = idOrKey.ToUpperInvariant();
        return await db.WorkItems.FirstOrDefaultAsync(w => w.Id == idOrKey || w.Key == key, ct);
    }

    public async Task<WorkItem> FindAsync(string idOrKey, CancellationToken ct) =>
        await FindOrNullAsync(idOrKey, ct) ?? throw ProblemException.NotFound("Work item");

    public async Task<WorkItemView> ViewAsync(WorkItem item, CancellationToken ct) => (await ViewsAsync([item], ct))[0];

    /// The caller's unfinished items (assigned to this person or agent), oldest first: the inbox and "work I hold" show them.
    public async Task<IReadOnlyList<WorkItemView>> AssignedToMeAsync(int limit, CancellationToken ct)
    {
        var me = context.Actor.Id;
        var mine = context.Actor.Type switch
        {
            ActorType.Person => db.WorkItems.AsNoTracking().Where(w => w.AssigneeUserId == me),
            ActorType.Agent => db.WorkItems.AsNoTracking().Where(w => w.AssigneeAgentId == me),
            _ => db.WorkItems.Where(_ => false),
        };
        var items = await mine.Where(w => w.Status != WorkStatus.Done && w.Status != WorkStatus.Cancelled && w.ArchivedAt == null).OrderBy(w => w.Id).Take(limit).ToListAsync(ct);
        return await ViewsAsync(items, ct);
    }

    // One item's view is part of the answer to every completion, so its two queries are compiled once: EF then skips
    // translating them and looking them up in its query cache on every call.
    private static readonly Compiled<Func<BosunDb, string, IAsyncEnumerable<string>>> LabelsOfOne = new(() => EF.CompileAsyncQuery(
        (BosunDb db, string id) => db.WorkItemLabels.AsNoTracking().Where(l => l.WorkItemId == id).Select(l => l.Label)));

    private static readonly Compiled<Func<BosunDb, string, IAsyncEnumerable<DependencyView>>> DependenciesOfOne = new(() => EF.CompileAsyncQuery(
        (BosunDb db, string id) => from d in db.WorkItemDependencies
                                   join w in db.WorkItems on d.DependsOnId equals w.Id
                                   where d.WorkItemId == id
                                   select new DependencyView(w.Id, w.Key, w.Title, w.Status)));

    public async Task<IReadOnlyList<WorkItemView>> ViewsAsync(IReadOnlyList<WorkItem> items, CancellationToken ct)
    {
        if (items.Count == 1)
        {
            var one = items[0];
            var itsLabels = await LabelsOfOne.For(db)(db, one.Id).ToListAsync(ct);
            var itsDependencies = await DependenciesOfOne.For(db)(db, one.Id).ToListAsync(ct);
            return await NamedAsync([WorkItemView.From(one, itsLabels.Order().ToList(), itsDependencies)], [one], ct);
        }

        var ids = items.Select(i => i.Id).ToList();
        var labels = await db.WorkItemLabels.AsNoTracking().WhereIn(l => l.WorkItemId, ids).ToListAsync(ct);
        var dependencies = await (from d in db.WorkItemDependencies
                                  join w in db.WorkItems on d.DependsOnId equals w.Id
                                  select new { d.WorkItemId, View = new DependencyView(w.Id, w.Key, w.Title, w.Status) })
            .WhereIn(d => d.WorkItemId, ids).ToListAsync(ct);
        return await NamedAsync(items.Select(i => WorkItemView.From(
            i,
            labels.Where(l => l.WorkItemId == i.Id).Select(l => l.Label).Order().ToList(),
            dependencies.Where(d => d.WorkItemId == i.Id).Select(d => d.View).ToList())).ToList(), items, ct);
    }

    /// Adds the assignee's name (an agent's name, a person's email) so people read `agent:coder`, not an id:
    /// one lookup per kind of assignee for the whole page.
    private async Task<IReadOnlyList<WorkItemView>> NamedAsync(List<WorkItemView> views, IReadOnlyList<WorkItem> items, CancellationToken ct)
    {
        var agentIds = items.Select(i => i.AssigneeAgentId).OfType<string>().Distinct().ToList();
        var userIds = items.Select(i => i.AssigneeUserId).OfType<string>().Distinct().ToList();
        if (agentIds.Count == 0 && userIds.Count == 0)
        {
            return views;
        }

        var agents = agentIds.Count == 0 ? [] : await db.Agents.AsNoTracking().WhereIn(a => a.Id, agentIds).ToDictionaryAsync(a => a.Id, a => a.Name, ct);
        var users = userIds.Count == 0 ? [] : await db.Users.AsNoTracking().WhereIn(u => u.Id, userIds).ToDictionaryAsync(u => u.Id, u => u.Email, ct);
        return views.Select((v, i) => items[i] switch
        {
            { AssigneeAgentId: { } a } => v with { AssigneeName = agents.GetValueOrDefault(a) },
            { AssigneeUserId: { } u } => v with { AssigneeName = users.GetValueOrDefault(u) },
            _ => v,
        }).ToList();
    }
}
