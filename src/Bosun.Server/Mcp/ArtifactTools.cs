using Bosun.Core.Common;
using Bosun.Core.Knowledge;
using Microsoft.Extensions.DependencyInjection;
using static Bosun.Server.Mcp.Schema;

namespace Bosun.Server.Mcp;

/// The artifact tools: what a project keeps for agents to read (specs, code, schemas, plans), each calling the service the
/// REST endpoints call.
internal static class ArtifactTools
{
    public static readonly IReadOnlyList<McpTool> All =
    [
        new("list_artifacts", "List artifacts",
            "A project's artifacts (specs, code, docs, schemas, tests, plans, research) without their content: type, key, title, "
            + "version, content_sha256, size_bytes and token_count with the encoding that counted it.",
            Of(Str("project", "The project (key such as WEB, or id)."), Str("type", "Only artifacts of this type, e.g. spec."),
                Str("cursor", "The next_cursor of the previous page.")),
            ReadOnly: true, ListAsync),
        new("get_artifact", "Get an artifact",
            "One artifact with its content, what it depends on and what depends on it. Give its id, or project, type and key; "
            + "version reads an older version's content.",
            Of(Str("artifact", "The artifact's id."), Str("project", "With type and key instead of an id: the project (key or id)."),
                Str("type", "The artifact's type."), Str("key", "The artifact's key."),
                Int("version", "An older version to read (default the current one).", min: 1)),
            ReadOnly: true, GetAsync),
        new("put_artifact", "Write an artifact",
            "Create the artifact of a project with this type and key, or change it if there is one. New content (or uri, "
            + "integration_ref) makes a new version; the same content again changes nothing. Give content, uri or "
            + "integration_ref (at least one) when creating.",
            Of(Str("project", "The project (key such as WEB, or id).", required: true),
                Str("type", "spec, code, doc, schema, test, plan, research, or a lower-case word of your own.", required: true, maxLength: ArtifactService.TypeLength),
                Str("key", "Unique within the project and type, e.g. api or src/server.cs.", required: true, maxLength: ArtifactService.KeyLength),
                Str("title", "Title (default the key).", maxLength: ArtifactService.TitleLength),
                Str("content", "The text.", maxLength: ArtifactService.MaxContent),
                Str("uri", "Where it lives instead, e.g. https://... or s3://...", maxLength: ArtifactService.UriLength),
                Str("integration_ref", "A reference into an integration, e.g. github:owner/repo/path@sha.", maxLength: ArtifactService.IntegrationRefLength),
                Object("metadata", "Any JSON object."),
                Str("encoding", "The tokenizer that counts its tokens (default o200k_base; claude is approximate).", oneOf: [.. TokenCounter.Encodings])),
            ReadOnly: false, PutAsync),
    ];

    private static async Task<object> ListAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var (project, type, cursor) = (args.Str("project"), args.Str("type"), args.Str("cursor"));
        args.ThrowIfAny();
        return await services.GetRequiredService<ArtifactService>().ListAsync(project, type, null, PageRequest.From(null, cursor), ct);
    }

    private static async Task<object> GetAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var (id, project, type, key, version) = (args.Str("artifact"), args.Str("project"), args.Str("type"), args.Str("key"), args.Int("version"));
        if (id is null && (project is null || type is null || key is null))
        {
            args.Problem.Add("artifact", "give the artifact's id, or project, type and key");
        }

        args.ThrowIfAny();
        var artifacts = services.GetRequiredService<ArtifactService>();
        if (id is null)
        {
            var found = await artifacts.ListAsync(project, type, key, new PageRequest(1, null), ct);
            id = found.Items.Count == 1 ? found.Items[0].Id : throw ProblemException.NotFound("Artifact");
        }

        return version is { } v ? await artifacts.GetVersionAsync(id, v, ct) : await artifacts.GetAsync(id, ct);
    }

    private static async Task<object> PutAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var request = new ArtifactRequest(args.Str("project", required: true), args.Str("type", required: true), args.Str("key", required: true),
            args.Str("title"), args.Str("content"), args.Str("uri"), args.Str("integration_ref"), args.Json("metadata"), args.Str("encoding"));
        args.ThrowIfAny();
        return await services.GetRequiredService<ArtifactService>().PutAsync(request, ct);
    }
}
