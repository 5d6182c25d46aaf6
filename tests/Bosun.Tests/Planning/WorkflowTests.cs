using System.Net;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Planning;

public sealed class WorkflowTests
{
    [Theory, BothStores]
    public async Task Work_moves_along_the_workflow_to_done(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Task");
        var url = $"/api/v1/work/{item.Str("id")}";

        Assert.Equal("ready", (await acme.Owner.PatchJsonAsync(url, new { status = "ready" })).Str("status"));
        var started = await acme.Owner.PostJsonAsync($"{url}/start", new { });
        Assert.Equal("in_progress", started.GetProperty("item").Str("status"));
        Assert.Equal("blocked", (await acme.Owner.PatchJsonAsync(url, new { status = "blocked" })).Str("status"));
        var stopped = await acme.Owner.GetJsonAsync($"/api/v1/runs/{started.GetProperty("run").Str("run_id")}");
        Assert.Equal("stopped", stopped.Str("status"));
        Assert.Equal("ready", (await acme.Owner.PatchJsonAsync(url, new { status = "ready" })).Str("status"));
        var again = await acme.Owner.PostJsonAsync($"{url}/start", new { });
        var finished = await acme.Owner.PostJsonAsync($"/api/v1/runs/{again.GetProperty("run").Str("run_id")}/complete", new { summary = "done" });
        Assert.Equal("done", finished.GetProperty("item").Str("status"));

        var done = await acme.Owner.GetJsonAsync(url);
        Assert.Equal(app.Clock!.GetUtcNow().UtcDateTime, done.GetProperty("completed_at").GetDateTime());
        Assert.Empty(done.GetProperty("allowed_transitions").EnumerateArray());
    }

    [Theory, BothStores]
    public async Task Illegal_moves_are_409_with_the_allowed_ones_and_change_nothing(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Task");
        var url = $"/api/v1/work/{item.Str("id")}";

        var skip = await acme.Owner.PatchRawAsync(url, """{"status":"awaiting_approval","title":"Renamed"}""");
        var problem = await skip.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("backlog", problem.Str("from"));
        Assert.Equal("awaiting_approval", problem.Str("to"));
        Assert.Equal(["ready", "blocked", "cancelled"], problem.GetProperty("allowed").EnumerateArray().Select(a => a.GetString()));
        var unchanged = await acme.Owner.GetJsonAsync(url);
        Assert.Equal("Task", unchanged.Str("title"));
        Assert.Equal("backlog", unchanged.Str("status"));

        await acme.Owner.PatchJsonAsync(url, new { status = "cancelled" });
        var fromCancelled = await acme.Owner.PatchRawAsync(url, """{"status":"ready"}""");
        Assert.Equal(["backlog"], (await fromCancelled.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("allowed").EnumerateArray().Select(a => a.GetString()));
        await acme.Owner.PatchJsonAsync(url, new { status = "backlog" });

        var done = await acme.CreateWorkAsync("WEB", "Finished", new { status = "ready" });
        var doneUrl = $"/api/v1/work/{done.Str("id")}";
        var run = await acme.Owner.PostJsonAsync($"{doneUrl}/start", new { });
        await acme.Owner.PostJsonAsync($"/api/v1/runs/{run.GetProperty("run").Str("run_id")}/complete", new { });
        var reopen = await acme.Owner.PatchRawAsync(doneUrl, """{"status":"ready"}""");
        Assert.Empty((await reopen.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("allowed").EnumerateArray());

        var startDone = await acme.Owner.PostRawAsync("/api/v1/work", """{"project_id":"WEB","title":"x","status":"done"}""");
        Assert.NotEmpty((await startDone.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("status"));
        var audit = await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={item.Str("id")}");
        Assert.DoesNotContain(audit, a => a.GetRawText().Contains("Renamed"));
    }

    [Theory, BothStores]
    public async Task Claiming_or_starting_by_patch_is_refused_because_claims_record_a_run(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Task", new { status = "ready" });

        foreach (var status in new[] { "claimed", "in_progress" })
        {
            var claim = await acme.Owner.PatchRawAsync($"/api/v1/work/{item.Str("id")}", $$"""{"status":"{{status}}"}""");
            Assert.Equal("/problems/illegal-transition", (await claim.ProblemAsync(HttpStatusCode.Conflict)).Str("type"));
        }

        Assert.Equal("ready", (await acme.Owner.GetJsonAsync($"/api/v1/work/{item.Str("id")}")).Str("status"));
    }

    [Theory, BothStores]
    public async Task An_approval_gate_keeps_work_from_being_marked_done_by_hand(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Gated", new { status = "ready", approval_required = true });
        var url = $"/api/v1/work/{item.Str("id")}";
        var started = await acme.Owner.PostJsonAsync($"{url}/start", new { });

        var done = await acme.Owner.PatchRawAsync(url, """{"status":"done"}""");

        Assert.Equal("/problems/approval-required", (await done.ProblemAsync(HttpStatusCode.Conflict)).Str("type"));
        Assert.Equal("in_progress", (await acme.Owner.GetJsonAsync(url)).Str("status"));
        var completed = await acme.Owner.PostJsonAsync($"/api/v1/runs/{started.GetProperty("run").Str("run_id")}/complete", new { });
        Assert.Equal("awaiting_approval", completed.GetProperty("item").Str("status"));
        var byHand = await acme.Owner.PatchRawAsync(url, """{"status":"done"}""");
        Assert.Equal(HttpStatusCode.Conflict, byHand.StatusCode);
    }

    [Theory, BothStores]
    public async Task Work_cannot_start_before_its_dependencies_are_done(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var first = await acme.CreateWorkAsync("WEB", "Design", new { status = "ready" });
        var second = await acme.CreateWorkAsync("WEB", "Build", new { status = "ready", depends_on = new[] { "WEB-1" } });

        var early = await acme.Owner.PostRawAsync($"/api/v1/work/{second.Str("id")}/start", "{}");
        var problem = await early.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("/problems/dependencies-not-done", problem.Str("type"));
        Assert.Contains("WEB-1", problem.Str("detail"));

        var design = await acme.Owner.PostJsonAsync($"/api/v1/work/{first.Str("id")}/start", new { });
        await acme.Owner.PostJsonAsync($"/api/v1/runs/{design.GetProperty("run").Str("run_id")}/complete", new { });
        var started = await acme.Owner.PostJsonAsync($"/api/v1/work/{second.Str("id")}/start", new { });
        Assert.Equal("in_progress", started.GetProperty("item").Str("status"));
        Assert.Equal("done", started.GetProperty("item").GetProperty("depends_on")[0].Str("status"));
    }
}
