using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// Work items: create, change and move them through the workflow, discuss them, and link them by dependencies.
public static class WorkCommands
{
    private const string Statuses = "backlog, ready, claimed, in_progress, awaiting_approval, done, blocked, failed or cancelled";
    private const string Assignees = "agent:NAME_OR_ID, user:EMAIL_OR_ID or role:NAME";

    public static Command Create() => ClientCommand.Group("work", "Work items for agents and people",
        [List(), Mine(), Show(), New(), Update(), Move(), Reopen(), Assign(), Comment(), Comments(), Checks(), Depend(), Undepend(), WorkImportCommand.Create(),
         .. ArchiveCommands.Create("work", "work item", ItemArgument, w => w.Text("key"))]);

    private static Command List()
    {
        var status = new Option<string?>("--status") { Description = "Only these statuses, comma-separated, e.g. ready,in_progress" };
        var assignee = new Option<string?>("--assignee") { Description = "Only work assigned to agent:ID, user:ID, role:NAME, or none" };
        var project = new Option<string?>("--project") { Description = "Only this project (key or id)" };
        var type = new Option<string?>("--type") { Description = "Only this type, e.g. task or ticket" };
        var label = new Option<string?>("--label") { Description = "Only items with this label" };
        var parent = new Option<string?>("--parent") { Description = "Only children of this item (key or id), or none for top-level items; in position order" };
        var goal = new Option<string?>("--goal") { Description = "Only work towards this goal id" };
        var search = new Option<string?>("--search", "-q", "--q") { Description = "Only items whose title or key contains this text" };
        var archived = ArchiveCommands.ListOption();
        var list = new ListOptions();
        return ClientCommand.Create("list", "List work items (oldest first; with --parent, in the order they were arranged)", async (cli, ct) =>
        {
            var query = new Query()
                .Add("status", cli.Get(status)).Add("assignee", cli.Get(assignee)).Add("project", cli.Get(project))
                .Add("type", cli.Get(type)).Add("label", cli.Get(label)).Add("parent", cli.Get(parent))
                .Add("goal", cli.Get(goal)).Add("q", cli.Get(search)).Add("archived", cli.Get(archived) ? true : null);
            var rows = await list.FetchAsync(cli, "api/v1/work", query, ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "work items",
                    Column.Of("Key", "key"), Column.Of("Title", w => Output.Truncate(w.Text("title"), 70)),
                    new Column("Status", w => Output.Status(w.Text("status"))),
                    Column.Of("Priority", "priority"), Column.Of("Type", "type"), Column.Of("Assignee", Assignee),
                    Column.Of("Labels", "labels"), Column.Of("Due", w => w.Time("due_at")));
            }

            return CliContext.Ok;
        }, [status, assignee, project, type, label, parent, goal, search, archived, .. list.Symbols]);
    }

    private static Command Mine()
    {
        return ClientCommand.Create("mine", "Work you hold: your active runs and the unfinished items assigned to you", async (cli, ct) =>
        {
            var mine = await cli.Client.GetAsync("api/v1/work/mine", ct);
            return cli.Print(mine, () =>
            {
                cli.Out.Table(mine.Items("holding"), "runs you hold",
                    Column.Of("Run", "run_id"), Column.Of("Item", "work_item"), Column.Of("Title", w => Output.Truncate(w.Text("title"), 70)),
                    new Column("Status", w => Output.Status(w.Text("status"))), Column.Of("Attempt", "attempt"), Column.Of("Lease until", w => w.Time("lease_expires_at")));
                cli.Out.Table(mine.Items("assigned"), "unfinished items assigned to you",
                    Column.Of("Key", "key"), Column.Of("Title", w => Output.Truncate(w.Text("title"), 70)),
                    new Column("Status", w => Output.Status(w.Text("status"))), Column.Of("Priority", "priority"), Column.Of("Due", w => w.Time("due_at")));
            });
        });
    }

    private static Command Show()
    {
        var item = ItemArgument();
        return ClientCommand.Create("show", "Show a work item with its dependencies, labels and the statuses it may move to", async (cli, ct) =>
        {
            var found = await cli.Client.GetAsync($"api/v1/work/{Query.Segment(cli.Get(item))}", ct);
            return cli.Print(found, () => Render(cli.Out, found));
        }, item);
    }

    private static Command New()
    {
        var title = new Argument<string>("title") { Description = "What needs doing" };
        var project = new Option<string>("--project") { Description = "The project (key or id)", Required = true };
        var dependsOn = new Option<string[]>("--depends-on") { Description = "An item (key or id) this one waits for; repeat for several" };
        var settings = new WorkOptions();
        return ClientCommand.Create("create", "Create a work item", async (cli, ct) =>
        {
            var body = settings.ToBody(cli)
                .Set("title", cli.Get(title))
                .Set("project_id", cli.Get(project))
                .Set("depends_on", cli.Get(dependsOn) is { Length: > 0 } d ? d : null);
            var created = await cli.Client.PostAsync("api/v1/work", body, ct);
            return cli.Print(created, () => cli.Out.MarkupLineInterpolated(
                $"[green]Created[/] {created.Text("key")}: {created.Text("title")} ({created.Text("status")}, {created.Text("priority")})."));
        }, [title, project, dependsOn, .. settings.Symbols]);
    }

    private static Command Update()
    {
        var item = ItemArgument();
        var title = new Option<string?>("--title") { Description = "A new title" };
        var noDue = new Option<bool>("--no-due") { Description = "Remove the due date" };
        var noLabels = new Option<bool>("--no-labels") { Description = "Remove every label" };
        var output = new Option<string?>("--output") { Description = "The item's result as JSON" };
        var settings = new WorkOptions();
        return ClientCommand.Create("update", "Change a work item (a status change must follow the workflow)", async (cli, ct) =>
        {
            var body = settings.ToBody(cli)
                .Set("title", cli.Get(title))
                .Set("clear_due_at", cli.Get(noDue) ? true : null)
                .Set("output", ParseJson("--output", cli.Get(output)));
            if (cli.Get(noLabels))
            {
                body["labels"] = Array.Empty<string>();
            }

            var updated = await cli.Client.PatchAsync($"api/v1/work/{Query.Segment(cli.Get(item))}", body.RequireChanges(), ct);
            return cli.Print(updated, () => Render(cli.Out, updated));
        }, [item, title, noDue, noLabels, output, .. settings.Symbols]);
    }

    /// Two kinds of move under one verb: to another status (`work move WEB-1 done`), or to another place among the item's
    /// siblings (`work move WEB-3 --before WEB-2`).
    private static Command Move()
    {
        var item = ItemArgument();
        var status = new Argument<string?>("status") { Description = Statuses, Arity = ArgumentArity.ZeroOrOne };
        var before = new Option<string?>("--before") { Description = "Put the item just before this sibling (key or id) instead" };
        var after = new Option<string?>("--after") { Description = "Put the item just after this sibling (key or id) instead" };
        return ClientCommand.Create("move", "Move a work item to another status (an illegal move is refused with the allowed ones), "
            + "or before or after a sibling", async (cli, ct) =>
        {
            var path = $"api/v1/work/{Query.Segment(cli.Get(item))}";
            var (to, first, last) = (cli.Get(status), cli.Get(before), cli.Get(after));
            if ((to is null ? 0 : 1) + (first is null ? 0 : 1) + (last is null ? 0 : 1) != 1)
            {
                throw new UsageException("Give a status, --before SIBLING or --after SIBLING: exactly one of them.");
            }

            if (to is null)
            {
                var placed = await cli.Client.PostAsync($"{path}/move", new Body().Set("before", first).Set("after", last), ct);
                return cli.Print(placed, () => cli.Out.MarkupLineInterpolated($"{placed.Text("key")} now stands {(first is null ? $"after {last}" : $"before {first}")}."));
            }

            var moved = await cli.Client.PatchAsync(path, new Body().Set("status", to), ct);
            return cli.Print(moved, () =>
            {
                cli.Out.MarkupLineInterpolated($"{moved.Text("key")} is now [bold]{moved.Text("status")}[/].");
                cli.Out.MarkupLineInterpolated($"[grey]Next:[/] {NextMoves(moved)}");
            });
        }, item, status, before, after);
    }

    private static Command Assign()
    {
        var item = ItemArgument();
        var assignee = new Argument<string>("assignee") { Description = $"{Assignees}, or none to unassign" };
        return ClientCommand.Create("assign", "Assign a work item to an agent, a person or any agent with a role", async (cli, ct) =>
        {
            var to = cli.Get(assignee) is "none" or "-" ? "" : cli.Get(assignee);
            var assigned = await cli.Client.PatchAsync($"api/v1/work/{Query.Segment(cli.Get(item))}", new Body().Set("assignee", to), ct);
            var who = Assignee(assigned) ?? "nobody";
            return cli.Print(assigned, () => cli.Out.MarkupLineInterpolated($"{assigned.Text("key")} is assigned to {who}."));
        }, item, assignee);
    }

    private static Command Reopen()
    {
        var item = ItemArgument();
        var reason = new Option<string>("--reason") { Description = "What is still wrong; the next run receives it", Required = true };
        return ClientCommand.Create("reopen", "Re-open a done work item: it goes back to ready", async (cli, ct) =>
        {
            var reopened = await cli.Client.PostAsync($"api/v1/work/{Query.Segment(cli.Get(item))}/reopen", new Body().Set("reason", cli.Get(reason)), ct);
            return cli.Print(reopened, () => cli.Out.MarkupLineInterpolated($"{reopened.Text("key")} is {reopened.Text("status")} again."));
        }, item, reason);
    }

    private static Command Comment()
    {
        var item = ItemArgument();
        var text = new Argument<string>("text") { Description = "The comment" };
        return ClientCommand.Create("comment", "Comment on a work item", async (cli, ct) =>
        {
            var comment = await cli.Client.PostAsync($"api/v1/work/{Query.Segment(cli.Get(item))}/comments", new Body().Set("body", cli.Get(text)), ct);
            return cli.Print(comment, () => cli.Out.MarkupLineInterpolated($"[green]Commented[/] on {cli.Get(item)} as {comment.Text("author_name")}."));
        }, item, text);
    }

    private static Command Comments()
    {
        var item = ItemArgument();
        var list = new ListOptions();
        return ClientCommand.Create("comments", "List a work item's comments, oldest first", async (cli, ct) =>
        {
            var rows = await list.FetchAsync(cli, $"api/v1/work/{Query.Segment(cli.Get(item))}/comments", new Query(), ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "comments", Column.Of("When", c => c.Time("created_at")), Column.Of("Author", "author_name"), Column.Of("Comment", "body"));
            }

            return CliContext.Ok;
        }, [item, .. list.Symbols]);
    }

    private static Command Checks()
    {
        var item = ItemArgument();
        var list = new ListOptions();
        return ClientCommand.Create("checks", "List the checks a work item's runs reported, newest first", async (cli, ct) =>
        {
            var rows = await list.FetchAsync(cli, $"api/v1/work/{Query.Segment(cli.Get(item))}/checks", new Query(), ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "checks",
                    Column.Of("When", c => c.Time("created_at")), Column.Of("Check", "name"), new Column("Status", c => Output.Status(c.Text("status"))),
                    Column.Of("Summary", c => Output.Truncate(c.Text("summary"), 70)), Column.Of("Link", "url"), Column.Of("Run", "run_id"));
            }

            return CliContext.Ok;
        }, [item, .. list.Symbols]);
    }

    private static Command Depend()
    {
        var item = ItemArgument();
        var on = new Argument<string>("on") { Description = "The item (key or id) it waits for" };
        return ClientCommand.Create("depend", "Make a work item wait for another (a cycle is refused)", async (cli, ct) =>
        {
            var updated = await cli.Client.PostAsync($"api/v1/work/{Query.Segment(cli.Get(item))}/dependencies", new Body().Set("depends_on", cli.Get(on)), ct);
            return cli.Print(updated, () => cli.Out.MarkupLineInterpolated($"{updated.Text("key")} waits for: {Dependencies(updated)}"));
        }, item, on);
    }

    private static Command Undepend()
    {
        var item = ItemArgument();
        var on = new Argument<string>("on") { Description = "The item (key or id) it should no longer wait for" };
        return ClientCommand.Create("undepend", "Remove a dependency between two work items", async (cli, ct) =>
        {
            var updated = await cli.Client.DeleteAsync($"api/v1/work/{Query.Segment(cli.Get(item))}/dependencies/{Query.Segment(cli.Get(on))}", ct);
            return cli.Print(updated, () => cli.Out.MarkupLineInterpolated($"{updated.Text("key")} waits for: {Dependencies(updated)}"));
        }, item, on);
    }

    private static Argument<string> ItemArgument() => new("item") { Description = "The work item's key (e.g. WEB-42) or id" };

    private static string NextMoves(JsonElement item) => item.Text("allowed_transitions") is { Length: > 0 } next ? next : "none (finished)";

    private static string Dependencies(JsonElement item) =>
        item.Items("depends_on") is { Count: > 0 } deps ? string.Join(", ", deps.Select(d => $"{d.Text("key")} ({d.Text("status")})")) : "nothing";

    internal static JsonElement? ParseJson(string option, string? text)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new UsageException($"{option} is not valid JSON: {ex.Message}");
        }
    }

    /// `agent:coder` rather than the agent's id when the answer names the assignee.
    private static string? Assignee(JsonElement item) =>
        item.TextOrNull("assignee") is { } assignee && item.TextOrNull("assignee_name") is { } name && assignee.IndexOf(':') is > 0 and var colon
            ? assignee[..(colon + 1)] + name
            : item.TextOrNull("assignee");

    private static void Render(IAnsiConsole console, JsonElement item)
    {
        console.MarkupLineInterpolated($"[bold]{item.Text("key")}[/]  {item.Text("title")}");
        console.Details(
            Output.Row("Status", Output.Status(item.Text("status"))),
            Output.Row("Next", NextMoves(item)),
            Output.Row("Priority", item.Text("priority")),
            Output.Row("Type", item.Text("type")),
            Output.Row("Assignee", Assignee(item) ?? "nobody"),
            Output.Row("Labels", item.TextOrNull("labels") ?? "none"),
            Output.Row("Due", item.Time("due_at")),
            Output.Row("Approval", item.Text("approval_required") == "yes" ? "required before done" : "not required"),
            Output.Row("Attempts", item.Text("attempts")),
            Output.Row("Parent", item.Text("parent_id")),
            Output.Row("Goal", item.Text("goal_id")),
            Output.Row("Created", $"{item.Time("created_at")} by {item.Text("created_by")}"),
            Output.Row("Completed", item.Time("completed_at")),
            Output.Row("Archived", item.Time("archived_at")),
            Output.Row("Id", item.Text("id")));
        if (item.TextOrNull("description") is { } description)
        {
            console.WriteLine();
            console.WriteLine(description);
        }

        var dependencies = item.Items("depends_on");
        console.WriteLine();
        if (dependencies.Count == 0)
        {
            console.MarkupLine("[grey]Depends on nothing.[/]");
        }
        else
        {
            console.MarkupLine("Depends on:");
            console.Table(dependencies, "dependencies",
                Column.Of("Key", "key"), Column.Of("Title", "title"), new Column("Status", d => Output.Status(d.Text("status"))));
        }

        if (item.TextOrNull("revision_notes") is { } notes)
        {
            console.MarkupLineInterpolated($"[yellow]Revision notes:[/] {notes}");
        }
    }

    /// Fields shared by create and update.
    private sealed class WorkOptions
    {
        private readonly Option<string?> _type = new("--type") { Description = "task, ticket, card, activity, question, review, escalation, ..." };
        private readonly Option<string?> _description = new("--description") { Description = "Details, acceptance criteria" };
        private readonly Option<string?> _status = new("--status") { Description = Statuses };
        private readonly Option<string?> _priority = new("--priority") { Description = "low, normal, high or urgent" };
        private readonly Option<string?> _assignee = new("--assignee") { Description = Assignees };
        private readonly Option<string?> _parent = new("--parent") { Description = "The parent item (key or id)" };
        private readonly Option<string?> _goal = new("--goal") { Description = "The goal it works towards (id)" };
        private readonly Option<DateTimeOffset?> _due = Moments.Option("--due", "When it is due");
        private readonly Option<string[]> _labels = new("--label") { Description = "A label; repeat for several (on update, replaces the labels)" };
        private readonly Option<bool?> _approval = new("--approval-required") { Description = "A reviewer must approve it before it is done (true or false)" };
        private readonly Option<string?> _input = new("--input") { Description = "Input for whoever does the work, as JSON" };

        public Symbol[] Symbols => [_type, _description, _status, _priority, _assignee, _parent, _goal, _due, _labels, _approval, _input];

        public Body ToBody(CliContext cli) => new Body()
            .Set("type", cli.Get(_type))
            .Set("description", cli.Get(_description))
            .Set("status", cli.Get(_status))
            .Set("priority", cli.Get(_priority))
            .Set("assignee", cli.Get(_assignee))
            .Set("parent_id", cli.Get(_parent))
            .Set("goal_id", cli.Get(_goal))
            .Set("due_at", cli.Get(_due))
            .Set("labels", cli.Get(_labels) is { Length: > 0 } labels ? labels : null)
            .Set("approval_required", cli.Get(_approval))
            .Set("input", ParseJson("--input", cli.Get(_input)));
    }
}
