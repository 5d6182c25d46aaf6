using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Cli;

/// `bosun project policy` and `bosun work checks` against the in-process server.
[Collection("CLI")]
public sealed class PolicyCommandTests
{
    [Fact]
    public async Task A_lead_sets_the_required_checks_on_the_command_line_and_reads_what_a_run_reported()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("MAP");
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);

        var unset = await cli.OkAsync("project", "policy", "MAP");
        Assert.Contains("never set", unset.Output);

        var set = await cli.OkAsync("project", "policy", "MAP", "--require", "tests", "--require", "lint", "--allow", "src/**", "--on-failure", "approval");
        Assert.Contains("tests, lint", set.Output);
        Assert.Contains("src/**", set.Output);
        var policy = await acme.Owner.GetJsonAsync("/api/v1/projects/MAP/policy");
        Assert.Equal(["tests", "lint"], policy.GetProperty("required_checks").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("approval", policy.Str("on_failure"));

        var onlyOnFailure = (await cli.OkAsync("project", "policy", "MAP", "--on-failure", "block", "--json")).Json();
        Assert.Equal(2, onlyOnFailure.GetProperty("required_checks").GetArrayLength());
        Assert.Equal("block", onlyOnFailure.Str("on_failure"));

        var refused = await cli.RunAsync("project", "policy", "MAP", "--require", "tests", "--require", "TESTS");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("required_checks[1]", refused.Error);

        await acme.CreateWorkAsync("MAP", "Card", new { status = "ready" });
        var (_, agent, _) = await acme.CreateAgentAsync("coder");
        var run = (await agent.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0].GetProperty("run");
        await agent.PostJsonAsync($"/api/v1/runs/{run.Str("run_id")}/complete", new
        {
            lease_token = run.Str("lease_token"),
            artifacts = new { checks = new object[] { new { name = "tests", status = "passed" }, new { name = "lint", status = "failed", summary = "3 errors" } } },
        });

        var checks = await cli.OkAsync("work", "checks", "MAP-1");
        Assert.Contains("lint", checks.Output);
        Assert.Contains("3 errors", checks.Output);
        Assert.Equal(2, (await cli.OkAsync("work", "checks", "MAP-1", "--json")).Json().GetProperty("items").GetArrayLength());
        Assert.Equal("blocked", (await acme.Owner.GetJsonAsync("/api/v1/work/MAP-1")).Str("status"));

        var cleared = (await cli.OkAsync("project", "policy", "MAP", "--clear", "--json")).Json();
        Assert.Empty(cleared.GetProperty("required_checks").EnumerateArray());
        Assert.Empty(cleared.GetProperty("allowed_paths").EnumerateArray());
    }
}
