using System.CommandLine;
using System.Text.Json;
using Bosun.Cli.Client;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// Connected accounts: created here (an OAuth2 one is then connected from the web UI), listed and shown without any
/// token, refreshed on demand and revoked. A client secret comes from a file or standard input, never an argument.
public static class ConnectionCommands
{
    public static Command Create()
    {
        var group = ClientCommand.Group("connections", "Connected accounts (OAuth2 and others) whose tokens agents read during their runs",
            List(), Add(), Show(), Refresh(), Revoke(), Bind());
        group.Aliases.Add("connection");
        return group;
    }

    private static Argument<string> NameArgument() => new("name") { Description = "The connection's name (or id)" };

    private static string On(string name, string tail = "") => $"api/v1/connections/{Query.Segment(name)}{tail}";

    private static Command List()
    {
        var revoked = new Option<bool>("--revoked") { Description = "The revoked connections instead" };
        var list = new ListOptions();
        return ClientCommand.Create("list", "List connections: provider, status, expiry and owner, never a token", async (cli, ct) =>
        {
            var rows = await list.FetchAsync(cli, "api/v1/connections", new Query().Add("revoked", cli.Get(revoked) ? true : null), ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "connections",
                    Column.Of("Name", "name"), Column.Of("Provider", "provider"), Column.Of("Type", "type"), new Column("Status", c => Output.Status(c.Text("status"))),
                    Column.Of("Expires", c => c.Time("expires_at")), Column.Of("Owner", c => c.TextOrNull("owner")), Column.Of("Id", "id"));
            }

            return CliContext.Ok;
        }, [revoked, .. list.Symbols]);
    }

    private static Command Add()
    {
        var name = NameArgument();
        var provider = new Option<string>("--provider") { Description = "github, google, slack, linear (presets with their URLs) or any name", Required = true };
        var type = new Option<string?>("--type") { Description = "oauth2 (default), api_key, basic or custom" };
        var scopes = new Option<string[]>("--scope") { Description = "A scope to ask for; repeat for several" };
        var secrets = new Option<string[]>("--secret") { Description = "A vault secret the connection uses (by name); repeat for several" };
        var authorizeUrl = new Option<string?>("--authorize-url") { Description = "The provider's authorize URL (default: the preset's)" };
        var tokenUrl = new Option<string?>("--token-url") { Description = "The provider's token URL (default: the preset's)" };
        var clientId = new Option<string?>("--client-id") { Description = "The OAuth2 client id" };
        var clientSecret = new Option<string?>("--client-secret-file") { Description = "Read the OAuth2 client secret from this file ('-': standard input)" };
        var tokenAuth = new Option<string?>("--token-auth") { Description = "client_secret_post (default) or client_secret_basic" };
        var project = new Option<string?>("--project") { Description = "The project its alerts go to (default: the tenant's first)" };
        var description = new Option<string?>("--description") { Description = "What it is for" };
        return ClientCommand.Create("create", "Create a connection; connect an OAuth2 one afterwards on the web UI's Connections page", async (cli, ct) =>
        {
            var body = new Body().Set("name", cli.Get(name)).Set("provider", cli.Get(provider)).Set("type", cli.Get(type))
                .Set("scopes", cli.Get(scopes) is { Length: > 0 } s ? s : null).Set("secrets", cli.Get(secrets) is { Length: > 0 } n ? n : null)
                .Set("authorize_url", cli.Get(authorizeUrl)).Set("token_url", cli.Get(tokenUrl)).Set("client_id", cli.Get(clientId))
                .Set("token_auth", cli.Get(tokenAuth)).Set("project", cli.Get(project)).Set("description", cli.Get(description));
            if (cli.Get(clientSecret) is { } file)
            {
                body.Set("client_secret", await SecretCommands.ReadValueAsync(file, ct));
            }

            var created = await cli.Client.PostAsync("api/v1/connections", body, ct);
            return cli.Print(created, () => cli.Out.MarkupLineInterpolated(
                $"[green]Created[/] connection {created.Text("name")} ({created.Text("status")}); connect it at {cli.Settings.Url.TrimEnd('/')}/connections"));
        }, name, provider, type, scopes, secrets, authorizeUrl, tokenUrl, clientId, clientSecret, tokenAuth, project, description);
    }

    private static Command Show()
    {
        var name = NameArgument();
        return ClientCommand.Create("show", "Show a connection: status, scopes, expiry, owner and the secrets it uses", async (cli, ct) =>
        {
            var c = await cli.Client.GetAsync(On(cli.Get(name)), ct);
            return cli.Print(c, () => Details(cli, c));
        }, name);
    }

    private static Command Refresh()
    {
        var name = NameArgument();
        return ClientCommand.Create("refresh", "Refresh an OAuth2 connection's token now", async (cli, ct) =>
        {
            var c = await cli.Client.PostAsync(On(cli.Get(name), "/refresh"), null, ct);
            return cli.Print(c, () => Details(cli, c));
        }, name);
    }

    private static Command Revoke()
    {
        var name = NameArgument();
        return ClientCommand.Create("revoke", "Revoke a connection: its client secret and tokens are erased", async (cli, ct) =>
        {
            var revoked = await cli.Client.DeleteAsync(On(cli.Get(name)), ct);
            return cli.Print(revoked, () => cli.Out.MarkupLineInterpolated($"Revoked {revoked.Text("name")}; its tokens are erased."));
        }, name);
    }

    private static Command Bind()
    {
        var name = NameArgument();
        var subject = new Argument<string>("subject") { Description = "agent:NAME (one agent) or role:ROLE (every agent of that role)" };
        return ClientCommand.Create("bind", "Let an agent or a role read the connection's access token during its runs", async (cli, ct) =>
        {
            var binding = await cli.Client.PostAsync(On(cli.Get(name), "/bindings"), new { subject = cli.Get(subject) }, ct);
            return cli.Print(binding, () => cli.Out.MarkupLineInterpolated($"{binding.Text("subject")} may read the token of {cli.Get(name)} now."));
        }, name, subject);
    }

    private static void Details(CliContext cli, JsonElement c) => cli.Out.Details(
        Output.Row("Name", c.Text("name")), Output.Row("Provider", c.Text("provider")), Output.Row("Type", c.Text("type")),
        Output.Row("Status", Output.Status(c.Text("status"))), Output.Row("Scopes", string.Join(" ", c.Items("scopes").Select(s => s.GetString()))),
        Output.Row("Secrets", string.Join(", ", c.Items("secrets").Select(s => s.GetString()))), Output.Row("Expires", c.Time("expires_at")),
        Output.Row("Owner", c.TextOrNull("owner")), Output.Row("Last error", c.TextOrNull("last_error")), Output.Row("Id", c.Text("id")));
}
