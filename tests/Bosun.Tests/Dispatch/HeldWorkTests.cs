using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Dispatch;

public sealed class HeldWorkTests
{
    [Theory, BothStores]
    public async Task Work_mine_lists_the_runs_held_now_and_the_unfinished_items_assigned(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var (agent, coder, _) = await acme.CreateAgentAsync("coder");
        var (_, tester, _) = await acme.CreateAgentAsync("tester");
        var me = $"agent:{agent.Str("id")}";
        await acme.CreateWorkAsync("WEB", "Take me", new { status = "ready", assignee = me });
        await acme.CreateWorkAsync("WEB", "Later", new { status = "backlog", assignee = me });
        await acme.CreateWorkAsync("WEB", "Finished", new { status = "backlog", assignee = me });
        await acme.Owner.PatchJsonAsync("/api/v1/work/WEB-3", new { status = "cancelled" });
        await acme.CreateWorkAsync("WEB", "Not mine", new { status = "backlog", assignee = "agent:tester" });

        var claim = await coder.PostJsonAsync("/api/v1/work/claim", new { });
        var run = claim.GetProperty("items")[0].GetProperty("run").Str("run_id");
        var mine = await coder.GetJsonAsync("/api/v1/work/mine");
        var holding = Assert.Single(mine.GetProperty("holding").EnumerateArray());
        Assert.Equal(run, holding.Str("run_id"));
        Assert.Equal("WEB-1", holding.Str("work_item"));
        Assert.Equal("claimed", holding.Str("status"));
        Assert.Equal(new[] { "WEB-1", "WEB-2" }, mine.GetProperty("assigned").EnumerateArray().Select(w => w.Str("key")).ToArray());

        var theirs = await tester.GetJsonAsync("/api/v1/work/mine");
        Assert.Empty(theirs.GetProperty("holding").EnumerateArray());
        Assert.Equal(new[] { "WEB-4" }, theirs.GetProperty("assigned").EnumerateArray().Select(w => w.Str("key")).ToArray());

        // A person holds the runs they started.
        await acme.CreateWorkAsync("WEB", "By hand", new { status = "ready", assignee = $"user:{acme.OwnerId}" });
        await acme.Owner.PostJsonAsync("/api/v1/work/WEB-5/start", new { });
        var owner = await acme.Owner.GetJsonAsync("/api/v1/work/mine");
        Assert.Equal("WEB-5", Assert.Single(owner.GetProperty("holding").EnumerateArray()).Str("work_item"));
        Assert.Equal("WEB-5", Assert.Single(owner.GetProperty("assigned").EnumerateArray()).Str("key"));
    }
}
