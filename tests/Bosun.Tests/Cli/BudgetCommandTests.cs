using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Cli;

/// `bosun budgets` with token caps against the in-process server.
[Collection("CLI")]
public sealed class BudgetCommandTests
{
    [Fact]
    public async Task An_owner_sets_lists_and_raises_a_token_budget_on_the_command_line()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);

        var set = await cli.OkAsync("budgets", "set", "--scope", "project", "--scope-id", "WEB", "--max-tokens", "10000", "--count-cache-reads", "--action", "fail", "--name", "WEB tokens");
        Assert.Contains("10,000 tokens per month, fail at the cap", set.Output);

        var listed = Assert.Single((await cli.OkAsync("budgets", "list", "--json")).Json().EnumerateArray());
        Assert.Equal((10_000L, true, "fail"), (listed.GetProperty("max_tokens").GetInt64(), listed.GetProperty("count_cache_reads").GetBoolean(), listed.Str("action")));
        var id = listed.Str("id");

        var raised = await cli.OkAsync("budgets", "raise", id, "--max-tokens", "20000");
        Assert.Contains("20,000 tokens (ok)", raised.Output);
        var both = (await cli.OkAsync("budgets", "raise", id, "--amount", "5", "--json")).Json();
        Assert.Equal((5m, 20_000L), (both.GetProperty("amount_usd").GetDecimal(), both.GetProperty("max_tokens").GetInt64()));

        Assert.NotEqual(0, (await cli.RunAsync("budgets", "raise", id)).ExitCode);
        var neither = await cli.RunAsync("budgets", "set", "--scope", "tenant");
        Assert.NotEqual(0, neither.ExitCode);
        Assert.Contains("max_tokens", neither.Error);
    }
}
