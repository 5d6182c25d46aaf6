using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// Plans: write a brief, strategy, execution plan or spec, add versions, submit one for approval. People decide it
/// with `bosun approval approve|reject|request-changes`.
public static class PlanCommands
{
    private const string Statuses = "draft, awaiting_approval, active, superseded, rejected or archived";

    public static Command Create() => ClientCommand.Group("plan", "Plans whose approved versions become work",
        List(), Show(), New(), Version(), Submit(), Archive(), Restore());

    private static Command List()
    {
        var project = new Option<string?>("--project") { Description = "Only plans of this project (key or id)" };
        var goal = new Option<string?>("--goal") { Description = "Only plans towards this goal (id)" };
        var workItem = new Option<string?>("--work-item") { Description = "Only plans of this work item (key or id), newest attempt first" };
        var status = new Option<string?>("--status") { Description = $"Only plans that are {Statuses}" };
        var archived = new Option<bool>("--archived") { Description = "Include archived plans" };
        var list = new ListOptions();
        return ClientCommand.Create("list", "List plans", async (cli, ct) =>
        {
            var query = new Query().Add("project", cli.Get(project)).Add("goal", cli.Get(goal)).Add("work_item", cli.Get(workItem))
                .Add("status", cli.Get(status)).Add("archived", cli.Get(archived) ? true : null);
            var rows = await list.FetchAsync(cli, "api/v1/plans", query, ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "plans",
                    Column.Of("Title", p => Output.Truncate(p.Text("title"), 60)), Column.Of("Kind", "kind"), Column.Of("Work item", "work_item_key"),
                    new Column("Status", p => Output.Status(p.Text("status"))), Column.Of("Version", "latest_version"),
                    Column.Of("Active", "active_version"), Column.Of("Attempt", "attempt"), Column.Of("Id", "id"));
            }

            return CliContext.Ok;
        }, [project, goal, workItem, status, archived, .. list.Symbols]);
    }

    private static Command Show()
    {
        var id = PlanArgument();
        var version = new Option<int?>("--version") { Description = "Show this version (default: the active one, else the newest)" };
        return ClientCommand.Create("show", "Show a plan, its versions and the work it made", async (cli, ct) =>
        {
            var plan = await cli.Client.GetAsync($"api/v1/plans/{Query.Segment(cli.Get(id))}", ct);
            if (cli.Get(version) is { } n)
            {
                var one = await cli.Client.GetAsync($"api/v1/plans/{Query.Segment(cli.Get(id))}/versions/{n}", ct);
                return cli.Print(one, () => RenderVersion(cli.Out, one));
            }

            return cli.Print(plan, () => Render(cli.Out, plan));
        }, id, version);
    }

    private static Command New()
    {
        var title = new Argument<string>("title") { Description = "What the plan is, e.g. 'Launch the pricing page'" };
        var project = new Option<string>("--project") { Description = "The project (key or id)", Required = true };
        var kind = new Option<string>("--kind") { Description = "brief, strategy, execution_plan, spec, or a word of your own", Required = true };
        var goal = new Option<string?>("--goal") { Description = "The goal it serves (id)" };
        var workItem = new Option<string?>("--work-item") { Description = "The work item it plans (key or id): its steps become that item's children" };
        var content = new ContentOptions();
        return ClientCommand.Create("create", "Write a plan; its first version is a draft", async (cli, ct) =>
        {
            var body = content.ToBody(cli)
                .Set("title", cli.Get(title)).Set("project", cli.Get(project)).Set("kind", cli.Get(kind))
                .Set("goal", cli.Get(goal)).Set("work_item", cli.Get(workItem));
            var plan = await cli.Client.PostAsync("api/v1/plans", body, ct);
            return cli.Print(plan, () => cli.Out.MarkupLineInterpolated(
                $"[green]Created[/] plan {plan.Text("title")} ({plan.Text("id")}), version 1 (draft). Submit it with: bosun plan submit {plan.Text("id")}"));
        }, [title, project, kind, goal, workItem, .. content.Symbols]);
    }

    private static Command Version()
    {
        var id = PlanArgument();
        var content = new ContentOptions();
        return ClientCommand.Create("version", "Add a version (after a rejection, the next attempt); what you leave out is copied from the newest", async (cli, ct) =>
        {
            var version = await cli.Client.PostAsync($"api/v1/plans/{Query.Segment(cli.Get(id))}/versions", content.ToBody(cli), ct);
            return cli.Print(version, () => cli.Out.MarkupLineInterpolated(
                $"[green]Added[/] version {version.Text("version")} (attempt {version.Text("attempt")}, draft)."));
        }, [id, .. content.Symbols]);
    }

    private static Command Submit()
    {
        var id = PlanArgument();
        var version = new Option<int?>("--version") { Description = "The version to submit (default: the newest)" };
        return ClientCommand.Create("submit", "Ask a person to approve the newest version", async (cli, ct) =>
        {
            var plan = await cli.Client.PostAsync($"api/v1/plans/{Query.Segment(cli.Get(id))}/submit", new Body().Set("version", cli.Get(version)), ct);
            var pending = plan.Items("versions").FirstOrDefault(v => v.Text("status") == "awaiting_approval");
            return cli.Print(plan, () => cli.Out.MarkupLineInterpolated(
                $"Version {pending.Text("version")} [yellow]awaits approval[/] {pending.Text("approval_id")}: bosun approval approve {pending.Text("approval_id")}"));
        }, id, version);
    }

    private static Command Archive()
    {
        var id = PlanArgument();
        return ClientCommand.Create("archive", "Archive a plan: it leaves lists until restored", async (cli, ct) =>
        {
            var plan = await cli.Client.PostAsync($"api/v1/plans/{Query.Segment(cli.Get(id))}/archive", null, ct);
            return cli.Print(plan, () => cli.Out.MarkupLineInterpolated($"Archived plan {plan.Text("title")}."));
        }, id);
    }

    private static Command Restore()
    {
        var id = PlanArgument();
        return ClientCommand.Create("restore", "Restore an archived plan", async (cli, ct) =>
        {
            var plan = await cli.Client.PostAsync($"api/v1/plans/{Query.Segment(cli.Get(id))}/restore", null, ct);
            return cli.Print(plan, () => cli.Out.MarkupLineInterpolated($"Restored plan {plan.Text("title")} ({plan.Text("status")})."));
        }, id);
    }

    private static Argument<string> PlanArgument() => new("plan") { Description = "The plan's id" };

    private static void Render(IAnsiConsole console, JsonElement plan)
    {
        console.Details(
            Output.Row("Title", plan.Text("title")),
            Output.Row("Kind", plan.Text("kind")),
            Output.Row("Status", Output.Status(plan.Text("status"))),
            Output.Row("Work item", plan.Text("work_item_key")),
            Output.Row("Goal", plan.Text("goal_id")),
            Output.Row("Attempt", plan.Text("attempt")),
            Output.Row("Versions", $"{plan.Text("latest_version")} (active: {(plan.TextOrNull("active_version") ?? "none")})"),
            Output.Row("Archived", plan.Time("archived_at")),
            Output.Row("Id", plan.Text("id")));
        var versions = plan.Items("versions");
        console.Table(versions, "versions",
            Column.Of("Version", "version"), Column.Of("Attempt", "attempt"), new Column("Status", v => Output.Status(v.Text("status"))),
            Column.Of("By", "author_name"), Column.Of("Written", v => v.Time("created_at")),
            Column.Of("Decision", v => Output.Truncate(v.Text("decision_note"), 60)), Column.Of("Approval", "approval_id"));
        var shown = versions.FirstOrDefault(v => v.Text("status") == "active") is { ValueKind: JsonValueKind.Object } active ? active : versions.FirstOrDefault();
        if (shown.ValueKind == JsonValueKind.Object)
        {
            RenderVersion(console, shown);
        }

        console.Table(plan.Items("items"), "work items made or released yet",
            Column.Of("Key", "key"), Column.Of("Title", i => Output.Truncate(i.Text("title"), 60)), Column.Of("Step", "step_key"),
            new Column("Status", i => Output.Status(i.Text("status"))));
    }

    private static void RenderVersion(IAnsiConsole console, JsonElement version)
    {
        console.MarkupLineInterpolated($"[bold]Version {version.Text("version")}[/] (attempt {version.Text("attempt")}, {version.Text("status")}) by {version.Text("author_name")}");
        if (version.TextOrNull("decision_note") is { } note)
        {
            console.MarkupLineInterpolated($"[yellow]Decision:[/] {note}");
        }

        if (version.TextOrNull("body") is { } body)
        {
            console.WriteLine(body);
        }

        console.Table(version.Items("steps"), "steps",
            Column.Of("Step", "key"), Column.Of("Title", s => Output.Truncate(s.Text("title"), 60)), Column.Of("Assignee", "assignee"), Column.Of("After", "after"));
        if (version.Items("source_items") is { Count: > 0 } sources)
        {
            console.MarkupLineInterpolated($"Releases from the backlog: {string.Join(", ", sources.Select(Output.Describe))}");
        }
    }

    /// A version's body, steps or source items, shared by create and version.
    private sealed class ContentOptions
    {
        private readonly Option<string?> _body = new("--body") { Description = "The plan as Markdown" };
        private readonly Option<FileInfo?> _bodyFile = new("--body-file") { Description = "Read the Markdown body from this file" };
        private readonly Option<FileInfo?> _stepsFile = new("--steps-file")
        {
            Description = "A JSON array of steps: [{\"key\", \"title\", \"description\", \"assignee\", \"after\": [keys]}, ...]",
        };

        private readonly Option<string[]> _sources = new("--source-item") { Description = "A backlog item (key or id) the plan releases; repeat for several" };

        public Symbol[] Symbols => [_body, _bodyFile, _stepsFile, _sources];

        public Body ToBody(CliContext cli)
        {
            if (cli.Get(_body) is not null && cli.Get(_bodyFile) is not null)
            {
                throw new UsageException("Give --body or --body-file, not both.");
            }

            var body = cli.Get(_body) ?? (cli.Get(_bodyFile) is { } file ? Read(file) : null);
            var steps = cli.Get(_stepsFile) is { } stepsFile ? WorkCommands.ParseJson("--steps-file", Read(stepsFile)) : null;
            return new Body()
                .Set("body", body)
                .Set("steps", steps)
                .Set("source_items", cli.Get(_sources) is { Length: > 0 } sources ? sources : null);
        }

        private static string Read(FileInfo file) =>
            file.Exists ? File.ReadAllText(file.FullName) : throw new UsageException($"No file {file.FullName}.");
    }
}
