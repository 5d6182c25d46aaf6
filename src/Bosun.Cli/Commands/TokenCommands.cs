using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// API tokens. Bosun keeps only their hashes: a token's secret is printed once, when it is created.
public static class TokenCommands
{
    public static Command Create() => ClientCommand.Group("token", "API tokens for you, other people and agents", List(), New(), Revoke());

    private static Command List()
    {
        var agent = new Option<string?>("--agent") { Description = "Only the tokens of this agent (name or id)" };
        var list = new ListOptions();
        return ClientCommand.Create("list", "List API tokens (their prefixes; the secrets are not stored)", async (cli, ct) =>
        {
            var agentId = cli.Get(agent) is { } reference ? await Lookups.AgentIdAsync(cli, reference, ct) : null;
            var rows = await list.FetchAsync(cli, "api/v1/tokens", new Query().Add("agent_id", agentId), ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "tokens",
                    Column.Of("Name", "name"), Column.Of("Prefix", "prefix"), Column.Of("For", "principal"),
                    new Column("State", t => Output.Status(t.TextOrNull("revoked_at") is not null ? "revoked" : "active")),
                    Column.Of("Created", t => t.Time("created_at")), Column.Of("Expires", t => t.Time("expires_at")),
                    Column.Of("Last used", t => t.Time("last_used_at")), Column.Of("Id", "id"));
            }

            return CliContext.Ok;
        }, [agent, .. list.Symbols]);
    }

    private static Command New()
    {
        var name = new Option<string?>("--name") { Description = "What the token is for, e.g. 'laptop' or 'CI'" };
        var agent = new Option<string?>("--agent") { Description = "Create it for this agent (name or id) instead of for you" };
        var user = new Option<string?>("--user") { Description = "Create it for this person (id) instead of for you" };
        var expires = Moments.Option("--expires", "When the token stops working (default: never)");
        return ClientCommand.Create("create", "Create an API token and print it (shown only once)", async (cli, ct) =>
        {
            var agentId = cli.Get(agent) is { } reference ? await Lookups.AgentIdAsync(cli, reference, ct) : null;
            var token = await cli.Client.PostAsync("api/v1/tokens", new Body()
                .Set("name", cli.Get(name))
                .Set("agent_id", agentId)
                .Set("user_id", cli.Get(user))
                .Set("expires_at", cli.Get(expires)), ct);
            return cli.Print(token, () => PrintSecret(cli, token, token.Text("principal")));
        }, name, agent, user, expires);
    }

    private static Command Revoke()
    {
        var id = new Argument<string>("id") { Description = "The token's id (see 'bosun token list')" };
        return ClientCommand.Create("revoke", "Revoke a token: it stops working at once", async (cli, ct) =>
        {
            var token = await cli.Client.PostAsync($"api/v1/tokens/{Query.Segment(cli.Get(id))}/revoke", null, ct);
            return cli.Print(token, () => cli.Out.MarkupLineInterpolated($"Revoked token {token.Text("name")} ({token.Text("prefix")}…)."));
        }, id);
    }

    public static void PrintSecret(CliContext cli, JsonElement token, string owner)
    {
        cli.Out.MarkupLineInterpolated($"[green]Created[/] token {token.Text("name")} for {owner}{(token.TextOrNull("expires_at") is null ? "" : $", expires {token.Time("expires_at")}")}.");
        cli.Out.MarkupLine("Token (shown only now; store it safely):");
        cli.RawOut.WriteLine(token.Text("token"));
    }
}
