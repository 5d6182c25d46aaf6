using Bosun.Core.Common;
using Bosun.Core.Knowledge;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Api;

public static class ContextEndpoints
{
    public static void MapContext(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/context").WithTags("Context");
        group.MapPost("/assemble", (AssembleRequest body, ContextService s, CancellationToken ct) => s.AssembleAsync(body, ct))
            .WithSummary("Assemble a work item's context under a token budget: {work_item, profile? | max_tokens?, encoding?}; "
                         + "the parts highest priority first, each with its tokens, and what was left out and why");
        group.MapGet("/requests", (string? work_item, int? limit, string? cursor, ContextService s, CancellationToken ct) =>
                s.RequestsAsync(work_item, PageRequest.From(limit, cursor), ct))
            .WithSummary("Every assembly asked for, newest first (owners and admins): who asked, tokens, parts, left out, cache hit");
        group.MapGet("/profiles", (ContextService s, CancellationToken ct) => s.ProfilesAsync(ct)).WithSummary("The tenant's context budget profiles");
        group.MapPost("/profiles", async Task<Created<ContextProfileView>> (ContextProfileRequest body, ContextService s, CancellationToken ct) =>
        {
            var created = await s.CreateProfileAsync(body, ct);
            return TypedResults.Created($"/api/v1/context/profiles/{created.Id}", created);
        }).WithSummary("A budget profile for one agent, one role or one item type: max_tokens, reserved_tokens, priorities, encoding");
        group.MapGet("/profiles/{id}", (string id, ContextService s, CancellationToken ct) => s.GetProfileAsync(id, ct)).WithSummary("Read a profile (id or name)");
        group.MapPatch("/profiles/{id}", (string id, ContextProfileRequest body, ContextService s, CancellationToken ct) => s.UpdateProfileAsync(id, body, ct))
            .WithSummary("Change a profile");
        group.MapDelete("/profiles/{id}", async Task<NoContent> (string id, ContextService s, CancellationToken ct) =>
        {
            await s.DeleteProfileAsync(id, ct);
            return TypedResults.NoContent();
        }).WithSummary("Remove a profile");
    }
}
