using System.CommandLine;
using System.Text.Json;

namespace Bosun.Cli.Commands;

public static class AuditCommands
{
    public static Command Create()
    {
        var entityType = new Option<string?>("--entity-type") { Description = "Only changes to this kind of thing, e.g. work_item, project, agent" };
        var entityId = new Option<string?>("--entity-id") { Description = "Only changes to this one (its id)" };
        var actor = new Option<string?>("--actor") { Description = "Only changes by this actor, e.g. user:ID or agent:ID" };
        var action = new Option<string?>("--action") { Description = "Only this action, e.g. work_item.updated" };
        var list = new ListOptions();
        return ClientCommand.Create("audit", "The audit trail, newest first: who changed what, and when", async (cli, ct) =>
        {
            var query = new Query()
                .Add("entity_type", cli.Get(entityType)).Add("entity_id", cli.Get(entityId))
                .Add("actor", cli.Get(actor)).Add("action", cli.Get(action));
            var rows = await list.FetchAsync(cli, "api/v1/audit", query, ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "audit entries",
                    Column.Of("When", a => a.Time("created_at")), Column.Of("Actor", a => $"{a.Text("actor_name")} ({a.Text("actor")})"),
                    Column.Of("Action", "action"), Column.Of("Entity", a => $"{a.Text("entity_type")} {a.Text("entity_id")}"),
                    Column.Of("Changes", a => Output.Truncate(Changes(a), 100)));
            }

            return CliContext.Ok;
        }, [entityType, entityId, actor, action, .. list.Symbols]);
    }

    private static string Value(JsonElement value) => value.ValueKind == JsonValueKind.Null ? "none" : Output.Describe(value);

    /// "field: before → after" for each change, the way a reviewer scans them.
    private static string Changes(JsonElement entry)
    {
        if (!entry.TryGetProperty("changes", out var changes) || changes.ValueKind != JsonValueKind.Object)
        {
            return entry.Text("changes");
        }

        return string.Join("; ", changes.EnumerateObject().Select(change =>
        {
            if (change.Value.ValueKind != JsonValueKind.Object)
            {
                return $"{change.Name}: {Output.Describe(change.Value)}";
            }

            var after = change.Value.TryGetProperty("after", out var a) ? Value(a) : "none";
            return change.Value.TryGetProperty("before", out var before) ? $"{change.Name}: {Value(before)} → {after}" : $"{change.Name}: {after}";
        }));
    }
}
