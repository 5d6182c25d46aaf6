using Bosun.Core.Common;
using Bosun.Core.Knowledge;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Api;

public static class MemoryEndpoints
{
    public static void MapMemory(this IEndpointRouteBuilder api)
    {
        var memory = api.MapGroup("/memory").WithTags("Memory");
        memory.MapGet("", (string? scope, string? scope_id, string? kind, int? limit, string? cursor, MemoryService s, CancellationToken ct) =>
                s.ListAsync(scope, scope_id, kind, PageRequest.From(limit, cursor), ct))
            .WithSummary("The memory you may read, newest first; ?scope=tenant|project|agent|work_item, ?scope_id=, ?kind=fact|preference|decision|lesson");
        memory.MapPost("", async Task<Created<MemoryView>> (RememberRequest body, MemoryService s, CancellationToken ct) =>
            {
                var created = await s.RememberAsync(body, ct);
                return TypedResults.Created($"/api/v1/memory/{created.Id}", created);
            })
            .WithSummary("Remember something: {content, kind, scope?, scope_id?, expires_at?}; an agent's memory is its own unless a scope is given");
        memory.MapPost("/recall", (RecallRequest body, MemoryService s, CancellationToken ct) => s.RecallAsync(body, ct))
            .WithSummary("Full-text recall over the unexpired memory you may read, best match first: {query, scope?, scope_id?, limit?}; every recall is logged");
        memory.MapGet("/recalls", (int? limit, string? cursor, MemoryService s, CancellationToken ct) => s.RecallsAsync(PageRequest.From(limit, cursor), ct))
            .WithSummary("The recall log, newest first: who asked what, and which units came back with their scores (owners and admins)");
        memory.MapGet("/{id}", (string id, MemoryService s, CancellationToken ct) => s.GetAsync(id, ct)).WithSummary("Read a memory unit");
        memory.MapDelete("/{id}", async Task<NoContent> (string id, MemoryService s, CancellationToken ct) =>
        {
            await s.ForgetAsync(id, ct);
            return TypedResults.NoContent();
        }).WithSummary("Forget a memory unit (an agent forgets only what it wrote)");
    }
}
