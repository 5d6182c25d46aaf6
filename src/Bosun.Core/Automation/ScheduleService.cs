using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Automation;

/// Schedules: people set them, pause and resume them and fire them by hand; everyone in the tenant reads them.
public sealed class ScheduleService(
    BosunDb db, RequestContext context, TimeProvider clock, ITemplateSource templates, ScheduleFirer firer, InboundTriggerService inbound)
{
    public const int MaxInterval = 366 * 24 * 3600;
    public const int MaxCatchUp = 1000;
    public const int NextCount = 5;
    public const int LastFiringsShown = 10;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<Page<ScheduleView>> ListAsync(bool? active, PageRequest page, CancellationToken ct)
    {
        var query = db.Schedules.AsNoTracking().AsQueryable();
        if (active is { } on)
        {
            query = query.Where(s => s.Active == on);
        }

        if (page.Cursor is { } cursor)
        {
            query = query.Where(s => string.Compare(s.Id, cursor) > 0);
        }

        var now = Now;
        return await query.OrderBy(s => s.Id).ToPageAsync(page, s => s.Id, s => View(s, now), ct);
    }

    public async Task<ScheduleView> GetAsync(string id, CancellationToken ct)
    {
        var schedule = await FindAsync(id, ct, tracked: false);
        var firings = await db.ScheduleFirings.AsNoTracking().Where(f => f.ScheduleId == schedule.Id)
            .OrderByDescending(f => f.Id).Take(LastFiringsShown).ToListAsync(ct);
        var trigger = await db.Set<InboundTrigger>().AsNoTracking()
            .FirstOrDefaultAsync(t => t.TargetType == InboundTargetType.Schedule && t.TargetId == schedule.Id, ct);
        return View(schedule, Now) with
        {
            LastFirings = await FiringViewsAsync(schedule, firings, ct),
            Inbound = trigger is null ? null : InboundTriggerService.View(trigger),
        };
    }

    /// The next <paramref name="count"/> fire times (as if resumed, for a paused schedule).
    public async Task<IReadOnlyList<FireTime>> NextAsync(string id, int? count, CancellationToken ct)
    {
        var n = count ?? NextCount;
        if (n is < 1 or > 100)
        {
            throw ProblemException.Invalid("count", "must be between 1 and 100");
        }

        return Next(await FindAsync(id, ct, tracked: false), Now, n);
    }

    /// Newest first; the cursor walks back.
    public async Task<Page<FiringView>> FiringsAsync(string id, PageRequest page, CancellationToken ct)
    {
        var schedule = await FindAsync(id, ct, tracked: false);
        var query = db.ScheduleFirings.AsNoTracking().Where(f => f.ScheduleId == schedule.Id);
        if (page.Cursor is { } cursor)
        {
            query = query.Where(f => string.Compare(f.Id, cursor) < 0);
        }

        var rows = await query.OrderByDescending(f => f.Id).ToPageAsync(page, f => f.Id, f => f, ct);
        return new Page<FiringView>(await FiringViewsAsync(schedule, rows.Items, ct), rows.NextCursor);
    }

    public async Task<ScheduleView> CreateAsync(ScheduleRequest request, CancellationToken ct)
    {
        RequirePerson();
        var schedule = new Schedule { Name = "", ProjectId = "", CreatedBy = context.Actor.Ref, AnchorAt = WholeSecond(Now) };
        var problem = new ValidationProblem();
        await ApplyAsync(schedule, request, creating: true, problem, ct);
        problem.ThrowIfAny();
        schedule.NextFireAt = schedule.Active ? ScheduleTimes.Next(schedule, Now) : null;
        db.Schedules.Add(schedule);
        await db.SaveChangesAsync(ct);
        return await GetAsync(schedule.Id, ct);
    }

    /// A changed trigger counts from now: the times the old trigger would have fired are not caught up.
    public async Task<ScheduleView> UpdateAsync(string id, ScheduleRequest request, CancellationToken ct)
    {
        RequirePerson();
        var schedule = await LockedAsync(id, ct);
        var trigger = (schedule.Trigger, schedule.Cron, schedule.TimeZone, schedule.IntervalSeconds, schedule.Active);
        var problem = new ValidationProblem();
        await ApplyAsync(schedule, request, creating: false, problem, ct);
        problem.ThrowIfAny();
        if (trigger != (schedule.Trigger, schedule.Cron, schedule.TimeZone, schedule.IntervalSeconds, schedule.Active))
        {
            if (trigger.IntervalSeconds != schedule.IntervalSeconds || trigger.Trigger != schedule.Trigger)
            {
                schedule.AnchorAt = WholeSecond(Now);
            }

            schedule.NextFireAt = schedule.Active ? ScheduleTimes.Next(schedule, Now) : null;
        }

        await db.SaveChangesAsync(ct);
        return await GetAsync(schedule.Id, ct);
    }

    /// Paused, a schedule fires only by hand; resumed, it fires from its next time after now, without catching up.
    public async Task<ScheduleView> SetActiveAsync(string id, bool active, CancellationToken ct)
    {
        RequirePerson();
        var schedule = await LockedAsync(id, ct);
        if (schedule.Active != active)
        {
            schedule.Active = active;
            schedule.NextFireAt = active ? ScheduleTimes.Next(schedule, Now) : null;
            await db.SaveChangesAsync(ct);
        }

        return await GetAsync(schedule.Id, ct);
    }

    /// Removes the schedule and its firing records; the items it made stay, and the audit trail keeps its history.
    public async Task DeleteAsync(string id, CancellationToken ct)
    {
        RequirePerson();
        var schedule = await LockedAsync(id, ct);
        await inbound.RemoveAsync(InboundTargetType.Schedule, schedule.Id, ct);
        await db.ScheduleFirings.Where(f => f.ScheduleId == schedule.Id).ExecuteDeleteAsync(ct);
        db.Schedules.Remove(schedule);
        await db.SaveChangesAsync(ct);
    }

    /// Fires the schedule now, active or paused, in the caller's transaction; <paramref name="variables"/> add to (and
    /// win over) the schedule's own template variables and fill {{name}} placeholders of an item's text.
    /// <paramref name="actorRef"/> is recorded on the firing as who fired it. The overlap policy does not apply: the
    /// caller asked for this firing.
    public async Task<FiringView> RunNowAsync(string scheduleId, JsonElement? variables, string actorRef, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        if (variables is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null or JsonValueKind.Undefined) })
        {
            throw ProblemException.Invalid("variables", "must be an object of variable values");
        }

        var schedule = await FindAsync(scheduleId, ct, tracked: false);
        await RowLock.LockAsync(db, "schedules", schedule.Id, ct);
        var firing = await firer.RunNowAsync(schedule.Id, variables, actorRef, ct);
        return (await FiringViewsAsync(schedule, [firing], ct))[0];
    }

    /// Fires the schedule for an inbound call its trigger's signature authorised, inside the call's transaction: the call's
    /// JSON object is the variables, the firing records the trigger as who fired it, and its items are made by the schedule.
    internal async Task<FiringView> RunFromInboundAsync(string scheduleId, JsonElement? body, string callerRef, CancellationToken ct)
    {
        if (body is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null or JsonValueKind.Undefined) })
        {
            throw ProblemException.Invalid("body", "must be a JSON object of variable values");
        }

        var schedule = await FindAsync(scheduleId, ct, tracked: false);
        await RowLock.LockAsync(db, "schedules", schedule.Id, ct);
        context.EnterTenant(context.RequireTenant(), Actor.Automation($"schedule:{schedule.Id}", $"schedule {schedule.Name}"));
        var firing = await firer.RunNowAsync(schedule.Id, body, callerRef, ct);
        return (await FiringViewsAsync(schedule, [firing], ct))[0];
    }

    /// Gives the schedule an inbound webhook URL, or a new secret for the one it has; the secret is shown once.
    public async Task<InboundWithSecret> CreateInboundAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageSchedules);
        var schedule = await FindAsync(id, ct, tracked: false);
        return await inbound.CreateOrRotateAsync(InboundTargetType.Schedule, schedule.Id, ct);
    }

    public async Task RemoveInboundAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageSchedules);
        var schedule = await FindAsync(id, ct, tracked: false);
        if (!await inbound.RemoveAsync(InboundTargetType.Schedule, schedule.Id, ct))
        {
            throw ProblemException.NotFound("Inbound trigger");
        }

        await db.SaveChangesAsync(ct);
    }

    private async Task ApplyAsync(Schedule schedule, ScheduleRequest request, bool creating, ValidationProblem problem, CancellationToken ct)
    {
        schedule.Name = Check.Text(problem, "name", request.Name, 200, required: creating) ?? schedule.Name;
        var trigger = Enum<ScheduleTrigger>(problem, "trigger", request.Trigger)
                      ?? (request.Cron is not null ? ScheduleTrigger.Cron
                          : request.IntervalSeconds is not null ? ScheduleTrigger.Interval
                          : creating ? ScheduleTrigger.Manual : schedule.Trigger);
        schedule.Trigger = trigger;
        if (request.TimeZone is not null || creating)
        {
            var zone = request.TimeZone?.Trim() is { Length: > 0 } name ? name : "UTC";
            if (ScheduleTimes.ParseZone(problem, "time_zone", zone) is not null)
            {
                schedule.TimeZone = zone;
            }
        }

        schedule.Cron = trigger == ScheduleTrigger.Cron
            ? ScheduleTimes.ParseCron(problem, "cron", request.Cron ?? schedule.Cron) is not null ? (request.Cron ?? schedule.Cron)!.Trim() : schedule.Cron
            : null;
        if (trigger != ScheduleTrigger.Cron && request.Cron is not null)
        {
            problem.Add("cron", $"only a cron trigger takes a cron expression; this one is {trigger.Snake()}");
        }

        if (trigger == ScheduleTrigger.Interval)
        {
            var seconds = request.IntervalSeconds ?? schedule.IntervalSeconds;
            if (seconds is null)
            {
                problem.Add("interval_seconds", "is required for an interval trigger");
            }
            else
            {
                schedule.IntervalSeconds = Check.Range(problem, "interval_seconds", seconds, 1, MaxInterval) ?? seconds;
            }
        }
        else
        {
            if (request.IntervalSeconds is not null)
            {
                problem.Add("interval_seconds", $"only an interval trigger takes interval_seconds; this one is {trigger.Snake()}");
            }

            schedule.IntervalSeconds = null;
        }

        if (request.Project is { Length: > 0 } project)
        {
            if (await db.ProjectIdOfAsync(project.Trim(), ct) is { } projectId)
            {
                schedule.ProjectId = projectId;
            }
            else
            {
                problem.Add("project", "no such project");
            }
        }
        else if (creating)
        {
            problem.Add("project", "is required: the project the schedule's items go to");
        }

        schedule.Makes = Enum<ScheduleMakes>(problem, "makes", request.Makes)
                         ?? (creating ? request.TemplateId is { Length: > 0 } ? ScheduleMakes.Template : ScheduleMakes.Item : schedule.Makes);
        schedule.ItemType = Check.Text(problem, "item_type", request.ItemType, 100) ?? schedule.ItemType;
        schedule.Title = request.Title is not null ? Check.Text(problem, "title", request.Title, 500) : schedule.Title;
        schedule.Description = request.Description is not null ? Check.Text(problem, "description", request.Description, 100_000) : schedule.Description;
        schedule.Assignee = request.Assignee is not null ? Check.Text(problem, "assignee", request.Assignee, 300) : schedule.Assignee;
        if (request.Input is { } input)
        {
            if (input.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
            {
                problem.Add("input", "must be a JSON object");
            }

            schedule.InputJson = Check.Json(input);
        }

        if (schedule.Makes == ScheduleMakes.Item)
        {
            if (string.IsNullOrEmpty(schedule.Title))
            {
                problem.Add("title", "is required: the title of the item each firing makes ({{date}}, {{period}} and {{fire_time}} are filled in)");
            }

            if (request.TemplateId is { Length: > 0 })
            {
                problem.Add("template_id", "only a schedule that makes a template instance takes a template (makes: template)");
            }

            schedule.TemplateId = null;
            schedule.VariablesJson = null;
        }
        else
        {
            await ApplyTemplateAsync(schedule, request, problem, ct);
        }

        schedule.Active = request.Active ?? schedule.Active;
        schedule.CatchUp = Enum<ScheduleCatchUp>(problem, "catch_up", request.CatchUp) ?? schedule.CatchUp;
        schedule.CatchUpMax = request.CatchUpMax is { } max ? Check.Range(problem, "catch_up_max", max, 1, MaxCatchUp) ?? max : schedule.CatchUpMax;
        schedule.Overlap = Enum<ScheduleOverlap>(problem, "overlap", request.Overlap) ?? schedule.Overlap;
    }

    private async Task ApplyTemplateAsync(Schedule schedule, ScheduleRequest request, ValidationProblem problem, CancellationToken ct)
    {
        schedule.TemplateId = request.TemplateId is { Length: > 0 } id ? id.Trim() : schedule.TemplateId;
        if (schedule.TemplateId is null)
        {
            problem.Add("template_id", "is required for a schedule that makes a template instance");
            return;
        }

        var template = await templates.FindAsync(schedule.TemplateId, ct);
        if (template is null)
        {
            problem.Add("template_id", "no such template");
            return;
        }

        var given = request.Variables is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } ? request.Variables : WorkItemView.ParseJson(schedule.VariablesJson);
        PipelineSteps.Values(template.Variables, given, problem);
        schedule.VariablesJson = Check.Json(given);
    }

    private static TEnum? Enum<TEnum>(ValidationProblem problem, string field, string? value) where TEnum : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (EnumNames<TEnum>.TryParse(value.Trim(), out var parsed))
        {
            return parsed;
        }

        problem.Add(field, $"must be one of: {string.Join(", ", EnumNames<TEnum>.All)}");
        return null;
    }

    internal static ScheduleView View(Schedule s, DateTime now) => ScheduleView.From(s) with { NextFireTimes = Next(s, now, NextCount) };

    private static IReadOnlyList<FireTime> Next(Schedule s, DateTime now, int count)
    {
        var from = s.Active && s.NextFireAt is { } next && next < now ? next : now;
        return [.. ScheduleTimes.Upcoming(s, from, count).Select(t => new FireTime(t, ScheduleTimes.Local(s, t)))];
    }

    private async Task<IReadOnlyList<FiringView>> FiringViewsAsync(Schedule schedule, IReadOnlyList<ScheduleFiring> firings, CancellationToken ct)
    {
        var ids = firings.SelectMany(f => ScheduleFirer.ItemIds(f)).Distinct().ToList();
        var items = ids.Count == 0
            ? new Dictionary<string, FiringItem>()
            : (await db.WorkItems.AsNoTracking().WhereIn(w => w.Id, ids).Select(w => new FiringItem(w.Id, w.Key, w.Title, w.Status)).ToListAsync(ct))
                .ToDictionary(i => i.Id);
        return [.. firings.Select(f => new FiringView(
            f.Id, f.ScheduleId, f.FireTime, ScheduleTimes.Local(schedule, f.FireTime), f.Trigger, f.Status, f.Error,
            [.. ScheduleFirer.ItemIds(f).Where(items.ContainsKey).Select(i => items[i])], f.ActorRef, f.MadeAt, f.CreatedAt))];
    }

    private static DateTime WholeSecond(DateTime t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);

    private void RequirePerson()
    {
        Permissions.Require(context, Capability.EditWork);
        if (context.Actor.Type == ActorType.Agent)
        {
            throw ProblemException.Forbidden("Schedules are set by people; agents read them and may fire one (POST /api/v1/schedules/{id}/run).");
        }
    }

    private async Task<Schedule> LockedAsync(string id, CancellationToken ct)
    {
        var schedule = await FindAsync(id, ct, tracked: true);
        await RowLock.LockAsync(db, "schedules", schedule.Id, ct);
        await db.Entry(schedule).ReloadAsync(ct);
        return schedule;
    }

    private async Task<Schedule> FindAsync(string id, CancellationToken ct, bool tracked)
    {
        var query = tracked ? db.Schedules : db.Schedules.AsNoTracking();
        return await query.FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw ProblemException.NotFound("Schedule");
    }
}
