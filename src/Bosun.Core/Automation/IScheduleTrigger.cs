using System.Text.Json;
using Bosun.Core.Common;

namespace Bosun.Core.Automation;

/// Fires a schedule now, for an inbound trigger whose target is a schedule. The schedules module registers the one
/// implementation; without it, such a call is answered 409 and does nothing.
public interface IScheduleTrigger
{
    /// Runs inside the inbound call's transaction, in the schedule's tenant. Throws a 404 problem when the schedule is gone.
    /// <paramref name="caller"/> is recorded as who fired it.
    Task<object?> RunNowAsync(string scheduleId, JsonElement? body, Actor caller, CancellationToken ct);
}

/// The schedules module's answer to a schedule's inbound call: a manual firing with the call's JSON object as variables.
public sealed class ScheduleInboundTrigger(ScheduleService schedules) : IScheduleTrigger
{
    public async Task<object?> RunNowAsync(string scheduleId, JsonElement? body, Actor caller, CancellationToken ct) =>
        await schedules.RunFromInboundAsync(scheduleId, body, caller.Ref, ct);
}
