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

        foreach (var status in new[] { "ready", "in_progress", "blocked", "ready", "in_progress", "awaiting_approval", "done" })
        {
            Assert.Equal(status, (await acme.Owner.PatchJsonAsync(url, new { status })).Str("status"));
        }

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
        await acme.Owner.PatchJsonAsync(doneUrl, new { status = "in_progress" });
        await acme.Owner.PatchJsonAsync(doneUrl, new { status = "done" });
        var reopen = await acme.Owner.PatchRawAsync(doneUrl, """{"status":"ready"}""");
        Assert.Empty((await reopen.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("allowed").EnumerateArray());

        var startDone = await acme.Owner.PostRawAsync("/api/v1/work", """{"project_id":"WEB","title":"x","status":"done"}""");
        Assert.NotEmpty((await startDone.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("status"));
        var audit = await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={item.Str("id")}");
        Assert.DoesNotContain(audit, a => a.GetRawText().Contains("Renamed"));
    }

    [Theory, BothStores]
    public async Task Claiming_by_patch_is_refused_because_claims_record_a_run(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Task", new { status = "ready" });

        var claim = await acme.Owner.PatchRawAsync($"/api/v1/work/{item.Str("id")}", """{"status":"claimed"}""");

        Assert.Equal("/problems/illegal-transition", (await claim.ProblemAsync(HttpStatusCode.Conflict)).Str("type"));
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
        await acme.Owner.PatchJsonAsync(url, new { status = "in_progress" });

        var done = await acme.Owner.PatchRawAsync(url, """{"status":"done"}""");

        Assert.Equal("/problems/approval-required", (await done.ProblemAsync(HttpStatusCode.Conflict)).Str("type"));
        Assert.Equal("in_progress", (await acme.Owner.GetJsonAsync(url)).Str("status"));
        Assert.Equal("awaiting_approval", (await acme.Owner.PatchJsonAsync(url, new { status = "awaiting_approval" })).Str("status"));
    }

    [Theory, BothStores]
    public async Task Work_cannot_start_before_its_dependencies_are_done(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var first = await acme.CreateWorkAsync("WEB", "Design", new { status = "ready" });
        var second = await acme.CreateWorkAsync("WEB", "Build", new { status = "ready", depends_on = new[] { "WEB-1" } });

        var early = await acme.Owner.PatchRawAsync($"/api/v1/work/{second.Str("id")}", """{"status":"in_progress"}""");
        var problem = await early.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("/problems/dependencies-not-done", problem.Str("type"));
        Assert.Contains("WEB-1", problem.Str("detail"));

        await acme.Owner.PatchJsonAsync($"/api/v1/work/{first.Str("id")}", new { status = "in_progress" });
        await acme.Owner.PatchJsonAsync($"/api/v1/work/{first.Str("id")}", new { status = "done" });
        var started = await acme.Owner.PatchJsonAsync($"/api/v1/work/{second.Str("id")}", new { status = "in_progress" });
        Assert.Equal("in_progress", started.Str("status"));
        Assert.Equal("done", started.GetProperty("depends_on")[0].Str("status"));
    }
}
