using System.Text.RegularExpressions;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Core.Identity;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Planning;

/// Plans and their versions. A version is written as a draft, submitted for a person's approval, and once approved is
/// the plan's one active version and is applied: its steps become work items, or the backlog items it names become
/// ready. A rejection makes the next version a new attempt. Agents write and submit plans; people decide them through
/// <see cref="ApprovalService"/>, which calls <see cref="DecidedAsync"/> inside its decision's transaction.
public sealed partial class PlanService(BosunDb db, RequestContext context, TimeProvider clock, WorkItemService workItems, DeliverableService deliverables)
{
    /// The kinds Bosun suggests; a plan's kind is free text.
    public static readonly IReadOnlyList<string> DefaultKinds = ["brief", "strategy", "execution_plan", "spec"];

    public const int MaxBody = 100_000;
    public const int MaxSourceItems = PipelineSteps.MaxSteps;

    private static readonly IReadOnlyDictionary<string, string> NoValues = new Dictionary<string, string>();

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<Page<PlanView>> ListAsync(PlanFilter filter, PageRequest page, CancellationToken ct)
    {
        var query = db.Plans.AsNoTracking().AsQueryable();
        if (filter.Project is { Length: > 0 } projectRef)
        {
            var projectId = await db.ProjectIdOfAsync(projectRef, ct) ?? throw ProblemException.Invalid("project", "no such project");
            query = query.Where(p => p.ProjectId == projectId);
        }

        if (filter.Goal is { Length: > 0 } goal)
        {
            query = query.Where(p => p.GoalId == goal);
        }

        if (filter.Status is { } status)
        {
            query = query.Where(p => p.Status == status);
        }

        if (!filter.Archived && filter.Status != PlanStatus.Archived)
        {
            query = query.Where(p => p.ArchivedAt == null);
        }

        List<Plan> rows;
        string? next;
        if (filter.WorkItem is { Length: > 0 } itemRef)
        {
            // Seed 000's lookup: every plan of a ticket, newest attempt first, along the (work item, attempt) index.
            var item = await workItems.FindOrNullAsync(itemRef, ct) ?? throw ProblemException.Invalid("work_item", "no such work item");
            query = query.Where(p => p.WorkItemId == item.Id);
            if (page.Cursor is { } cursor)
            {
                var at = await db.Plans.AsNoTracking().Where(p => p.Id == cursor).Select(p => (int?)p.Attempt).FirstOrDefaultAsync(ct)
                         ?? throw ProblemException.Invalid("cursor", "is not a cursor returned by this list");
                query = query.Where(p => p.Attempt < at || (p.Attempt == at && string.Compare(p.Id, cursor) < 0));
            }

            (rows, next) = Split(await query.OrderByDescending(p => p.Attempt).ThenByDescending(p => p.Id).ToPageAsync(page, p => p.Id, p => p, ct));
        }
        else
        {
            if (page.Cursor is { } cursor)
            {
                query = query.Where(p => string.Compare(p.Id, cursor) > 0);
            }

            (rows, next) = Split(await query.OrderBy(p => p.Id).ToPageAsync(page, p => p.Id, p => p, ct));
        }

        return new Page<PlanView>(await ViewsAsync(rows, ct), next);
    }

    private static (List<Plan>, string?) Split(Page<Plan> page) => ([.. page.Items], page.NextCursor);

    public async Task<PlanView> GetAsync(string id, CancellationToken ct) => await ViewAsync(await FindAsync(id, ct), ct);

    public async Task<PlanVersionView> GetVersionAsync(string id, int version, CancellationToken ct)
    {
        var plan = await FindAsync(id, ct);
        var found = await db.PlanVersions.AsNoTracking().FirstOrDefaultAsync(v => v.PlanId == plan.Id && v.Version == version, ct)
                    ?? throw ProblemException.NotFound("Plan version");
        return PlanVersionView.From(found);
    }

    /// A plan with its first version, a draft.
    public async Task<PlanView> CreateAsync(PlanRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var problem = new ValidationProblem();
        var projectId = request.Project is { Length: > 0 } projectRef ? await db.ProjectIdOfAsync(projectRef, ct) : null;
        if (projectId is null)
        {
            problem.Add("project", string.IsNullOrEmpty(request.Project) ? "is required" : "no such project");
        }

        var kind = Kind(problem, request.Kind);
        var title = Check.Text(problem, "title", request.Title, 500, required: true);
        var goalId = await GoalAsync(request.Goal, projectId, problem, ct);
        var item = await PlannedItemAsync(request.WorkItem, projectId, problem, ct);
        var content = projectId is null ? null : await ContentAsync(projectId, request.Body, request.Steps, request.SourceItems, problem, ct);
        problem.ThrowIfAny();

        var plan = new Plan
        {
            ProjectId = projectId!,
            GoalId = goalId,
            WorkItemId = item?.Id,
            Kind = kind!,
            Title = title!,
            CreatedBy = context.Actor.Ref,
        };
        db.Plans.Add(plan);
        db.PlanVersions.Add(NewVersion(plan, content!));
        await db.SaveChangesAsync(ct);
        return await ViewAsync(plan, ct);
    }

    /// The next version, a draft. After a rejection it is a new attempt; a draft it follows is superseded, as only the
    /// newest version is ever submitted. A version waiting for a decision is decided first.
    public async Task<PlanVersionView> AddVersionAsync(string id, PlanVersionRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var plan = await LockedAsync(id, ct);
        RefuseArchived(plan, "adding a version");
        var latest = await LatestAsync(plan, ct);
        if (latest.Status == PlanStatus.AwaitingApproval)
        {
            throw ProblemException.Conflict(
                $"Version {latest.Version} awaits a decision (approval {latest.ApprovalId}); add a version once it is approved or rejected.",
                "/problems/plan-awaiting-approval");
        }

        var replaces = request.Steps is not null || request.SourceItems is not null;
        var problem = new ValidationProblem();
        var content = await ContentAsync(plan.ProjectId, request.Body ?? latest.Body,
            replaces ? request.Steps : PlanJson.Steps(latest.StepsJson),
            replaces ? request.SourceItems : PlanJson.Ids(latest.SourceItemsJson), problem, ct);
        problem.ThrowIfAny();

        if (latest.Status == PlanStatus.Draft)
        {
            latest.Status = PlanStatus.Superseded;
        }
        else if (latest.Status == PlanStatus.Rejected)
        {
            plan.Attempt++;
        }

        plan.LatestVersion++;
        plan.Status = PlanStatus.Draft;
        var version = NewVersion(plan, content);
        db.PlanVersions.Add(version);
        await db.SaveChangesAsync(ct);
        return PlanVersionView.From(version);
    }

    /// Opens an approval for the newest version, a draft; it is decided through the approvals service.
    public async Task<PlanView> SubmitAsync(string id, SubmitPlan request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var plan = await LockedAsync(id, ct);
        RefuseArchived(plan, "submitting it");
        var number = request.Version ?? plan.LatestVersion;
        var version = await db.PlanVersions.FirstOrDefaultAsync(v => v.PlanId == plan.Id && v.Version == number, ct)
                      ?? throw ProblemException.Invalid("version", $"the plan has no version {number}");
        if (version.Status != PlanStatus.Draft)
        {
            var problem = ProblemException.Conflict($"Version {number} is {version.Status.Snake()}: only the newest version, a draft, is submitted.",
                "/problems/plan-not-draft");
            problem.Extensions["version_status"] = version.Status.Snake();
            throw problem;
        }

        if (version.Body is null && version.StepsJson is null && version.SourceItemsJson is null)
        {
            throw ProblemException.Invalid("version", $"version {number} has no body, steps or source items to approve");
        }

        var item = plan.WorkItemId is { } itemId ? await db.WorkItems.AsNoTracking().FirstAsync(w => w.Id == itemId, ct) : null;
        var subject = $"{KindName(plan.Kind)} “{plan.Title}”, version {number}{(version.Attempt > 1 ? $" (attempt {version.Attempt})" : "")}";
        var approval = ApprovalService.Open(db, context, ApprovalKind.Plan, subject.Length > 500 ? subject[..500] : subject,
            Summary(version), plan.ProjectId, item);
        approval.PlanVersionId = version.Id;
        version.Status = PlanStatus.AwaitingApproval;
        version.ApprovalId = approval.Id;
        plan.Status = PlanStatus.AwaitingApproval;
        await db.SaveChangesAsync(ct);
        return await ViewAsync(plan, ct);
    }

    /// A decision on a plan approval, in the approval's transaction with its row locked. Approved, the version becomes
    /// the active one and is applied, exactly once: the plan's row lock puts concurrent decisions one after the other,
    /// and the second finds the version applied. Rejected (or sent back for changes), the plan waits for a re-plan.
    internal async Task<PlanView> DecidedAsync(Approval approval, bool approved, string? note, DateTime now, CancellationToken ct)
    {
        var version = await db.PlanVersions.FirstOrDefaultAsync(v => v.Id == approval.PlanVersionId, ct) ?? throw ProblemException.NotFound("Plan version");
        var plan = await LockedAsync(version.PlanId, ct);
        await db.Entry(version).ReloadAsync(ct);
        if (version.Status != PlanStatus.AwaitingApproval || version.ApprovalId != approval.Id || version.AppliedAt is not null)
        {
            throw ProblemException.Conflict($"Version {version.Version} of the plan is {version.Status.Snake()}; this approval no longer decides it.",
                "/problems/already-decided");
        }

        version.DecidedAt = now;
        version.DecisionNote = note;
        if (!approved)
        {
            version.Status = PlanStatus.Rejected;
            plan.Status = PlanStatus.Rejected;
            await db.SaveChangesAsync(ct);
            return await ViewAsync(plan, ct);
        }

        var previous = plan.ActiveVersion;
        if (previous is { } active && active != version.Version)
        {
            var superseded = await db.PlanVersions.FirstAsync(v => v.PlanId == plan.Id && v.Version == active, ct);
            superseded.Status = PlanStatus.Superseded;
        }

        version.Status = PlanStatus.Active;
        version.AppliedAt = now;
        plan.ActiveVersion = version.Version;
        plan.Status = PlanStatus.Active;
        var applied = await ApplyAsync(plan, version, ct);
        AuditLog.Record(db, "plan.activated", "plan", plan.Id, new
        {
            version = version.Version,
            attempt = version.Attempt,
            approval_id = approval.Id,
            superseded_version = previous,
            created = applied.Created,
            kept = applied.Kept,
            released = applied.Released,
            left_as_they_were = applied.Skipped,
            cancelled = applied.Cancelled,
        }, now);
        await db.SaveChangesAsync(ct);

        // A strategy's deliverables start once it is approved: their periods (and this period's pipelines) are made
        // in the same transaction, reading the plan as active.
        await deliverables.EnsurePeriodsOfPlanAsync(plan.Id, ct);
        return await ViewAsync(plan, ct);
    }

    private sealed record Applied(IReadOnlyList<string> Created, IReadOnlyList<string> Kept, IReadOnlyList<string> Released, IReadOnlyList<string> Skipped)
    {
        public IReadOnlyList<string> Cancelled { get; init; } = [];
    }

    /// Steps become work items: children of the planned item, or of a parent made for a plan of no item. Source items are
    /// released. Bosun does it on the approver's behalf, so an agent's sub-item rule and the approver's role do not apply.
    /// A version that follows an applied one makes only its new steps: a step whose key already has an item of this plan
    /// keeps that item, and a new step waiting for it waits for that item, so re-planning work under way never doubles it.
    private async Task<Applied> ApplyAsync(Plan plan, PlanVersion version, CancellationToken ct)
    {
        if (PlanJson.Steps(version.StepsJson) is { Count: > 0 } steps)
        {
            var earlier = await db.WorkItems.AsNoTracking()
                .Where(w => w.PlanId == plan.Id && w.ArchivedAt == null && w.Status != WorkStatus.Cancelled).ToListAsync(ct);
            var byKey = earlier.Where(w => w.StepKey is not null).GroupBy(w => w.StepKey!).ToDictionary(g => g.Key, g => g.First());
            var kept = steps.Where(s => byKey.ContainsKey(s.Key!)).Select(s => byKey[s.Key!].Key).ToList();
            var fresh = steps.Where(s => !byKey.ContainsKey(s.Key!)).ToList();
            var stepKeys = steps.Select(s => s.Key!).ToHashSet();
            var droppedIds = earlier.Where(w => w.StepKey is not null && !stepKeys.Contains(w.StepKey)).Select(w => w.Id).ToList();
            if (fresh.Count == 0)
            {
                return await DropAsync(new Applied([], kept, [], []), droppedIds, ct);
            }

            var under = plan.WorkItemId ?? earlier.FirstOrDefault(w => w.StepKey is null && w.CloseWithChildren)?.Id;
            var made = await workItems.CreatePipelineAsync(new Pipeline(plan.ProjectId, plan.Title, version.Body, "task",
                fresh.Select(s => s with { After = s.After?.Where(a => !byKey.ContainsKey(a)).ToList() }).ToList(), NoValues)
            {
                StepsUnder = under,
                GoalId = plan.GoalId,
                PlanId = plan.Id,
                ByCaller = false,
            }, ct);
            var waits = fresh.SelectMany((s, i) => (s.After ?? []).Where(byKey.ContainsKey).Select(a => (made.Steps[i].Id, byKey[a].Id))).ToList();
            await workItems.StepsJoinedAsync(made.Steps[0].Id, waits, ct);
            var created = (made.Parent is { } parent ? [parent, .. made.Steps] : made.Steps).Select(i => i.Key).ToList();
            return await DropAsync(new Applied(created, kept, [], []), droppedIds, ct);
        }

        if (PlanJson.Ids(version.SourceItemsJson) is { Count: > 0 } sources)
        {
            var release = await workItems.ReleaseForPlanAsync(plan.Id, sources, ct);
            return new Applied([], [], release.Released.Select(i => i.Key).ToList(), release.Skipped.Select(i => i.Key).ToList());
        }

        return new Applied([], [], [], []);
    }

    /// Dropped after the new steps are made, so a pipeline whose remaining steps are all finished closes once.
    private async Task<Applied> DropAsync(Applied applied, IReadOnlyList<string> droppedIds, CancellationToken ct)
    {
        if (droppedIds.Count == 0)
        {
            return applied;
        }

        var (cancelled, left) = await workItems.DropStepsAsync(droppedIds, ct);
        return applied with { Skipped = left.Select(i => i.Key).ToList(), Cancelled = cancelled.Select(i => i.Key).ToList() };
    }

    /// Archived plans leave every list unless asked for. A plan with a version waiting for a decision is decided first,
    /// so an archived plan never has an open approval.
    public async Task<PlanView> ArchiveAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var plan = await LockedAsync(id, ct);
        if (plan.ArchivedAt is not null)
        {
            return await ViewAsync(plan, ct);
        }

        var latest = await LatestAsync(plan, ct);
        if (latest.Status == PlanStatus.AwaitingApproval)
        {
            throw ProblemException.Conflict(
                $"Version {latest.Version} awaits a decision (approval {latest.ApprovalId}); approve or reject it before archiving the plan.",
                "/problems/plan-awaiting-approval");
        }

        plan.ArchivedAt = Now;
        plan.Status = PlanStatus.Archived;
        AuditLog.Record(db, "plan.archived", "plan", plan.Id, new { version = latest.Version, status = latest.Status.Snake() }, Now);
        await db.SaveChangesAsync(ct);
        return await ViewAsync(plan, ct);
    }

    public async Task<PlanView> RestoreAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var plan = await LockedAsync(id, ct);
        if (plan.ArchivedAt is null)
        {
            return await ViewAsync(plan, ct);
        }

        var latest = await LatestAsync(plan, ct);
        plan.ArchivedAt = null;
        plan.Status = latest.Status;
        AuditLog.Record(db, "plan.restored", "plan", plan.Id, new { version = latest.Version, status = latest.Status.Snake() }, Now);
        await db.SaveChangesAsync(ct);
        return await ViewAsync(plan, ct);
    }

    private sealed record Content(string? Body, string? StepsJson, string? SourceItemsJson);

    /// A version's text and what it makes: steps in the template step format, or existing backlog items of the project.
    private async Task<Content> ContentAsync(string projectId, string? body, IReadOnlyList<TemplateStep>? steps, IReadOnlyList<string>? sourceItems,
        ValidationProblem problem, CancellationToken ct)
    {
        // Markdown: leading spaces mean something, so the text is kept as written.
        var text = string.IsNullOrWhiteSpace(body) ? null : body;
        if (text is { Length: > MaxBody })
        {
            problem.Add("body", $"must be at most {MaxBody} characters");
        }

        if (steps is { Count: > 0 } && sourceItems is { Count: > 0 })
        {
            problem.Add("source_items", "a version has steps or source_items, not both");
        }

        if (steps is { Count: > 0 })
        {
            PipelineSteps.CheckSteps(steps, problem, required: false);

            // Found now rather than when a person approves: an assignee that names nobody is the writer's to fix.
            var scratch = new WorkItem { ProjectId = projectId, Key = "", Title = "" };
            for (var i = 0; i < steps.Count; i++)
            {
                if (steps[i].Assignee is { Length: > 0 } assignee && assignee.Length <= 300)
                {
                    await Assignment.ApplyAsync(db, scratch, assignee.Trim(), problem, $"steps[{i}].assignee", ct);
                }
            }
        }

        var ids = new List<string>();
        if (sourceItems is { Count: > 0 })
        {
            if (sourceItems.Count > MaxSourceItems)
            {
                problem.Add("source_items", $"at most {MaxSourceItems} items");
                return new Content(text, null, null);
            }

            for (var i = 0; i < sourceItems.Count; i++)
            {
                var field = $"source_items[{i}]";
                var reference = sourceItems[i];
                var item = string.IsNullOrWhiteSpace(reference) ? null : await workItems.FindOrNullAsync(reference.Trim(), ct);
                if (item is null || item.ProjectId != projectId)
                {
                    problem.Add(field, $"no work item '{reference}' in the plan's project");
                }
                else if (ids.Contains(item.Id))
                {
                    problem.Add(field, $"{item.Key} is listed twice");
                }
                else if (item.ArchivedAt is not null)
                {
                    problem.Add(field, $"{item.Key} is archived");
                }
                else if (item.Status != WorkStatus.Backlog)
                {
                    problem.Add(field, $"{item.Key} is {item.Status.Snake()}: a plan releases backlog items");
                }
                else
                {
                    ids.Add(item.Id);
                }
            }
        }

        return new Content(text, PlanJson.Write(steps), PlanJson.Write(ids));
    }

    private PlanVersion NewVersion(Plan plan, Content content) => new()
    {
        PlanId = plan.Id,
        Version = plan.LatestVersion,
        Attempt = plan.Attempt,
        Body = content.Body,
        StepsJson = content.StepsJson,
        SourceItemsJson = content.SourceItemsJson,
        AuthorRef = context.Actor.Ref,
        AuthorName = context.Actor.Name.Length > 200 ? context.Actor.Name[..200] : context.Actor.Name,
    };

    private static string? Kind(ValidationProblem problem, string? value)
    {
        var kind = Check.Text(problem, "kind", value, 50, required: true)?.ToLowerInvariant();
        if (kind is not null && !KindPattern().IsMatch(kind))
        {
            problem.Add("kind", $"must be a word of letters, digits, '_' or '-', such as {string.Join(", ", DefaultKinds)}");
            return null;
        }

        return kind;
    }

    private async Task<string?> GoalAsync(string? goalId, string? projectId, ValidationProblem problem, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(goalId))
        {
            return null;
        }

        var goal = await db.Goals.AsNoTracking().FirstOrDefaultAsync(g => g.Id == goalId, ct);
        if (goal is null)
        {
            problem.Add("goal", "no such goal");
        }
        else if (goal.ProjectId is not null && projectId is not null && goal.ProjectId != projectId)
        {
            problem.Add("goal", "is a goal of another project");
        }

        return goal?.Id;
    }

    private async Task<WorkItem?> PlannedItemAsync(string? reference, string? projectId, ValidationProblem problem, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(reference))
        {
            return null;
        }

        var item = await workItems.FindOrNullAsync(reference, ct);
        if (item is null)
        {
            problem.Add("work_item", "no such work item");
        }
        else if (projectId is not null && item.ProjectId != projectId)
        {
            problem.Add("work_item", $"{item.Key} is in another project");
        }

        return item;
    }

    private static string Summary(PlanVersion version)
    {
        var steps = PlanJson.Steps(version.StepsJson);
        var sources = PlanJson.Ids(version.SourceItemsJson);
        var makes = steps is { Count: > 0 } ? $"Makes {steps.Count} work item{(steps.Count == 1 ? "" : "s")}: {string.Join(", ", steps.Select(s => s.Title))}."
            : sources is { Count: > 0 } ? $"Releases {sources.Count} backlog item{(sources.Count == 1 ? "" : "s")} to ready."
            : "Makes no work items.";
        var body = version.Body is { } text ? $"\n\n{(text.Length > 4_000 ? text[..4_000] + "…" : text)}" : "";
        var summary = makes + body;
        return summary.Length > 20_000 ? summary[..20_000] : summary;
    }

    private static string KindName(string kind) => kind switch
    {
        "brief" => "Brief",
        "strategy" => "Strategy",
        "execution_plan" => "Execution plan",
        "spec" => "Spec",
        _ => $"Plan ({kind})",
    };

    private static void RefuseArchived(Plan plan, string what)
    {
        if (plan.ArchivedAt is not null)
        {
            throw ProblemException.Conflict($"The plan is archived: restore it before {what}.", "/problems/plan-archived");
        }
    }

    private async Task<PlanVersion> LatestAsync(Plan plan, CancellationToken ct) =>
        await db.PlanVersions.FirstAsync(v => v.PlanId == plan.Id && v.Version == plan.LatestVersion, ct);

    private async Task<Plan> FindAsync(string id, CancellationToken ct) =>
        await db.Plans.FirstOrDefaultAsync(p => p.Id == id, ct) ?? throw ProblemException.NotFound("Plan");

    /// The plan with its row locked for the rest of the transaction and read again under the lock: changes to one plan
    /// (new versions, submissions, decisions, archiving) go one after the other.
    private async Task<Plan> LockedAsync(string id, CancellationToken ct)
    {
        var plan = await FindAsync(id, ct);
        await RowLock.LockAsync(db, "plans", plan.Id, ct);
        await db.Entry(plan).ReloadAsync(ct);
        return plan;
    }

    public async Task<PlanView> ViewAsync(Plan plan, CancellationToken ct)
    {
        var versions = await db.PlanVersions.AsNoTracking().Where(v => v.PlanId == plan.Id).OrderByDescending(v => v.Version).ToListAsync(ct);
        var items = await db.WorkItems.AsNoTracking().Where(w => w.PlanId == plan.Id).OrderBy(w => w.Id)
            .Select(w => new PlanItemView(w.Id, w.Key, w.Title, w.Status, w.StepKey, w.ParentId)).ToListAsync(ct);
        var key = plan.WorkItemId is { } itemId ? await db.WorkItems.AsNoTracking().Where(w => w.Id == itemId).Select(w => w.Key).FirstOrDefaultAsync(ct) : null;
        return PlanView.From(plan, key, versions.Select(PlanVersionView.From).ToList(), items);
    }

    /// A page of plans, each with its versions' attempts and decisions but not their text: two queries for the page.
    private async Task<IReadOnlyList<PlanView>> ViewsAsync(IReadOnlyList<Plan> plans, CancellationToken ct)
    {
        if (plans.Count == 0)
        {
            return [];
        }

        var ids = plans.Select(p => p.Id).ToList();
        var versions = await db.PlanVersions.AsNoTracking().WhereIn(v => v.PlanId, ids)
            .Select(v => new PlanVersionView(v.Id, v.PlanId, v.Version, v.Attempt, v.Status, null, null, null, v.AuthorRef, v.AuthorName,
                v.ApprovalId, v.DecisionNote, v.DecidedAt, v.AppliedAt, v.CreatedAt))
            .ToListAsync(ct);
        var itemIds = plans.Select(p => p.WorkItemId).OfType<string>().Distinct().ToList();
        var keys = itemIds.Count == 0 ? [] : await db.WorkItems.AsNoTracking().WhereIn(w => w.Id, itemIds).ToDictionaryAsync(w => w.Id, w => w.Key, ct);
        return plans.Select(p => PlanView.From(p, p.WorkItemId is { } w ? keys.GetValueOrDefault(w) : null,
            versions.Where(v => v.PlanId == p.Id).OrderByDescending(v => v.Version).ToList(), null)).ToList();
    }

    [GeneratedRegex("^[a-z][a-z0-9_-]*$")]
    private static partial Regex KindPattern();
}
