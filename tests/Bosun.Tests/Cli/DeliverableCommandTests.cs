using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Cli;

/// `bosun deliverable` against the in-process server on 2 March 2026.
[Collection("CLI")]
public sealed class DeliverableCommandTests
{
    [Fact]
    public async Task Deliverables_are_set_changed_and_followed_from_the_command_line()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("MKT");
        var goal = (await acme.CreateGoalAsync(new { title = "Grow organic traffic", project_id = "MKT" })).Str("id");
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);

        var created = await cli.OkAsync("deliverable", "create", "Monthly blog posts", "--goal", goal, "--type", "blog_posts", "--quantity", "4");
        Assert.Contains("Created deliverable Monthly blog posts", created.Output);
        Assert.Contains("2026-04", created.Output);
        var id = (await cli.OkAsync("deliverable", "list", "--json")).Json().GetProperty("items")[0].Str("id");

        var list = await cli.OkAsync("deliverable", "list", "--goal", goal);
        Assert.Contains("4 a month", list.Output);
        Assert.Contains("0 / 4", list.Output);
        Assert.Contains("at_risk", list.Output);

        var progress = await cli.OkAsync("deliverable", "progress", "--period", "2026-03");
        Assert.Contains("Grow organic traffic", progress.Output);
        Assert.Contains("░░░░░░░░░░ 0%", progress.Output);
        var json = (await cli.OkAsync("deliverable", "progress", "--json")).Json();
        Assert.Equal("2026-03", json.Str("period"));
        Assert.Equal(4, json.GetProperty("items")[0].GetProperty("target").GetInt32());

        var updated = await cli.OkAsync("deliverable", "update", id, "--quantity", "6", "--json");
        Assert.Equal(6, updated.Json().GetProperty("periods")[0].GetProperty("target").GetInt32());
        Assert.Equal(4, updated.Json().GetProperty("periods")[1].GetProperty("target").GetInt32());
        var show = await cli.OkAsync("deliverable", "show", id);
        Assert.Contains("6 a month", show.Output);
        Assert.Contains("0 / 6", show.Output);

        var refused = await cli.RunAsync("deliverable", "create", "Too few", "--goal", goal, "--type", "t", "--quantity", "0");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("quantity_per_period", refused.Error);
        var noChange = await cli.RunAsync("deliverable", "update", id);
        Assert.Equal(2, noChange.ExitCode);

        await cli.OkAsync("deliverable", "archive", id);
        Assert.Contains("No deliverables.", (await cli.OkAsync("deliverable", "list")).Output);
        Assert.Contains("Monthly blog posts", (await cli.OkAsync("deliverable", "list", "--archived")).Output);
        await cli.OkAsync("deliverable", "restore", id);
        Assert.Contains("Monthly blog posts", (await cli.OkAsync("deliverable", "list", "--active", "true")).Output);
    }
}
