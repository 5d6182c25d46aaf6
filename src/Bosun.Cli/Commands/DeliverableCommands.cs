using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands;

public static class DeliverableCommands
{
    public static Command Create() => ClientCommand.Group("deliverable", "Recurring deliverables towards a goal and their periods",
        List(), Show(), New(), Update(), Progress(), Archive(), Restore());

    private static Command List()
    {
        var goal = new Option<string?>("--goal") { Description = "Only deliverables of this goal (id)" };
        var project = new Option<string?>("--project") { Description = "Only deliverables of this project (key or id)" };
        var active = new Option<bool?>("--active") { Description = "Only active (true) or inactive (false) deliverables" };
        var archived = new Option<bool>("--archived") { Description = "List the archived deliverables instead" };
        var list = new ListOptions();
        return ClientCommand.Create("list", "List deliverables with their current period", async (cli, ct) =>
        {
            var query = new Query().Add("goal", cli.Get(goal)).Add("project", cli.Get(project)).Add("active", cli.Get(active))
                .Add("archived", cli.Get(archived) ? true : null);
            var rows = await list.FetchAsync(cli, "api/v1/deliverables", query, ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "deliverables",
                    Column.Of("Name", "name"), Column.Of("Type", "type"),
                    Column.Of("Each", d => $"{d.Text("quantity_per_period")} a {d.Text("period")}"),
                    Column.Of("Period", d => Current(d).Text("period")),
                    Column.Of("Done", d => Current(d) is { ValueKind: JsonValueKind.Object } p ? $"{p.Text("completed")} / {p.Text("target")}" : ""),
                    new Column("Progress", d => Output.Progress(Current(d), "percent")),
                    new Column("Status", d => Output.Status(Current(d).Text("status"))),
                    Column.Of("Active", "active"), Column.Of("Id", "id"));
            }

            return CliContext.Ok;
        }, [goal, project, active, archived, .. list.Symbols]);
    }

    private static Command Show()
    {
        var id = new Argument<string>("id") { Description = "The deliverable's id" };
        return ClientCommand.Create("show", "Show a deliverable and its periods", async (cli, ct) =>
        {
            var deliverable = await cli.Client.GetAsync($"api/v1/deliverables/{Query.Segment(cli.Get(id))}", ct);
            return cli.Print(deliverable, () => Render(cli.Out, deliverable));
        }, id);
    }

    private static Command New()
    {
        var name = new Argument<string>("name") { Description = "What it is, e.g. 'Monthly blog posts'" };
        var settings = new DeliverableOptions();
        var inactive = new Option<bool>("--inactive") { Description = "Set it up without making periods yet" };
        return ClientCommand.Create("create", "Set a deliverable: its current and next periods are made at once", async (cli, ct) =>
        {
            var body = settings.ToBody(cli).Set("name", cli.Get(name)).Set("active", cli.Get(inactive) ? false : null);
            var deliverable = await cli.Client.PostAsync("api/v1/deliverables", body, ct);
            return cli.Print(deliverable, () =>
            {
                cli.Out.MarkupLineInterpolated($"[green]Created[/] deliverable {deliverable.Text("name")} ({deliverable.Text("id")}).");
                Periods(cli.Out, deliverable);
            });
        }, [name, inactive, .. settings.Symbols]);
    }

    private static Command Update()
    {
        var id = new Argument<string>("id") { Description = "The deliverable's id" };
        var name = new Option<string?>("--name") { Description = "A new name" };
        var active = new Option<bool?>("--active") { Description = "false stops making new periods; true starts again" };
        var settings = new DeliverableOptions();
        return ClientCommand.Create("update", "Change a deliverable; a new quantity applies to periods that have not begun", async (cli, ct) =>
        {
            var body = settings.ToBody(cli).Set("name", cli.Get(name)).Set("active", cli.Get(active)).RequireChanges();
            var deliverable = await cli.Client.PatchAsync($"api/v1/deliverables/{Query.Segment(cli.Get(id))}", body, ct);
            return cli.Print(deliverable, () => Render(cli.Out, deliverable));
        }, [id, name, active, .. settings.Symbols]);
    }

    private static Command Progress()
    {
        var period = new Option<string?>("--period") { Description = "A month such as 2026-04 (default this month); quarterly deliverables show its quarter" };
        var goal = new Option<string?>("--goal") { Description = "Only deliverables of this goal (id)" };
        return ClientCommand.Create("progress", "How each deliverable stands in a month: target, completed, percent, status", async (cli, ct) =>
        {
            var progress = await cli.Client.GetAsync(new Query().Add("period", cli.Get(period)).Add("goal", cli.Get(goal)).On("api/v1/deliverables/progress"), ct);
            return cli.Print(progress, () =>
            {
                cli.Out.MarkupLineInterpolated($"[bold]{progress.Text("period")}[/]");
                cli.Out.Table(progress.Items("items"), "deliverables with a period in this month",
                    Column.Of("Deliverable", "deliverable"), Column.Of("Goal", "goal"), Column.Of("Type", "type"), Column.Of("Period", "period"),
                    Column.Of("Done", r => $"{r.Text("completed")} / {r.Text("target")}"),
                    new Column("Progress", r => Output.Progress(r, "percent")),
                    new Column("Status", r => Output.Status(r.Text("status"))));
            });
        }, period, goal);
    }

    private static Command Archive() => Toggle("archive", "Archive a deliverable: it leaves the lists and makes nothing more", "Archived");

    private static Command Restore() => Toggle("restore", "Bring an archived deliverable back", "Restored");

    private static Command Toggle(string verb, string description, string done)
    {
        var id = new Argument<string>("id") { Description = "The deliverable's id" };
        return ClientCommand.Create(verb, description, async (cli, ct) =>
        {
            var deliverable = await cli.Client.PostAsync($"api/v1/deliverables/{Query.Segment(cli.Get(id))}/{verb}", new Body(), ct);
            return cli.Print(deliverable, () => cli.Out.MarkupLineInterpolated($"{done} deliverable {deliverable.Text("name")}."));
        }, id);
    }

    private static JsonElement Current(JsonElement deliverable) =>
        deliverable.TryGetProperty("current", out var current) ? current : default;

    private static void Render(IAnsiConsole console, JsonElement deliverable)
    {
        console.Details(
            Output.Row("Name", deliverable.Text("name")),
            Output.Row("Type", deliverable.Text("type")),
            Output.Row("Each period", $"{deliverable.Text("quantity_per_period")} a {deliverable.Text("period")}"),
            Output.Row("Active", deliverable.Text("active")),
            Output.Row("Goal", deliverable.Text("goal_id")),
            Output.Row("Project", deliverable.Text("project_id")),
            Output.Row("Plan", deliverable.Text("plan_id")),
            Output.Row("Template", deliverable.Text("template_id")),
            Output.Row("Variables", deliverable.Text("variables")),
            Output.Row("Archived", deliverable.Time("archived_at")),
            Output.Row("Id", deliverable.Text("id")));
        Periods(console, deliverable);
    }

    private static void Periods(IAnsiConsole console, JsonElement deliverable) =>
        console.Table(deliverable.Items("periods"), "periods yet",
            Column.Of("Period", "period"), Column.Of("Done", p => $"{p.Text("completed")} / {p.Text("target")}"),
            new Column("Progress", p => Output.Progress(p, "percent")),
            new Column("Status", p => Output.Status(p.Text("status"))),
            Column.Of("Items made", p => p.Time("pipelines_created_at")));

    private sealed class DeliverableOptions
    {
        private readonly Option<string?> _goal = new("--goal") { Description = "The goal it serves (id); required on create" };
        private readonly Option<string?> _project = new("--project") { Description = "Where its work goes (key or id); default the goal's project" };
        private readonly Option<string?> _plan = new("--plan") { Description = "The strategy plan it belongs to (id): it produces once the plan is approved" };
        private readonly Option<string?> _type = new("--type") { Description = "What it produces, e.g. blog_posts; required on create" };
        private readonly Option<int?> _quantity = new("--quantity") { Description = "How many each period, 1 to 100; required on create" };
        private readonly Option<string?> _period = new("--period") { Description = "month (default) or quarter, calendar periods in UTC" };
        private readonly Option<string?> _template = new("--template") { Description = "The template each counted item's pipeline is made from (id); \"\" removes it" };
        private readonly Option<string?> _variables = new("--variables") { Description = "The template's variable values, as a JSON object" };

        public Symbol[] Symbols => [_goal, _project, _plan, _type, _quantity, _period, _template, _variables];

        public Body ToBody(CliContext cli) => new Body()
            .Set("goal_id", cli.Get(_goal))
            .Set("project_id", cli.Get(_project))
            .Set("plan_id", cli.Get(_plan))
            .Set("type", cli.Get(_type))
            .Set("quantity_per_period", cli.Get(_quantity))
            .Set("period", cli.Get(_period))
            .Set("template_id", cli.Get(_template))
            .Set("variables", WorkCommands.ParseJson("--variables", cli.Get(_variables)));
    }
}
