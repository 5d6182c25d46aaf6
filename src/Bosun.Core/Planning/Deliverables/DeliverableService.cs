using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Planning;

/// Fields a client sends to create or change a deliverable; on a change, a missing field is left as it is and an empty
/// plan_id or template_id removes it.
public sealed record DeliverableRequest(
    string? GoalId, string? ProjectId, string? PlanId, string? Name, string? Type, int? QuantityPerPeriod, PeriodLength? Period,
    string? TemplateId, JsonElement? Variables, bool? Active);

public sealed record DeliverableFilter(string? Goal, string? Project, bool? Active, bool? Archived);

/// Deliverables and their periods. People set deliverables; agents read them and do the work they produce.
public sealed class DeliverableService(BosunDb db, RequestContext context, TimeProvider clock, ITemplateSource templates, DeliverableSchedule schedule)
{
    public const int MaxQuantity = 100;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<Page<DeliverableView>> ListAsync(DeliverableFilter filter, PageRequest page, CancellationToken ct)
    {
        var query = db.Deliverables.AsNoTracking().AsQueryable();
        if (filter.Goal is { Length: > 0 } goal)
        {
            var goalId = await RequireGoalAsync(goal, "goal", ct);
            query = query.Where(d => d.GoalId == goalId);
        }

        if (filter.Project is { Length: > 0 } project)
        {
            var projectId = await db.ProjectIdOfAsync(project, ct) ?? throw ProblemException.Invalid("project", "no such project");
            query = query.Where(d => d.ProjectId == projectId);
        }

        if (filter.Active is { } active)
        {
            query = query.Where(d => d.Active == active);
        }

        query = filter.Archived == true ? query.Where(d => d.ArchivedAt != null) : query.Where(d => d.ArchivedAt == null);
        if (page.Cursor is { } cursor)
        {
            query = query.Where(d => string.Compare(d.Id, cursor) > 0);
        }

        var listed = await query.OrderBy(d => d.Id).ToPageAsync(page, d => d.Id, d => d, ct);
        var current = await CurrentPeriodsAsync(listed.Items, ct);
        return new Page<DeliverableView>(
            listed.Items.Select(d => DeliverableView.From(d) with { Current = current.GetValueOrDefault(d.Id) }).ToList(), listed.NextCursor);
    }

    public async Task<DeliverableView> GetAsync(string id, CancellationToken ct) => await DetailAsync(await FindAsync(id, ct), ct);

    public async Task<DeliverableView> CreateAsync(DeliverableRequest request, CancellationToken ct)
    {
        RequirePerson();
        var deliverable = new Deliverable { GoalId = "", ProjectId = "", Name = "", Type = "" };
        var problem = new ValidationProblem();
        await ApplyAsync(deliverable, request, creating: true, problem, ct);
        problem.ThrowIfAny();
        db.Deliverables.Add(deliverable);
        await db.SaveChangesAsync(ct);

        // Its periods (and this period's items) at once, so nobody waits for the next sweep to see them.
        await schedule.EnsureAsync(deliverable.Id, strict: true, ct);
        return await DetailAsync(deliverable, ct);
    }

    /// A new quantity applies to the periods that have not begun and have no items yet; the current period keeps its
    /// target. Inactive, a deliverable makes no new periods or items; active again, it makes them at once.
    public async Task<DeliverableView> UpdateAsync(string id, DeliverableRequest request, CancellationToken ct)
    {
        RequirePerson();
        var deliverable = await LockedAsync(id, ct);
        var quantity = deliverable.QuantityPerPeriod;
        var problem = new ValidationProblem();
        await ApplyAsync(deliverable, request, creating: false, problem, ct);
        problem.ThrowIfAny();
        if (deliverable.QuantityPerPeriod != quantity)
        {
            var now = Now;
            foreach (var period in await db.DeliverablePeriods
                         .Where(p => p.DeliverableId == deliverable.Id && p.StartsAt > now && p.PipelinesCreatedAt == null).ToListAsync(ct))
            {
                period.TargetCount = deliverable.QuantityPerPeriod;
            }
        }

        await db.SaveChangesAsync(ct);
        await schedule.EnsureAsync(deliverable.Id, strict: true, ct);
        return await DetailAsync(deliverable, ct);
    }

    /// Archived, a deliverable leaves the lists and the progress report and makes nothing more; its periods and items stay.
    public async Task<DeliverableView> ArchiveAsync(string id, CancellationToken ct)
    {
        RequirePerson();
        var deliverable = await LockedAsync(id, ct);
        if (deliverable.ArchivedAt is null)
        {
            deliverable.ArchivedAt = Now;
            ArchiveAudit.Record(db, "deliverable", deliverable.Id, archived: true, new { name = deliverable.Name }, Now);
        }

        await db.SaveChangesAsync(ct);
        return await DetailAsync(deliverable, ct);
    }

    public async Task<DeliverableView> RestoreAsync(string id, CancellationToken ct)
    {
        RequirePerson();
        var deliverable = await LockedAsync(id, ct);
        if (deliverable.ArchivedAt is not null)
        {
            deliverable.ArchivedAt = null;
            ArchiveAudit.Record(db, "deliverable", deliverable.Id, archived: false, new { name = deliverable.Name }, Now);
        }

        await db.SaveChangesAsync(ct);
        await schedule.EnsureAsync(deliverable.Id, strict: true, ct);
        return await DetailAsync(deliverable, ct);
    }

    /// Makes a period's counted items now instead of waiting for its start; asking again makes nothing more.
    public async Task<PeriodPipelines> MakeItemsAsync(string id, string? periodKey, CancellationToken ct)
    {
        RequirePerson();
        var deliverable = await FindAsync(id, ct);
        var key = CalendarPeriod.Parse(periodKey)
                  ?? throw ProblemException.Invalid("period", "must be a period such as 2026-04 (a month) or 2026-Q2 (a quarter)");
        var period = await db.DeliverablePeriods.AsNoTracking().FirstOrDefaultAsync(p => p.DeliverableId == deliverable.Id && p.Period == key.Key, ct)
                     ?? throw ProblemException.NotFound($"The period {key.Key} of this deliverable");
        var created = await schedule.MakeItemsNowAsync(deliverable.Id, period.Id, ct);
        var after = await db.DeliverablePeriods.AsNoTracking().FirstAsync(p => p.Id == period.Id, ct);
        return new PeriodPipelines((await PeriodViewsAsync([after], ct))[0], created);
    }

    /// For a plan's approval: the plan's deliverables make their periods in the approving transaction.
    public async Task<int> EnsurePeriodsOfPlanAsync(string planId, CancellationToken ct)
    {
        var made = 0;
        foreach (var id in await db.Deliverables.Where(d => d.PlanId == planId && d.Active && d.ArchivedAt == null).Select(d => d.Id).ToListAsync(ct))
        {
            made += (await schedule.EnsureAsync(id, strict: false, ct)).PeriodsCreated;
        }

        return made;
    }

    /// The period holding <paramref name="month"/> ("2026-04"; default this month) of every deliverable that has one:
    /// for a quarterly deliverable, the quarter the month is in. Archived deliverables are left out.
    public async Task<DeliverableProgress> ProgressAsync(string? month, string? goal, CancellationToken ct)
    {
        var asked = month is null
            ? CalendarPeriod.Containing(Now, PeriodLength.Month)
            : CalendarPeriod.ParseMonth(month) ?? throw ProblemException.Invalid("period", "must be a month such as 2026-04");
        var quarter = CalendarPeriod.Containing(asked.StartsAt, PeriodLength.Quarter).Key;
        var goalId = goal is { Length: > 0 } ? await RequireGoalAsync(goal, "goal", ct) : null;
        var rows = await (
                from p in db.DeliverablePeriods.AsNoTracking()
                join d in db.Deliverables.AsNoTracking() on p.DeliverableId equals d.Id
                join g in db.Goals.AsNoTracking() on d.GoalId equals g.Id
                where (p.Period == asked.Key || p.Period == quarter) && d.ArchivedAt == null && (goalId == null || d.GoalId == goalId)
                select new { Period = p, d.Name, d.GoalId, Goal = g.Title, d.Type, Length = d.Period })
            .ToListAsync(ct);
        var statuses = await StatusesAsync(rows.Select(r => r.Period).ToList(), ct);
        var items = rows
            .Select(r => new DeliverableProgressRow(
                r.Period.DeliverableId, r.Name, r.GoalId, r.Goal, r.Type, r.Length, r.Period.Period, r.Period.StartsAt, r.Period.EndsAt,
                r.Period.TargetCount, r.Period.CompletedCount, PeriodProgress.Percent(r.Period.TargetCount, r.Period.CompletedCount),
                statuses[r.Period.Id], r.Period.Id))
            .OrderBy(r => r.Deliverable, StringComparer.OrdinalIgnoreCase).ThenBy(r => r.DeliverableId, StringComparer.Ordinal)
            .ToList();
        return new DeliverableProgress(asked.Key, asked.StartsAt, asked.EndsAt, items);
    }

    private async Task ApplyAsync(Deliverable deliverable, DeliverableRequest request, bool creating, ValidationProblem problem, CancellationToken ct)
    {
        Goal? goal = null;
        if (request.GoalId is { Length: > 0 } goalId)
        {
            goal = await db.Goals.AsNoTracking().FirstOrDefaultAsync(g => g.Id == goalId, ct);
            if (goal is null)
            {
                problem.Add("goal_id", "no such goal");
            }
            else
            {
                deliverable.GoalId = goal.Id;
            }
        }
        else if (creating || request.GoalId is not null)
        {
            problem.Add("goal_id", "is required");
        }

        Plan? plan = null;
        if (request.PlanId is { Length: > 0 } planId)
        {
            plan = await db.Plans.AsNoTracking().FirstOrDefaultAsync(p => p.Id == planId, ct);
            if (plan is null)
            {
                problem.Add("plan_id", "no such plan");
            }
            else
            {
                deliverable.PlanId = plan.Id;
            }
        }
        else if (request.PlanId is not null)
        {
            deliverable.PlanId = null;
        }

        if (request.ProjectId is { Length: > 0 } projectRef)
        {
            if (await db.ProjectIdOfAsync(projectRef, ct) is { } projectId)
            {
                deliverable.ProjectId = projectId;
            }
            else
            {
                problem.Add("project_id", "no such project");
            }
        }
        else if (creating && goal is not null)
        {
            // The work it makes goes to the goal's project, else the plan's.
            deliverable.ProjectId = goal?.ProjectId ?? plan?.ProjectId ?? "";
            if (deliverable.ProjectId.Length == 0)
            {
                problem.Add("project_id", "is required: the goal belongs to no project");
            }
        }

        deliverable.Name = Check.Text(problem, "name", request.Name, 200, required: creating) ?? deliverable.Name;
        deliverable.Type = Check.Text(problem, "type", request.Type, 100, required: creating) ?? deliverable.Type;
        if (request.QuantityPerPeriod is { } quantity)
        {
            deliverable.QuantityPerPeriod = Check.Range(problem, "quantity_per_period", quantity, 1, MaxQuantity) ?? quantity;
        }
        else if (creating)
        {
            problem.Add("quantity_per_period", "is required");
        }

        if (creating)
        {
            deliverable.Period = request.Period ?? PeriodLength.Month;
        }
        else if (request.Period is { } length && length != deliverable.Period)
        {
            problem.Add("period", "cannot change: archive this deliverable and create one with the other period");
        }

        deliverable.Active = request.Active ?? deliverable.Active;
        await ApplyTemplateAsync(deliverable, request, problem, ct);
    }

    /// The template, and variable values that fit it: those given, or the stored ones when only the template changes.
    private async Task ApplyTemplateAsync(Deliverable deliverable, DeliverableRequest request, ValidationProblem problem, CancellationToken ct)
    {
        var given = request.Variables is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } ? request.Variables : null;
        if (request.TemplateId is { Length: 0 })
        {
            deliverable.TemplateId = null;
            deliverable.VariablesJson = null;
        }
        else if (request.TemplateId is { } templateId)
        {
            deliverable.TemplateId = templateId;
        }
        else if (given is null && request.Variables is null)
        {
            return;
        }

        if (deliverable.TemplateId is null)
        {
            if (given is not null)
            {
                problem.Add("variables", "needs a template_id: variables fill a template's placeholders");
            }

            return;
        }

        var template = await templates.FindAsync(deliverable.TemplateId, ct);
        if (template is null)
        {
            problem.Add("template_id", "no such template");
            return;
        }

        var values = given ?? WorkItemView.ParseJson(deliverable.VariablesJson);
        PipelineSteps.Values(template.Variables, values, problem);
        deliverable.VariablesJson = Check.Json(values);
    }

    private async Task<DeliverableView> DetailAsync(Deliverable deliverable, CancellationToken ct)
    {
        var periods = await db.DeliverablePeriods.AsNoTracking().Where(p => p.DeliverableId == deliverable.Id)
            .OrderByDescending(p => p.StartsAt).ToListAsync(ct);
        var views = await PeriodViewsAsync(periods, ct);
        var current = CalendarPeriod.Containing(Now, deliverable.Period).Key;
        return DeliverableView.From(deliverable) with { Periods = views, Current = views.FirstOrDefault(v => v.Period == current) };
    }

    private async Task<Dictionary<string, DeliverablePeriodView>> CurrentPeriodsAsync(IReadOnlyList<Deliverable> deliverables, CancellationToken ct)
    {
        if (deliverables.Count == 0)
        {
            return new Dictionary<string, DeliverablePeriodView>();
        }

        var now = Now;
        var (month, quarter) = (CalendarPeriod.Containing(now, PeriodLength.Month).Key, CalendarPeriod.Containing(now, PeriodLength.Quarter).Key);
        var periods = await db.DeliverablePeriods.AsNoTracking().WhereIn(p => p.DeliverableId, deliverables.Select(d => d.Id).ToList())
            .Where(p => p.Period == month || p.Period == quarter).ToListAsync(ct);
        return (await PeriodViewsAsync(periods, ct)).ToDictionary(p => p.DeliverableId);
    }

    private async Task<IReadOnlyList<DeliverablePeriodView>> PeriodViewsAsync(IReadOnlyList<DeliverablePeriod> periods, CancellationToken ct)
    {
        var statuses = await StatusesAsync(periods, ct);
        return periods.Select(p => DeliverablePeriodView.From(p, statuses[p.Id])).ToList();
    }

    /// Each period's status by <see cref="PeriodProgress.Status"/>; asks the items whether work has begun only for
    /// periods in their first day with nothing done, the one case where it matters.
    private async Task<Dictionary<string, PeriodStatus>> StatusesAsync(IReadOnlyList<DeliverablePeriod> periods, CancellationToken ct)
    {
        var now = Now;
        var unsure = periods.Where(p => PeriodProgress.NeedsWorkBegun(p.StartsAt, p.EndsAt, p.TargetCount, p.CompletedCount, now)).Select(p => p.Id).ToList();
        var begun = unsure.Count == 0 ? new HashSet<string>() : await BegunAsync(unsure, ct);
        return periods.ToDictionary(p => p.Id, p => PeriodProgress.Status(p.StartsAt, p.EndsAt, p.TargetCount, p.CompletedCount, now, begun.Contains(p.Id)));
    }

    /// Periods in which someone has taken up counted work: a plain counted item, or a step of a counted pipeline, that
    /// was claimed or started (a pipeline's parent is underway from the moment it is made, so it says nothing).
    private async Task<HashSet<string>> BegunAsync(IReadOnlyList<string> periodIds, CancellationToken ct)
    {
        var items = db.WorkItems.AsNoTracking();
        var own = items.WhereIn(w => w.DeliverablePeriodId!, periodIds)
            .Where(w => !w.CloseWithChildren && (w.Attempts > 0 || (w.Status != WorkStatus.Backlog && w.Status != WorkStatus.Ready
                                                                    && w.Status != WorkStatus.Blocked && w.Status != WorkStatus.Cancelled)))
            .Select(w => w.DeliverablePeriodId!);
        var steps = from parent in items.WhereIn(w => w.DeliverablePeriodId!, periodIds).Where(w => w.CloseWithChildren)
            join step in items on parent.Id equals step.ParentId
            where step.Attempts > 0 || (step.Status != WorkStatus.Backlog && step.Status != WorkStatus.Ready
                                        && step.Status != WorkStatus.Blocked && step.Status != WorkStatus.Cancelled)
            select parent.DeliverablePeriodId!;
        return [.. await own.Concat(steps).Distinct().ToListAsync(ct)];
    }

    private async Task<string> RequireGoalAsync(string goalId, string field, CancellationToken ct) =>
        await db.Goals.AnyAsync(g => g.Id == goalId, ct) ? goalId : throw ProblemException.Invalid(field, "no such goal");

    private void RequirePerson()
    {
        Permissions.Require(context, Capability.EditWork);
        if (context.Actor.Type == ActorType.Agent)
        {
            throw ProblemException.Forbidden("Deliverables are set by people; agents read them and do the work they make.");
        }
    }

    private async Task<Deliverable> LockedAsync(string id, CancellationToken ct)
    {
        var deliverable = await FindAsync(id, ct);
        await RowLock.LockAsync(db, "deliverables", deliverable.Id, ct);
        await db.Entry(deliverable).ReloadAsync(ct);
        return deliverable;
    }

    private async Task<Deliverable> FindAsync(string id, CancellationToken ct) =>
        await db.Deliverables.FirstOrDefaultAsync(d => d.Id == id, ct) ?? throw ProblemException.NotFound("Deliverable");
}
