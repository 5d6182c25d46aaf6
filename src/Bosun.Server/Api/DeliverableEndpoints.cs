using Bosun.Core.Common;
using Bosun.Core.Planning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Api;

public static class DeliverableEndpoints
{
    public static void MapDeliverables(this IEndpointRouteBuilder api)
    {
        var deliverables = api.MapGroup("/deliverables").WithTags("Deliverables");
        deliverables.MapGet("", (string? goal, string? project, bool? active, bool? archived, int? limit, string? cursor, DeliverableService s, CancellationToken ct) =>
                s.ListAsync(new DeliverableFilter(goal, project, active, archived), PageRequest.From(limit, cursor), ct))
            .WithSummary("List deliverables with their current period; filter by goal, project (id or key), active; archived=true lists the archived ones");
        deliverables.MapGet("/progress", (string? period, string? goal, DeliverableService s, CancellationToken ct) => s.ProgressAsync(period, goal, ct))
            .WithSummary("How each deliverable stands in the period holding a month (period=2026-04, default this month): target, completed, percent, status");
        deliverables.MapPost("", async Task<Created<DeliverableView>> (DeliverableRequest body, DeliverableService s, CancellationToken ct) =>
        {
            var deliverable = await s.CreateAsync(body, ct);
            return TypedResults.Created($"/api/v1/deliverables/{deliverable.Id}", deliverable);
        }).WithSummary("Set a deliverable: its current and next periods are made at once, and the current period's items");
        deliverables.MapGet("/{id}", (string id, DeliverableService s, CancellationToken ct) => s.GetAsync(id, ct))
            .WithSummary("Read a deliverable with its periods, newest first");
        deliverables.MapPatch("/{id}", (string id, DeliverableRequest body, DeliverableService s, CancellationToken ct) => s.UpdateAsync(id, body, ct))
            .WithSummary("Change a deliverable; a new quantity applies to periods that have not begun, active=false stops new periods");
        deliverables.MapPost("/{id}/archive", (string id, DeliverableService s, CancellationToken ct) => s.ArchiveAsync(id, ct))
            .WithSummary("Archive a deliverable: it leaves the lists and makes nothing more");
        deliverables.MapPost("/{id}/restore", (string id, DeliverableService s, CancellationToken ct) => s.RestoreAsync(id, ct))
            .WithSummary("Bring an archived deliverable back");
        deliverables.MapPost("/{id}/periods/{period}/pipelines", (string id, string period, DeliverableService s, CancellationToken ct) =>
                s.MakeItemsAsync(id, period, ct))
            .WithSummary("Make a period's counted items (pipelines from the template) now; asking again makes nothing more");
    }
}
