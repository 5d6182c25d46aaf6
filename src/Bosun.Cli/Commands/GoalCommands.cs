using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands;

public static class GoalCommands
{
    private const string Statuses = "active, achieved, missed or abandoned";

    public static Command Create() => ClientCommand.Group("goal", "Goals with a metric, a baseline and a target",
        [List(), Show(), New(), Update(), .. ArchiveCommands.Create("goals", "goal", GoalArgument, g => $"Goal {g.Text("title")}")]);

    private static Argument<string> GoalArgument() => new("id") { Description = "The goal's id" };

    private static Command List()
    {
        var project = new Option<string?>("--project") { Description = "Only goals of this project (key or id)" };
        var status = new Option<string?>("--status") { Description = $"Only goals that are {Statuses}" };
        var archived = ArchiveCommands.ListOption();
        var list = new ListOptions();
        return ClientCommand.Create("list", "List goals with their progress", async (cli, ct) =>
        {
            var projectId = cli.Get(project) is { } reference ? await Lookups.ProjectIdAsync(cli, reference, ct) : null;
            var rows = await list.FetchAsync(cli, "api/v1/goals", new Query().Add("project", projectId).Add("status", cli.Get(status)).Add("archived", cli.Get(archived) ? true : null), ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "goals",
                    Column.Of("Title", "title"), Column.Of("Metric", "metric_name"),
                    Column.Of("Current / target", g => Measure(g)),
                    new Column("Progress", Output.Progress),
                    new Column("Status", g => Output.Status(g.Text("status"))),
                    Column.Of("Target date", g => g.Time("target_date")), Column.Of("Id", "id"));
            }

            return CliContext.Ok;
        }, [project, status, archived, .. list.Symbols]);
    }

    private static Command Show()
    {
        var id = GoalArgument();
        return ClientCommand.Create("show", "Show a goal and its progress", async (cli, ct) =>
        {
            var goal = await cli.Client.GetAsync($"api/v1/goals/{Query.Segment(cli.Get(id))}", ct);
            return cli.Print(goal, () => Render(cli.Out, goal));
        }, id);
    }

    private static Command New()
    {
        var title = new Argument<string>("title") { Description = "What the goal is, e.g. 'Cut p95 latency'" };
        var settings = new GoalOptions();
        return ClientCommand.Create("create", "Set a goal", async (cli, ct) =>
        {
            var goal = await cli.Client.PostAsync("api/v1/goals", settings.ToBody(cli).Set("title", cli.Get(title)), ct);
            return cli.Print(goal, () => cli.Out.MarkupLineInterpolated($"[green]Created[/] goal {goal.Text("title")} ({goal.Text("id")})."));
        }, [title, .. settings.Symbols]);
    }

    private static Command Update()
    {
        var id = GoalArgument();
        var title = new Option<string?>("--title") { Description = "A new title" };
        var settings = new GoalOptions();
        return ClientCommand.Create("update", "Change a goal or record its current value", async (cli, ct) =>
        {
            var body = settings.ToBody(cli).Set("title", cli.Get(title)).RequireChanges();
            var goal = await cli.Client.PatchAsync($"api/v1/goals/{Query.Segment(cli.Get(id))}", body, ct);
            return cli.Print(goal, () => Render(cli.Out, goal));
        }, [id, title, .. settings.Symbols]);
    }

    private static string Measure(JsonElement goal) =>
        goal.TextOrNull("target") is { } target ? $"{goal.Text("current_value") switch { "" => "?", var v => v }} / {target}" : "";

    private static void Render(IAnsiConsole console, JsonElement goal) => console.Details(
        Output.Row("Title", goal.Text("title")),
        Output.Row("Status", Output.Status(goal.Text("status"))),
        Output.Row("Progress", Output.Progress(goal)),
        Output.Row("Metric", goal.Text("metric_name")),
        Output.Row("Baseline", goal.Text("baseline")),
        Output.Row("Current", goal.Text("current_value")),
        Output.Row("Target", goal.Text("target")),
        Output.Row("Target date", goal.Time("target_date")),
        Output.Row("Priority", goal.Text("priority")),
        Output.Row("Project", goal.Text("project_id")),
        Output.Row("Description", goal.Text("description")),
        Output.Row("Archived", goal.Time("archived_at")),
        Output.Row("Id", goal.Text("id")));

    private sealed class GoalOptions
    {
        private readonly Option<string?> _project = new("--project") { Description = "The project it belongs to (key or id)" };
        private readonly Option<string?> _description = new("--description") { Description = "Why it matters, how it is measured" };
        private readonly Option<string?> _metric = new("--metric") { Description = "Name of the metric, e.g. 'p95 latency ms'" };
        private readonly Option<double?> _baseline = new("--baseline") { Description = "Where the metric started" };
        private readonly Option<double?> _target = new("--target") { Description = "Where it should get to" };
        private readonly Option<double?> _current = new("--current") { Description = "Where it is now" };
        private readonly Option<DateTimeOffset?> _targetDate = Moments.Option("--target-date", "When it should be reached");
        private readonly Option<string?> _status = new("--status") { Description = Statuses };
        private readonly Option<string?> _priority = new("--priority") { Description = "low, normal, high or urgent" };

        public Symbol[] Symbols => [_project, _description, _metric, _baseline, _target, _current, _targetDate, _status, _priority];

        public Body ToBody(CliContext cli) => new Body()
            .Set("project_id", cli.Get(_project))
            .Set("description", cli.Get(_description))
            .Set("metric_name", cli.Get(_metric))
            .Set("baseline", cli.Get(_baseline))
            .Set("target", cli.Get(_target))
            .Set("current_value", cli.Get(_current))
            .Set("target_date", cli.Get(_targetDate))
            .Set("status", cli.Get(_status))
            .Set("priority", cli.Get(_priority));
    }
}
