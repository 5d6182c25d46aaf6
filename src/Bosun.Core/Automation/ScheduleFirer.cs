using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Automation;

/// One time of one schedule that is due now, chosen by its catch-up policy.
public sealed record DueFiring(Schedule Schedule, DateTime FireTime, DateTime? NextFireAt);

/// Fires schedules, always in the caller's transaction, so the firing row and the items it makes commit together or
/// not at all. Exactly once: the schedule's row is locked first (PostgreSQL, skipping a row another process holds;
/// SQLite's write transactions already run one at a time) and read again under the lock, so a second process finds
/// the time already moved on; and the unique key on (tenant, schedule, fire time, trigger) refuses a second firing row
/// whatever happens.
public sealed class ScheduleFirer(BosunDb db, RequestContext context, TimeProvider clock, WorkItemService work, TemplateService templates)
{
    /// A time up to this old when the loop reaches it is on time; older ones were missed (Bosun was down) and follow
    /// the catch-up policy.
    public static readonly TimeSpan OnTime = TimeSpan.FromMinutes(1);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// The schedule's next due time, with the row locked; null when it is not due, paused, gone, or held by another
    /// process. A skip policy that drops every missed time moves the schedule on to its next future time here.
    public async Task<DueFiring?> DueAsync(string scheduleId, CancellationToken ct)
    {
        if (!await RowLock.LockAsync(db, "schedules", scheduleId, ct, skipLocked: true))
        {
            return null;
        }

        var now = Now;
        var s = await db.Schedules.AsNoTracking().FirstOrDefaultAsync(x => x.Id == scheduleId, ct);
        if (s is not { Active: true, NextFireAt: { } next } || next > now)
        {
            return null;
        }

        DateTime fire;
        if (next >= now - OnTime)
        {
            fire = next;
        }
        else if (s.CatchUp == ScheduleCatchUp.Skip)
        {
            var first = ScheduleTimes.Next(s, now - OnTime, inclusive: true);
            if (first is not { } onTime || onTime > now)
            {
                await MoveOnAsync(s.Id, first, ct);
                return null;
            }

            fire = onTime;
        }
        else
        {
            var times = ScheduleTimes.Latest(s, next, now, s.CatchUp == ScheduleCatchUp.Once ? 1 : s.CatchUpMax);
            fire = times[0];
        }

        return new DueFiring(s, fire, ScheduleTimes.Next(s, fire));
    }

    /// Makes the due firing: its items, or a skipped or queued row as the overlap policy says.
    public async Task<ScheduleFiring> FireAsync(DueFiring due, CancellationToken ct)
    {
        var s = due.Schedule;
        var firing = new ScheduleFiring { ScheduleId = s.Id, FireTime = due.FireTime, Trigger = FiringTrigger.Scheduled, ActorRef = context.Actor.Ref };
        var open = s.Overlap == ScheduleOverlap.Allow ? null : await OpenItemsAsync(s.Id, ct);
        if (s.Overlap == ScheduleOverlap.Queue && (open is { Count: > 0 } || await db.ScheduleFirings.AnyAsync(f => f.ScheduleId == s.Id && f.Status == FiringStatus.Queued, ct)))
        {
            firing.Status = FiringStatus.Queued;
            db.ScheduleFirings.Add(firing);
        }
        else if (s.Overlap == ScheduleOverlap.SkipIfOpen && open is { Count: > 0 })
        {
            firing.Status = FiringStatus.Skipped;
            firing.Error = $"skipped: the previous firing's items are not all done ({string.Join(", ", open)})";
            db.ScheduleFirings.Add(firing);
            AuditLog.Record(db, "schedule.skipped", "schedule", s.Id, new { firing_id = firing.Id, fire_time = firing.FireTime, open_items = open }, Now);
        }
        else
        {
            db.ScheduleFirings.Add(firing);
            await MakeAsync(s, firing, null, ct);
        }

        await db.SaveChangesAsync(ct);
        await BookkeepAsync(s.Id, firing, due.NextFireAt, moveOn: true, ct);
        return firing;
    }

    /// The oldest queued firing of the schedule, made now when the firing before it has all its items done.
    public async Task<ScheduleFiring?> FireQueuedAsync(string scheduleId, CancellationToken ct)
    {
        if (!await RowLock.LockAsync(db, "schedules", scheduleId, ct, skipLocked: true))
        {
            return null;
        }

        var s = await db.Schedules.AsNoTracking().FirstOrDefaultAsync(x => x.Id == scheduleId, ct);
        var queued = s is null ? null : await db.ScheduleFirings.Where(f => f.ScheduleId == scheduleId && f.Status == FiringStatus.Queued)
            .OrderBy(f => f.FireTime).FirstOrDefaultAsync(ct);
        if (s is null || queued is null || await OpenItemsAsync(scheduleId, ct) is { Count: > 0 })
        {
            return null;
        }

        await MakeAsync(s, queued, null, ct);
        await db.SaveChangesAsync(ct);
        await BookkeepAsync(s.Id, queued, null, moveOn: false, ct);
        return queued;
    }

    /// A manual firing at the current time; the caller holds the schedule's row.
    public async Task<ScheduleFiring> RunNowAsync(string scheduleId, JsonElement? variables, string actorRef, CancellationToken ct)
    {
        var s = await db.Schedules.AsNoTracking().FirstAsync(x => x.Id == scheduleId, ct);
        // Manual firings are keyed apart from scheduled ones (the trigger is part of the unique key), so one never takes
        // a scheduled time. Two manual firings within one microsecond (the store's precision) are two firings: under
        // the schedule's row lock the later one takes the microsecond after the latest manual one.
        var now = Now;
        var latest = await db.ScheduleFirings.Where(f => f.ScheduleId == s.Id && f.Trigger == FiringTrigger.Manual && f.FireTime >= now)
            .MaxAsync(f => (DateTime?)f.FireTime, ct);
        var at = latest is { } taken ? taken.AddTicks(10) : now;
        var firing = new ScheduleFiring { ScheduleId = s.Id, FireTime = at, Trigger = FiringTrigger.Manual, ActorRef = actorRef };
        db.ScheduleFirings.Add(firing);
        await MakeAsync(s, firing, variables, ct);
        await db.SaveChangesAsync(ct);
        await BookkeepAsync(s.Id, firing, null, moveOn: false, ct);
        return firing;
    }

    /// A firing that could not make its items (its template is gone, a variable no longer fits, its assignee left):
    /// recorded with the error, the schedule moved on, and, when it is the first failure in a row, an alert to the
    /// schedule's owner. Runs in a fresh transaction after the failed one rolled back.
    public async Task<ScheduleFiring?> RecordFailureAsync(string scheduleId, DateTime fireTime, FiringTrigger trigger, string error, CancellationToken ct)
    {
        var due = await DueAsync(scheduleId, ct);
        var queued = await db.ScheduleFirings.FirstOrDefaultAsync(f => f.ScheduleId == scheduleId && f.FireTime == fireTime && f.Status == FiringStatus.Queued, ct);
        if (queued is null && due?.FireTime != fireTime)
        {
            return null;
        }

        var s = due?.Schedule ?? await db.Schedules.AsNoTracking().FirstAsync(x => x.Id == scheduleId, ct);
        var firing = queued ?? new ScheduleFiring { ScheduleId = s.Id, FireTime = fireTime, Trigger = trigger, ActorRef = context.Actor.Ref };
        firing.Status = FiringStatus.Failed;
        firing.Error = Cut(error);
        if (queued is null)
        {
            db.ScheduleFirings.Add(firing);
        }

        AuditLog.Record(db, "schedule.failed", "schedule", s.Id, new { firing_id = firing.Id, fire_time = firing.FireTime, trigger = firing.Trigger.Snake(), error = firing.Error }, Now);
        if (s.FailuresInRow == 0)
        {
            await AlertAsync(s, firing, ct);
        }

        await db.SaveChangesAsync(ct);
        await BookkeepAsync(s.Id, firing, due?.NextFireAt, moveOn: queued is null, ct);
        return firing;
    }

    /// What a refusal says, field by field, as a firing records it.
    public static string Describe(ProblemException refused) =>
        refused.Errors.Count == 0
            ? refused.Detail ?? refused.Title
            : string.Join("; ", refused.Errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}"));

    public static IReadOnlyList<string> ItemIds(ScheduleFiring firing) =>
        firing.ItemIdsJson is null ? [] : JsonSerializer.Deserialize<List<string>>(firing.ItemIdsJson) ?? [];

    private async Task MakeAsync(Schedule s, ScheduleFiring firing, JsonElement? variables, CancellationToken ct)
    {
        var placeholders = ScheduleTimes.Placeholders(s, firing.FireTime);
        var given = Object(variables);
        WorkItemView made;
        if (s.Makes == ScheduleMakes.Template)
        {
            var values = Object(WorkItemView.ParseJson(s.VariablesJson));
            foreach (var (name, value) in given)
            {
                values[name] = value;
            }

            var created = await templates.InstantiateAsync(s.TemplateId!, new InstantiateTemplate(
                s.ProjectId, JsonSerializer.SerializeToElement(values), null, null, null, s.Title) { BuiltIns = placeholders }, ct);
            made = created.Parent!;
        }
        else
        {
            var texts = new Dictionary<string, string>(placeholders, StringComparer.Ordinal);
            foreach (var (name, value) in given)
            {
                texts.TryAdd(name, value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText());
            }

            made = await work.CreateAsync(new CreateWorkItem(
                s.ProjectId, s.ItemType ?? "task", PipelineSteps.Render(s.Title, texts), PipelineSteps.Render(s.Description, texts), WorkStatus.Ready,
                null, PipelineSteps.Render(s.Assignee, texts), null, null, null, null, null, PipelineSteps.Render(WorkItemView.ParseJson(s.InputJson), texts), null), ct);
        }

        firing.Status = FiringStatus.Fired;
        firing.Error = null;
        firing.MadeAt = Now;
        firing.ItemIdsJson = JsonSerializer.Serialize(new[] { made.Id });
        firing.ItemKeysJson = JsonSerializer.Serialize(new[] { made.Key });
        AuditLog.Record(db, "schedule.fired", "schedule", s.Id, new
        {
            firing_id = firing.Id, fire_time = firing.FireTime, trigger = firing.Trigger.Snake(), fired_by = firing.ActorRef, items = new[] { made.Key },
        }, Now);
    }

    /// The keys of the last made firing's items that are not done or cancelled.
    private async Task<List<string>> OpenItemsAsync(string scheduleId, CancellationToken ct)
    {
        var last = await db.ScheduleFirings.AsNoTracking().Where(f => f.ScheduleId == scheduleId && f.Status == FiringStatus.Fired)
            .OrderByDescending(f => f.MadeAt).Select(f => f.ItemIdsJson).FirstOrDefaultAsync(ct);
        var ids = last is null ? [] : JsonSerializer.Deserialize<List<string>>(last) ?? [];
        return ids.Count == 0
            ? []
            : await db.WorkItems.AsNoTracking().WhereIn(w => w.Id, ids)
                .Where(w => w.Status != WorkStatus.Done && w.Status != WorkStatus.Cancelled).Select(w => w.Key).ToListAsync(ct);
    }

    /// The schedule's own bookkeeping, written as a plain update: it is not a change anyone made to the schedule, and
    /// the firing's audit row already tells it.
    private async Task BookkeepAsync(string scheduleId, ScheduleFiring firing, DateTime? next, bool moveOn, CancellationToken ct)
    {
        var failed = firing.Status == FiringStatus.Failed;
        var rows = db.Schedules.Where(x => x.Id == scheduleId);
        if (moveOn)
        {
            await rows.ExecuteUpdateAsync(u => u.SetProperty(x => x.NextFireAt, next), ct);
        }

        if (firing.Status is FiringStatus.Fired or FiringStatus.Failed)
        {
            await rows.ExecuteUpdateAsync(u => u
                .SetProperty(x => x.LastFiredAt, firing.FireTime)
                .SetProperty(x => x.LastFiringId, firing.Id)
                .SetProperty(x => x.LastStatus, firing.Status)
                .SetProperty(x => x.LastError, firing.Error)
                .SetProperty(x => x.FailuresInRow, x => failed ? x.FailuresInRow + 1 : 0), ct);
        }
    }

    private async Task MoveOnAsync(string scheduleId, DateTime? next, CancellationToken ct) =>
        await db.Schedules.Where(x => x.Id == scheduleId).ExecuteUpdateAsync(u => u.SetProperty(x => x.NextFireAt, next), ct);

    /// The alert path of Bosun: an escalation item in the schedule's project, for the person who set the schedule
    /// (else the project's lead, else an admin or owner), as a failed run's escalation is made.
    private async Task AlertAsync(Schedule s, ScheduleFiring firing, CancellationToken ct)
    {
        var owner = s.CreatedBy.StartsWith("user:", StringComparison.Ordinal) ? s.CreatedBy[5..] : null;
        var person = await db.Users.Where(u => u.Id == owner && u.Status == PersonStatus.Active).Select(u => u.Id).FirstOrDefaultAsync(ct)
                     ?? await db.Projects.Where(p => p.Id == s.ProjectId).Select(p => p.LeadUserId).FirstOrDefaultAsync(ct)
                     ?? await db.Users.Where(u => u.Status == PersonStatus.Active && (u.Role == PersonRole.Admin || u.Role == PersonRole.Owner))
                         .OrderBy(u => u.Role == PersonRole.Admin ? 0 : 1).ThenBy(u => u.Id).Select(u => u.Id).FirstOrDefaultAsync(ct);
        var input = JsonSerializer.SerializeToElement(new { schedule_id = s.Id, firing_id = firing.Id, fire_time = firing.FireTime, error = firing.Error });
        await work.CreateAsync(new CreateWorkItem(
            s.ProjectId, "escalation", Cut($"Schedule '{s.Name}' failed", 500),
            $"The schedule '{s.Name}' could not fire at {firing.FireTime:yyyy-MM-dd HH:mm:ss} UTC: {firing.Error}\nIt goes on firing at its next times; "
            + "further failures in a row raise no new alert.",
            WorkStatus.Ready, Priority.High, person is null ? null : $"user:{person}", null, null, null, ["escalation"], false, input, null), ct);
    }

    private static Dictionary<string, JsonElement> Object(JsonElement? value) =>
        value is { ValueKind: JsonValueKind.Object } obj ? obj.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal) : [];

    private static string Cut(string text, int max = 2000) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
