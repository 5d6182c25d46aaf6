using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// What waits for a person's decision (gated work output, plans, requests) and the decisions themselves.
public static class ApprovalCommands
{
    public static Command Create() => ClientCommand.Group("approval", "Approvals people decide: work output, plans, requests",
        List(), Show(), Decide("approve", "approve", "Approve: gated work is done; a plan's version becomes active and its work is made", noteRequired: false),
        Decide("reject", "reject", "Reject with a note: work goes back to the queue; a plan waits for its next attempt", noteRequired: true),
        Decide("request-changes", "request-changes", "Ask for changes with a note: work goes back keeping its output; a plan waits for its next attempt",
            noteRequired: true));

    private static Command List()
    {
        var status = new Option<string?>("--status") { Description = "pending, approved, rejected, changes_requested or expired (pending is the queue)" };
        var workItem = new Option<string?>("--work-item") { Description = "Only approvals about this work item (key or id)" };
        var list = new ListOptions();
        return ClientCommand.Create("list", "List approvals", async (cli, ct) =>
        {
            var rows = await list.FetchAsync(cli, "api/v1/approvals", new Query().Add("status", cli.Get(status)).Add("work_item", cli.Get(workItem)), ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "approvals",
                    Column.Of("Id", "id"), Column.Of("Kind", "kind"), Column.Of("Subject", a => Output.Truncate(a.Text("subject"), 60)),
                    Column.Of("Work item", "work_item_key"), new Column("Status", a => Output.Status(a.Text("status"))),
                    Column.Of("Requested", a => a.Time("created_at")));
            }

            return CliContext.Ok;
        }, [status, workItem, .. list.Symbols]);
    }

    private static Command Show()
    {
        var id = ApprovalArgument();
        return ClientCommand.Create("show", "Show an approval", async (cli, ct) =>
        {
            var approval = await cli.Client.GetAsync($"api/v1/approvals/{Query.Segment(cli.Get(id))}", ct);
            return cli.Print(approval, () => Render(cli.Out, approval));
        }, id);
    }

    private static Command Decide(string name, string route, string description, bool noteRequired)
    {
        var id = ApprovalArgument();
        var note = new Option<string?>("--note") { Description = noteRequired ? "What to change (required)" : "A note for the record", Required = noteRequired };
        return ClientCommand.Create(name, description, async (cli, ct) =>
        {
            var decided = await cli.Client.PostAsync($"api/v1/approvals/{Query.Segment(cli.Get(id))}/{route}", new Body().Set("note", cli.Get(note)), ct);
            return cli.Print(decided, () =>
            {
                var approval = decided.GetProperty("approval");
                cli.Out.MarkupLineInterpolated($"{approval.Text("subject")}: [bold]{approval.Text("status")}[/].");
                if (decided.TryGetProperty("plan", out var plan) && plan.ValueKind == JsonValueKind.Object)
                {
                    cli.Out.MarkupLineInterpolated($"The plan is {plan.Text("status")}; work it made or released: {Keys(plan)}.");
                }
                else if (decided.TryGetProperty("item", out var item) && item.ValueKind == JsonValueKind.Object)
                {
                    cli.Out.MarkupLineInterpolated($"{item.Text("key")} is {item.Text("status")}.");
                }
            });
        }, id, note);
    }

    private static string Keys(JsonElement plan) =>
        plan.Items("items") is { Count: > 0 } items ? string.Join(", ", items.Select(i => i.Text("key"))) : "none";

    private static Argument<string> ApprovalArgument() => new("approval") { Description = "The approval's id" };

    private static void Render(IAnsiConsole console, JsonElement approval) => console.Details(
        Output.Row("Subject", approval.Text("subject")),
        Output.Row("Kind", approval.Text("kind")),
        Output.Row("Status", Output.Status(approval.Text("status"))),
        Output.Row("Work item", approval.Text("work_item_key")),
        Output.Row("Plan", approval.TextOrNull("plan_id") is { } plan ? $"{plan} version {approval.Text("plan_version")}" : ""),
        Output.Row("Requested by", approval.Text("requested_by")),
        Output.Row("Requested", approval.Time("created_at")),
        Output.Row("Summary", approval.Text("summary")),
        Output.Row("Decided by", approval.Text("decided_by")),
        Output.Row("Note", approval.Text("decision_note")),
        Output.Row("Id", approval.Text("id")));
}
