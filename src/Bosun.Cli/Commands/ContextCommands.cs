using System.CommandLine;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// `bosun context`: a work item's context under a token budget, the budget profiles and the request log.
public static class ContextCommands
{
    public static Command Create() => ClientCommand.Group("context", "Context for work items under a token budget", Assemble(), Profiles(), Requests());

    private static Command Assemble()
    {
        var item = new Argument<string>("item") { Description = "The work item's key or id" };
        var profile = new Option<string?>("--profile") { Description = "A context profile (name or id); default: the one that applies" };
        var max = new Option<int?>("--max-tokens") { Description = "The budget in tokens instead of a profile's" };
        var encoding = new Option<string?>("--encoding") { Description = "How tokens are counted: o200k_base, cl100k_base or claude" };
        return ClientCommand.Create("assemble", "Assemble an item's context: the parts that fit, highest priority first, and what was left out", async (cli, ct) =>
        {
            var body = new Body().Set("work_item", cli.Get(item)).Set("profile", cli.Get(profile)).Set("max_tokens", cli.Get(max)).Set("encoding", cli.Get(encoding));
            var bundle = await cli.Client.PostAsync("api/v1/context/assemble", body, ct);
            return cli.Print(bundle, () =>
            {
                cli.Out.MarkupLineInterpolated(
                    $"{bundle.Text("work_item_key")}: {bundle.Text("total_tokens")} of {bundle.Text("max_tokens")} tokens ({bundle.Text("reserved_tokens")} reserved, {bundle.Text("encoding")}), profile {(bundle.Text("profile") is { Length: > 0 } p ? p : "none")}{(bundle.GetProperty("cache_hit").GetBoolean() ? ", from the cache" : "")}");
                cli.Out.Table(bundle.GetProperty("parts").EnumerateArray().ToList(), "parts",
                    Column.Of("Section", "section"), Column.Of("Part", "ref"), Column.Of("Title", r => Output.Truncate(r.Text("title"), 40)),
                    Column.Of("Priority", "priority"), Column.Of("Tokens", "tokens"));
                var left = bundle.GetProperty("left_out").EnumerateArray().ToList();
                if (left.Count > 0)
                {
                    cli.Out.MarkupLine("Left out:");
                    cli.Out.Table(left, "parts left out", Column.Of("Section", "section"), Column.Of("Part", "ref"), Column.Of("Priority", "priority"),
                        Column.Of("Tokens", "tokens"), Column.Of("Why", "reason"));
                }
            });
        }, item, profile, max, encoding);
    }

    private static Command Profiles() => ClientCommand.Create("profiles", "List the tenant's context budget profiles", async (cli, ct) =>
    {
        var profiles = await cli.Client.GetAsync("api/v1/context/profiles", ct);
        return cli.Print(profiles, () => cli.Out.Table(profiles.EnumerateArray().ToList(), "context profiles",
            Column.Of("Name", "name"), Column.Of("For", p => p.Text("agent_id") is { Length: > 0 } a ? $"agent {a}" : p.Text("role") is { Length: > 0 } r ? $"role {r}" : $"items of type {p.Text("item_type")}"),
            Column.Of("Max tokens", "max_tokens"), Column.Of("Reserved", "reserved_tokens"), Column.Of("Encoding", "encoding"),
            Column.Of("Priorities", p => string.Join(", ", p.GetProperty("priorities").EnumerateObject().Select(x => $"{x.Name}={x.Value}")))));
    });

    private static Command Requests()
    {
        var item = new Option<string?>("--item") { Description = "Only this work item's requests" };
        var list = new ListOptions();
        return ClientCommand.Create("requests", "Every context assembly asked for, newest first (owners and admins)", async (cli, ct) =>
        {
            var rows = await list.FetchAsync(cli, "api/v1/context/requests", new Query().Add("work_item", cli.Get(item)), ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "context requests", Column.Of("At", "created_at"), Column.Of("By", "requested_by"), Column.Of("Item", "work_item_id"),
                    Column.Of("Tokens", r => $"{r.Text("total_tokens")} / {r.Text("max_tokens")}"), Column.Of("Parts", "parts"), Column.Of("Left out", "left_out"),
                    Column.Of("Cache", r => r.GetProperty("cache_hit").GetBoolean() ? "hit" : "miss"), Column.Of("ms", "took_ms"));
            }

            return CliContext.Ok;
        }, [item, .. list.Symbols]);
    }
}
