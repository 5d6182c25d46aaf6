using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// Pipeline templates: Bosun's global ones and the tenant's own, their versions, and the work they make.
public static class TemplateCommands
{
    public static Command Create() => ClientCommand.Group("template", "Pipeline templates: steps that become work items",
        List(), Show(), New(), Update(), Copy(), Instantiate(), Archive(), Restore());

    private static Command List()
    {
        var kind = new Option<string?>("--kind") { Description = "Only templates of this kind, e.g. blog_post" };
        var archived = new Option<bool>("--archived") { Description = "List only the archived templates" };
        var list = new ListOptions();
        return ClientCommand.Create("list", "List the global templates and your tenant's own", async (cli, ct) =>
        {
            var query = new Query().Add("kind", cli.Get(kind)).Add("archived", cli.Get(archived) ? true : null);
            var rows = await list.FetchAsync(cli, "api/v1/templates", query, ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "templates",
                    Column.Of("Id", "id"), Column.Of("Name", "name"), Column.Of("Kind", "kind"), Column.Of("Scope", "scope"),
                    Column.Of("Version", "version"), Column.Of("Steps", t => t.Items("steps").Count.ToString()),
                    Column.Of("Copied from", Source), Column.Of("Archived", t => t.Time("archived_at")));
            }

            return CliContext.Ok;
        }, [kind, archived, .. list.Symbols]);
    }

    private static Command Show()
    {
        var id = TemplateArgument();
        var version = new Option<int?>("--version") { Description = "An earlier version (default the current one)" };
        return ClientCommand.Create("show", "Show a template's variables and steps", async (cli, ct) =>
        {
            var path = $"api/v1/templates/{Query.Segment(cli.Get(id))}" + (cli.Get(version) is { } n ? $"/versions/{n}" : "");
            var template = await cli.Client.GetAsync(path, ct);
            return cli.Print(template, () => Render(cli.Out, template));
        }, id, version);
    }

    private static Command New()
    {
        var file = DefinitionFile(required: true);
        var definition = new DefinitionOptions();
        return ClientCommand.Create("create", "Create a template from a JSON definition (name, kind, description, variables, steps)", async (cli, ct) =>
        {
            var body = definition.Apply(cli, await ReadDefinitionAsync(cli.Get(file)!, ct));
            var created = await cli.Client.PostAsync("api/v1/templates", body, ct);
            return cli.Print(created, () => cli.Out.MarkupLineInterpolated(
                $"[green]Created[/] template {created.Text("name")} ({created.Text("id")}), version {created.Text("version")} with {created.Items("steps").Count} steps."));
        }, [file, .. definition.Symbols]);
    }

    private static Command Update()
    {
        var id = TemplateArgument();
        var file = DefinitionFile(required: false);
        var definition = new DefinitionOptions();
        return ClientCommand.Create("update", "Change a template; new variables or steps (from --file) make its next version", async (cli, ct) =>
        {
            var body = definition.Apply(cli, cli.Get(file) is { } f ? await ReadDefinitionAsync(f, ct) : []);
            if (body.Count == 0)
            {
                throw new UsageException("Nothing to change: give --file or at least one option (see --help).");
            }

            var updated = await cli.Client.PatchAsync($"api/v1/templates/{Query.Segment(cli.Get(id))}", body, ct);
            return cli.Print(updated, () => cli.Out.MarkupLineInterpolated(
                $"Template {updated.Text("name")} is at version {updated.Text("current_version")}; items made earlier keep their version."));
        }, [id, file, .. definition.Symbols]);
    }

    private static Command Copy()
    {
        var id = TemplateArgument();
        var name = new Option<string?>("--name") { Description = "The copy's name (default the source's)" };
        return ClientCommand.Create("copy", "Copy a template (a global one too) into your tenant's own, to change it", async (cli, ct) =>
        {
            var copy = await cli.Client.PostAsync($"api/v1/templates/{Query.Segment(cli.Get(id))}/copy", new Body().Set("name", cli.Get(name)), ct);
            return cli.Print(copy, () => cli.Out.MarkupLineInterpolated(
                $"[green]Copied[/] {copy.Text("source_template_id")} (version {copy.Text("source_version")}) as {copy.Text("name")} ({copy.Text("id")})."));
        }, id, name);
    }

    private static Command Instantiate()
    {
        var id = TemplateArgument();
        var project = new Option<string>("--project") { Description = "The project (key or id)", Required = true };
        var variable = new Option<string[]>("--var") { Description = "A variable's value as key=value; a list variable takes a,b,c; repeat for several" };
        var variables = new Option<string?>("--vars") { Description = "All variables as a JSON object, e.g. '{\"topic\":\"Pricing\"}'" };
        var parent = new Option<string?>("--parent") { Description = "An item (key or id) the pipeline goes under" };
        var goal = new Option<string?>("--goal") { Description = "A goal id the items work toward" };
        var period = new Option<string?>("--deliverable-period") { Description = "The deliverable period (id) the pipeline counts toward" };
        var title = new Option<string?>("--title") { Description = "The parent item's title (default the template's name)" };
        return ClientCommand.Create("instantiate", "Create a parent item and one sub-item per step of a template", async (cli, ct) =>
        {
            var template = Query.Segment(cli.Get(id));
            var values = cli.Get(variables) is { } json ? ParseObject("--vars", json) : [];
            if (cli.Get(variable) is { Length: > 0 } pairs)
            {
                var types = (await cli.Client.GetAsync($"api/v1/templates/{template}", ct)).Items("variables")
                    .ToDictionary(v => v.Text("key"), v => v.Text("type"));
                foreach (var pair in pairs)
                {
                    var (key, value) = pair.IndexOf('=') is var at and > 0
                        ? (pair[..at].Trim(), pair[(at + 1)..])
                        : throw new UsageException($"--var {pair}: write it as key=value");
                    values[key] = types.GetValueOrDefault(key) == "list"
                        ? new JsonArray([.. value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(v => (JsonNode)v)])
                        : JsonValue.Create(value);
                }
            }

            var body = new Body()
                .Set("project", cli.Get(project)).Set("variables", values).Set("parent", cli.Get(parent)).Set("goal", cli.Get(goal))
                .Set("deliverable_period", cli.Get(period)).Set("title", cli.Get(title));
            var created = await cli.Client.PostAsync($"api/v1/templates/{template}/instantiate", body, ct);
            return cli.Print(created, () =>
            {
                var top = created.GetProperty("parent");
                var steps = created.Items("steps");
                var keys = steps.ToDictionary(s => s.Text("id"), s => s.Text("key"));
                cli.Out.MarkupLineInterpolated($"[green]Created[/] {top.Text("key")}: {top.Text("title")} with {steps.Count} steps.");
                cli.Out.Table(steps, "steps",
                    Column.Of("Key", "key"), Column.Of("Step", "step_key"), Column.Of("Title", s => Output.Truncate(s.Text("title"), 70)),
                    new Column("Status", s => Output.Status(s.Text("status"))), Column.Of("Assignee", s => s.TextOrNull("assignee_name") is { } n ? $"{s.Text("assignee").Split(':')[0]}:{n}" : s.Text("assignee")),
                    Column.Of("Approval", s => s.Text("approval_required") == "yes" ? "required" : ""),
                    Column.Of("Waits for", s => string.Join(", ", s.Items("depends_on").Select(d => keys.GetValueOrDefault(d.Text("id")) ?? d.Text("key")))));
            });
        }, id, project, variable, variables, parent, goal, period, title);
    }

    private static Command Archive() =>
        Mark("archive", "Archived", "Archive a template: it leaves lists and cannot be instantiated until restored");

    private static Command Restore() => Mark("restore", "Restored", "Restore an archived template");

    private static Command Mark(string action, string done, string description)
    {
        var id = TemplateArgument();
        return ClientCommand.Create(action, description, async (cli, ct) =>
        {
            var template = await cli.Client.PostAsync($"api/v1/templates/{Query.Segment(cli.Get(id))}/{action}", null, ct);
            return cli.Print(template, () => cli.Out.MarkupLineInterpolated($"{done} template {template.Text("name")} ({template.Text("id")})."));
        }, id);
    }

    private static Argument<string> TemplateArgument() => new("template") { Description = "The template's id, e.g. global:content_pipeline" };

    private static Option<FileInfo?> DefinitionFile(bool required) => new("--file")
    {
        Description = "A JSON file with the definition: name, kind, description, variables and steps, as POST /api/v1/templates takes them",
        Required = required,
    };

    private static string Source(JsonElement template) =>
        template.TextOrNull("source_template_id") is { } source ? $"{source} v{template.Text("source_version")}" : "";

    internal static async Task<JsonObject> ReadDefinitionAsync(FileInfo file, CancellationToken ct)
    {
        if (!file.Exists)
        {
            throw new UsageException($"no file {file.FullName}");
        }

        return ParseObject(file.Name, await File.ReadAllTextAsync(file.FullName, ct));
    }

    private static JsonObject ParseObject(string what, string json)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject ?? throw new UsageException($"{what}: not a JSON object");
        }
        catch (JsonException ex)
        {
            throw new UsageException($"{what}: not JSON ({ex.Message})");
        }
    }

    private static void Render(IAnsiConsole console, JsonElement template)
    {
        console.Details(
            Output.Row("Name", template.Text("name")),
            Output.Row("Id", template.Text("id")),
            Output.Row("Kind", template.Text("kind")),
            Output.Row("Scope", template.Text("scope")),
            Output.Row("Version", $"{template.Text("version")} of {template.Text("versions")}"),
            Output.Row("Copied from", Source(template)),
            Output.Row("Archived", template.Time("archived_at")),
            Output.Row("Description", template.Text("description")));
        console.Table(template.Items("variables"), "variables",
            Column.Of("Variable", "key"), Column.Of("Label", "label"), Column.Of("Type", "type"),
            Column.Of("Required", "required"), Column.Of("Default", "default"));
        console.Table(template.Items("steps"), "steps",
            Column.Of("Step", "key"), Column.Of("Title", s => Output.Truncate(s.Text("title"), 60)), Column.Of("Type", "type"),
            Column.Of("Assignee", "assignee"), Column.Of("Approval", s => s.Text("approval_required") == "yes" ? "required" : ""),
            Column.Of("After", "after"));
    }

    /// Options that set one field of the definition, over what the file says.
    private sealed class DefinitionOptions
    {
        private readonly Option<string?> _name = new("--name") { Description = "The template's name" };
        private readonly Option<string?> _kind = new("--kind") { Description = "Its kind: lowercase letters, digits, '_' or '-' (e.g. blog_post)" };
        private readonly Option<string?> _description = new("--description") { Description = "What it is for; placeholders fill the parent item's description" };

        public Symbol[] Symbols => [_name, _kind, _description];

        public JsonObject Apply(CliContext cli, JsonObject body)
        {
            foreach (var (field, value) in new[] { ("name", cli.Get(_name)), ("kind", cli.Get(_kind)), ("description", cli.Get(_description)) })
            {
                if (value is not null)
                {
                    body[field] = value;
                }
            }

            return body;
        }
    }
}
