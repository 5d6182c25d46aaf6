using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Governance.Access;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Planning;

public sealed record CreateWorkItem(
    string? ProjectId, string? Type, string? Title, string? Description, WorkStatus? Status, Priority? Priority,
    string? Assignee, string? ParentId, string? GoalId, DateTimeOffset? DueAt, IReadOnlyList<string>? Labels,
    bool? ApprovalRequired, JsonElement? Input, IReadOnlyList<string>? DependsOn)
{
    /// A form people fill in on the item; checked and stored by the human input service, which creates such items.
    public JsonElement? Form { get; init; }
}

public sealed record UpdateWorkItem(
    string? Type, string? Title, string? Description, WorkStatus? Status, Priority? Priority, string? Assignee,
    string? ParentId, string? GoalId, DateTimeOffset? DueAt, bool? ClearDueAt, IReadOnlyList<string>? Labels,
    bool? ApprovalRequired, JsonElement? Input, JsonElement? Output);

/// <paramref name="Archived"/>: only archived items; without it, archived items are left out.
public sealed record WorkItemFilter(
    string? Status, string? Assignee, string? Project, string? Type, string? Label, string? Parent, string? Goal, string? Search,
    bool Archived = false)
{
    /// Children of one item, or the top-level items, are listed in the order people arranged them (by position); a list
    /// across parents keeps the order items were made in.
    public static bool OrdersByPosition(string? parent) => parent is { Length: > 0 };
}

/// Creating and changing work items. An agent only splits the item it holds: what it creates is a sub-item of that
/// item, in its project, whichever front end it comes through.
public sealed partial class WorkItemService(BosunDb db, RequestContext context, TimeProvider clock, IWorkQueue queue)
{
    public static readonly IReadOnlyList<string> DefaultTypes = ["task", "ticket", "workflow", "activity", "card", "question", "review", "escalation"];
    private const int MaxLabels = 20;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// A work item the caller asks for, over REST, MCP or the web UI: an agent's must be a sub-item of the item it holds.
    public Task<WorkItemView> CreateRequestedAsync(CreateWorkItem request, CancellationToken ct) => CreateAsync(request, byCaller: true, ct);

    /// A work item Bosun creates on its own account while serving a call, such as the escalation after an agent's
    /// last failed attempt: the caller's rules on what it may create do not apply.
    public Task<WorkItemView> CreateAsync(CreateWorkItem request, CancellationToken ct) => CreateAsync(request, byCaller: false, ct);

    private async Task<WorkItemView> CreateAsync(CreateWorkItem request, bool byCaller, CancellationToken ct)
    {
        if (!byCaller)
        {
            Permissions.Require(context, Capability.CreateWork);
        }

        var problem = new ValidationProblem();
        var draft = await DraftAsync(request, byCaller, problem, ct);
        problem.ThrowIfAny();
        await AllocateKeysAsync([draft.Item], ct);
        return (await InsertAsync([draft], ct))[0];
    }

    /// A new item checked against every rule of creation, not yet stored; problems go to <paramref name="problem"/>.
    /// Parents and dependencies named in the request must already exist; a batch adds its own after this.
    /// <paramref name="projects"/>, when given, remembers the projects already looked up, as a batch names a few many times.
    private async Task<Draft> DraftAsync(CreateWorkItem request, bool byCaller, ValidationProblem problem, CancellationToken ct,
        bool parentInBatch = false, Dictionary<string, string?>? projects = null)
    {
        var projectId = request.ProjectId is { Length: > 0 } p ? await ProjectIdAsync(p, projects, ct) : null;
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

        // The built-in policy "agents create sub-items only" is carried out here, where the request's wrong field can be
        // named; the check that follows then sees the parent as held, and the tenant's other policies decide.
        var resource = WorkAccess.New(projectId, item.Type, parentHeld: null);
        var subItemRule = byCaller && Permissions.BuiltInApplies(context, BuiltInPolicies.AgentSubItems, Capability.CreateWork, resource);
        // An unknown project is refused as invalid below; there is nothing to check rights on.
        if (byCaller && projectId is not null)
        {
            Permissions.Require(context, Capability.CreateWork, WorkAccess.New(projectId, item.Type, parentHeld: subItemRule ? true : null));
            if (request.Assignee is not null)
            {
                Permissions.Require(context, Capability.AssignWork, resource);
            }
        }

        await Assignment.ApplyAsync(db, item, request.Assignee, problem, "assignee", ct);
        await ApplyParentAsync(item, request.ParentId, problem, ct);
        if (subItemRule && !parentInBatch)
        {
            await RequireHeldParentAsync(item, request.ParentId, projectId, problem, ct);
        }

        await ApplyGoalAsync(item, request.GoalId, problem, ct);
        var labels = CleanLabels(request.Labels, problem);
        var dependsOn = new List<string>();
        foreach (var reference in request.DependsOn ?? [])
        {
            var dependency = await FindOrNullAsync(reference, ct);
            if (dependency is null)
            {
                problem.Add("depends_on", $"no work item '{reference}'");
            }
            else
            {
                dependsOn.Add(dependency.Id);
            }
        }

        return new Draft(item, labels ?? [], dependsOn);
    }

    private async Task<string?> ProjectIdAsync(string reference, Dictionary<string, string?>? known, CancellationToken ct)
    {
        if (known is null)
        {
            return await db.ProjectIdOfAsync(reference, ct);
        }

        if (!known.TryGetValue(reference, out var id))
        {
            known[reference] = id = await db.ProjectIdOfAsync(reference, ct);
        }

        return id;
    }

    private sealed record Draft(WorkItem Item, List<string> Labels, List<string> DependsOn);

    /// Numbers the items project by project, bumping each project's counter once: the bump locks the counter row
    /// until commit, so concurrent creates get distinct numbers.
    private async Task AllocateKeysAsync(IReadOnlyList<WorkItem> items, CancellationToken ct)
    {
        foreach (var group in items.GroupBy(i => i.ProjectId))
        {
            var count = group.Count();
            await db.Projects.Where(x => x.Id == group.Key).ExecuteUpdateAsync(s => s.SetProperty(x => x.NextItemNumber, x => x.NextItemNumber + count), ct);
            var project = await db.Projects.AsNoTracking().SingleAsync(x => x.Id == group.Key, ct);
            var number = project.NextItemNumber - count;
            foreach (var item in group)
            {
                item.Number = number++;
                item.Key = $"{project.Key}-{item.Number}";
            }
        }
    }

    private async Task<IReadOnlyList<WorkItemView>> InsertAsync(IReadOnlyList<Draft> drafts, CancellationToken ct)
    {
        foreach (var (item, labels, dependsOn) in drafts)
        {
            db.WorkItems.Add(item);
            db.WorkItemLabels.AddRange(labels.Select(label => new WorkItemLabel { WorkItemId = item.Id, Label = label }));
            db.WorkItemDependencies.AddRange(dependsOn.Distinct().Select(id => new WorkItemDependency { WorkItemId = item.Id, DependsOnId = id }));
        }

        await db.SaveChangesAsync(ct);
        if (drafts.Any(d => d.Item.Status == WorkStatus.Ready))
        {
            queue.Changed();
        }

        return await InsertedViewsAsync(drafts, ct);
    }

    /// The views of items just inserted, from what was inserted: only dependencies on items made earlier are read
    /// back, so a pipeline or a batch is not read from the database again row by row.
    private async Task<IReadOnlyList<WorkItemView>> InsertedViewsAsync(IReadOnlyList<Draft> drafts, CancellationToken ct)
    {
        var inserted = drafts.ToDictionary(d => d.Item.Id, d => d.Item);
        var earlier = drafts.SelectMany(d => d.DependsOn).Where(id => !inserted.ContainsKey(id)).Distinct().ToList();
        var known = earlier.Count == 0
            ? []
            : await db.WorkItems.AsNoTracking().WhereIn(w => w.Id, earlier)
                .Select(w => new DependencyView(w.Id, w.Key, w.Title, w.Status)).ToDictionaryAsync(d => d.Id, ct);
        foreach (var item in inserted.Values)
        {
            known[item.Id] = new DependencyView(item.Id, item.Key, item.Title, item.Status);
        }

        var views = drafts.Select(d => WorkItemView.From(
            d.Item, d.Labels.Order().ToList(), d.DependsOn.Distinct().Order(StringComparer.Ordinal).Select(id => known[id]).ToList())).ToList();
        return await NamedAsync(views, [.. drafts.Select(d => d.Item)], ct);
    }

    /// A sub-item of <paramref name="parentRef"/>, in the parent's project and towards its goal; the request's own project,
    /// parent and goal are ignored. Problems with the parent name <paramref name="parentField"/>, the caller's word for it.
    public async Task<WorkItemView> CreateSubItemAsync(string parentRef, string parentField, CreateWorkItem request, CancellationToken ct)
    {
        var parent = await FindAsync(parentRef, ct);
        if (Permissions.BuiltInApplies(context, BuiltInPolicies.AgentSubItems, Capability.CreateWork, WorkAccess.New(parent.ProjectId, request.Type, null))
            && !await HoldsAsync(parent.Id, ct))
        {
            throw ProblemException.Invalid(parentField, NotHeld(parent.Key));
        }

        return await CreateRequestedAsync(request with { ProjectId = parent.ProjectId, ParentId = parent.Id, GoalId = parent.GoalId }, ct);
    }

    private async Task RequireHeldParentAsync(WorkItem item, string? parentRef, string? projectId, ValidationProblem problem, CancellationToken ct)
    {
        const string field = "parent_id";
        if (item.ParentId is null)
        {
            if (string.IsNullOrEmpty(parentRef))
            {
                problem.Add(field, "is required: agents create sub-items of the item they are working on");
            }

            return;
        }

        var parent = await db.WorkItems.AsNoTracking().FirstAsync(w => w.Id == item.ParentId, ct);
        if (!await HoldsAsync(parent.Id, ct))
        {
            problem.Add(field, NotHeld(parent.Key));
        }
        else if (projectId is not null && projectId != parent.ProjectId)
        {
            problem.Add("project_id", $"must be the project of {parent.Key}, the item you are working on");
        }
    }

    private static string NotHeld(string key) => $"you hold no active run on {key}; agents create sub-items of the item they are working on";

    private Task<bool> HoldsAsync(string itemId, CancellationToken ct) =>
        context.Actor.Id is { } me ? queue.HoldsAsync(db, me, itemId, ct) : Task.FromResult(false);

    public async Task<WorkItemView> UpdateAsync(string idOrKey, UpdateWorkItem request, CancellationToken ct)
    {
        var item = await FindAsync(idOrKey, ct);
        var resource = WorkAccess.Of(item);
        Permissions.Require(context, Capability.EditWork, resource);
        if (request.Status is { } moving && moving != item.Status)
        {
            Permissions.Require(context, Capability.MoveWork, resource);
        }

        if (request.Assignee is not null)
        {
            Permissions.Require(context, Capability.AssignWork, resource);
        }

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

    public async Task<CommentView> AddCommentAsync(string idOrKey, string? body, CancellationToken ct)
    {
        var item = await FindAsync(idOrKey, ct);
        Permissions.Require(context, Capability.Comment, WorkAccess.Of(item));
        var problem = new ValidationProblem();
        var text = Check.Text(problem, "body", body, 50_000, required: true);
        problem.ThrowIfAny();
        var comment = new Comment { WorkItemId = item.Id, AuthorRef = context.Actor.Ref, AuthorName = context.Actor.Name, Body = text! };
        db.Comments.Add(comment);
        await db.SaveChangesAsync(ct);
        return CommentView.From(comment);
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


}
