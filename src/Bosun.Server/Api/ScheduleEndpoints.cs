using System.Text.Json;
using Bosun.Core.Automation;
using Bosun.Core.Common;
using Bosun.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Api;

/// What a manual firing may carry: values for the template's variables or the item's {{name}} placeholders.
public sealed record RunSchedule(JsonElement? Variables);

public static class ScheduleEndpoints
{
    public static void MapSchedules(this IEndpointRouteBuilder api)
    {
        var schedules = api.MapGroup("/schedules").WithTags("Schedules");
        schedules.MapGet("", (bool? active, int? limit, string? cursor, ScheduleService s, CancellationToken ct) =>
                s.ListAsync(active, PageRequest.From(limit, cursor), ct))
            .WithSummary("List schedules with their next five fire times; active=false lists the paused ones");
        schedules.MapPost("", async Task<Created<ScheduleView>> (ScheduleRequest body, ScheduleService s, CancellationToken ct) =>
        {
            var schedule = await s.CreateAsync(body, ct);
            return TypedResults.Created($"/api/v1/schedules/{schedule.Id}", schedule);
        }).WithSummary("Create a schedule: a cron expression in a time zone, an interval, or manual; it makes an item or a template instance");
        schedules.MapGet("/{id}", (string id, ScheduleService s, CancellationToken ct) => s.GetAsync(id, ct))
            .WithSummary("Read a schedule with its next fire times and its last firings with their items");
        schedules.MapPatch("/{id}", (string id, ScheduleRequest body, ScheduleService s, CancellationToken ct) => s.UpdateAsync(id, body, ct))
            .WithSummary("Change a schedule; a changed trigger counts from now");
        schedules.MapDelete("/{id}", async Task<NoContent> (string id, ScheduleService s, CancellationToken ct) =>
        {
            await s.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).WithSummary("Delete a schedule and its firing records; the items it made stay");
        schedules.MapPost("/{id}/pause", (string id, ScheduleService s, CancellationToken ct) => s.SetActiveAsync(id, false, ct))
            .WithSummary("Pause a schedule: it fires only when run by hand");
        schedules.MapPost("/{id}/resume", (string id, ScheduleService s, CancellationToken ct) => s.SetActiveAsync(id, true, ct))
            .WithSummary("Resume a paused schedule from its next time after now, without catching up");
        schedules.MapGet("/{id}/next", (string id, int? count, ScheduleService s, CancellationToken ct) => s.NextAsync(id, count, ct))
            .WithSummary("The next fire times (count, default 5), in UTC and in the schedule's time zone");
        schedules.MapGet("/{id}/firings", (string id, int? limit, string? cursor, ScheduleService s, CancellationToken ct) =>
                s.FiringsAsync(id, PageRequest.From(limit, cursor), ct))
            .WithSummary("The schedule's firings, newest first, with their status, error and items");
        schedules.MapPost("/{id}/run", async Task<Created<FiringView>> (string id, RunSchedule? body, ScheduleService s, RequestContext context, CancellationToken ct) =>
        {
            var firing = await s.RunNowAsync(id, body?.Variables, context.Actor.Ref, ct);
            return TypedResults.Created($"/api/v1/schedules/{id}/firings", firing);
        }).WithSummary("Fire the schedule now (active or paused); send an Idempotency-Key so a retried call fires once");
        schedules.MapPost("/{id}/inbound", (string id, ScheduleService s, CancellationToken ct) => s.CreateInboundAsync(id, ct))
            .WithMetadata(new ShownOnceAttribute("secret"))
            .WithSummary("Give the schedule an inbound webhook URL (or a new secret for it); the secret is shown once");
        schedules.MapDelete("/{id}/inbound", async Task<NoContent> (string id, ScheduleService s, CancellationToken ct) =>
        {
            await s.RemoveInboundAsync(id, ct);
            return TypedResults.NoContent();
        }).WithSummary("Remove the schedule's inbound URL");
    }
}
