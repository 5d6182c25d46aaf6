using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands;

public static class ProjectCommands
{
    private const string Statuses = "active, paused or archived";

    public static Command Create() => ClientCommand.Group("project", "Projects: where work items live",
        [List(), Show(), New(), Update(), Policy(), .. ArchiveCommands.Create("projects", "project", ProjectArgument, p => $"Project {p.Text("key")}")]);

    private static Command List()
    {
        var status = new Option<string?>("--status") { Description = $"Only projects that are {Statuses}" };
        var archived = ArchiveCommands.ListOption();
        var list = new ListOptions();
        return ClientCommand.Create("list", "List projects", async (cli, ct) =>
        {
            var query = new Query().Add("status", cli.Get(status)).Add("archived", cli.Get(archived) ? true : null);
            var rows = await list.FetchAsync(cli, "api/v1/projects", query, ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "projects",
                    Column.Of("Key", "key"), Column.Of("Name", "name"),
                    new Column("Status", p => Output.Status(p.Text("status"))),
                    Column.Of("Repository", "repository_url"), Column.Of("Id", "id"));
            }

            return CliContext.Ok;
        }, [status, archived, .. list.Symbols]);
    }

    private static Command Show()
    {
        var project = ProjectArgument();
        return ClientCommand.Create("show", "Show a project", async (cli, ct) =>
        {
            var found = await cli.Client.GetAsync($"api/v1/projects/{Query.Segment(cli.Get(project))}", ct);
            return cli.Print(found, () => Render(cli.Out, found));
        }, project);
    }

    private static Command New()
    {
        var key = new Argument<string>("key") { Description = "2 to 10 letters or digits, starting with a letter; prefixes work item keys (WEB-42)" };
        var settings = new ProjectOptions();
        return ClientCommand.Create("create", "Create a project", async (cli, ct) =>
        {
            var project = await cli.Client.PostAsync("api/v1/projects", settings.ToBody(cli).Set("key", cli.Get(key)), ct);
            return cli.Print(project, () => cli.Out.MarkupLineInterpolated($"[green]Created[/] project {project.Text("key")} ({project.Text("name")})."));
        }, [key, .. settings.Symbols]);
    }

    private static Command Update()
    {
        var project = ProjectArgument();
        var settings = new ProjectOptions();
        var noCap = new Option<bool>("--no-max-concurrent-runs") { Description = "Remove the cap on the project's concurrent runs" };
        return ClientCommand.Create("update", "Change a project", async (cli, ct) =>
        {
            var body = settings.ToBody(cli).Set("clear_max_concurrent_runs", cli.Get(noCap) ? true : null).RequireChanges();
            var updated = await cli.Client.PatchAsync($"api/v1/projects/{Query.Segment(cli.Get(project))}", body, ct);
            return cli.Print(updated, () => Render(cli.Out, updated));
        }, [project, .. settings.Symbols, noCap]);
    }

    private static Command Policy()
    {
        var project = ProjectArgument();
        var require = new Option<string[]>("--require") { Description = "A check runs must report as passed (e.g. tests); repeat for several; replaces the list" };
        var allow = new Option<string[]>("--allow") { Description = "A path pattern runs may change (e.g. src/**); repeat for several; replaces the list" };
        var onFailure = new Option<string?>("--on-failure") { Description = "block (the item is blocked) or approval (a person may accept it anyway)" };
        var clear = new Option<bool>("--clear") { Description = "Remove every required check and allowed path (and set on-failure back to block) before the other options" };
        return ClientCommand.Create("policy", "Show a project's policy, or set the checks runs must pass and the paths they may change", async (cli, ct) =>
        {
            var path = $"api/v1/projects/{Query.Segment(cli.Get(project))}/policy";
            var body = new Body()
                .Set("required_checks", cli.Get(require) is { Length: > 0 } names ? names : null)
                .Set("allowed_paths", cli.Get(allow) is { Length: > 0 } patterns ? patterns : null)
                .Set("on_failure", cli.Get(onFailure));
            if (cli.Get(clear))
            {
                body.TryAdd("required_checks", Array.Empty<string>());
                body.TryAdd("allowed_paths", Array.Empty<string>());
                body.TryAdd("on_failure", "block");
            }

            var policy = body.Count == 0 ? await cli.Client.GetAsync(path, ct) : await cli.Client.SendAsync(HttpMethod.Put, path, body, ct);
            return cli.Print(policy, () => cli.Out.Details(
                Output.Row("Project", policy.Text("project_key")),
                Output.Row("Required checks", policy.TextOrNull("required_checks") ?? "none"),
                Output.Row("Allowed paths", policy.TextOrNull("allowed_paths") ?? "any"),
                Output.Row("On failure", policy.Text("on_failure") == "approval" ? "approval (a person may accept the work anyway)" : "block"),
                Output.Row("Updated", policy.Time("updated_at") is { Length: > 0 } at ? at : "never set")));
        }, project, require, allow, onFailure, clear);
    }

    private static Argument<string> ProjectArgument() => new("project") { Description = "The project's key or id" };

    private static void Render(IAnsiConsole console, JsonElement project) => console.Details(
        Output.Row("Key", project.Text("key")),
        Output.Row("Name", project.Text("name")),
        Output.Row("Status", Output.Status(project.Text("status"))),
        Output.Row("Description", project.Text("description")),
        Output.Row("Repository", project.Text("repository_url")),
        Output.Row("Default branch", project.Text("default_branch")),
        Output.Row("Lead", project.Text("lead_user_id")),
        Output.Row("Max concurrent runs", project.TextOrNull("max_concurrent_runs") ?? "no cap"),
        Output.Row("Created", project.Time("created_at")),
        Output.Row("Archived", project.Time("archived_at")),
        Output.Row("Id", project.Text("id")));

    private sealed class ProjectOptions
    {
        private readonly Option<string?> _name = new("--name") { Description = "Display name" };
        private readonly Option<string?> _description = new("--description") { Description = "What the project is about" };
        private readonly Option<string?> _repository = new("--repository-url") { Description = "Where its code lives" };
        private readonly Option<string?> _branch = new("--default-branch") { Description = "Branch agents start from (default main)" };
        private readonly Option<string?> _status = new("--status") { Description = Statuses };
        private readonly Option<string?> _lead = new("--lead") { Description = "Id of the person who leads it" };
        private readonly Option<int?> _maxRuns = new("--max-concurrent-runs") { Description = "Most agents' runs on its items at once (owners and admins)" };

        public Symbol[] Symbols => [_name, _description, _repository, _branch, _status, _lead, _maxRuns];

        public Body ToBody(CliContext cli) => new Body()
            .Set("name", cli.Get(_name))
            .Set("description", cli.Get(_description))
            .Set("repository_url", cli.Get(_repository))
            .Set("default_branch", cli.Get(_branch))
            .Set("status", cli.Get(_status))
            .Set("lead_user_id", cli.Get(_lead))
            .Set("max_concurrent_runs", cli.Get(_maxRuns));
    }
}
