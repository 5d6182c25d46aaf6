using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// `bosun memory`: what agents and people remembered, recalled by full-text search, and the recall log.
public static class MemoryCommands
{
    public static Command Create() => ClientCommand.Group("memory", "Memory: facts, preferences, decisions and lessons kept for later runs",
        List(), Remember(), Recall(), Forget(), Recalls());

    private static Command List()
    {
        var scope = new Option<string?>("--scope") { Description = "Only this scope: tenant, project, agent or work_item" };
        var scopeId = new Option<string?>("--scope-id") { Description = "Only the memory of this project, agent or work item (with --scope)" };
        var kind = new Option<string?>("--kind") { Description = "Only this kind: fact, preference, decision or lesson" };
        var list = new ListOptions();
        return ClientCommand.Create("list", "List the memory you may read, newest first", async (cli, ct) =>
        {
            var query = new Query().Add("scope", cli.Get(scope)).Add("scope_id", cli.Get(scopeId)).Add("kind", cli.Get(kind));
            var rows = await list.FetchAsync(cli, "api/v1/memory", query, ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "memory units", Column.Of("Id", "id"), Column.Of("Scope", Scope), Column.Of("Kind", "kind"),
                    Column.Of("Content", u => Output.Truncate(u.Text("content"), 70)), Column.Of("Source", "source"), Column.Of("Expires", u => u.Time("expires_at")));
            }

            return CliContext.Ok;
        }, [scope, scopeId, kind, .. list.Symbols]);
    }

    private static Command Remember()
    {
        var content = new Argument<string[]>("content") { Description = "What to remember", Arity = ArgumentArity.OneOrMore };
        var kind = new Option<string>("--kind") { Description = "fact, preference, decision or lesson", Required = true };
        var scope = new Option<string?>("--scope") { Description = "tenant (default for people), project, agent or work_item" };
        var scopeId = new Option<string?>("--scope-id") { Description = "The project (key), agent (name) or work item (key) it belongs to" };
        var expires = new Option<DateTimeOffset?>("--expires-at") { Description = "When to forget it (ISO 8601)" };
        return ClientCommand.Create("remember", "Remember something", async (cli, ct) =>
        {
            var body = new Body().Set("content", string.Join(' ', cli.Get(content) ?? [])).Set("kind", cli.Get(kind)).Set("scope", cli.Get(scope))
                .Set("scope_id", cli.Get(scopeId)).Set("expires_at", cli.Get(expires));
            var unit = await cli.Client.PostAsync("api/v1/memory", body, ct);
            return cli.Print(unit, () => cli.Out.MarkupLineInterpolated($"[green]Remembered[/] {unit.Text("kind")} {unit.Text("id")} ({Scope(unit)})."));
        }, content, kind, scope, scopeId, expires);
    }

    private static Command Recall()
    {
        var words = new Argument<string[]>("words") { Description = "What to look for: words, \"a phrase\", OR between two terms, -word to leave out", Arity = ArgumentArity.OneOrMore };
        var scope = new Option<string?>("--scope") { Description = "Only this scope: tenant, project, agent or work_item" };
        var scopeId = new Option<string?>("--scope-id") { Description = "Only the memory of this project, agent or work item" };
        var limit = new Option<int?>("--limit") { Description = "At most this many units, 1-50 (default 10)" };
        return ClientCommand.Create("recall", "Recall memory by full-text search, best match first", async (cli, ct) =>
        {
            var body = new Body().Set("query", string.Join(' ', cli.Get(words) ?? [])).Set("scope", cli.Get(scope)).Set("scope_id", cli.Get(scopeId))
                .Set("limit", cli.Get(limit));
            var found = await cli.Client.PostAsync("api/v1/memory/recall", body, ct);
            return cli.Print(found, () => cli.Out.Table(found.Items("results"), "memory units", Column.Of("Id", "id"), Column.Of("Scope", Scope),
                Column.Of("Kind", "kind"), Column.Of("Content", u => Output.Truncate(u.Text("content"), 70)), Column.Of("Score", Score)));
        }, words, scope, scopeId, limit);
    }

    private static Command Forget()
    {
        var id = new Argument<string>("id") { Description = "The memory unit's id (see 'bosun memory list')" };
        return ClientCommand.Create("forget", "Forget a memory unit", async (cli, ct) =>
        {
            await cli.Client.DeleteAsync($"api/v1/memory/{Query.Segment(cli.Get(id))}", ct);
            var gone = JsonSerializer.SerializeToElement(new { id = cli.Get(id), deleted = true });
            return cli.Print(gone, () => cli.Out.MarkupLineInterpolated($"Forgot memory {cli.Get(id)}."));
        }, id);
    }

    private static Command Recalls()
    {
        var list = new ListOptions();
        return ClientCommand.Create("recalls", "The recall log: who asked what and which units came back (owners and admins)", async (cli, ct) =>
        {
            var rows = await list.FetchAsync(cli, "api/v1/memory/recalls", new Query(), ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "recalls", Column.Of("At", r => r.Time("at")), Column.Of("Asked by", "asked_by"),
                    Column.Of("Query", r => Output.Truncate(r.Text("query"), 40)),
                    Column.Of("Units", r => string.Join(", ", r.Items("results").Select(u => $"{u.Text("id")} ({Score(u)})"))),
                    Column.Of("Took", r => r.Text("took_ms") + " ms"));
            }

            return CliContext.Ok;
        }, list.Symbols);
    }

    private static string Scope(JsonElement unit) =>
        unit.TextOrNull("scope_id") is { } id ? $"{unit.Text("scope")} {id}" : unit.Text("scope");

    private static string Score(JsonElement unit) => unit.GetProperty("score").GetDouble().ToString("0.###", CultureInfo.InvariantCulture);
}
