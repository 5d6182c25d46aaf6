using Bosun.Cli;
using Bosun.Cli.Commands;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Cli;

[Collection("CLI")]
public sealed class PlanCommandTests
{
    [Theory, BothStores]
    public async Task A_plan_is_written_submitted_rejected_planned_again_and_approved_on_the_command_line(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Launch the pricing page", new { type = "ticket" });
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);
        var dir = Directory.CreateTempSubdirectory("bosun-plan-");
        try
        {
            var bodyFile = Path.Combine(dir.FullName, "plan.md");
            await File.WriteAllTextAsync(bodyFile, "## Approach\n\nBuild it.");
            var stepsFile = Path.Combine(dir.FullName, "steps.json");
            await File.WriteAllTextAsync(stepsFile, """[{"key": "build", "title": "Build the page"}]""");

            var plan = (await cli.OkAsync("plan", "create", "Pricing page launch", "--project", "WEB", "--kind", "execution_plan",
                "--work-item", "WEB-1", "--body-file", bodyFile, "--steps-file", stepsFile, "--json")).Json();
            var id = plan.Str("id");
            Assert.Contains("Pricing page launch", (await cli.OkAsync("plan", "list", "--work-item", "WEB-1")).Output);

            var submitted = (await cli.OkAsync("plan", "submit", id, "--json")).Json();
            var approval = submitted.GetProperty("versions")[0].Str("approval_id");
            Assert.Contains(approval, (await cli.OkAsync("approval", "list", "--status", "pending")).Output);
            Assert.Equal(BosunCli.UsageError, (await cli.RunAsync("approval", "reject", approval)).ExitCode);
            await cli.OkAsync("approval", "reject", approval, "--note", "Test it first.");

            await File.WriteAllTextAsync(stepsFile, """[{"key": "build", "title": "Build the page"}, {"key": "qa", "title": "Test it", "after": ["build"]}]""");
            Assert.Contains("version 2 (attempt 2", (await cli.OkAsync("plan", "version", id, "--steps-file", stepsFile)).Output);
            var again = (await cli.OkAsync("plan", "submit", id, "--json")).Json().GetProperty("versions")[0].Str("approval_id");
            Assert.Equal(CliContext.Conflict, (await cli.RunAsync("approval", "approve", approval)).ExitCode);
            var approved = await cli.OkAsync("approval", "approve", again);
            Assert.Contains("WEB-2, WEB-3", approved.Output);

            var shown = await cli.OkAsync("plan", "show", id);
            Assert.Contains("active", shown.Output);
            Assert.Contains("Test it first.", shown.Output);
            Assert.Contains("rejected", (await cli.OkAsync("plan", "show", id, "--version", "1")).Output);

            await cli.OkAsync("plan", "archive", id);
            Assert.DoesNotContain("Pricing page launch", (await cli.OkAsync("plan", "list")).Output);
            Assert.Contains("Pricing page launch", (await cli.OkAsync("plan", "list", "--archived")).Output);
            await cli.OkAsync("plan", "restore", id);
            Assert.Equal("active", (await cli.OkAsync("plan", "show", id, "--json")).Json().Str("status"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
