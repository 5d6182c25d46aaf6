using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Core.Dispatch;
using Bosun.Server.Http;
using Bosun.Tests.Agents;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Dispatch;

public sealed class DispatchTests
{
    private static async Task<JsonElement> ClaimAsync(HttpClient agent, object? body = null) =>
        (await (await RetryingBusyAsync(() => agent.PostAsJsonAsync("/api/v1/work/claim", body ?? new { }, BosunJson.Options))).ReadSuccessAsync()).GetProperty("items");

    /// A database too busy to answer in time is a 503 with Retry-After that saved nothing, so agents send the call
    /// again (as `bosun agent run` does); after five tries the answer is returned as it is.
    private static async Task<HttpResponseMessage> RetryingBusyAsync(Func<Task<HttpResponseMessage>> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await call();
            if (response.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable || attempt == 5)
            {
                return response;
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    private static async Task<HttpResponseMessage> RunCallAsync(HttpClient client, JsonElement claimed, string action, object body) =>
        await client.PostAsJsonAsync($"/api/v1/runs/{claimed.GetProperty("run").Str("run_id")}/{action}", body, BosunJson.Options);

    private static Task<HttpResponseMessage> RunCallRetryingAsync(HttpClient client, JsonElement claimed, string action, object body) =>
        RetryingBusyAsync(() => RunCallAsync(client, claimed, action, body));

    private static string Lease(JsonElement claimed) => claimed.GetProperty("run").Str("lease_token");

    [Theory, BothStores]
    public async Task Agent_claims_heartbeats_and_completes_an_item(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Build the page", new { status = "ready" });
        var (_, agent, _) = await acme.CreateAgentAsync("builder");

        var claimed = (await ClaimAsync(agent)).EnumerateArray().Single();
        Assert.Equal(item.Str("id"), claimed.GetProperty("item").Str("id"));
        Assert.Equal("claimed", claimed.GetProperty("item").Str("status"));
        Assert.Equal(1, claimed.GetProperty("run").GetProperty("attempt").GetInt32());

        var beat = await (await RunCallAsync(agent, claimed, "heartbeat", new { lease_token = Lease(claimed), progress = "halfway", checkpoint = new { step = 2 } })).ReadSuccessAsync();
        Assert.False(beat.GetProperty("stop").GetBoolean());
        Assert.Equal("in_progress", (await acme.Owner.GetJsonAsync($"/api/v1/work/{item.Str("id")}")).Str("status"));

        var done = await (await RunCallAsync(agent, claimed, "complete", new { lease_token = Lease(claimed), output = new { url = "https://example.test" }, summary = "shipped" })).ReadSuccessAsync();
        Assert.Equal("completed", done.GetProperty("run").Str("status"));
        Assert.Equal("done", done.GetProperty("item").Str("status"));
        Assert.Equal("https://example.test", done.GetProperty("item").GetProperty("output").Str("url"));

        var again = await RunCallAsync(agent, claimed, "complete", new { lease_token = Lease(claimed) });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Empty((await ClaimAsync(agent)).EnumerateArray());
    }

    [Theory, BothStores]
    public async Task The_agent_loop_leaves_its_audit_trail_and_stream_events(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Audited task", new { status = "ready" });
        var (agentRow, agent, _) = await acme.CreateAgentAsync("builder");

        await using var stream = await SseClient.OpenAsync(acme.Owner, "/api/v1/stream");
        var claimed = (await ClaimAsync(agent)).EnumerateArray().Single();
        var runId = claimed.GetProperty("run").Str("run_id");
        await (await RunCallAsync(agent, claimed, "heartbeat", new { lease_token = Lease(claimed) })).ReadSuccessAsync();
        await (await RunCallAsync(agent, claimed, "heartbeat", new { lease_token = Lease(claimed) })).ReadSuccessAsync();
        await (await RunCallAsync(agent, claimed, "complete", new { lease_token = Lease(claimed), summary = "done" })).ReadSuccessAsync();

        var itemTrail = (await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={item.Str("id")}")).AsEnumerable().Reverse().ToList();
        Assert.Equal(["work_item.created", "work_item.claimed", "work_item.updated", "work_item.updated"], itemTrail.Select(a => a.Str("action")));
        Assert.All(itemTrail.Skip(1), a => Assert.Equal($"agent:{agentRow.Str("id")}", a.Str("actor")));
        string StatusChange(JsonElement a) => $"{a.GetProperty("changes").GetProperty("status").Str("before")}->{a.GetProperty("changes").GetProperty("status").Str("after")}";
        Assert.Equal(["ready->claimed", "claimed->in_progress", "in_progress->done"], itemTrail.Skip(1).Select(StatusChange));

        var runTrail = (await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={runId}")).AsEnumerable().Reverse().ToList();
        Assert.Equal(["run.created", "run.updated"], runTrail.Select(a => a.Str("action")));
        Assert.Equal("active", runTrail[0].GetProperty("changes").GetProperty("status").Str("after"));
        Assert.Equal("done", runTrail[1].GetProperty("changes").GetProperty("summary").Str("after"));

        var events = await stream.UntilAsync(e => e.Type == "run.ended");
        events.AddRange(await stream.UntilAsync(e => e.Type == "work_item.changed"));
        var loop = events.Where(e => e.Type != "work_item.created" && e.Data.TryGetProperty("work_item_key", out var key) && key.GetString() == "WEB-1").ToList();
        Assert.Equal(["work_item.changed", "run.started", "work_item.changed", "run.ended", "work_item.changed"], loop.Select(e => e.Type));
        Assert.Equal("done", loop[^1].Data.GetProperty("changes").GetProperty("status").Str("after"));
    }

    [Theory, BothStores]
    public async Task A_completion_retried_with_its_idempotency_key_is_answered_from_the_first_response(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Retried completion", new { status = "ready" });
        var (_, agent, _) = await acme.CreateAgentAsync("builder");
        var claimed = (await ClaimAsync(agent)).EnumerateArray().Single();
        var path = $"/api/v1/runs/{claimed.GetProperty("run").Str("run_id")}/complete";
        var body = JsonSerializer.Serialize(new { lease_token = Lease(claimed), output = new { n = 1 } });

        var first = await (await agent.PostRawAsync(path, body, idempotencyKey: "complete-1")).ReadSuccessAsync();
        var retry = await agent.PostRawAsync(path, body, idempotencyKey: "complete-1");
        Assert.True(retry.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(first.GetRawText(), (await retry.ReadSuccessAsync()).GetRawText());

        // Without the key a second completion is a conflict: the run has ended.
        await (await agent.PostRawAsync(path, body)).ProblemAsync(HttpStatusCode.Conflict);
    }

    [Theory, BothStores]
    public async Task A_claim_naming_a_project_takes_only_its_work(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var api = await acme.CreateProjectAsync("API");
        var web = await acme.CreateWorkAsync("WEB", "Style the page", new { status = "ready", priority = "low" });
        var urgent = await acme.CreateWorkAsync("API", "Fix the endpoint", new { status = "ready", priority = "urgent" });
        var (_, agent, _) = await acme.CreateAgentAsync("builder", "backend", new { max_concurrent_runs = 5 });

        // By key in any case, and by id.
        var fromWeb = (await ClaimAsync(agent, new { project = "web" })).EnumerateArray().Single();
        Assert.Equal(web.Str("id"), fromWeb.GetProperty("item").Str("id"));
        var fromApi = (await ClaimAsync(agent, new { project = api.Str("id") })).EnumerateArray().Single();
        Assert.Equal(urgent.Str("id"), fromApi.GetProperty("item").Str("id"));

        var other = await acme.CreateWorkAsync("API", "Another endpoint", new { status = "ready" });
        Assert.Empty((await ClaimAsync(agent, new { project = "WEB" })).EnumerateArray());
        var problem = await (await agent.PostRawAsync("/api/v1/work/claim", """{"project": "NOPE"}""")).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(problem.FieldErrors("project"));
        Assert.Equal("ready", (await acme.Owner.GetJsonAsync($"/api/v1/work/{other.Str("id")}")).Str("status"));
    }

    [Theory, BothStores]
    public async Task A_heartbeat_with_overlong_progress_is_refused_and_changes_nothing(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Chatty task", new { status = "ready" });
        var (_, agent, _) = await acme.CreateAgentAsync("builder");
        var claimed = (await ClaimAsync(agent)).EnumerateArray().Single();

        var problem = await (await RunCallAsync(agent, claimed, "heartbeat", new { lease_token = Lease(claimed), progress = new string('x', 4001) }))
            .ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(problem.FieldErrors("progress"));
        Assert.Equal("claimed", (await acme.Owner.GetJsonAsync($"/api/v1/work/{item.Str("id")}")).Str("status"));
        var run = await acme.Owner.GetJsonAsync($"/api/v1/runs/{claimed.GetProperty("run").Str("run_id")}");
        Assert.Equal(JsonValueKind.Null, run.GetProperty("heartbeat_at").ValueKind);
    }

    [Theory, BothStores]
    public async Task Expired_lease_is_reclaimed_by_another_agent_and_the_stale_completion_is_refused(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Flaky task", new { status = "ready" });
        var (_, crashed, _) = await acme.CreateAgentAsync("crashy");
        var (_, rescuer, _) = await acme.CreateAgentAsync("steady");

        var first = (await ClaimAsync(crashed)).EnumerateArray().Single();
        app.Clock!.Advance(RunService.LeaseLength + TimeSpan.FromSeconds(1));
        var reaped = await app.Services.GetRequiredService<LeaseReaper>().SweepAsync(CancellationToken.None);
        Assert.Equal(1, reaped);

        var second = (await ClaimAsync(rescuer)).EnumerateArray().Single();
        Assert.Equal(item.Str("id"), second.GetProperty("item").Str("id"));
        Assert.Equal(2, second.GetProperty("run").GetProperty("attempt").GetInt32());

        var stale = await RunCallAsync(crashed, first, "complete", new { lease_token = Lease(first), output = new { from = "stale" } });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        await (await RunCallAsync(rescuer, second, "complete", new { lease_token = Lease(second), output = new { from = "rescuer" } })).ReadSuccessAsync();

        var runs = (await acme.Owner.GetJsonAsync($"/api/v1/runs?work_item={item.Str("id")}")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["timed_out", "completed"], runs.Select(r => r.Str("status")));
        var final = await acme.Owner.GetJsonAsync($"/api/v1/work/{item.Str("id")}");
        Assert.Equal("rescuer", final.GetProperty("output").Str("from"));
    }

    [Theory, BothStores]
    public async Task Dependencies_are_claimed_in_order(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var design = await acme.CreateWorkAsync("WEB", "Design", new { status = "ready", priority = "low" });
        await acme.CreateWorkAsync("WEB", "Build", new { status = "ready", priority = "urgent", depends_on = new[] { design.Str("key") } });
        var (_, agent, _) = await acme.CreateAgentAsync("worker", extra: new { max_concurrent_runs = 5 });

        var firstBatch = (await ClaimAsync(agent, new { max = 5 })).EnumerateArray().ToList();
        Assert.Equal(["Design"], firstBatch.Select(c => c.GetProperty("item").Str("title")));
        await (await RunCallAsync(agent, firstBatch[0], "complete", new { lease_token = Lease(firstBatch[0]), output = new { mockup = "v1" } })).ReadSuccessAsync();

        var next = (await ClaimAsync(agent)).EnumerateArray().Single();
        Assert.Equal("Build", next.GetProperty("item").Str("title"));
        var dependency = next.GetProperty("context").GetProperty("dependencies").EnumerateArray().Single();
        Assert.Equal("v1", dependency.GetProperty("output").Str("mockup"));
    }

    [Theory, BothStores]
    public async Task A_claim_brings_the_latest_fifty_comments_oldest_first_alone_and_in_a_batch(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var talkative = await acme.CreateWorkAsync("WEB", "Talkative", new { status = "ready", priority = "urgent" });
        var quiet = await acme.CreateWorkAsync("WEB", "Quiet", new { status = "ready" });
        var chatty = await acme.CreateWorkAsync("WEB", "Chatty", new { status = "ready" });
        for (var i = 1; i <= 60; i++)
        {
            await acme.Owner.PostJsonAsync($"/api/v1/work/{talkative.Str("key")}/comments", new { body = $"note {i}" });
            await acme.Owner.PostJsonAsync($"/api/v1/work/{chatty.Str("key")}/comments", new { body = $"chat {i}" });
        }

        await acme.Owner.PostJsonAsync($"/api/v1/work/{quiet.Str("key")}/comments", new { body = "only one" });
        var (_, agent, _) = await acme.CreateAgentAsync("worker", extra: new { max_concurrent_runs = 5 });
        static List<string> Comments(JsonElement claimed) =>
            claimed.GetProperty("context").GetProperty("comments").EnumerateArray().Select(c => c.Str("body")).ToList();

        var alone = (await ClaimAsync(agent)).EnumerateArray().Single();
        Assert.Equal("Talkative", alone.GetProperty("item").Str("title"));
        Assert.Equal(Enumerable.Range(11, 50).Select(i => $"note {i}"), Comments(alone));

        var batch = (await ClaimAsync(agent, new { max = 5 })).EnumerateArray().ToDictionary(c => c.GetProperty("item").Str("title")!);
        Assert.Equal(["only one"], Comments(batch["Quiet"]));
        Assert.Equal(Enumerable.Range(11, 50).Select(i => $"chat {i}"), Comments(batch["Chatty"]));
    }

    [Theory, BothStores]
    public async Task Claims_follow_priority_then_age_and_batch_up_to_max(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "old normal", new { status = "ready" });
        await acme.CreateWorkAsync("WEB", "urgent", new { status = "ready", priority = "urgent" });
        await acme.CreateWorkAsync("WEB", "new normal", new { status = "ready" });
        await acme.CreateWorkAsync("WEB", "low", new { status = "ready", priority = "low" });
        var (_, agent, _) = await acme.CreateAgentAsync("batcher", extra: new { max_concurrent_runs = 10 });

        var claimed = (await ClaimAsync(agent, new { max = 3 })).EnumerateArray().Select(c => c.GetProperty("item").Str("title")).ToList();

        Assert.Equal(["urgent", "old normal", "new normal"], claimed);
    }

    [Theory, BothStores]
    public async Task Agents_take_only_work_for_them_their_role_or_their_projects(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var web = await acme.CreateProjectAsync("WEB");
        await acme.CreateProjectAsync("OPS");
        var (writer, writerClient, _) = await acme.CreateAgentAsync("writer", role: "copywriter", extra: new { max_concurrent_runs = 10, project_ids = new[] { web.Str("id") } });
        await acme.CreateAgentAsync("coder", role: "backend");
        await acme.CreateWorkAsync("WEB", "for the writer", new { status = "ready", assignee = $"agent:{writer.Str("id")}" });
        await acme.CreateWorkAsync("WEB", "for copywriters", new { status = "ready", assignee = "role:copywriter" });
        await acme.CreateWorkAsync("WEB", "unassigned web", new { status = "ready" });
        await acme.CreateWorkAsync("OPS", "unassigned ops", new { status = "ready" });
        await acme.CreateWorkAsync("WEB", "for backend", new { status = "ready", assignee = "role:backend" });
        await acme.CreateWorkAsync("WEB", "for coder", new { status = "ready", assignee = "agent:coder" });
        await acme.CreateWorkAsync("WEB", "for a person", new { status = "ready", assignee = $"user:{acme.OwnerId}" });

        var claimed = (await ClaimAsync(writerClient, new { max = 10 })).EnumerateArray().Select(c => c.GetProperty("item").Str("title")).Order().ToList();

        Assert.Equal(["for copywriters", "for the writer", "unassigned web"], claimed);
    }

    [Theory, BothStores]
    public async Task An_agent_at_its_concurrency_limit_gets_429_and_a_disabled_agent_403(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "one", new { status = "ready" });
        await acme.CreateWorkAsync("WEB", "two", new { status = "ready" });
        var (agent, client, _) = await acme.CreateAgentAsync("solo", extra: new { max_concurrent_runs = 1 });

        Assert.Single((await ClaimAsync(client)).EnumerateArray());
        var busy = await client.PostAsJsonAsync("/api/v1/work/claim", new { }, BosunJson.Options);
        Assert.Equal((HttpStatusCode)429, busy.StatusCode);
        Assert.True(busy.Headers.RetryAfter is not null);

        await acme.Owner.PatchJsonAsync($"/api/v1/agents/{agent.Str("id")}", new { enabled = false });
        var disabled = await client.PostAsJsonAsync("/api/v1/work/claim", new { }, BosunJson.Options);
        Assert.Equal(HttpStatusCode.Forbidden, disabled.StatusCode);
    }

    [Theory, BothStores]
    public async Task Repeated_failures_fail_the_item_and_escalate_to_a_person(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Hard problem", new { status = "ready" });
        var (_, agent, _) = await acme.CreateAgentAsync("tryhard", extra: new { failures_before_escalation = 2 });

        var first = (await ClaimAsync(agent)).EnumerateArray().Single();
        var afterFirst = await (await RunCallAsync(agent, first, "fail", new { lease_token = Lease(first), error = "compiler crashed" })).ReadSuccessAsync();
        Assert.Equal("ready", afterFirst.GetProperty("item").Str("status"));

        var second = (await ClaimAsync(agent)).EnumerateArray().Single();
        Assert.Equal(2, second.GetProperty("run").GetProperty("attempt").GetInt32());
        var afterSecond = await (await RunCallAsync(agent, second, "fail", new { lease_token = Lease(second), error = "compiler crashed again" })).ReadSuccessAsync();

        Assert.Equal("failed", afterSecond.GetProperty("item").Str("status"));
        var escalation = await acme.Owner.GetJsonAsync($"/api/v1/work/{afterSecond.Str("escalation_id")}");
        Assert.Equal("escalation", escalation.Str("type"));
        Assert.Equal($"user:{acme.OwnerId}", escalation.Str("assignee"));
        Assert.Equal(item.Str("key"), escalation.GetProperty("input").Str("work_item"));
        Assert.Equal(2, escalation.GetProperty("input").GetProperty("runs").GetArrayLength());
        Assert.Empty((await ClaimAsync(agent)).EnumerateArray());
    }

    [Theory, BothStores]
    public async Task Releasing_gives_the_item_back_without_using_an_attempt(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Maybe later", new { status = "ready" });
        var (_, agent, _) = await acme.CreateAgentAsync("polite");

        var first = (await ClaimAsync(agent)).EnumerateArray().Single();
        var released = await (await RunCallAsync(agent, first, "release", new { lease_token = Lease(first), reason = "busy" })).ReadSuccessAsync();
        Assert.Equal("ready", released.GetProperty("item").Str("status"));
        Assert.Equal(0, released.GetProperty("item").GetProperty("attempts").GetInt32());

        var again = (await ClaimAsync(agent)).EnumerateArray().Single();
        Assert.Equal(1, again.GetProperty("run").GetProperty("attempt").GetInt32());
    }

    [Theory, BothStores]
    public async Task Cancelling_an_item_stops_its_run_at_the_next_heartbeat(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Doomed", new { status = "ready" });
        var (_, agent, _) = await acme.CreateAgentAsync("busy");
        var claimed = (await ClaimAsync(agent)).EnumerateArray().Single();

        await acme.Owner.PatchJsonAsync($"/api/v1/work/{item.Str("id")}", new { status = "cancelled" });

        var beat = await (await RunCallAsync(agent, claimed, "heartbeat", new { lease_token = Lease(claimed) })).ReadSuccessAsync();
        Assert.True(beat.GetProperty("stop").GetBoolean());
        Assert.Equal("cancelled", beat.Str("reason"));
        var run = await acme.Owner.GetJsonAsync($"/api/v1/runs/{claimed.GetProperty("run").Str("run_id")}");
        Assert.Equal("cancelled", run.Str("status"));
        var complete = await RunCallAsync(agent, claimed, "complete", new { lease_token = Lease(claimed) });
        Assert.Equal(HttpStatusCode.Conflict, complete.StatusCode);
    }

    [Theory, BothStores]
    public async Task Approval_gate_rejection_sends_revision_notes_to_the_next_run_and_approval_finishes_it(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Write the headline", new { status = "ready", approval_required = true });
        var (_, agent, _) = await acme.CreateAgentAsync("copy", role: "copywriter");

        var first = (await ClaimAsync(agent)).EnumerateArray().Single();
        var outcome = await (await RunCallAsync(agent, first, "complete", new { lease_token = Lease(first), output = new { headline = "Buy now" } })).ReadSuccessAsync();
        Assert.Equal("awaiting_approval", outcome.GetProperty("item").Str("status"));

        var inbox = await acme.Owner.GetJsonAsync("/api/v1/inbox");
        var pending = inbox.GetProperty("approvals").EnumerateArray().Single();
        Assert.Equal(outcome.Str("approval_id"), pending.Str("id"));
        Assert.Equal("Buy now", pending.GetProperty("output").Str("headline"));

        var rejected = await acme.Owner.PostJsonAsync($"/api/v1/approvals/{pending.Str("id")}/reject", new { note = "Less pushy, mention the free trial" });
        Assert.Equal("ready", rejected.GetProperty("item").Str("status"));
        var twice = await acme.Owner.PostAsJsonAsync($"/api/v1/approvals/{pending.Str("id")}/approve", new { }, BosunJson.Options);
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);

        var second = (await ClaimAsync(agent)).EnumerateArray().Single();
        Assert.Equal("Less pushy, mention the free trial", second.GetProperty("context").Str("revision_notes"));
        var again = await (await RunCallAsync(agent, second, "complete", new { lease_token = Lease(second), output = new { headline = "Try it free" } })).ReadSuccessAsync();

        var approved = await acme.Owner.PostJsonAsync($"/api/v1/approvals/{again.Str("approval_id")}/approve", new { note = "Good" });
        Assert.Equal("done", approved.GetProperty("item").Str("status"));
        Assert.Equal("approved", approved.GetProperty("approval").Str("status"));
        Assert.Equal($"user:{acme.OwnerId}", approved.GetProperty("approval").Str("decided_by"));
        var audit = await acme.Owner.GetJsonAsync($"/api/v1/audit?entity_type=approval&entity_id={again.Str("approval_id")}");
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), a => a.GetProperty("changes").TryGetProperty("status", out var s) && s.Str("after") == "approved");
    }

    [Theory, BothStores]
    public async Task Long_poll_claim_wakes_when_work_arrives(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var (_, agent, _) = await acme.CreateAgentAsync("waiter");

        var waiting = ClaimAsync(agent, new { wait_seconds = 30 });
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        await acme.CreateWorkAsync("WEB", "Fresh work", new { status = "ready" });

        var claimed = (await waiting).EnumerateArray().Single();
        Assert.Equal("Fresh work", claimed.GetProperty("item").Str("title"));
    }

    [Theory, BothStores]
    public async Task People_start_and_complete_work_with_a_recorded_run(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Call the customer", new { status = "ready", type = "activity" });

        var started = await acme.Owner.PostJsonAsync($"/api/v1/work/{item.Str("key")}/start", new { });
        Assert.Equal("in_progress", started.GetProperty("item").Str("status"));
        var runId = started.GetProperty("run").Str("run_id");
        var done = await acme.Owner.PostJsonAsync($"/api/v1/runs/{runId}/complete", new { summary = "Customer is happy" });

        Assert.Equal("done", done.GetProperty("item").Str("status"));
        Assert.Equal(acme.OwnerId, done.GetProperty("run").Str("user_id"));
    }

    [Theory, BothStores]
    public async Task Another_tenants_agent_cannot_claim_or_touch_runs(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var globex = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Acme secret", new { status = "ready" });
        var (_, acmeAgent, _) = await acme.CreateAgentAsync("acme-bot");
        var (_, globexAgent, _) = await globex.CreateAgentAsync("globex-bot");

        Assert.Empty((await ClaimAsync(globexAgent)).EnumerateArray());
        var claimed = (await ClaimAsync(acmeAgent)).EnumerateArray().Single();
        var hijack = await RunCallAsync(globexAgent, claimed, "complete", new { lease_token = Lease(claimed) });
        Assert.Equal(HttpStatusCode.NotFound, hijack.StatusCode);
    }

    [Theory, BothStores]
    public async Task Many_concurrent_claimers_complete_every_item_exactly_once(StoreKind store)
    {
        const int items = 5000;
        const int claimers = 64;
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var project = await acme.CreateProjectAsync("LOAD");
        await SeedReadyItemsAsync(app, acme, project.Str("id"), items);
        var agents = new List<HttpClient>();
        for (var i = 0; i < claimers / 4; i++)
        {
            agents.Add((await acme.CreateAgentAsync($"load-{i}", extra: new { max_concurrent_runs = 4, failures_before_escalation = 5 })).Client);
        }

        var completions = 0;
        await Task.WhenAll(Enumerable.Range(0, claimers).Select(async n =>
        {
            var client = agents[n % agents.Count];
            while (true)
            {
                var batch = (await ClaimAsync(client)).EnumerateArray().ToList();
                if (batch.Count == 0)
                {
                    return;
                }

                foreach (var claimed in batch)
                {
                    // Every fifth worker drops a tenth of its items to exercise retries under contention.
                    if (n % 5 == 0 && claimed.GetProperty("item").Str("key").EndsWith('7') && claimed.GetProperty("run").GetProperty("attempt").GetInt32() == 1)
                    {
                        await (await RunCallRetryingAsync(client, claimed, "fail", new { lease_token = Lease(claimed), error = "flaky", retryable = true })).ReadSuccessAsync();
                        continue;
                    }

                    await (await RunCallRetryingAsync(client, claimed, "complete", new { lease_token = Lease(claimed) })).ReadSuccessAsync();
                    Interlocked.Increment(ref completions);
                }
            }
        }));

        Assert.Equal(items, completions);
        var (statuses, completedRuns, maxAttempt, doubleActive) = await app.WithDbAsync(async db =>
        {
            var all = db.WorkItems.IgnoreQueryFilters().Where(w => w.TenantId == acme.Id && w.ProjectId == project.Str("id"));
            var byStatus = await all.GroupBy(w => w.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync();
            var runs = db.Runs.IgnoreQueryFilters().Where(r => r.TenantId == acme.Id);
            var completedPerItem = await runs.Where(r => r.Status == RunStatus.Completed).GroupBy(r => r.WorkItemId).Select(g => g.Count()).ToListAsync();
            var max = await runs.MaxAsync(r => r.Attempt);
            var active = await runs.CountAsync(r => r.Status == RunStatus.Active);
            return (byStatus.ToDictionary(s => s.Key, s => s.Count), completedPerItem, max, active);
        });
        Assert.Equal(new Dictionary<Bosun.Core.Planning.WorkStatus, int> { [Bosun.Core.Planning.WorkStatus.Done] = items }, statuses);
        Assert.Equal(items, completedRuns.Count);
        Assert.All(completedRuns, count => Assert.Equal(1, count));
        Assert.InRange(maxAttempt, 1, 5);
        Assert.Equal(0, doubleActive);
    }

    private static async Task SeedReadyItemsAsync(BosunTestApp app, TestTenant tenant, string projectId, int count)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<Bosun.Core.Common.RequestContext>();
        context.EnterTenant(tenant.Id, Bosun.Core.Common.Actor.System);
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        await db.InTransactionAsync(async ct =>
        {
            for (var i = 1; i <= count; i++)
            {
                db.WorkItems.Add(new Bosun.Core.Planning.WorkItem
                {
                    ProjectId = projectId,
                    Number = i,
                    Key = $"LOAD-{i}",
                    Title = $"Load item {i}",
                    Status = Bosun.Core.Planning.WorkStatus.Ready,
                });
            }

            await db.SaveChangesAsync(ct);
            await db.Projects.Where(p => p.Id == projectId).ExecuteUpdateAsync(s => s.SetProperty(p => p.NextItemNumber, count + 1), ct);
        }, write: true, CancellationToken.None);
    }
}
