using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// Rules: when an event happens, Bosun runs the rule's actions once for it.
public static class RuleCommands
{
    public static Command Create() => ClientCommand.Group("rule", "Rules: when an event happens, run actions",
        List(), Show(), New(), Mark("enable", "Enabled", "Enable a rule: it acts on events from now on"),
        Mark("disable", "Disabled", "Disable a rule: its pending actions are skipped"), Delete(), Actions());

    private static Command List()
    {
        var enabled = new Option<bool?>("--enabled") { Description = "Only enabled (true) or disabled (false) rules" };
        var list = new ListOptions();
        return ClientCommand.Create("list", "List your tenant's rules", async (cli, ct) =>
        {
            var rows = await list.FetchAsync(cli, "api/v1/rules", new Query().Add("enabled", cli.Get(enabled)), ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "rules",
                    Column.Of("Id", "id"), Column.Of("Name", r => Output.Truncate(r.Text("name"), 50)), Column.Of("Event", "event"),
                    Column.Of("Actions", r => string.Join(", ", r.Items("actions").Select(a => a.Text("type")))),
                    new Column("State", r => Output.Status(r.Text("enabled") == "yes" ? "enabled" : "disabled")));
            }

            return CliContext.Ok;
        }, [enabled, .. list.Symbols]);
    }

    private static Command Show()
    {
        var id = RuleArgument();
        return ClientCommand.Create("show", "Show a rule, its filters and actions", async (cli, ct) =>
        {
            var rule = await cli.Client.GetAsync($"api/v1/rules/{Query.Segment(cli.Get(id))}", ct);
            return cli.Print(rule, () => Render(cli.Out, rule));
        }, id);
    }

    private static Command New()
    {
        var file = new Option<FileInfo?>("--file") { Description = "A JSON file with the rule: name, event, when and actions, as POST /api/v1/rules takes them" };
        var preset = new Option<string?>("--preset") { Description = "Start from a rule Bosun ships, e.g. blog_request_approved or plan_activated_release" };
        var name = new Option<string?>("--name") { Description = "The rule's name" };
        var disabled = new Option<bool>("--disabled") { Description = "Create it disabled" };
        return ClientCommand.Create("create", "Create a rule from a JSON file or a preset", async (cli, ct) =>
        {
            var body = cli.Get(file) is { } f ? await TemplateCommands.ReadDefinitionAsync(f, ct) : [];
            foreach (var (field, value) in new (string, object?)[] { ("preset", cli.Get(preset)), ("name", cli.Get(name)), ("enabled", cli.Get(disabled) ? false : null) })
            {
                if (value is not null)
                {
                    body[field] = JsonSerializer.SerializeToNode(value);
                }
            }

            if (body.Count == 0)
            {
                throw new UsageException("Give --file or --preset (see --help).");
            }

            var created = await cli.Client.PostAsync("api/v1/rules", body, ct);
            return cli.Print(created, () => cli.Out.MarkupLineInterpolated(
                $"[green]Created[/] rule {created.Text("name")} ({created.Text("id")}) on {created.Text("event")} with {created.Items("actions").Count} actions."));
        }, file, preset, name, disabled);
    }

    private static Command Mark(string action, string done, string description)
    {
        var id = RuleArgument();
        return ClientCommand.Create(action, description, async (cli, ct) =>
        {
            var rule = await cli.Client.PostAsync($"api/v1/rules/{Query.Segment(cli.Get(id))}/{action}", null, ct);
            return cli.Print(rule, () => cli.Out.MarkupLineInterpolated($"{done} rule {rule.Text("name")} ({rule.Text("id")})."));
        }, id);
    }

    private static Command Delete()
    {
        var id = RuleArgument();
        return ClientCommand.Create("delete", "Remove a rule, its inbound URL and what it did", async (cli, ct) =>
        {
            await cli.Client.DeleteAsync($"api/v1/rules/{Query.Segment(cli.Get(id))}", ct);
            var gone = JsonSerializer.SerializeToElement(new { id = cli.Get(id), deleted = true });
            return cli.Print(gone, () => cli.Out.MarkupLineInterpolated($"Deleted rule {cli.Get(id)}."));
        }, id);
    }

    private static Command Actions()
    {
        var id = new Argument<string?>("rule") { Description = "Only what this rule did (default every rule)", Arity = ArgumentArity.ZeroOrOne };
        var status = new Option<string?>("--status") { Description = "pending, done, failed or skipped" };
        var list = new ListOptions();
        return ClientCommand.Create("actions", "What rules did, newest first", async (cli, ct) =>
        {
            var path = cli.Get(id) is { } rule ? $"api/v1/rules/{Query.Segment(rule)}/actions" : "api/v1/rules/actions";
            var rows = await list.FetchAsync(cli, path, new Query().Add("status", cli.Get(status)), ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "actions",
                    Column.Of("When", a => a.Time("created_at")), Column.Of("Rule", "rule_id"), Column.Of("Event", "event_type"),
                    Column.Of("Action", "action_type"), new Column("Result", a => Output.Status(a.Text("status"))),
                    Column.Of("Error", a => Output.Truncate(a.Text("error"), 60)), Column.Of("Made", Made));
            }

            return CliContext.Ok;
        }, [id, status, .. list.Symbols]);
    }

    /// The keys or ids of what an action made, from its result.
    public static string Made(JsonElement action) =>
        action.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.Object
            ? string.Join(", ", result.EnumerateObject().Select(p => p.Value.ValueKind == JsonValueKind.Array
                ? string.Join(", ", p.Value.EnumerateArray().Select(v => v.ToString()))
                : p.Value.ToString()))
            : "";

    private static Argument<string> RuleArgument() => new("rule") { Description = "The rule's id (see 'bosun rule list')" };

    private static void Render(IAnsiConsole console, JsonElement rule)
    {
        var when = rule.GetProperty("when");
        console.Details(
            Output.Row("Name", rule.Text("name")),
            Output.Row("Id", rule.Text("id")),
            Output.Row("Event", rule.Text("event")),
            Output.Row("When", string.Join(", ", when.EnumerateObject().Where(p => p.Value.ValueKind != JsonValueKind.Null).Select(p => $"{p.Name}={p.Value}"))),
            Output.Row("State", Output.Status(rule.Text("enabled") == "yes" ? "enabled" : "disabled")),
            Output.Row("Preset", rule.Text("preset")),
            Output.Row("Inbound URL", rule.TryGetProperty("inbound", out var inbound) && inbound.ValueKind == JsonValueKind.Object ? inbound.Text("url") : ""),
            Output.Row("Description", rule.Text("description")));
        console.Table(rule.Items("actions"), "actions",
            Column.Of("Action", "type"), Column.Of("Project", "project"), Column.Of("Title", a => Output.Truncate(a.Text("title"), 60)),
            Column.Of("Template", "template"), Column.Of("Item", "item"));
    }
}
