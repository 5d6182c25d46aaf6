using System.CommandLine;
using System.Text.Json;
using Bosun.Cli.Client;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// login, logout and whoami: which server and token the other commands use.
public static class SessionCommands
{
    public static IEnumerable<Command> All() => [Login(), Logout(), Whoami()];

    private static Command Login() => ClientCommand.Create(
        "login", "Check an API token against a Bosun server, then save the server URL and token for later commands (file mode 0600)",
        async (cli, ct) =>
        {
            var token = cli.Result.GetValue(ClientSettings.TokenOption) ?? Environment.GetEnvironmentVariable("BOSUN_TOKEN");
            if (string.IsNullOrWhiteSpace(token) && ReferenceEquals(cli.RawOut, Console.Out) && !Console.IsInputRedirected)
            {
                token = cli.Out.Prompt(new TextPrompt<string>("API token:").Secret());
            }

            if (string.IsNullOrWhiteSpace(token))
            {
                throw new UsageException("Give the API token with --token TOKEN (or BOSUN_TOKEN); 'bosun init' printed the first one.");
            }

            cli.Use(cli.Settings with { Token = token.Trim() });
            var identity = await LookupAsync(cli, ct);
            cli.Settings.Save();
            if (cli.Json)
            {
                cli.PrintJson(identity);
                return CliContext.Ok;
            }

            cli.Out.MarkupLineInterpolated($"[green]Logged in[/] to {cli.Settings.Url} as {Describe(identity)}.");
            cli.Out.MarkupLineInterpolated($"[grey]Saved to {ClientSettings.ConfigPath}[/]");
            return CliContext.Ok;
        });

    private static Command Logout() => ClientCommand.Create(
        "logout", "Forget the saved server URL and token (the token itself stays valid; revoke it with 'bosun token revoke')",
        (cli, _) =>
        {
            var forgotten = ClientSettings.Forget();
            if (cli.Json)
            {
                cli.PrintJson(new { logged_out = forgotten, config = ClientSettings.ConfigPath });
            }
            else
            {
                cli.Out.MarkupLine(forgotten ? "Logged out: the saved token was removed." : "[grey]Not logged in; nothing to remove.[/]");
            }

            return Task.FromResult(CliContext.Ok);
        });

    private static Command Whoami() => ClientCommand.Create(
        "whoami", "Show the server, tenant and person or agent behind the current token",
        async (cli, ct) =>
        {
            if (cli.Settings.Token is null)
            {
                throw new UsageException("Not logged in: run 'bosun login --url URL --token TOKEN', or pass --token.");
            }

            var identity = await LookupAsync(cli, ct);
            return cli.Print(identity, () => cli.Out.MarkupLineInterpolated($"{Describe(identity)} at {cli.Settings.Url}"));
        });

    /// The tenant, and the person (or, for agent tokens, the agent) the token belongs to.
    private static async Task<JsonElement> LookupAsync(CliContext cli, CancellationToken ct)
    {
        var tenant = await cli.Client.GetAsync("api/v1/tenant", ct);
        JsonElement? user = null;
        JsonElement? agent = null;
        try
        {
            user = await cli.Client.GetAsync("api/v1/users/me", ct);
        }
        catch (ApiProblem problem) when (problem.Status == 404)
        {
            // Agents can list only their own tokens, and each names its agent.
            var tokens = await cli.Client.GetAsync("api/v1/tokens?limit=1", ct);
            if (tokens.Items("items").FirstOrDefault().Text("principal") is ['a', 'g', 'e', 'n', 't', ':', .. var agentId])
            {
                agent = await cli.Client.GetAsync($"api/v1/agents/{Uri.EscapeDataString(agentId)}", ct);
            }
        }

        return JsonSerializer.SerializeToElement(new { url = cli.Settings.Url, tenant, user, agent });
    }

    private static string Describe(JsonElement identity)
    {
        var tenant = identity.GetProperty("tenant");
        var where = $"in tenant {tenant.Text("name")} ({tenant.Text("slug")})";
        if (identity.GetProperty("user") is { ValueKind: JsonValueKind.Object } user)
        {
            return $"{user.Text("name")} <{user.Text("email")}>, {user.Text("role")}, {where}";
        }

        return identity.GetProperty("agent") is { ValueKind: JsonValueKind.Object } agent
            ? $"agent {agent.Text("name")} (role {agent.Text("role")}) {where}"
            : $"a token {where}";
    }
}
