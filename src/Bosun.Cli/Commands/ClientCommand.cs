using System.CommandLine;
using System.Text.Json;
using Bosun.Cli.Client;

namespace Bosun.Cli.Commands;

/// Builds commands that call the API: every one takes --json, and failures become readable messages and exit
/// codes (2 when the server refuses the request, 3 on a conflict, 1 when it cannot be reached).
public static class ClientCommand
{
    public static Command Create(string name, string description, Func<CliContext, CancellationToken, Task<int>> action, params Symbol[] symbols)
    {
        var json = new Option<bool>("--json") { Description = "Print the API's JSON instead of a table" };
        var command = new Command(name, description);
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Argument argument:
                    command.Add(argument);
                    break;
                case Option option:
                    command.Add(option);
                    break;
                default:
                    throw new ArgumentException($"Cannot add {symbol.GetType().Name} to a command.", nameof(symbols));
            }
        }

        command.Add(json);
        command.SetAction((result, ct) => RunAsync(result, result.GetValue(json), action, ct));
        return command;
    }

    public static Command Group(string name, string description, params Command[] commands)
    {
        var group = new Command(name, description);
        foreach (var command in commands)
        {
            group.Add(command);
        }

        return group;
    }

    private static async Task<int> RunAsync(ParseResult result, bool json, Func<CliContext, CancellationToken, Task<int>> action, CancellationToken ct)
    {
        CliContext cli;
        try
        {
            cli = new CliContext(result, json);
        }
        catch (JsonException ex)
        {
            await result.InvocationConfiguration.Error.WriteLineAsync(
                $"The saved login in {ClientSettings.ConfigPath} is unreadable ({ex.Message}); run 'bosun login' again.");
            return CliContext.Rejected;
        }

        using var _ = cli;
        try
        {
            return await action(cli, ct);
        }
        catch (ApiProblem problem)
        {
            return cli.Fail(problem);
        }
        catch (UsageException usage)
        {
            return cli.FailUsage(usage.Message);
        }
        catch (HttpRequestException ex) when (ex.StatusCode is null)
        {
            return cli.FailUnreachable(ex);
        }
        catch (TaskCanceledException ex) when (!ct.IsCancellationRequested)
        {
            return cli.FailUnreachable(new TimeoutException("the request timed out", ex));
        }
        catch (JsonException ex)
        {
            return cli.FailUnreachable(new InvalidDataException($"the answer was not Bosun's JSON ({ex.Message}); is this a Bosun server?", ex));
        }
    }
}
