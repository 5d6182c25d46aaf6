using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Server.Http;
using Bosun.Tests.Agents;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Dispatch;

/// An agent that runs into its provider's rate limit or quota reports it, and Bosun pauses its claims until the reset
/// instead of handing it work to retry into the limit.
public sealed class ClaimPauseTests
{
    private static async Task<JsonElement> ClaimOneAsync(HttpClient agent, object? body = null)
    {
        var claimed = await agent.PostJsonAsync("/api/v1/work/claim", body ?? new { });
        return claimed.GetProperty("items").EnumerateArray().Single();
    }

    private static Task<HttpResponseMessage> FailAsync(HttpClient agent, JsonElement claimed, object body) =>
        agent.PostAsJsonAsync($"/api/v1/runs/{claimed.GetProperty("run").Str("run_id")}/fail", body, BosunJson.Options);

    private static string Lease(JsonElement claimed) => claimed.GetProperty("run").Str("lease_token");

    private static async Task<JsonElement> PausedClaimAsync(HttpClient agent, object? body = null)
    {
        var refused = await agent.PostAsJsonAsync("/api/v1/work/claim", body ?? new { }, BosunJson.Options);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        var problem = await refused.ProblemAsync((HttpStatusCode)429);
        Assert.Equal("/problems/claims-paused", problem.Str("type"));
        Assert.NotNull(retryAfter);
        return JsonSerializer.SerializeToElement(new { problem, retry_after = (int)retryAfter!.Value.TotalSeconds });
    }

    [Theory, BothStores]
    public async Task Eight_agents_that_hit_a_rate_limit_claim_nothing_until_the_reset_and_use_no_attempt(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        for (var i = 1; i <= 8; i++)
        {
            await acme.CreateWorkAsync("WEB", $"Page {i}", new { status = "ready" });
        }

        var agents = new List<(JsonElement Row, HttpClient Client)>();
        for (var i = 1; i <= 8; i++)
        {
            var (row, client, _) = await acme.CreateAgentAsync($"writer-{i}", "backend", new { failures_before_escalation = 1 });
            agents.Add((row, client));
        }

        // Each one claims an item, calls its provider, and is told to come back in two minutes.
        foreach (var (_, client) in agents)
        {
            var claimed = await ClaimOneAsync(client);
            var failed = await (await FailAsync(client, claimed, new
            {
                lease_token = Lease(claimed), error = "429 Too Many Requests", retryable = true, retry_after = 120, limit = "rate",
            })).ReadSuccessAsync();
            Assert.Equal("failed", failed.GetProperty("run").Str("status"));
            Assert.StartsWith("rate limit until 2026-03-02T09:02:00Z", failed.GetProperty("run").Str("error"));
            Assert.Contains("429 Too Many Requests", failed.GetProperty("run").Str("error"));

            // Back in the queue as if never tried: with one failure before escalation, a counted attempt would have escalated.
            Assert.Equal("ready", failed.GetProperty("item").Str("status"));
            Assert.Equal(0, failed.GetProperty("item").GetProperty("attempts").GetInt32());
            Assert.Equal(JsonValueKind.Null, failed.GetProperty("escalation_id").ValueKind);
        }

        // Every claim until the reset is answered at once, even a long poll, with the time to come back.
        app.Clock!.Advance(TimeSpan.FromSeconds(30));
        foreach (var (row, client) in agents)
        {
            var paused = await PausedClaimAsync(client, new { wait_seconds = 30 });
            Assert.Equal(90, paused.GetProperty("retry_after").GetInt32());
            Assert.Equal("2026-03-02T09:02:00Z", paused.GetProperty("problem").Str("claims_paused_until"));
            Assert.Equal("rate_limit", paused.GetProperty("problem").Str("pause_reason"));
            Assert.Contains("until 2026-03-02T09:02:00Z", paused.GetProperty("problem").Str("detail"));

            var shown = await acme.Owner.GetJsonAsync($"/api/v1/agents/{row.Str("id")}");
            Assert.Equal("2026-03-02T09:02:00Z", shown.Str("claims_paused_until"));
            Assert.Equal("rate_limit", shown.Str("pause_reason"));
        }

        var items = await acme.Owner.ListAllAsync("/api/v1/work?project=WEB");
        Assert.All(items, i => Assert.Equal(("ready", 0), (i.Str("status"), i.GetProperty("attempts").GetInt32())));

        // After the reset they claim again by themselves, and the attempt is each item's first.
        app.Clock.Advance(TimeSpan.FromSeconds(91));
        foreach (var (row, client) in agents)
        {
            var claimed = await ClaimOneAsync(client);
            Assert.Equal(1, claimed.GetProperty("run").GetProperty("attempt").GetInt32());
            var shown = await acme.Owner.GetJsonAsync($"/api/v1/agents/{row.Str("id")}");
            Assert.Equal(JsonValueKind.Null, shown.GetProperty("claims_paused_until").ValueKind);
            Assert.Equal(JsonValueKind.Null, shown.GetProperty("pause_reason").ValueKind);
        }
    }

    [Theory, BothStores]
    public async Task A_quota_pauses_every_agent_on_the_same_adapter_and_model_and_no_other(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        for (var i = 1; i <= 6; i++)
        {
            await acme.CreateWorkAsync("WEB", $"Task {i}", new { status = "ready" });
        }

        var (first, firstClient, _) = await acme.CreateAgentAsync("sonnet-1", "backend", new { adapter = "claude", model = "claude-sonnet-4" });
        var (second, secondClient, _) = await acme.CreateAgentAsync("sonnet-2", "backend", new { adapter = "claude", model = "claude-sonnet-4" });
        var (_, opusClient, _) = await acme.CreateAgentAsync("opus", "backend", new { adapter = "claude", model = "claude-opus-4" });
        var (_, openAiClient, _) = await acme.CreateAgentAsync("gpt", "backend", new { adapter = "openai", model = "claude-sonnet-4" });
        await other.CreateProjectAsync("OPS");
        await other.CreateWorkAsync("OPS", "Elsewhere", new { status = "ready" });
        var (_, otherTenantClient, _) = await other.CreateAgentAsync("sonnet-1", "backend", new { adapter = "claude", model = "claude-sonnet-4" });

        await using var stream = await SseClient.OpenAsync(acme.Owner, "/api/v1/stream?types=agent.*");
        var reset = DateTimeOffset.UtcNow.AddHours(3);
        var claimed = await ClaimOneAsync(firstClient);
        await (await FailAsync(firstClient, claimed, new
        {
            lease_token = Lease(claimed), error = "monthly usage limit reached", limit = "quota", reset_at = reset,
        })).ReadSuccessAsync();

        foreach (var client in new[] { firstClient, secondClient })
        {
            var refused = await PausedClaimAsync(client);
            Assert.Equal("quota", refused.GetProperty("problem").Str("pause_reason"));
            Assert.InRange(refused.GetProperty("retry_after").GetInt32(), 3 * 3600 - 60, 3 * 3600 + 1);
        }

        // Another model, another adapter, another tenant: each has its own quota.
        Assert.Equal("WEB", (await ClaimOneAsync(opusClient)).GetProperty("item").Str("key")[..3]);
        Assert.Equal("WEB", (await ClaimOneAsync(openAiClient)).GetProperty("item").Str("key")[..3]);
        Assert.Equal("OPS-1", (await ClaimOneAsync(otherTenantClient)).GetProperty("item").Str("key"));

        // Each paused agent's change is in the audit log and on the live stream.
        foreach (var agent in new[] { first, second })
        {
            var trail = await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={agent.Str("id")}");
            var pause = trail.Single(a => a.GetProperty("changes").TryGetProperty("claims_paused_until", out _));
            Assert.Equal("agent.updated", pause.Str("action"));
            Assert.Equal("quota", pause.GetProperty("changes").GetProperty("pause_reason").Str("after"));
        }

        var paused = new HashSet<string>();
        while (paused.Count < 2)
        {
            var e = await stream.NextAsync();
            Assert.Equal("agent.paused", e.Type);
            paused.Add(e.Data.Str("entity_id"));
        }

        Assert.Equal(new[] { first.Str("id"), second.Str("id") }.Order(), paused.Order());
    }

    [Theory, BothStores]
    public async Task The_reset_comes_from_retry_after_or_reset_at_or_a_default_per_kind(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Task", new { status = "ready" });
        var (agent, client, _) = await acme.CreateAgentAsync("solo");

        async Task<string?> PausedUntilAfterAsync(object limit)
        {
            await acme.Owner.PostJsonAsync($"/api/v1/agents/{agent.Str("id")}/resume", new { });
            var claimed = await ClaimOneAsync(client);
            var body = JsonSerializer.SerializeToElement(limit, BosunJson.Options).EnumerateObject()
                .ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
            body["lease_token"] = Lease(claimed);
            body["error"] = "limited";
            await (await FailAsync(client, claimed, body)).ReadSuccessAsync();
            return (await acme.Owner.GetJsonAsync($"/api/v1/agents/{agent.Str("id")}")).GetProperty("claims_paused_until").GetString();
        }

        Assert.Equal("2026-03-02T09:01:30Z", await PausedUntilAfterAsync(new { limit = "rate", retry_after = 90 }));
        Assert.Equal("2026-03-02T12:30:00Z", await PausedUntilAfterAsync(new { limit = "rate", reset_at = "2026-03-02T12:30:00Z" }));
        Assert.Equal("2026-03-02T14:30:00Z", await PausedUntilAfterAsync(new { limit = "quota", reset_at = "2026-03-02T15:30:00+01:00" }));
        Assert.Equal("2026-03-02T09:01:00Z", await PausedUntilAfterAsync(new { limit = "rate" }));
        Assert.Equal("2026-03-02T10:00:00Z", await PausedUntilAfterAsync(new { limit = "quota" }));

        // A reset already past by Bosun's clock pauses nothing, but the item still goes back without using an attempt.
        Assert.Null(await PausedUntilAfterAsync(new { limit = "rate", reset_at = "2026-03-02T08:59:00Z" }));
        var again = await ClaimOneAsync(client);
        Assert.Equal(1, again.GetProperty("run").GetProperty("attempt").GetInt32());
    }

    [Theory, BothStores]
    public async Task A_limit_report_with_bad_fields_is_refused_naming_them_and_changes_nothing(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Task", new { status = "ready" });
        var (agent, client, _) = await acme.CreateAgentAsync("solo");
        var claimed = await ClaimOneAsync(client);
        var lease = Lease(claimed);

        async Task RefusedAsync(string field, object body, string because)
        {
            var problem = await (await FailAsync(client, claimed, body)).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.Contains(problem.FieldErrors(field), m => m.Contains(because));
        }

        await RefusedAsync("retry_after", new { lease_token = lease, error = "x", limit = "rate", retry_after = -5 }, "between 0 and");
        await RefusedAsync("retry_after", new { lease_token = lease, error = "x", limit = "rate", retry_after = 40 * 86400 }, "31 days");
        await RefusedAsync("limit", new { lease_token = lease, error = "x", limit = "daily" }, "rate or quota");
        await RefusedAsync("limit", new { lease_token = lease, error = "x", retry_after = 30 }, "required");
        await RefusedAsync("reset_at", new { lease_token = lease, error = "x", limit = "rate", retry_after = 30, reset_at = "2026-03-02T10:00:00Z" }, "not both");
        await RefusedAsync("reset_at", new { lease_token = lease, error = "x", limit = "quota", reset_at = "2026-05-02T10:00:00Z" }, "within 31 days");
        await RefusedAsync("retryable", new { lease_token = lease, error = "x", limit = "rate", retryable = false }, "must be true");
        await RefusedAsync("retry_after", new { lease_token = lease, error = "x", limit = "rate", retry_after = "soon" }, "");

        // Nothing was paused and the run still holds its item.
        var shown = await acme.Owner.GetJsonAsync($"/api/v1/agents/{agent.Str("id")}");
        Assert.Equal(JsonValueKind.Null, shown.GetProperty("claims_paused_until").ValueKind);
        var done = await (await client.PostAsJsonAsync($"/api/v1/runs/{claimed.GetProperty("run").Str("run_id")}/complete",
            new { lease_token = lease }, BosunJson.Options)).ReadSuccessAsync();
        Assert.Equal("done", done.GetProperty("item").Str("status"));
    }

    [Theory, BothStores]
    public async Task A_person_lifts_a_pause_early_and_only_in_their_own_tenant(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        var rival = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "One", new { status = "ready" });
        await acme.CreateWorkAsync("WEB", "Two", new { status = "ready" });
        var (agent, client, _) = await acme.CreateAgentAsync("solo");
        var member = await acme.AddPersonAsync("member");
        var claimed = await ClaimOneAsync(client);
        await (await FailAsync(client, claimed, new { lease_token = Lease(claimed), error = "slow down", limit = "rate", retry_after = 3600 })).ReadSuccessAsync();
        await PausedClaimAsync(client);

        var path = $"/api/v1/agents/{agent.Str("id")}/resume";
        await (await rival.Owner.PostAsJsonAsync(path, new { })).ProblemAsync(HttpStatusCode.NotFound);
        await (await member.Client.PostAsJsonAsync(path, new { })).ProblemAsync(HttpStatusCode.Forbidden);
        await (await client.PostAsJsonAsync(path, new { })).ProblemAsync(HttpStatusCode.Forbidden);
        await PausedClaimAsync(client);

        var resumed = await acme.Owner.PostJsonAsync($"/api/v1/agents/{agent.Str("name")}/resume", new { });
        Assert.Equal(JsonValueKind.Null, resumed.GetProperty("claims_paused_until").ValueKind);
        Assert.Equal("WEB", (await ClaimOneAsync(client)).GetProperty("item").Str("key")[..3]);
        var trail = await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={agent.Str("id")}");
        Assert.Contains(trail, a => a.Str("actor") == $"user:{acme.OwnerId}"
                                    && a.GetProperty("changes").TryGetProperty("claims_paused_until", out var change)
                                    && change.GetProperty("after").ValueKind == JsonValueKind.Null);
    }

    [Theory, BothStores]
    public async Task Over_mcp_an_agent_reports_a_limit_and_is_told_when_to_claim_again(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Write the docs", new { status = "ready" });
        var (agent, _, token) = await acme.CreateAgentAsync("mcp-writer");
        await using var mcp = await McpServerTests.ConnectAsync(app, token);

        var claimed = await McpServerTests.CallAsync(mcp, "claim_work");
        var bad = await McpServerTests.CallRawAsync(mcp, "fail_work", new
        {
            run_id = claimed.Str("run_id"), lease_token = claimed.Str("lease_token"), error = "x", limit = "rate", reset_at = "tomorrow",
        });
        Assert.True(bad.IsError);
        Assert.Contains("reset_at", McpServerTests.Text(bad));

        var failed = await McpServerTests.CallAsync(mcp, "fail_work", new
        {
            run_id = claimed.Str("run_id"), lease_token = claimed.Str("lease_token"), error = "rate limited by the provider", limit = "rate", retry_after = 300,
        });
        Assert.Equal("ready", failed.GetProperty("item").Str("status"));
        Assert.Equal(0, failed.GetProperty("item").GetProperty("attempts").GetInt32());

        var paused = await McpServerTests.CallAsync(mcp, "claim_work", new { wait_seconds = 10 });
        Assert.False(paused.GetProperty("claimed").GetBoolean());
        Assert.Equal("2026-03-02T09:05:00Z", paused.Str("claims_paused_until"));
        Assert.Equal(300, paused.GetProperty("retry_after_seconds").GetInt32());
        Assert.Equal("rate_limit", paused.Str("pause_reason"));

        app.Clock!.Advance(TimeSpan.FromMinutes(5));
        var again = await McpServerTests.CallAsync(mcp, "claim_work");
        Assert.Equal(item.Str("id"), again.GetProperty("item").Str("id"));
        Assert.Equal(1, again.GetProperty("attempt").GetInt32());
        Assert.Equal(agent.Str("id"), (await acme.Owner.GetJsonAsync($"/api/v1/runs/{again.Str("run_id")}")).Str("agent_id"));
    }
}
