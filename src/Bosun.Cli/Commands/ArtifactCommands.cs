using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// Artifacts: a project's specs, code, docs and schemas, versioned, with the dependencies between them.
public static class ArtifactCommands
{
    public static Command Create() => ClientCommand.Group("artifact", "Artifacts: a project's specs, code, docs and schemas, versioned",
        List(), Show(), Put(), Dependencies(), Impact());

    private static Command List()
    {
        var project = ProjectOption();
        var type = new Option<string?>("--type") { Description = "Only artifacts of this type, e.g. spec" };
        var list = new ListOptions();
        return ClientCommand.Create("list", "List artifacts (without content)", async (cli, ct) =>
        {
            var rows = await list.FetchAsync(cli, "api/v1/artifacts", new Query().Add("project", cli.Get(project)).Add("type", cli.Get(type)), ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "artifacts",
                    Column.Of("Id", "id"), Column.Of("Artifact", Label), Column.Of("Title", a => Output.Truncate(a.Text("title"), 50)),
                    Column.Of("Version", "version"), Column.Of("Tokens", a => $"{a.Text("token_count")} {a.Text("encoding")}"),
                    Column.Of("Size", "size_bytes"));
            }

            return CliContext.Ok;
        }, [project, type, .. list.Symbols]);
    }

    private static Command Show()
    {
        var artifact = ArtifactArgument();
        var project = ProjectOption();
        var version = new Option<int?>("--version") { Description = "Show this older version's content" };
        return ClientCommand.Create("show", "Show an artifact with its content and dependencies", async (cli, ct) =>
        {
            var id = await ResolveAsync(cli, cli.Get(artifact), cli.Get(project), ct);
            var path = cli.Get(version) is { } v ? $"api/v1/artifacts/{Query.Segment(id)}/versions/{v}" : $"api/v1/artifacts/{Query.Segment(id)}";
            var shown = await cli.Client.GetAsync(path, ct);
            return cli.Print(shown, () => Render(cli.Out, shown));
        }, artifact, project, version);
    }

    private static Command Put()
    {
        var project = new Option<string>("--project") { Description = "The project (key or id)", Required = true };
        var type = new Option<string>("--type") { Description = "spec, code, doc, schema, test, plan, research, or a word of your own", Required = true };
        var key = new Option<string>("--key") { Description = "Unique within the project and type, e.g. api or src/server.cs", Required = true };
        var title = new Option<string?>("--title") { Description = "Title (default the key)" };
        var file = new Option<FileInfo?>("--file") { Description = "Read the content from this file ('-' for standard input)" };
        var content = new Option<string?>("--content") { Description = "The content as text" };
        var uri = new Option<string?>("--uri") { Description = "Where it lives, e.g. https://... (instead of or beside content)" };
        var integrationRef = new Option<string?>("--integration-ref") { Description = "A reference into an integration, e.g. github:owner/repo/path@sha" };
        var encoding = new Option<string?>("--encoding") { Description = "o200k_base (default), cl100k_base or claude (approximate)" };
        return ClientCommand.Create("put", "Create an artifact, or change it (new content makes a new version)", async (cli, ct) =>
        {
            if (cli.Get(file) is not null && cli.Get(content) is not null)
            {
                throw new UsageException("Give --file or --content, not both.");
            }

            var text = cli.Get(file) is { } f ? f.Name == "-" ? await Console.In.ReadToEndAsync(ct) : await File.ReadAllTextAsync(f.FullName, ct) : cli.Get(content);
            var body = new Body().Set("project", cli.Get(project)).Set("type", cli.Get(type)).Set("key", cli.Get(key)).Set("title", cli.Get(title))
                .Set("content", text).Set("uri", cli.Get(uri)).Set("integration_ref", cli.Get(integrationRef)).Set("encoding", cli.Get(encoding));
            var put = await cli.Client.SendAsync(HttpMethod.Put, "api/v1/artifacts", body, ct);
            var a = put.GetProperty("artifact");
            var done = put.GetProperty("created").GetBoolean() ? "[green]Created[/]" : "Saved";
            return cli.Print(put, () => cli.Out.MarkupLine(done + Markup.Escape(
                $" {Label(a)} ({a.Text("id")}): version {a.Text("version")}, {a.Text("token_count")} tokens ({a.Text("encoding")}).")));
        }, project, type, key, title, file, content, uri, integrationRef, encoding);
    }

    private static Command Dependencies()
    {
        var artifact = ArtifactArgument();
        var project = ProjectOption();
        var add = new Option<string?>("--add") { Description = "Make it depend on this artifact (id, or type/key in the same project)" };
        var kind = new Option<string?>("--kind") { Description = "With --add: imports, references (default), extends or includes" };
        var remove = new Option<string?>("--remove") { Description = "Remove its dependency on this artifact" };
        return ClientCommand.Create("deps", "Show what an artifact depends on and what depends on it; add or remove a dependency", async (cli, ct) =>
        {
            var id = Query.Segment(await ResolveAsync(cli, cli.Get(artifact), cli.Get(project), ct));
            var shown = (cli.Get(add), cli.Get(remove)) switch
            {
                ({ } other, null) => await cli.Client.PostAsync($"api/v1/artifacts/{id}/dependencies", new Body().Set("depends_on", other).Set("kind", cli.Get(kind)), ct),
                (null, { } other) => await cli.Client.DeleteAsync($"api/v1/artifacts/{id}/dependencies/{Query.Segment(other)}", ct),
                (null, null) => await cli.Client.GetAsync($"api/v1/artifacts/{id}", ct),
                _ => throw new UsageException("Give --add or --remove, not both."),
            };
            return cli.Print(shown, () => RenderEdges(cli.Out, shown));
        }, artifact, project, add, kind, remove);
    }

    private static Command Impact()
    {
        var artifact = ArtifactArgument();
        var project = ProjectOption();
        return ClientCommand.Create("impact", "What a change to an artifact reaches: the artifacts depending on it and their open work items", async (cli, ct) =>
        {
            var id = await ResolveAsync(cli, cli.Get(artifact), cli.Get(project), ct);
            var impact = await cli.Client.GetAsync($"api/v1/artifacts/{Query.Segment(id)}/impact", ct);
            return cli.Print(impact, () =>
            {
                cli.Out.MarkupLineInterpolated($"A change to {Label(impact.GetProperty("artifact"))} reaches:");
                cli.Out.Table(impact.Items("artifacts"), "dependent artifacts",
                    Column.Of("Artifact", Label), Column.Of("Depth", "depth"), Column.Of("Via", "via"), Column.Of("Kind", "kind"), Column.Of("Title", "title"));
                cli.Out.Table(impact.Items("work_items"), "open work items",
                    Column.Of("Key", "key"), Column.Of("Title", w => Output.Truncate(w.Text("title"), 60)), new Column("Status", w => Output.Status(w.Text("status"))));
            });
        }, artifact, project);
    }

    /// An artifact named by id, or by type/key with --project.
    private static async Task<string> ResolveAsync(CliContext cli, string reference, string? project, CancellationToken ct)
    {
        var slash = reference.IndexOf('/');
        if (slash <= 0)
        {
            return reference;
        }

        if (project is null)
        {
            throw new UsageException($"'{reference}' names an artifact by type/key; give its --project too (or its id).");
        }

        var found = await cli.Client.GetAsync(new Query().Add("project", project).Add("type", reference[..slash]).Add("key", reference[(slash + 1)..]).On("api/v1/artifacts"), ct);
        return found.Items("items") is [var only] ? only.Text("id") : throw new UsageException($"No artifact {reference} in {project}.");
    }

    private static Argument<string> ArtifactArgument() => new("artifact") { Description = "The artifact's id, or type/key with --project (e.g. spec/api)" };

    private static Option<string?> ProjectOption() => new("--project") { Description = "The project (key or id)" };

    private static string Label(JsonElement artifact) => $"{artifact.Text("type")}/{artifact.Text("key")}";

    private static void Render(IAnsiConsole console, JsonElement artifact)
    {
        console.Details(
            Output.Row("Title", artifact.Text("title")),
            Output.Row("Id", artifact.TextOrNull("id") ?? artifact.Text("artifact_id")),
            Output.Row("Artifact", artifact.TextOrNull("type") is null ? "" : Label(artifact)),
            Output.Row("Version", artifact.Text("version")),
            Output.Row("Uri", artifact.Text("uri")),
            Output.Row("Integration", artifact.Text("integration_ref")),
            Output.Row("SHA-256", artifact.Text("content_sha256")),
            Output.Row("Size", $"{artifact.Text("size_bytes")} bytes"),
            Output.Row("Tokens", $"{artifact.Text("token_count")} ({artifact.Text("encoding")})"));
        if (artifact.TryGetProperty("depends_on", out _))
        {
            RenderEdges(console, artifact);
        }

        if (artifact.TextOrNull("content") is { Length: > 0 } content)
        {
            console.WriteLine();
            console.WriteLine(content);
        }
    }

    private static void RenderEdges(IAnsiConsole console, JsonElement artifact)
    {
        console.Table(artifact.Items("depends_on"), "dependencies",
            Column.Of("Depends on", Label), Column.Of("Kind", "kind"), Column.Of("Version", "version"), Column.Of("Title", "title"));
        console.Table(artifact.Items("depended_on_by"), "dependents",
            Column.Of("Depended on by", Label), Column.Of("Kind", "kind"), Column.Of("Version", "version"), Column.Of("Title", "title"));
    }
}
