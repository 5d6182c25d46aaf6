using System.CommandLine;
using Bosun.Cli.Client;

namespace Bosun.Cli;

/// The `bosun` command line: server commands that open the database, client commands that call the API.
public static class BosunCli
{
    public const int UsageError = 2;

    public static RootCommand Build()
    {
        var root = new RootCommand("Bosun: the control plane for teams of AI agents and people.");
        StoreSelection.AddOptions(root);
        root.Add(ClientSettings.UrlOption);
        root.Add(ClientSettings.TokenOption);
        ServerCommands.Add(root);
        ClientCommands.Add(root);
        LedgerCommands.Add(root);
        DataSafetyCommands.Add(root);
        Commands.AgentRunCommand.AddTo(root);
        root.Add(Commands.OperatorCommands.Create());
        return root;
    }

    /// Runs one command line. A command line that does not parse exits 2, like a request the server refuses,
    /// so that 1 keeps meaning "Bosun could not be reached".
    public static async Task<int> RunAsync(IReadOnlyList<string> args, InvocationConfiguration? configuration = null, CancellationToken ct = default)
    {
        var result = Build().Parse(args);

        // Ctrl+C or a TERM signal cancels the command's token; a benchmark then needs a few seconds to stop its server
        // and remove its database (and its throwaway PostgreSQL), which the default two seconds cut short.
        configuration ??= new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(15) };
        var code = await result.InvokeAsync(configuration, ct);
        return result.Errors.Count > 0 ? UsageError : code;
    }
}
