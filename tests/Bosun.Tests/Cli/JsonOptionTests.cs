using System.CommandLine;
using Bosun.Cli;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Cli;

/// Every command takes --json, as the README promises, so scripts never have to read a table.
[Collection("CLI")]
public sealed class JsonOptionTests
{
    /// Commands where JSON cannot mean anything, with the reason.
    private static readonly Dictionary<string, string> Exceptions = new()
    {
        ["serve"] = "runs until stopped and prints only its log; --log-format json makes that JSON",
        ["bench dispatch"] = "a benchmark prints figures for people while its phases run, not an answer of the API",
        ["bench ingest"] = "a benchmark prints figures for people while its phases run, not an answer of the API",
        ["bench otlp"] = "a benchmark prints figures for people while its phases run, not an answer of the API",
        ["bench schedules"] = "a benchmark prints figures for people while its phases run, not an answer of the API",
        ["bench search"] = "a benchmark prints figures for people while its phases run, not an answer of the API",
        ["bench scale"] = "a benchmark prints figures for people while its phases run, not an answer of the API",
        ["bench notify"] = "a benchmark prints figures for people while its phases run, not an answer of the API",
        ["bench permissions"] = "a benchmark prints figures for people while its phases run, not an answer of the API",
        ["bench costs"] = "a benchmark prints figures for people while its phases run, not an answer of the API",
        ["bench ui"] = "a benchmark prints figures for people while its phases run, not an answer of the API",
        ["bench batch"] = "a benchmark prints figures for people while its phases run, not an answer of the API",
        ["bench plan"] = "a benchmark prints figures for people while its phases run, not an answer of the API",
        ["bench backup"] = "a benchmark prints figures for people while its phases run, not an answer of the API",
    };

    [Fact]
    public void Every_command_takes_json_except_those_where_it_means_nothing()
    {
        var leaves = Leaves(BosunCli.Build(), "").ToList();

        var missing = leaves.Where(l => !Exceptions.ContainsKey(l.Path) && l.Command.Options.All(o => o.Name != "--json")).Select(l => l.Path).ToList();
        Assert.True(missing.Count == 0, $"commands without --json: {string.Join(", ", missing)}");
        Assert.All(Exceptions.Keys, path => Assert.Contains(leaves, l => l.Path == path));
        Assert.Contains(leaves, l => l.Path == "cost");
        Assert.Contains(leaves, l => l.Path == "costs");
    }

    [Fact]
    public async Task Cost_offline_with_json_prints_the_quote_as_json()
    {
        using var cli = new CliRunner(null);

        var quote = (await cli.OkAsync("cost", "--offline", "--model", "claude-sonnet-4-5", "--input", "100000", "--output", "1000", "--json")).Json();

        Assert.Equal("claude-sonnet-4-5", quote.Str("model"));
        Assert.Equal("anthropic", quote.Str("provider"));
        Assert.Equal(100_000, quote.GetProperty("input_tokens").GetInt64());
        Assert.Equal(0.315m, quote.GetProperty("cost_usd").GetDecimal());
    }

    private static IEnumerable<(string Path, Command Command)> Leaves(Command command, string path)
    {
        if (command.Subcommands.Count == 0)
        {
            yield return (path, command);
        }

        foreach (var sub in command.Subcommands)
        {
            foreach (var leaf in Leaves(sub, path.Length == 0 ? sub.Name : $"{path} {sub.Name}"))
            {
                yield return leaf;
            }
        }
    }
}
