using System.Text.Json;
using Bosun.Core.Planning;

namespace Bosun.Core.Automation;

/// Fields a client sends to create or change a schedule; on a change a missing field stays as it is. `project` is a
/// project's id or key. Without `trigger`, a cron expression makes it a cron schedule and interval_seconds an interval
/// one; without `makes`, a template_id makes it a template schedule.
public sealed record ScheduleRequest(
    string? Name, string? Trigger, string? Cron, string? TimeZone, int? IntervalSeconds, string? Makes, string? Project,
    string? ItemType, string? Title, string? Description, string? Assignee, JsonElement? Input, string? TemplateId, JsonElement? Variables,
    bool? Active, string? CatchUp, int? CatchUpMax, string? Overlap);

/// A fire time in UTC and as the schedule's time zone reads it.
public sealed record FireTime(DateTime At, DateTimeOffset Local);

/// An item a firing made, as it stands now.
public sealed record FiringItem(string Id, string Key, string Title, WorkStatus Status);

public sealed record FiringView(
    string Id, string ScheduleId, DateTime FireTime, DateTimeOffset LocalFireTime, FiringTrigger Trigger, FiringStatus Status, string? Error,
    IReadOnlyList<FiringItem> Items, string ActorRef, DateTime? MadeAt, DateTime CreatedAt);

/// A schedule with its next fire times and, read one at a time, its last firings with their items.
public sealed record ScheduleView(
    string Id, string Name, ScheduleTrigger Trigger, string? Cron, string TimeZone, int? IntervalSeconds, ScheduleMakes Makes,
    string ProjectId, string? ItemType, string? Title, string? Description, string? Assignee, JsonElement? Input, string? TemplateId,
    JsonElement? Variables, bool Active, ScheduleCatchUp CatchUp, int CatchUpMax, ScheduleOverlap Overlap, DateTime? NextFireAt,
    DateTime? LastFiredAt, FiringStatus? LastStatus, string? LastError, string CreatedBy, DateTime CreatedAt, DateTime UpdatedAt)
{
    /// The next five times it fires (as if resumed, for a paused one); empty for a manual schedule.
    public IReadOnlyList<FireTime> NextFireTimes { get; init; } = [];

    public IReadOnlyList<FiringView>? LastFirings { get; init; }

    /// The schedule's inbound webhook URL, read one at a time; its secret is shown only when made.
    public InboundView? Inbound { get; init; }

    public static ScheduleView From(Schedule s) => new(
        s.Id, s.Name, s.Trigger, s.Cron, s.TimeZone, s.IntervalSeconds, s.Makes, s.ProjectId, s.ItemType, s.Title, s.Description, s.Assignee,
        WorkItemView.ParseJson(s.InputJson), s.TemplateId, WorkItemView.ParseJson(s.VariablesJson), s.Active, s.CatchUp, s.CatchUpMax, s.Overlap,
        s.NextFireAt, s.LastFiredAt, s.LastStatus, s.LastError, s.CreatedBy, s.CreatedAt, s.UpdatedAt);
}
