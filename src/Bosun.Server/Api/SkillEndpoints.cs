using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Knowledge;
using Bosun.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Api;

public static class SkillEndpoints
{
    public static void MapSkills(this IEndpointRouteBuilder api)
    {
        var skills = api.MapGroup("/skills").WithTags("Skills");
        skills.MapGet("", (SkillService s, CancellationToken ct) => s.ListAsync(ct))
            .WithSummary("The global skills Bosun ships and your tenant's own, each with its current content and attachments");
        skills.MapPost("", async Task<Created<SkillView>> (SkillRequest body, SkillService s, CancellationToken ct) =>
            {
                var created = await s.CreateAsync(body, ct);
                return TypedResults.Created($"/api/v1/skills/{created.Id}", created);
            })
            .WithSummary("Create a skill: {name, description?, content (Markdown)}");
        skills.MapGet("/{id}", (string id, int? version, SkillService s, CancellationToken ct) => s.GetAsync(id, version, ct))
            .WithSummary("Read a skill by id or name; ?version= reads an older version");
        skills.MapGet("/{id}/versions", (string id, SkillService s, CancellationToken ct) => s.VersionsAsync(id, ct))
            .WithSummary("Every version of a skill's content, newest first");
        skills.MapPatch("/{id}", (string id, SkillRequest body, SkillService s, CancellationToken ct) => s.UpdateAsync(id, body, ct))
            .WithSummary("Change a skill's name or description; new content makes version N+1");
        skills.MapDelete("/{id}", async Task<NoContent> (string id, SkillService s, CancellationToken ct) =>
        {
            await s.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).WithSummary("Remove a tenant skill with its versions and attachments");
        skills.MapPost("/{id}/attachments", (string id, SkillAttachRequest body, SkillService s, CancellationToken ct) => s.AttachAsync(id, body, ct))
            .WithSummary("Attach the skill to an agent or to every agent of a role: {agent} or {role}");
        skills.MapDelete("/{id}/attachments", async Task<NoContent> (string id, string? agent, string? role, HttpRequest request, SkillService s, CancellationToken ct) =>
        {
            await s.DetachAsync(id, await TargetAsync(agent, role, request, ct), ct);
            return TypedResults.NoContent();
        }).WithSummary("Detach the skill from an agent or a role: {agent} or {role}, in the body or the query string");
    }

    /// DELETE takes its target in the body as POST does, or in the query string for clients that send no body with it.
    private static async Task<SkillAttachRequest> TargetAsync(string? agent, string? role, HttpRequest request, CancellationToken ct)
    {
        if (agent is not null || role is not null || (request.ContentLength is 0 or null && request.Headers.TransferEncoding.Count == 0))
        {
            return new SkillAttachRequest(agent, role);
        }

        try
        {
            return await JsonSerializer.DeserializeAsync<SkillAttachRequest>(request.Body, BosunJson.Options, ct) ?? new SkillAttachRequest(null, null);
        }
        catch (JsonException)
        {
            throw ProblemException.Invalid("body", "must be a JSON object {agent} or {role}");
        }
    }
}
