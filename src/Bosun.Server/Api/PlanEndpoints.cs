using Bosun.Core.Common;
using Bosun.Core.Planning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Api;

public static class PlanEndpoints
{
    public static void MapPlans(this IEndpointRouteBuilder api)
    {
        var plans = api.MapGroup("/plans").WithTags("Plans");
        plans.MapGet("", (string? project, string? goal, [FromQuery(Name = "work_item")] string? workItem, string? status, bool? archived,
                int? limit, string? cursor, PlanService s, CancellationToken ct) =>
            s.ListAsync(new PlanFilter(project, goal, workItem, Check.OneOf<PlanStatus>("status", status), archived ?? false),
                PageRequest.From(limit, cursor), ct))
            .WithSummary("List plans; filter by project, goal, work_item (newest attempt first), status; archived=true includes archived plans");
        plans.MapPost("", async Task<Created<PlanView>> (PlanRequest body, PlanService s, CancellationToken ct) =>
        {
            var plan = await s.CreateAsync(body, ct);
            return TypedResults.Created($"/api/v1/plans/{plan.Id}", plan);
        }).WithSummary("Write a plan: its first version is a draft (steps in the template step format, or source_items from the backlog)");
        plans.MapGet("/{id}", (string id, PlanService s, CancellationToken ct) => s.GetAsync(id, ct))
            .WithSummary("Read a plan with its versions (newest first) and the work items it made or released");
        plans.MapGet("/{id}/versions/{version:int}", (string id, int version, PlanService s, CancellationToken ct) => s.GetVersionAsync(id, version, ct))
            .WithSummary("Read one version of a plan");
        plans.MapPost("/{id}/versions", async Task<Created<PlanVersionView>> (string id, PlanVersionRequest body, PlanService s, CancellationToken ct) =>
        {
            var version = await s.AddVersionAsync(id, body, ct);
            return TypedResults.Created($"/api/v1/plans/{version.PlanId}/versions/{version.Version}", version);
        }).WithSummary("Add a version (a draft; after a rejection, the next attempt); fields left out are copied from the newest version");
        plans.MapPost("/{id}/submit", (string id, SubmitPlan? body, PlanService s, CancellationToken ct) =>
            s.SubmitAsync(id, body ?? new SubmitPlan(null), ct))
            .WithSummary("Submit the newest version for approval; a person decides it through /approvals");
        plans.MapPost("/{id}/archive", (string id, PlanService s, CancellationToken ct) => s.ArchiveAsync(id, ct))
            .WithSummary("Archive a plan: it leaves lists unless archived=true");
        plans.MapPost("/{id}/restore", (string id, PlanService s, CancellationToken ct) => s.RestoreAsync(id, ct))
            .WithSummary("Restore an archived plan");
    }
}
