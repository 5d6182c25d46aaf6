using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands;

public static class ScheduleCommands
{
    public static Command Create() => ClientCommand.Group("schedule", "Schedules that make items or template instances on a cron, an interval or by hand",
        List(), Show(), New(), Toggle("pause", "Pause a schedule: it fires only when run by hand", "Paused"),
        Toggle("resume", "Resume a paused schedule from its next time, without catching up", "Resumed"), Run(), Next());

    private static Command List()
    {
        var active = new Option<bool?>("--active") { Description = "Only active (true) or paused (false) schedules" };
        var list = new ListOptions();
        return ClientCommand.Create("list", "List schedules with their next fire time and last firing", async (cli, ct) =>
        {
            var rows = await list.FetchAsync(cli, "api/v1/schedules", new Query().Add("active", cli.Get(active)), ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "schedules",
                    Column.Of("Name", "name"), Column.Of("Trigger", Trigger), Column.Of("Makes", "makes"), Column.Of("Active", "active"),
                    Column.Of("Next", s => s.Time("next_fire_at")), Column.Of("Last", s => s.Text("last_status")), Column.Of("Id", "id"));
            }

            return CliContext.Ok;
        }, [active, .. list.Symbols]);
    }

    private static Command Show()
    {
        var id = new Argument<string>("id") { Description = "The schedule's id" };
        return ClientCommand.Create("show", "Show a schedule, its next five fire times and its last firings with their items", async (cli, ct) =>
        {
            var schedule = await cli.Client.GetAsync($"api/v1/schedules/{Query.Segment(cli.Get(id))}", ct);
            return cli.Print(schedule, () => Render(cli.Out, schedule));
        }, id);
    }

    private static Command New()
    {
        var name = new Argument<string>("name") { Description = "What it is, e.g. 'Weekly report'" };
        var project = new Option<string>("--project") { Description = "The project its items go to (key or id)", Required = true };
        var cron = new Option<string?>("--cron") { Description = "A cron expression, e.g. \"0 9 * * 1-5\" (six fields: seconds first)" };
        var zone = new Option<string?>("--time-zone") { Description = "The IANA time zone the cron expression is read in (default UTC)" };
        var every = new Option<int?>("--every") { Description = "Fire every this many seconds instead of a cron expression" };
        var title = new Option<string?>("--title") { Description = "The item's title; {{date}}, {{period}} and {{fire_time}} are filled in" };
        var description = new Option<string?>("--description") { Description = "The item's description" };
        var assignee = new Option<string?>("--assignee") { Description = "Who gets the item: user:ID, agent:ID or role:NAME" };
        var template = new Option<string?>("--template") { Description = "Make an instance of this template (id) instead of an item" };
        var variables = new Option<string?>("--variables") { Description = "The template's variable values, as a JSON object" };
        var catchUp = new Option<string?>("--catch-up") { Description = "After downtime: skip (default), once or all" };
        var catchUpMax = new Option<int?>("--catch-up-max") { Description = "With --catch-up all, at most this many missed times (default 10)" };
        var overlap = new Option<string?>("--overlap") { Description = "When the last firing's items are open: allow (default), skip_if_open or queue" };
        return ClientCommand.Create("create", "Create a schedule (manual when neither --cron nor --every is given)", async (cli, ct) =>
        {
            var body = new Body().Set("name", cli.Get(name)).Set("project", cli.Get(project)).Set("cron", cli.Get(cron))
                .Set("time_zone", cli.Get(zone)).Set("interval_seconds", cli.Get(every)).Set("title", cli.Get(title))
                .Set("description", cli.Get(description)).Set("assignee", cli.Get(assignee)).Set("template_id", cli.Get(template))
                .Set("variables", WorkCommands.ParseJson("--variables", cli.Get(variables))).Set("catch_up", cli.Get(catchUp))
                .Set("catch_up_max", cli.Get(catchUpMax)).Set("overlap", cli.Get(overlap));
            var schedule = await cli.Client.PostAsync("api/v1/schedules", body, ct);
            return cli.Print(schedule, () =>
            {
                cli.Out.MarkupLineInterpolated($"[green]Created[/] schedule {schedule.Text("name")} ({schedule.Text("id")}).");
                NextTimes(cli.Out, schedule.GetProperty("next_fire_times"));
            });
        }, [name, project, cron, zone, every, title, description, assignee, template, variables, catchUp, catchUpMax, overlap]);
    }

    private static Command Toggle(string verb, string description, string done)
    {
        var id = new Argument<string>("id") { Description = "The schedule's id" };
        return ClientCommand.Create(verb, description, async (cli, ct) =>
        {
            var schedule = await cli.Client.PostAsync($"api/v1/schedules/{Query.Segment(cli.Get(id))}/{verb}", new Body(), ct);
            return cli.Print(schedule, () => cli.Out.MarkupLineInterpolated($"{done} schedule {schedule.Text("name")}."));
        }, id);
    }

    private static Command Run()
    {
        var id = new Argument<string>("id") { Description = "The schedule's id" };
        var variables = new Option<string?>("--variables") { Description = "Values for the template's variables or the item's placeholders, as a JSON object" };
        return ClientCommand.Create("run", "Fire a schedule now, active or paused", async (cli, ct) =>
        {
            var body = new Body().Set("variables", WorkCommands.ParseJson("--variables", cli.Get(variables)));
            var firing = await cli.Client.PostAsync($"api/v1/schedules/{Query.Segment(cli.Get(id))}/run", body, ct);
            return cli.Print(firing, () =>
            {
                cli.Out.MarkupLineInterpolated($"[green]Fired[/] at {firing.Time("fire_time")}.");
                cli.Out.Table(firing.Items("items"), "items", Column.Of("Key", "key"), Column.Of("Title", "title"), Column.Of("Status", "status"));
            });
        }, id, variables);
    }

    private static Command Next()
    {
        var id = new Argument<string>("id") { Description = "The schedule's id" };
        var count = new Option<int?>("--count") { Description = "How many times (default 5, at most 100)" };
        return ClientCommand.Create("next", "The next fire times, in UTC and in the schedule's time zone", async (cli, ct) =>
        {
            var times = await cli.Client.GetAsync(new Query().Add("count", cli.Get(count)).On($"api/v1/schedules/{Query.Segment(cli.Get(id))}/next"), ct);
            return cli.Print(times, () => NextTimes(cli.Out, times));
        }, id, count);
    }

    private static string Trigger(JsonElement s) => s.Text("trigger") switch
    {
        "cron" => $"{s.Text("cron")} ({s.Text("time_zone")})",
        "interval" => $"every {s.Text("interval_seconds")} s",
        _ => "manual",
    };

    private static void NextTimes(IAnsiConsole console, JsonElement times) =>
        console.Table(times.ValueKind == JsonValueKind.Array ? [.. times.EnumerateArray()] : [], "fire times (manual schedule)",
            Column.Of("UTC", t => t.Time("at")), Column.Of("Local", "local"));

    private static void Render(IAnsiConsole console, JsonElement schedule)
    {
        console.Details(
            Output.Row("Name", schedule.Text("name")),
            Output.Row("Trigger", Trigger(schedule)),
            Output.Row("Makes", schedule.Text("makes") == "template" ? $"template {schedule.Text("template_id")}" : $"item \"{schedule.Text("title")}\""),
            Output.Row("Active", schedule.Text("active")),
            Output.Row("Catch-up", $"{schedule.Text("catch_up")} (at most {schedule.Text("catch_up_max")})"),
            Output.Row("Overlap", schedule.Text("overlap")),
            Output.Row("Last status", schedule.Text("last_status")),
            Output.Row("Last error", schedule.Text("last_error")),
            Output.Row("Id", schedule.Text("id")));
        NextTimes(console, schedule.GetProperty("next_fire_times"));
        console.Table(schedule.Items("last_firings"), "firings yet",
            Column.Of("Fire time", f => f.Time("fire_time")), Column.Of("Trigger", "trigger"), Column.Of("Status", "status"),
            Column.Of("Items", f => string.Join(", ", f.Items("items").Select(i => i.Text("key")))), Column.Of("Error", "error"));
    }
}
