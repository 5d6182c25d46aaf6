using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// Questions agents ask people, and answering them (or any item's form) from the command line.
public static class QuestionCommands
{
    public static Command Questions()
    {
        var all = new Option<bool>("--all") { Description = "Every question of the tenant, not only those asked of you or your role" };
        var status = new Option<string?>("--status") { Description = "open (the default), answered, expired or cancelled" };
        var workItem = new Option<string?>("--work-item") { Description = "Only the questions this item asked (key or id)" };
        var list = new ListOptions();
        return ClientCommand.Create("questions", "Questions waiting for your answer (or, with --all, every question), newest first", async (cli, ct) =>
        {
            var query = new Query().Add("status", cli.Get(status) ?? "open").Add("mine", cli.Get(all) ? null : true).Add("work_item", cli.Get(workItem));
            var rows = await list.FetchAsync(cli, "api/v1/questions", query, ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "questions",
                    Column.Of("Key", "key"), Column.Of("Question", q => Output.Truncate(q.Text("question"), 60)), Column.Of("Kind", "kind"),
                    Column.Of("For", "asking_item_key"), Column.Of("To", "to"), new Column("Status", q => Output.Status(q.Text("status"))),
                    Column.Of("Choices", Choices), Column.Of("Asked", q => q.Time("created_at")));
            }

            return CliContext.Ok;
        }, [all, status, workItem, .. list.Symbols]);
    }

    public static Command Answer()
    {
        var item = new Argument<string>("item") { Description = "The question's key (WEB-12), or any item with a form" };
        var values = new Option<string[]>("--value", "-v")
        {
            Description = "field=value for one of the form's fields; repeat for several (and for each choice of a multi select)",
            Required = true,
        };
        var key = new Option<string?>("--key") { Description = "The Idempotency-Key: sending the same key again answers the first submission (default: a new one)" };
        return ClientCommand.Create("answer", "Answer a question or fill in an item's form", async (cli, ct) =>
        {
            var submitted = await cli.Client.PostOnceAsync($"api/v1/work/{Query.Segment(cli.Get(item))}/submissions",
                new Body().Set("values", Values(cli.Get(values))), cli.Get(key) ?? Guid.NewGuid().ToString("n"), ct);
            return cli.Print(submitted, () =>
            {
                var workItem = submitted.GetProperty("item");
                var question = submitted.TryGetProperty("question", out var q) && q.ValueKind == JsonValueKind.Object ? q : (JsonElement?)null;
                if (question is { } asked)
                {
                    cli.Out.MarkupLineInterpolated($"[green]Answered[/] {asked.Text("key")}: {asked.Text("asking_item_key")} has your answer.");
                }
                else
                {
                    cli.Out.MarkupLineInterpolated($"[green]Sent[/] {workItem.Text("key")}'s form: it is {workItem.Text("status")}.");
                }

                if (submitted.TryGetProperty("replayed", out var replayed) && replayed.GetBoolean())
                {
                    cli.Out.MarkupLine("[yellow]That key was used before: this is the first answer sent with it.[/]");
                }
            });
        }, item, values, key);
    }

    /// field=value pairs as the API takes them; a field given more than once becomes a list (a multi select's choices).
    private static Dictionary<string, object> Values(string[] pairs)
    {
        var values = new Dictionary<string, object>();
        foreach (var pair in pairs)
        {
            var at = pair.IndexOf('=');
            if (at <= 0)
            {
                throw new UsageException($"--value '{pair}' must be field=value.");
            }

            var (field, value) = (pair[..at].Trim(), pair[(at + 1)..]);
            values[field] = values.TryGetValue(field, out var earlier)
                ? earlier is List<string> list ? [.. list, value] : new List<string> { (string)earlier, value }
                : value;
        }

        return values;
    }

    private static string Choices(JsonElement question)
    {
        if (!question.TryGetProperty("form", out var form) || form.GetProperty("fields") is not { ValueKind: JsonValueKind.Array } fields || fields.GetArrayLength() != 1)
        {
            return "";
        }

        var field = fields[0];
        return field.TryGetProperty("options", out var options)
            ? string.Join(", ", options.EnumerateArray().Select(o => $"{o.Text("value")}"))
            : field.Text("key");
    }
}
