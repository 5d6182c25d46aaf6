using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// `bosun sessions`: the agent sessions imports and agents recorded, one with its messages, and rating them.
public static class AgentSessionCommands
{
    public static Command Create() => ClientCommand.Group("sessions", "Agent sessions (imported transcripts and agents' own): list, show, rate",
        List(), Show(), Rate(), Outcomes());

    private static Command List()
    {
        var source = new Option<string?>("--source") { Description = "Only sessions from claude_code, codex or generic" };
        var outcome = new Option<string?>("--outcome") { Description = "Only sessions with this outcome: success, failure, partial, cancelled, or none" };
        var minQuality = new Option<int?>("--min-quality") { Description = "Only sessions scored at least this (0-100)" };
        var list = new ListOptions();
        return ClientCommand.Create("list", "List agent sessions, newest first", async (cli, ct) =>
        {
            var query = new Query().Add("source", cli.Get(source)).Add("outcome", cli.Get(outcome)).Add("min_quality", cli.Get(minQuality));
            var rows = await list.FetchAsync(cli, "api/v1/sessions", query, ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "sessions",
                    Column.Of("Started", s => s.Time("started_at")), Column.Of("Source", "source"),
                    Column.Of("Title", s => Output.Truncate(s.Text("title"), 60)), Column.Of("Model", "model"),
                    Column.Of("Messages", "message_count"), Column.Of("Outcome", "outcome"), Column.Of("Quality", "quality_score"),
                    Column.Of("Id", "id"));
            }

            return CliContext.Ok;
        }, [source, outcome, minQuality, .. list.Symbols]);
    }

    private static Command Show()
    {
        var id = new Argument<string>("id") { Description = "The session's id" };
        var messages = new Option<int>("--messages") { Description = "Show the first N messages too (default 20, 0 for none)", DefaultValueFactory = _ => 20 };
        return ClientCommand.Create("show", "Show a session: where it ran, its tokens and cost, sub-agents and first messages", async (cli, ct) =>
        {
            var path = $"api/v1/sessions/{Query.Segment(cli.Get(id))}";
            var detail = await cli.Client.GetAsync(path, ct);
            var count = cli.Get(messages);
            JsonElement? page = count > 0 ? await cli.Client.GetAsync(new Query().Add("limit", Math.Min(count, 500)).On(path + "/messages"), ct) : null;
            if (cli.Json)
            {
                cli.PrintJson(new { session = detail, messages = page?.GetProperty("items") });
                return CliContext.Ok;
            }

            var s = detail.GetProperty("session");
            var usage = detail.GetProperty("usage");
            cli.Out.Details(
                Output.Row("Session", $"{s.Text("title")} ({s.Text("id")})"),
                Output.Row("Source", $"{s.Text("source")} {s.Text("external_id")}"),
                Output.Row("Where", $"{s.Text("machine")} {s.Text("workspace_path")} {s.Text("git_branch")}".Trim()),
                Output.Row("When", $"{s.Time("started_at")} – {s.Time("ended_at")}"),
                Output.Row("Outcome", $"{s.Text("outcome")} {(s.Text("quality_score") is { Length: > 0 } q ? $"(quality {q})" : "")}".Trim()),
                Output.Row("Usage", $"{usage.Text("calls")} LLM calls, {usage.GetProperty("input_tokens").GetInt64():N0} in, {usage.GetProperty("output_tokens").GetInt64():N0} out, "
                    + $"{usage.GetProperty("cache_read_tokens").GetInt64():N0} cache read; {usage.Usd("cost_usd")} (list {usage.Usd("list_cost_usd")})"));
            foreach (var sub in detail.Items("sub_agents"))
            {
                cli.Out.MarkupLineInterpolated($"  [grey]sub-agent[/] {sub.Text("title")} ({sub.Text("id")}, {sub.Text("message_count")} messages)");
            }

            if (page is { } p)
            {
                foreach (var m in p.Items("items"))
                {
                    var tools = m.Items("tool_uses").Select(u => u.Text("name")).ToList();
                    var text = Output.Truncate(m.Text("text").ReplaceLineEndings(" "), 100);
                    cli.Out.MarkupLineInterpolated($"[bold]{m.Text("role")}[/] [grey]{m.Time("at")}[/] {text}{(tools.Count > 0 ? $" [blue]→ {string.Join(", ", tools)}[/]" : "")}");
                }
            }

            return CliContext.Ok;
        }, [id, messages]);
    }

    private static Command Rate()
    {
        var id = new Argument<string>("id") { Description = "The session's id" };
        var outcome = new Argument<string?>("outcome") { Description = "success, failure, partial or cancelled", Arity = ArgumentArity.ZeroOrOne };
        var quality = new Option<int?>("--quality") { Description = "A quality score 0-100" };
        return ClientCommand.Create("rate", "Say how a session went: its outcome and a quality score", async (cli, ct) =>
        {
            var body = new Body().Set("outcome", cli.Get(outcome)).Set("quality_score", cli.Get(quality)).RequireChanges();
            var session = await cli.Client.PatchAsync($"api/v1/sessions/{Query.Segment(cli.Get(id))}", body, ct);
            return cli.Print(session, () => cli.Out.MarkupLineInterpolated(
                $"[green]Rated[/] {session.Text("id")}: {session.Text("outcome")} {(session.Text("quality_score") is { Length: > 0 } q ? $"(quality {q})" : "")}"));
        }, [id, outcome, quality]);
    }

    private static Command Outcomes()
    {
        var source = new Option<string?>("--source") { Description = "Only sessions from claude_code, codex or generic" };
        return ClientCommand.Create("outcomes", "Sessions per outcome with their average quality and cost", async (cli, ct) =>
        {
            var rows = await cli.Client.GetAsync(new Query().Add("source", cli.Get(source)).On("api/v1/sessions/outcomes"), ct);
            return cli.Print(rows, () => cli.Out.Table(rows.EnumerateArray().ToList(), "sessions",
                Column.Of("Outcome", "outcome"), Column.Of("Sessions", "sessions"), Column.Of("Average quality", "average_quality"),
                Column.Of("Cost", r => r.Usd("cost_usd"))));
        }, source);
    }
}
