using System.Net;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Identity;

public sealed class AgentTests
{
    [Theory, BothStores]
    public async Task An_agent_keeps_every_setting_it_is_given(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var project = await acme.CreateProjectAsync("WEB");

        var created = await acme.Owner.PostJsonAsync("/api/v1/agents", new
        {
            name = "frontend-1", role = "frontend", adapter = "claude", model = "claude-sonnet", description = "Builds pages",
            max_concurrent_runs = 3, run_timeout_seconds = 900, max_cost_per_work_item_usd = 2.5m, failures_before_escalation = 2,
            enabled = true, project_ids = new[] { project.Str("id") },
        });
        var fetched = await acme.Owner.GetJsonAsync($"/api/v1/agents/{created.Str("id")}");

        Assert.Equal(created.GetRawText(), fetched.GetRawText());
        Assert.Equal("claude", fetched.Str("adapter"));
        Assert.Equal("claude-sonnet", fetched.Str("model"));
        Assert.Equal(3, fetched.GetProperty("max_concurrent_runs").GetInt32());
        Assert.Equal(900, fetched.GetProperty("run_timeout_seconds").GetInt32());
        Assert.Equal(2.5m, fetched.GetProperty("max_cost_per_work_item_usd").GetDecimal());
        Assert.Equal(2, fetched.GetProperty("failures_before_escalation").GetInt32());
        Assert.Equal([project.Str("id")], fetched.GetProperty("project_ids").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(created.Str("id"), (await acme.Owner.GetJsonAsync("/api/v1/agents/frontend-1")).Str("id"));
    }

    [Theory, BothStores]
    public async Task An_agent_is_changed_disabled_and_filtered(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var (agent, _, _) = await acme.CreateAgentAsync("worker", "backend", new { max_cost_per_work_item_usd = 1m });
        await acme.CreateAgentAsync("writer", "docs");

        var changed = await acme.Owner.PatchJsonAsync($"/api/v1/agents/{agent.Str("id")}", new
        {
            enabled = false, model = "gpt-5", clear_max_cost_per_work_item = true, name = "worker-2",
        });

        Assert.False(changed.GetProperty("enabled").GetBoolean());
        Assert.Equal("gpt-5", changed.Str("model"));
        Assert.Equal("worker-2", changed.Str("name"));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, changed.GetProperty("max_cost_per_work_item_usd").ValueKind);
        Assert.Equal("backend", changed.Str("role"));
        Assert.Equal(["worker-2"], (await acme.Owner.ListAllAsync("/api/v1/agents?enabled=false")).Select(a => a.Str("name")));
        Assert.Equal(["writer"], (await acme.Owner.ListAllAsync("/api/v1/agents?role=docs")).Select(a => a.Str("name")));
    }

    [Theory, BothStores]
    public async Task Bad_agent_settings_are_refused_naming_each_field(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateAgentAsync("taken");

        var response = await acme.Owner.PostRawAsync("/api/v1/agents", """
            {"name":"","role":"","adapter":"carrier-pigeon","max_concurrent_runs":0,"run_timeout_seconds":1,
             "max_cost_per_work_item_usd":-1,"failures_before_escalation":1000}
            """);
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        foreach (var field in new[] { "name", "role", "adapter", "max_concurrent_runs", "run_timeout_seconds", "max_cost_per_work_item_usd", "failures_before_escalation" })
        {
            Assert.NotEmpty(problem.FieldErrors(field));
        }

        var duplicate = await acme.Owner.PostRawAsync("/api/v1/agents", """{"name":"taken","role":"backend"}""");
        Assert.NotEmpty((await duplicate.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("name"));
        Assert.Single(await acme.Owner.ListAllAsync("/api/v1/agents"));
    }

    [Theory, BothStores]
    public async Task An_agent_token_acts_as_the_agent(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var (agent, client, token) = await acme.CreateAgentAsync("builder");

        Assert.StartsWith("bsn_agent_", token);
        // An agent creates sub-items of the item it holds.
        var held = await acme.CreateWorkAsync("WEB", "Held", new { status = "ready", assignee = $"agent:{agent.Str("id")}" });
        await client.PostJsonAsync("/api/v1/work/claim", new { });
        var item = await client.PostJsonAsync("/api/v1/work", new { project_id = "WEB", parent_id = held.Str("id"), title = "Made by a bot" });
        Assert.Equal($"agent:{agent.Str("id")}", item.Str("created_by"));
        await (await client.SendJsonAsync(HttpMethod.Post, "/api/v1/agents", new { name = "clone", role = "backend" })).ProblemAsync(HttpStatusCode.Forbidden);
        await (await client.GetAsync("/api/v1/users/me")).ProblemAsync(HttpStatusCode.NotFound);
    }
}
