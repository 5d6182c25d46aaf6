using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Server.Http;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Dispatch;

/// A tenant and each of its projects may cap how many runs their agents have at once; a claim beyond a cap is refused
/// with 429 and Retry-After, like an agent at its own limit.
public sealed class ConcurrencyCapTests
{
    private static async Task<List<JsonElement>> ClaimAsync(HttpClient agent, object? body = null) =>
        (await agent.PostJsonAsync("/api/v1/work/claim", body ?? new { })).GetProperty("items").EnumerateArray().ToList();

    private static async Task<JsonElement> RefusedAsync(HttpClient agent, object? body = null)
    {
        var refused = await agent.PostAsJsonAsync("/api/v1/work/claim", body ?? new { }, BosunJson.Options);
        Assert.NotNull(refused.Headers.RetryAfter);
        var problem = await refused.ProblemAsync((HttpStatusCode)429);
        Assert.Equal("/problems/concurrency-limit", problem.Str("type"));
        return problem;
    }

    private static async Task CompleteAsync(HttpClient agent, JsonElement claimed) =>
        await (await agent.PostAsJsonAsync($"/api/v1/runs/{claimed.GetProperty("run").Str("run_id")}/complete",
            new { lease_token = claimed.GetProperty("run").Str("lease_token") }, BosunJson.Options)).ReadSuccessAsync();

    [Theory, BothStores]
    public async Task A_tenant_cap_refuses_claims_beyond_it_until_a_run_ends(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        for (var i = 1; i <= 6; i++)
        {
            await acme.CreateWorkAsync("WEB", $"Task {i}", new { status = "ready" });
        }

        var tenant = await acme.Owner.PatchJsonAsync("/api/v1/tenant", new { max_concurrent_runs = 3 });
        Assert.Equal(3, tenant.GetProperty("max_concurrent_runs").GetInt32());
        var (_, batcher, _) = await acme.CreateAgentAsync("batcher", extra: new { max_concurrent_runs = 10 });
        var (_, single, _) = await acme.CreateAgentAsync("single");

        // A batch takes only the room the tenant has left; the next claim finds none.
        Assert.Equal(2, (await ClaimAsync(batcher, new { max = 2 })).Count);
        var last = Assert.Single(await ClaimAsync(batcher, new { max = 5 }));
        var problem = await RefusedAsync(single, new { wait_seconds = 20 });
        Assert.Equal("tenant", problem.Str("limit_scope"));
        Assert.Contains("3 of its 3", problem.Str("detail"));

        // A person's run does not count: people are never refused, and the cap is on what agents run.
        var byHand = await acme.CreateWorkAsync("WEB", "By hand", new { status = "ready" });
        await acme.Owner.PostJsonAsync($"/api/v1/work/{byHand.Str("id")}/start", new { });

        await CompleteAsync(batcher, last);
        Assert.Single(await ClaimAsync(single));

        await acme.Owner.PatchJsonAsync("/api/v1/tenant", new { clear_max_concurrent_runs = true });
        Assert.Equal(2, (await ClaimAsync(batcher, new { max = 2 })).Count);
    }

    [Theory, BothStores]
    public async Task A_project_cap_keeps_claims_out_of_the_full_project_and_names_it_when_only_its_work_is_left(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateProjectAsync("API");
        for (var i = 1; i <= 4; i++)
        {
            await acme.CreateWorkAsync("WEB", $"Urgent page {i}", new { status = "ready", priority = "urgent" });
        }

        await acme.CreateWorkAsync("API", "Endpoint", new { status = "ready", priority = "low" });
        var web = await acme.Owner.PatchJsonAsync("/api/v1/projects/WEB", new { max_concurrent_runs = 2 });
        Assert.Equal(2, web.GetProperty("max_concurrent_runs").GetInt32());
        var (_, first, _) = await acme.CreateAgentAsync("first", extra: new { max_concurrent_runs = 10 });
        var (_, second, _) = await acme.CreateAgentAsync("second", extra: new { max_concurrent_runs = 10 });

        // The batch takes WEB's two places and then the less urgent API item rather than a third WEB one.
        var batch = await ClaimAsync(first, new { max = 5 });
        Assert.Equal(["API-1", "WEB-1", "WEB-2"], batch.Select(c => c.GetProperty("item").Str("key")).Order());

        var named = await RefusedAsync(second, new { project = "WEB" });
        Assert.Equal("project", named.Str("limit_scope"));
        Assert.Contains("WEB", named.Str("detail"));
        var onlyWebLeft = await RefusedAsync(second);
        Assert.Contains("WEB", onlyWebLeft.Str("detail"));

        await CompleteAsync(first, batch.First(c => c.GetProperty("item").Str("key") == "WEB-1"));
        Assert.Equal("WEB-3", Assert.Single(await ClaimAsync(second, new { max = 3 })).GetProperty("item").Str("key"));
    }

    [Theory, BothStores]
    public async Task Caps_are_checked_when_set_and_only_owners_and_admins_set_a_projects(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var member = await acme.AddPersonAsync("member");

        var zero = await (await acme.Owner.PatchRawAsync("/api/v1/tenant", """{"max_concurrent_runs": 0}""")).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(zero.FieldErrors("max_concurrent_runs"));
        var negative = await (await acme.Owner.PatchRawAsync("/api/v1/projects/WEB", """{"max_concurrent_runs": -1}""")).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(negative.FieldErrors("max_concurrent_runs"));
        await (await member.Client.PatchRawAsync("/api/v1/projects/WEB", """{"max_concurrent_runs": 5}""")).ProblemAsync(HttpStatusCode.Forbidden);
        await (await member.Client.PatchRawAsync("/api/v1/tenant", """{"max_concurrent_runs": 5}""")).ProblemAsync(HttpStatusCode.Forbidden);

        // Members still edit the rest of the project.
        Assert.Equal("Website", (await member.Client.PatchJsonAsync("/api/v1/projects/WEB", new { name = "Website" })).Str("name"));
        Assert.Equal(JsonValueKind.Null, (await acme.Owner.GetJsonAsync("/api/v1/projects/WEB")).GetProperty("max_concurrent_runs").ValueKind);
        await acme.Owner.PatchJsonAsync("/api/v1/projects/WEB", new { max_concurrent_runs = 4 });
        var cleared = await acme.Owner.PatchJsonAsync("/api/v1/projects/WEB", new { clear_max_concurrent_runs = true });
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("max_concurrent_runs").ValueKind);
    }

    /// Two servers on one database, many claims at once: whatever the interleaving, the runs never pass the caps.
    [Theory, BothStores]
    public async Task Concurrent_claims_from_two_servers_never_pass_the_caps(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        await using var peer = await BosunTestApp.StartOnAsync(app.Store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateProjectAsync("API");
        await acme.Owner.PostJsonAsync("/api/v1/work/batch", new
        {
            items = Enumerable.Range(1, 40).Select(i => new { project_id = i % 2 == 0 ? "WEB" : "API", title = $"Task {i}", status = "ready" }).ToList(),
        });
        await acme.Owner.PatchJsonAsync("/api/v1/tenant", new { max_concurrent_runs = 7 });
        await acme.Owner.PatchJsonAsync("/api/v1/projects/WEB", new { max_concurrent_runs = 3 });

        var agents = new List<HttpClient>();
        for (var i = 0; i < 16; i++)
        {
            var (_, _, token) = await acme.CreateAgentAsync($"agent-{i}", extra: new { max_concurrent_runs = 3 });
            agents.Add((i % 2 == 0 ? app : peer).ClientFor(token));
        }

        var answers = await Task.WhenAll(agents.Select(async (agent, i) =>
            await agent.PostAsJsonAsync("/api/v1/work/claim", i % 3 == 0 ? new { max = 3, project = (string?)"WEB" } : new { max = 2, project = (string?)null }, BosunJson.Options)));

        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.OK or (HttpStatusCode)429, $"{(int)a.StatusCode}"));
        var claimed = 0;
        foreach (var answer in answers.Where(a => a.StatusCode == HttpStatusCode.OK))
        {
            claimed += (await answer.ReadJsonAsync()).GetProperty("items").GetArrayLength();
        }

        var active = await acme.Owner.ListAllAsync("/api/v1/runs?status=active");
        Assert.Equal((7, 7), (active.Count, claimed));
        var items = await acme.Owner.ListAllAsync("/api/v1/work?status=claimed");
        Assert.Equal(3, items.Count(i => i.Str("key").StartsWith("WEB-")));
    }
}
