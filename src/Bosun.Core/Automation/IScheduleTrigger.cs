using System.Text.Json;
using Bosun.Core.Common;

namespace Bosun.Core.Automation;

/// Fires a schedule now, for an inbound trigger whose target is a schedule. The schedules module registers the one
/// implementation; without it, such a call is answered 409 and does nothing.
public interface IScheduleTrigger
{
    /// Runs inside the inbound call's transaction, in the schedule's tenant. Throws a 404 problem when the schedule is gone.
    Task<object?> RunNowAsync(string scheduleId, JsonElement? body, Actor actor, CancellationToken ct);
}
