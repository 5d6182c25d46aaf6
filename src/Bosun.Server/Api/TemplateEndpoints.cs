using Bosun.Core.Planning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Api;

public static class TemplateEndpoints
{
    public static void MapTemplates(this IEndpointRouteBuilder api)
    {
        var templates = api.MapGroup("/templates").WithTags("Templates");
        templates.MapGet("", (string? kind, bool? archived, int? limit, string? cursor, TemplateService s, CancellationToken ct) =>
                s.ListAsync(kind, archived ?? false, limit, cursor, ct))
            .WithSummary("List the global templates and the tenant's own (scope global or tenant); filter by kind; archived=true lists only the archived ones");
        templates.MapPost("", async Task<Created<TemplateView>> (TemplateRequest body, TemplateService s, CancellationToken ct) =>
        {
            var template = await s.CreateAsync(body, ct);
            return TypedResults.Created($"/api/v1/templates/{template.Id}", template);
        }).WithSummary("Create a template: name, kind, variables and steps (version 1)");
        templates.MapGet("/{id}", (string id, TemplateService s, CancellationToken ct) => s.GetAsync(id, ct))
            .WithSummary("Read a template's current version, with the numbers of all its versions");
        templates.MapGet("/{id}/versions/{version:int}", (string id, int version, TemplateService s, CancellationToken ct) =>
            s.GetVersionAsync(id, version, ct)).WithSummary("Read one version of a template");
        templates.MapPatch("/{id}", (string id, TemplateRequest body, TemplateService s, CancellationToken ct) => s.UpdateAsync(id, body, replace: false, ct))
            .WithSummary("Change a template; new variables or steps make the next version, and items keep the version they came from");
        templates.MapPut("/{id}", (string id, TemplateRequest body, TemplateService s, CancellationToken ct) => s.UpdateAsync(id, body, replace: true, ct))
            .WithSummary("Replace a template's whole definition, as its next version");
        templates.MapPost("/{id}/copy", async Task<Created<TemplateView>> (string id, CopyTemplate? body, TemplateService s, CancellationToken ct) =>
        {
            var copy = await s.CopyAsync(id, body, ct);
            return TypedResults.Created($"/api/v1/templates/{copy.Id}", copy);
        }).WithSummary("Copy a template (a global one too) into the tenant's own, recording its source and version");
        templates.MapPost("/{id}/instantiate", async Task<Created<PipelineCreated>> (string id, InstantiateTemplate body, TemplateService s, CancellationToken ct) =>
        {
            var created = await s.InstantiateAsync(id, body, ct);
            return TypedResults.Created($"/api/v1/work/{created.Parent?.Id}", created);
        }).WithSummary("Create a parent item and one child per step, waiting as the steps' after says, all at once");
        templates.MapPost("/{id}/archive", (string id, TemplateService s, CancellationToken ct) => s.ArchiveAsync(id, ct))
            .WithSummary("Archive a template: it leaves lists and cannot be instantiated until restored");
        templates.MapPost("/{id}/restore", (string id, TemplateService s, CancellationToken ct) => s.RestoreAsync(id, ct))
            .WithSummary("Restore an archived template");
    }
}
