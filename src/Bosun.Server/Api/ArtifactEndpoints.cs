using Bosun.Core.Common;
using Bosun.Core.Knowledge;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Api;

public static class ArtifactEndpoints
{
    public static void MapArtifacts(this IEndpointRouteBuilder api)
    {
        var artifacts = api.MapGroup("/artifacts").WithTags("Artifacts");
        artifacts.MapGet("", (string? project, string? type, string? key, int? limit, string? cursor, ArtifactService s, CancellationToken ct) =>
                s.ListAsync(project, type, key, PageRequest.From(limit, cursor), ct))
            .WithSummary("List artifacts without their content; ?project=WEB&type=spec&key=api");
        artifacts.MapPost("", async Task<Created<ArtifactView>> (ArtifactRequest body, ArtifactService s, CancellationToken ct) =>
            {
                var created = await s.CreateAsync(body, ct);
                return TypedResults.Created($"/api/v1/artifacts/{created.Id}", created);
            })
            .WithSummary("Create an artifact: project, type, key, title, and content, uri or integration_ref (at least one); encoding counts its tokens");
        artifacts.MapPut("", (ArtifactRequest body, ArtifactService s, CancellationToken ct) => s.PutAsync(body, ct))
            .WithSummary("Create the artifact of the project with that type and key, or change it if there is one");
        artifacts.MapGet("/{id}", (string id, ArtifactService s, CancellationToken ct) => s.GetAsync(id, ct))
            .WithSummary("Read an artifact with its content and its dependencies both ways");
        artifacts.MapPatch("/{id}", (string id, ArtifactRequest body, ArtifactService s, CancellationToken ct) => s.UpdateAsync(id, body, ct))
            .WithSummary("Change an artifact; new content, uri or integration_ref makes version N+1 (the same content again does not)");
        artifacts.MapDelete("/{id}", async Task<NoContent> (string id, ArtifactService s, CancellationToken ct) =>
        {
            await s.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).WithSummary("Remove an artifact with its versions, dependencies and links");
        artifacts.MapGet("/{id}/versions", (string id, ArtifactService s, CancellationToken ct) => s.ListVersionsAsync(id, ct))
            .WithSummary("Every version of the artifact, newest first, without content");
        artifacts.MapGet("/{id}/versions/{version:int}", (string id, int version, ArtifactService s, CancellationToken ct) => s.GetVersionAsync(id, version, ct))
            .WithSummary("One version of the artifact with its content");
        artifacts.MapPost("/{id}/dependencies", (string id, AddArtifactDependency body, ArtifactService s, CancellationToken ct) => s.AddDependencyAsync(id, body, ct))
            .WithSummary("Make the artifact depend on another ({depends_on: id or type/key, kind: imports|references|extends|includes}); a cycle is refused");
        artifacts.MapDelete("/{id}/dependencies/{dependsOn}", (string id, string dependsOn, ArtifactService s, CancellationToken ct) =>
                s.RemoveDependencyAsync(id, Uri.UnescapeDataString(dependsOn), ct))
            .WithSummary("Remove a dependency");
        artifacts.MapGet("/{id}/impact", (string id, ArtifactService s, CancellationToken ct) => s.ImpactAsync(id, ct))
            .WithSummary("What a change reaches: the artifacts depending on it, transitively, and the open work items linked to it or to them");

        var work = api.MapGroup("/work").WithTags("Work items");
        work.MapGet("/{id}/artifacts", (string id, ArtifactService s, CancellationToken ct) => s.LinkedAsync(id, ct))
            .WithSummary("The artifacts linked to a work item");
        work.MapPost("/{id}/artifacts", (string id, LinkArtifact body, ArtifactService s, CancellationToken ct) => s.LinkAsync(id, body, ct))
            .WithSummary("Link an artifact to the item ({artifact: id or type/key in the item's project})");
        work.MapDelete("/{id}/artifacts/{artifact}", (string id, string artifact, ArtifactService s, CancellationToken ct) => s.UnlinkAsync(id, Uri.UnescapeDataString(artifact), ct))
            .WithSummary("Unlink an artifact from the item");
        work.MapGet("/{id}/knowledge", (string id, string? kind, ArtifactService s, CancellationToken ct) => s.ListKnowledgeAsync(id, kind, ct))
            .WithSummary("The item's requirements, facts, assumptions and questions; ?kind=question");
        work.MapPost("/{id}/knowledge", async Task<Created<KnowledgeItemView>> (string id, KnowledgeRequest body, ArtifactService s, CancellationToken ct) =>
            {
                var created = await s.AddKnowledgeAsync(id, body, ct);
                return TypedResults.Created($"/api/v1/work/{created.WorkItemId}/knowledge/{created.Id}", created);
            })
            .WithSummary("Add a knowledge item: {kind: requirement|fact|assumption|question, text, answer (questions only)}");
        work.MapPatch("/{id}/knowledge/{kid}", (string id, string kid, KnowledgeRequest body, ArtifactService s, CancellationToken ct) =>
                s.UpdateKnowledgeAsync(id, kid, body, ct))
            .WithSummary("Change a knowledge item's text or kind, or answer a question (an empty answer takes it back)");
        work.MapDelete("/{id}/knowledge/{kid}", async Task<NoContent> (string id, string kid, ArtifactService s, CancellationToken ct) =>
        {
            await s.DeleteKnowledgeAsync(id, kid, ct);
            return TypedResults.NoContent();
        }).WithSummary("Remove a knowledge item");
    }
}
