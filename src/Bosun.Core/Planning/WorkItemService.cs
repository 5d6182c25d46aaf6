using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Planning;

public sealed record CreateWorkItem(
    string? ProjectId, string? Type, string? Title, string? Description, WorkStatus? Status, Priority? Priority,
    string? Assignee, string? ParentId, string? GoalId, DateTimeOffset? DueAt, IReadOnlyList<string>? Labels,
    bool? ApprovalRequired, JsonElement? Input, IReadOnlyList<string>? DependsOn);

public sealed record UpdateWorkItem(
    string? Type, string? Title, string? Description, WorkStatus? Status, Priority? Priority, string? Assignee,
    string? ParentId, string? GoalId, DateTimeOffset? DueAt, bool? ClearDueAt, IReadOnlyList<string>? Labels,
    bool? ApprovalRequired, JsonElement? Input, JsonElement? Output);

public sealed record WorkItemFilter(
    string? Status, string? Assignee, string? Project, string? Type, string? Label, string? Parent, string? Goal, string? Search);

public sealed class WorkItemService(BosunDb db, RequestContext context, TimeProvider clock, IWorkQueue queue)
{
    public static readonly IReadOnlyList<string> DefaultTypes = ["task", "ticket", "card", "activity", "question", "review", "escalation"];
    private const int MaxLabels = 20;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<Page<WorkItemView>> ListAsync(WorkItemFilter filter, PageRequest page, CancellationToken ct)
    {
        var query = db.WorkItems.AsNoTracking().AsQueryable();
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
            query = parent == "none" ? query.Where(w => w.ParentId == null) : query.Where(w => w.ParentId == parent);
        }

        if (filter.Goal is { Length: > 0 } goal)
        {
            query = query.Where(w => w.GoalId == goal);
        }

        if (filter.Search is { Length: > 0 } search)
        {
            var pattern = $"%{search.Replace("%", "").Replace("_", "")}%";
            query = db.IsPostgres
                ? query.Where(w => EF.Functions.ILike(w.Title, pattern) || EF.Functions.ILike(w.Key, pattern))
                : query.Where(w => EF.Functions.Like(w.Title, pattern) || EF.Functions.Like(w.Key, pattern));
        }

        if (page.Cursor is { } cursor)
        {
            query = query.Where(w => string.Compare(w.Id, cursor) > 0);
        }

        var rows = await query.OrderBy(w => w.Id).ToPageAsync(page, w => w.Id, w => w, ct);
        return new Page<WorkItemView>(await ViewsAsync(rows.Items, ct), rows.NextCursor);
    }

    public async Task<WorkItemView> GetAsync(string idOrKey, CancellationToken ct) => await ViewAsync(await FindAsync(idOrKey, ct), ct);

    public async Task<WorkItemView> CreateAsync(CreateWorkItem request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var problem = new ValidationProblem();
        var projectId = request.ProjectId is { Length: > 0 } p ? await db.ProjectIdOfAsync(p, ct) : null;
        if (projectId is null)
        {
            problem.Add("project_id", request.ProjectId is null ? "is required" : "no such project");
        }

        var item = new WorkItem
        {
            ProjectId = projectId ?? "",
            Key = "",
            Title = Check.Text(problem, "title", request.Title, 500, required: true) ?? "",
            Type = Check.Text(problem, "type", request.Type, 50) ?? "task",
            Description = Check.Text(problem, "description", request.Description, 100_000),
            Priority = request.Priority ?? Priority.Normal,
            DueAt = Check.Utc(request.DueAt),
            ApprovalRequired = request.ApprovalRequired ?? false,
            InputJson = Check.Json(request.Input),
            CreatedBy = context.Actor.Ref,
        };
        if (request.Status is { } status)
        {
            if (status is not (WorkStatus.Backlog or WorkStatus.Ready))
            {
                problem.Add("status", "a new work item starts in backlog or ready");
            }

            item.Status = status;
        }

        await Assignment.ApplyAsync(db, item, request.Assignee, problem, "assignee", ct);
        await ApplyParentAsync(item, request.ParentId, problem, ct);
        await ApplyGoalAsync(item, request.GoalId, problem, ct);
        var labels = CleanLabels(request.Labels, problem);
        var dependsOn = new List<WorkItem>();
        foreach (var reference in request.DependsOn ?? [])
        {
            var dependency = await FindOrNullAsync(reference, ct);
            if (dependency is null)
            {
                problem.Add("depends_on", $"no work item '{reference}'");
            }
            else
            {
                dependsOn.Add(dependency);
            }
        }

        problem.ThrowIfAny();

        // Bumping the counter row locks it until commit, so concurrent creates get distinct numbers.
        await db.Projects.Where(x => x.Id == projectId).ExecuteUpdateAsync(s => s.SetProperty(x => x.NextItemNumber, x => x.NextItemNumber + 1), ct);
        var project = await db.Projects.AsNoTracking().SingleAsync(x => x.Id == projectId, ct);
        item.Number = project.NextItemNumber - 1;
        item.Key = $"{project.Key}-{item.Number}";

        db.WorkItems.Add(item);
        foreach (var label in labels ?? [])
        {
            db.WorkItemLabels.Add(new WorkItemLabel { WorkItemId = item.Id, Label = label });
        }

        foreach (var dependency in dependsOn.DistinctBy(d => d.Id))
        {
            db.WorkItemDependencies.Add(new WorkItemDependency { WorkItemId = item.Id, DependsOnId = dependency.Id });
        }

        await db.SaveChangesAsync(ct);
        if (item.Status == WorkStatus.Ready)
        {
            queue.Changed();
        }

        return await ViewAsync(item, ct);
    }

    public async Task<WorkItemView> UpdateAsync(string idOrKey, UpdateWorkItem request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var item = await FindAsync(idOrKey, ct);
        var problem = new ValidationProblem();
        item.Title = Check.Text(problem, "title", request.Title, 500) ?? item.Title;
        item.Type = Check.Text(problem, "type", request.Type, 50) ?? item.Type;
        item.Description = Check.Text(problem, "description", request.Description, 100_000) ?? item.Description;
        item.Priority = request.Priority ?? item.Priority;
        item.ApprovalRequired = request.ApprovalRequired ?? item.ApprovalRequired;
        item.InputJson = Check.Json(request.Input) ?? item.InputJson;
        item.OutputJson = Check.Json(request.Output) ?? item.OutputJson;
        item.DueAt = request.ClearDueAt == true ? null : Check.Utc(request.DueAt) ?? item.DueAt;
        await Assignment.ApplyAsync(db, item, request.Assignee, problem, "assignee", ct);
        await ApplyParentAsync(item, request.ParentId, problem, ct);
        await ApplyGoalAsync(item, request.GoalId, problem, ct);
        var labels = CleanLabels(request.Labels, problem);
        problem.ThrowIfAny();

        if (request.Status is { } status && status != item.Status)
        {
            await MoveAsync(item, status, ct);
        }

        if (labels is not null)
        {
            var before = await db.WorkItemLabels.Where(l => l.WorkItemId == item.Id).Select(l => l.Label).OrderBy(l => l).ToListAsync(ct);
            if (!before.SequenceEqual(labels.Order()))
            {
                Governance.AuditLog.Record(db, "work_item.labels_changed", "work_item", item.Id, new { labels = new { before, after = labels.Order() } }, Now);
            }

            await db.WorkItemLabels.Where(l => l.WorkItemId == item.Id).ExecuteDeleteAsync(ct);
            foreach (var label in labels)
            {
                db.WorkItemLabels.Add(new WorkItemLabel { WorkItemId = item.Id, Label = label });
            }
        }

        await db.SaveChangesAsync(ct);
        if (_pulseAfterSave)
        {
            queue.Changed();
        }

        return await ViewAsync(item, ct);
    }

    /// A status change by hand. Claims, completions and approval decisions go through their own services,
    /// which know about runs and reviewers; this only enforces the state machine and the dependency rule.
    private async Task MoveAsync(WorkItem item, WorkStatus to, CancellationToken ct)
    {
        if (!Workflow.CanMove(item.Status, to))
        {
            throw IllegalMove(item, to);
        }

        if (to is WorkStatus.Claimed or WorkStatus.InProgress)
        {
            throw new ProblemException(409, "Illegal transition",
                $"{item.Key} is taken with POST /api/v1/work/claim (agents) or POST /api/v1/work/{item.Key}/start (people), which record a run.",
                "/problems/illegal-transition");
        }

        if (item.Status == WorkStatus.AwaitingApproval && to != WorkStatus.Cancelled)
        {
            throw new ProblemException(409, "Awaiting approval",
                $"{item.Key} waits for a reviewer: approve, reject or request changes through /api/v1/approvals.", "/problems/awaiting-approval");
        }

        if (to == WorkStatus.Done && item.ApprovalRequired)
        {
            throw new ProblemException(409, "Approval required", $"{item.Key} has an approval gate: it is done when a reviewer approves its output.", "/problems/approval-required");
        }

        if (item.Status == WorkStatus.AwaitingApproval)
        {
            var now = Now;
            await db.Approvals.Where(a => a.WorkItemId == item.Id && a.Status == Governance.ApprovalStatus.Pending)
                .ForEachAsync(a => { a.Status = Governance.ApprovalStatus.Expired; a.DecidedAt = now; a.DecisionNote = "The item was cancelled."; }, ct);
        }

        if (Workflow.IsActive(item.Status) && !Workflow.IsActive(to))
        {
            // The worker holding it learns on its next heartbeat ("stop": true).
            await queue.ItemLeftRunAsync(db, item, to == WorkStatus.Cancelled ? "cancelled" : "moved", Now, ct);
        }

        if (item.Status == WorkStatus.Failed && to == WorkStatus.Ready)
        {
            // A person re-queued a failed item: it gets a fresh set of attempts.
            item.Attempts = 0;
        }

        item.Status = to;
        item.CompletedAt = to == WorkStatus.Done ? Now : item.CompletedAt;
        _pulseAfterSave |= to is WorkStatus.Ready or WorkStatus.Done;
    }

    private bool _pulseAfterSave;

    public static ProblemException IllegalMove(WorkItem item, WorkStatus to)
    {
        var allowed = Workflow.AllowedFrom(item.Status).Select(s => s.Snake()).ToList();
        var problem = new ProblemException(409, "Illegal transition",
            $"{item.Key} cannot move from {item.Status.Snake()} to {to.Snake()}. Allowed: {(allowed.Count == 0 ? "none" : string.Join(", ", allowed))}.",
            "/problems/illegal-transition");
        problem.Extensions["from"] = item.Status.Snake();
        problem.Extensions["to"] = to.Snake();
        problem.Extensions["allowed"] = allowed;
        return problem;
    }

    public async Task<List<string>> UnfinishedDependenciesAsync(string itemId, CancellationToken ct) =>
        await (from d in db.WorkItemDependencies
               join w in db.WorkItems on d.DependsOnId equals w.Id
               where d.WorkItemId == itemId && w.Status != WorkStatus.Done
               select w.Key).ToListAsync(ct);

    public async Task<WorkItemView> AddDependencyAsync(string idOrKey, string? dependsOnRef, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        if (string.IsNullOrWhiteSpace(dependsOnRef))
        {
            throw ProblemException.Invalid("depends_on", "is required");
        }

        var item = await FindAsync(idOrKey, ct);
        var dependency = await FindOrNullAsync(dependsOnRef, ct) ?? throw ProblemException.Invalid("depends_on", $"no work item '{dependsOnRef}'");
        if (await db.WorkItemDependencies.AnyAsync(d => d.WorkItemId == item.Id && d.DependsOnId == dependency.Id, ct))
        {
            return await ViewAsync(item, ct);
        }

        if (await FindPathAsync(dependency.Id, item.Id, ct) is { } path)
        {
            var keys = await db.WorkItems.Where(w => path.Contains(w.Id)).ToDictionaryAsync(w => w.Id, w => w.Key, ct);
            var cycle = string.Join(" → ", new[] { item.Key }.Concat(path.Select(id => keys[id])));
            var problem = new ProblemException(409, "Dependency cycle", $"{item.Key} cannot depend on {dependency.Key}: that would close the cycle {cycle}.", "/problems/dependency-cycle");
            problem.Errors["depends_on"] = [$"would create the cycle {cycle}"];
            problem.Extensions["cycle"] = new[] { item.Key }.Concat(path.Select(id => keys[id])).ToList();
            throw problem;
        }

        db.WorkItemDependencies.Add(new WorkItemDependency { WorkItemId = item.Id, DependsOnId = dependency.Id });
        Governance.AuditLog.Record(db, "work_item.dependency_added", "work_item", item.Id, new { depends_on = new { after = dependency.Key } }, Now);
        await db.SaveChangesAsync(ct);
        return await ViewAsync(item, ct);
    }

    public async Task<WorkItemView> RemoveDependencyAsync(string idOrKey, string dependsOnRef, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var item = await FindAsync(idOrKey, ct);
        var dependency = await FindAsync(dependsOnRef, ct);
        var removed = await db.WorkItemDependencies.Where(d => d.WorkItemId == item.Id && d.DependsOnId == dependency.Id).ExecuteDeleteAsync(ct);
        if (removed == 0)
        {
            throw ProblemException.NotFound("Dependency");
        }

        Governance.AuditLog.Record(db, "work_item.dependency_removed", "work_item", item.Id, new { depends_on = new { before = dependency.Key } }, Now);
        await db.SaveChangesAsync(ct);
        return await ViewAsync(item, ct);
    }

    /// Breadth-first over "depends on" edges from <paramref name="from"/>; returns the ids from it to
    /// <paramref name="to"/> if <paramref name="to"/> is reachable.
    private async Task<List<string>?> FindPathAsync(string from, string to, CancellationToken ct)
    {
        var cameFrom = new Dictionary<string, string?> { [from] = null };
        var frontier = new List<string> { from };
        while (frontier.Count > 0)
        {
            if (cameFrom.ContainsKey(to))
            {
                break;
            }

            var edges = await db.WorkItemDependencies.AsNoTracking().Where(d => frontier.Contains(d.WorkItemId)).ToListAsync(ct);
            frontier = [];
            foreach (var edge in edges)
            {
                if (cameFrom.TryAdd(edge.DependsOnId, edge.WorkItemId))
                {
                    frontier.Add(edge.DependsOnId);
                }
            }
        }

        if (!cameFrom.ContainsKey(to))
        {
            return null;
        }

        var path = new List<string>();
        for (string? at = to; at is not null; at = cameFrom[at])
        {
            path.Add(at);
        }

        path.Reverse();
        return path;
    }

    public async Task<CommentView> AddCommentAsync(string idOrKey, string? body, CancellationToken ct)
    {
        Permissions.Require(context, Capability.Comment);
        var problem = new ValidationProblem();
        var text = Check.Text(problem, "body", body, 50_000, required: true);
        problem.ThrowIfAny();
        var item = await FindAsync(idOrKey, ct);
        var comment = new Comment { WorkItemId = item.Id, AuthorRef = context.Actor.Ref, AuthorName = context.Actor.Name, Body = text! };
        db.Comments.Add(comment);
        await db.SaveChangesAsync(ct);
        return CommentView.From(comment);
    }

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

    private async Task ApplyParentAsync(WorkItem item, string? parentRef, ValidationProblem problem, CancellationToken ct)
    {
        if (parentRef is null)
        {
            return;
        }

        if (parentRef.Length == 0)
        {
            item.ParentId = null;
            return;
        }

        var parent = await FindOrNullAsync(parentRef, ct);
        if (parent is null)
        {
            problem.Add("parent_id", "no such work item");
            return;
        }

        // Walk up from the new parent: meeting the item itself would make it its own ancestor.
        for (var at = parent; at is not null; at = at.ParentId is { } up ? await db.WorkItems.AsNoTracking().FirstOrDefaultAsync(w => w.Id == up, ct) : null)
        {
            if (at.Id == item.Id)
            {
                problem.Add("parent_id", "would make the item its own ancestor");
                return;
            }
        }

        item.ParentId = parent.Id;
    }

    private async Task ApplyGoalAsync(WorkItem item, string? goalId, ValidationProblem problem, CancellationToken ct)
    {
        if (goalId is null)
        {
            return;
        }

        if (goalId.Length == 0)
        {
            item.GoalId = null;
        }
        else if (await db.Goals.AnyAsync(g => g.Id == goalId, ct))
        {
            item.GoalId = goalId;
        }
        else
        {
            problem.Add("goal_id", "no such goal");
        }
    }

    private static List<string>? CleanLabels(IReadOnlyList<string>? labels, ValidationProblem problem)
    {
        if (labels is null)
        {
            return null;
        }

        var clean = labels.Select(l => l.Trim().ToLowerInvariant()).Where(l => l.Length > 0).Distinct().ToList();
        if (clean.Count > MaxLabels)
        {
            problem.Add("labels", $"at most {MaxLabels} labels");
        }

        if (clean.Any(l => l.Length > 100))
        {
            problem.Add("labels", "a label is at most 100 characters");
        }

        return clean;
    }

    public async Task<WorkItem?> FindOrNullAsync(string idOrKey, CancellationToken ct)
    {
        var key = idOrKey.ToUpperInvariant();
        return await db.WorkItems.FirstOrDefaultAsync(w => w.Id == idOrKey || w.Key == key, ct);
    }

    public async Task<WorkItem> FindAsync(string idOrKey, CancellationToken ct) =>
        await FindOrNullAsync(idOrKey, ct) ?? throw ProblemException.NotFound("Work item");

    public async Task<WorkItemView> ViewAsync(WorkItem item, CancellationToken ct) => (await ViewsAsync([item], ct))[0];

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
            return [WorkItemView.From(one, itsLabels.Order().ToList(), itsDependencies)];
        }

        var ids = items.Select(i => i.Id).ToList();
        var labels = await db.WorkItemLabels.AsNoTracking().WhereIn(l => l.WorkItemId, ids).ToListAsync(ct);
        var dependencies = await (from d in db.WorkItemDependencies
                                  join w in db.WorkItems on d.DependsOnId equals w.Id
                                  select new { d.WorkItemId, View = new DependencyView(w.Id, w.Key, w.Title, w.Status) })
            .WhereIn(d => d.WorkItemId, ids).ToListAsync(ct);
        return items.Select(i => WorkItemView.From(
            i,
            labels.Where(l => l.WorkItemId == i.Id).Select(l => l.Label).Order().ToList(),
            dependencies.Where(d => d.WorkItemId == i.Id).Select(d => d.View).ToList())).ToList();
    }
}
