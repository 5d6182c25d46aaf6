using System.Net;
using System.Net.Http.Json;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Core.Ledger;
using Bosun.Server.Http;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Ledger;

public sealed class BudgetTests
{
    // gpt-4o: 2000 input × $2.50 + 600 output × $10 per million = $0.011.
    private static readonly object ElevenMillicents = new { provider = "openai", model = "gpt-4o", input_tokens = 2000, output_tokens = 600 };

    [Theory, BothStores]
    public async Task Reaching_a_stop_budget_stops_active_runs_in_scope_blocks_claims_and_asks_to_raise_it(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var web = await acme.CreateProjectAsync("WEB");
        var api = await acme.CreateProjectAsync("API");
        var first = await acme.CreateWorkAsync("WEB", "First");
        var second = await acme.CreateWorkAsync("WEB", "Second");
        var elsewhere = await acme.CreateWorkAsync("API", "Elsewhere");
        var (alice, aliceClient, _) = await acme.CreateAgentAsync("alice");
        var (bob, bobClient, _) = await acme.CreateAgentAsync("bob");
        var aliceRun = await acme.StartRunAsync(first.Id(), alice.Id());
        var bobRun = await acme.StartRunAsync(second.Id(), bob.Id());
        var otherRun = await acme.StartRunAsync(elsewhere.Id(), bob.Id());
        var budget = await acme.Owner.PostJsonAsync("/api/v1/budgets", new { name = "web monthly", scope = "project", scope_id = "WEB", amount_usd = 0.01 });

        var crossing = await aliceClient.PostJsonAsync($"/api/v1/runs/{aliceRun}/llm-calls", ElevenMillicents);

        Assert.True(crossing.GetProperty("stop").GetBoolean());
        Assert.Equal("budget", crossing.Str("reason"));
        Assert.Equal("budget", await acme.StopReasonAsync(bobRun));
        Assert.Null(await acme.StopReasonAsync(otherRun));
        var block = await acme.AsTenantAsync((_, sp) => sp.GetRequiredService<BudgetEnforcement>().FindBlockingBudgetAsync(bob.Id(), web.Id(), second.Id(), default));
        Assert.NotNull(block);
        Assert.Equal(budget.Id(), block.BudgetId);
        Assert.Null(await acme.AsTenantAsync((_, sp) => sp.GetRequiredService<BudgetEnforcement>().FindBlockingBudgetAsync(bob.Id(), api.Id(), elsewhere.Id(), default)));
        var blocked = await acme.AsTenantAsync((_, sp) => sp.GetRequiredService<BudgetEnforcement>().BlockedScopesAsync(null, default));
        Assert.True(blocked.Blocks(bob.Id(), web.Id(), second.Id()));
        Assert.False(blocked.Blocks(bob.Id(), api.Id(), elsewhere.Id()));

        var refused = await bobClient.PostAsJsonAsync($"/api/v1/runs/{bobRun}/llm-calls", ElevenMillicents, BosunJson.Options);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await refused.ReadJsonAsync();
        Assert.Equal("/problems/budget-exhausted", problem.Str("type"));
        Assert.Equal(budget.Id(), problem.GetProperty("budget").Str("budget_id"));
        Assert.True(problem.GetProperty("stop").GetBoolean());
        Assert.Equal(HttpStatusCode.Conflict, (await aliceClient.PostAsJsonAsync($"/api/v1/runs/{aliceRun}/llm-calls", ElevenMillicents, BosunJson.Options)).StatusCode);
        await bobClient.PostJsonAsync($"/api/v1/runs/{otherRun}/llm-calls", ElevenMillicents);

        var approvals = await acme.AsTenantAsync((db, _) => db.Approvals.Where(a => a.Kind == ApprovalKind.BudgetRaise).ToListAsync());
        var approval = Assert.Single(approvals);
        Assert.Equal(ApprovalStatus.Pending, approval.Status);
        Assert.Equal(web.Id(), approval.ProjectId);
        var status = await acme.Owner.GetJsonAsync($"/api/v1/budgets/{budget.Id()}");
        Assert.Equal("exhausted", status.Str("state"));
        Assert.Equal(0.011m, status.Usd("spent_usd"));

        await acme.Owner.PatchJsonAsync($"/api/v1/budgets/{budget.Id()}", new { amount_usd = 1 });

        Assert.Null(await acme.StopReasonAsync(bobRun));
        Assert.Null(await acme.AsTenantAsync((_, sp) => sp.GetRequiredService<BudgetEnforcement>().FindBlockingBudgetAsync(bob.Id(), web.Id(), second.Id(), default)));
        Assert.Equal(ApprovalStatus.Approved, await acme.AsTenantAsync((db, _) => db.Approvals.Where(a => a.Id == approval.Id).Select(a => a.Status).SingleAsync()));
        var resumed = await bobClient.PostJsonAsync($"/api/v1/runs/{bobRun}/llm-calls", ElevenMillicents);
        Assert.False(resumed.GetProperty("stop").GetBoolean());
    }

    [Theory, BothStores]
    public async Task An_agents_cap_per_work_item_stops_that_agent_on_that_item_only(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var web = await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Capped");
        var other = await acme.CreateWorkAsync("WEB", "Other");
        var (agent, client, _) = await acme.CreateAgentAsync("thrifty", extra: new { max_cost_per_work_item_usd = 0.02 });
        var run = await acme.StartRunAsync(item.Id(), agent.Id());
        await acme.Owner.PostJsonAsync("/api/v1/budgets", new { scope = "tenant", amount_usd = 0.03, warn_percent = 50, action = "warn" });

        var first = await client.PostJsonAsync($"/api/v1/runs/{run}/llm-calls", ElevenMillicents);
        var second = await client.PostJsonAsync($"/api/v1/runs/{run}/llm-calls", ElevenMillicents);

        Assert.False(first.GetProperty("stop").GetBoolean());
        Assert.True(second.GetProperty("stop").GetBoolean());
        var block = await acme.AsTenantAsync((_, sp) => sp.GetRequiredService<BudgetEnforcement>().FindBlockingBudgetAsync(agent.Id(), web.Id(), item.Id(), default));
        Assert.Equal("agent_cap", block?.Kind);
        Assert.Null(await acme.AsTenantAsync((_, sp) => sp.GetRequiredService<BudgetEnforcement>().FindBlockingBudgetAsync(agent.Id(), web.Id(), other.Id(), default)));
        var alerts = await acme.Owner.GetJsonAsync("/api/v1/budgets/alerts");
        Assert.Equal(["cap", "warn"], alerts.GetProperty("items").EnumerateArray().Select(a => a.Str("level")).Order());

        await acme.Owner.PatchJsonAsync($"/api/v1/agents/{agent.Id()}", new { max_cost_per_work_item_usd = 1 });
        Assert.Null(await acme.AsTenantAsync((_, sp) => sp.GetRequiredService<BudgetEnforcement>().FindBlockingBudgetAsync(agent.Id(), web.Id(), item.Id(), default)));
    }

    [Theory, BothStores]
    public async Task A_budget_set_or_lowered_below_what_was_spent_stops_its_scope_at_once(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var web = await acme.CreateProjectAsync("WEB");
        var first = await acme.CreateWorkAsync("WEB", "First");
        var second = await acme.CreateWorkAsync("WEB", "Second");
        var firstRun = await acme.StartRunAsync(first.Id(), null);
        var secondRun = await acme.StartRunAsync(second.Id(), null);
        await acme.Owner.PostJsonAsync($"/api/v1/runs/{firstRun}/llm-calls", new[] { ElevenMillicents, ElevenMillicents });

        var late = await acme.Owner.PostJsonAsync("/api/v1/budgets", new { scope = "project", scope_id = "WEB", amount_usd = 0.02 });

        Assert.Equal(("exhausted", 0.022m), (late.Str("state"), late.Usd("spent_usd")!.Value));
        Assert.Equal("budget", await acme.StopReasonAsync(secondRun));
        Assert.NotNull(await acme.AsTenantAsync((_, sp) => sp.GetRequiredService<BudgetEnforcement>().FindBlockingBudgetAsync(null, web.Id(), second.Id(), default)));
        Assert.Single(await acme.AsTenantAsync((db, _) => db.Approvals.Where(a => a.Kind == ApprovalKind.BudgetRaise).ToListAsync()));

        await acme.Owner.PatchJsonAsync($"/api/v1/budgets/{late.Id()}", new { amount_usd = 1 });
        Assert.Null(await acme.StopReasonAsync(secondRun));
        await acme.Owner.PatchJsonAsync($"/api/v1/budgets/{late.Id()}", new { amount_usd = 0.01 });
        Assert.Equal("budget", await acme.StopReasonAsync(secondRun));
    }

    [Theory, BothStores]
    public async Task The_tenants_monthly_spend_cap_is_kept_as_a_stop_budget(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Work");
        var run = await acme.StartRunAsync(item.Id(), null);
        await acme.Owner.PostJsonAsync($"/api/v1/runs/{run}/llm-calls", ElevenMillicents);

        await acme.Owner.PatchJsonAsync("/api/v1/tenant", new { monthly_spend_cap_usd = 0.01 });
        await acme.AsTenantAsync(async (_, sp) => { await sp.GetRequiredService<BudgetService>().SyncTenantCapAsync(default); return 0; });

        var cap = Assert.Single((await acme.Owner.GetJsonAsync("/api/v1/budgets")).EnumerateArray());
        Assert.Equal((acme.Id, "exhausted"), (cap.Id(), cap.Str("state")));
        Assert.Equal("budget", await acme.StopReasonAsync(run));
        var refused = await acme.Owner.PostAsJsonAsync($"/api/v1/runs/{run}/llm-calls", ElevenMillicents, BosunJson.Options);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);

        await acme.Owner.PatchJsonAsync("/api/v1/tenant", new { clear_monthly_spend_cap = true });
        await acme.AsTenantAsync(async (_, sp) => { await sp.GetRequiredService<BudgetService>().SyncTenantCapAsync(default); return 0; });
        Assert.Empty((await acme.Owner.GetJsonAsync("/api/v1/budgets")).EnumerateArray());
        Assert.Null(await acme.StopReasonAsync(run));
    }

    [Theory, BothStores]
    public async Task Concurrent_usage_from_32_runs_overspends_a_budget_by_at_most_one_call(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var runs = new List<string>();
        for (var i = 0; i < 32; i++)
        {
            var item = await acme.CreateWorkAsync("WEB", $"Item {i}");
            runs.Add(await acme.StartRunAsync(item.Id(), null));
        }

        await acme.Owner.PostJsonAsync("/api/v1/budgets", new { scope = "tenant", amount_usd = 0.5 });
        var outcomes = await Task.WhenAll(runs.Select(async run =>
        {
            for (var call = 0; call < 100; call++)
            {
                var response = await acme.Owner.PostAsJsonAsync($"/api/v1/runs/{run}/llm-calls", ElevenMillicents, BosunJson.Options);
                if (response.StatusCode == HttpStatusCode.Conflict)
                {
                    return "refused";
                }

                var body = await response.ReadSuccessAsync();
                if (body.GetProperty("stop").GetBoolean())
                {
                    return "stopped";
                }
            }

            return "ran on";
        }));

        Assert.DoesNotContain("ran on", outcomes);
        var summary = await acme.Owner.GetJsonAsync("/api/v1/costs/summary");
        var spent = summary.GetProperty("total").Usd("cost_usd");
        Assert.InRange(spent!.Value, 0.5m, 0.5m + 0.011m);
        var budget = summary.GetProperty("budgets")[0];
        Assert.Equal(spent, budget.Usd("spent_usd"));
        foreach (var run in runs)
        {
            Assert.Equal("budget", await acme.StopReasonAsync(run));
        }
    }
}
