using System.Net;
using System.Net.Http.Json;
using Bosun.Core.Data;
using Bosun.Server.Http;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Dispatch;

public sealed class BudgetStopTests
{
    [Theory, BothStores]
    public async Task A_spent_stop_budget_stops_running_work_refuses_claims_and_raising_it_resumes(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var web = await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Expensive research", new { status = "ready" });
        await acme.CreateWorkAsync("WEB", "Next research", new { status = "ready" });
        var (_, agent, _) = await acme.CreateAgentAsync("researcher", extra: new { max_concurrent_runs = 5 });
        var budget = await acme.Owner.PostJsonAsync("/api/v1/budgets", new { name = "WEB monthly", scope = "project", scope_id = web.Str("id"), window = "month", amount_usd = 1.00m });

        var claimed = (await agent.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items").EnumerateArray().Single();
        var run = claimed.GetProperty("run");
        var runUrl = $"/api/v1/runs/{run.Str("run_id")}";
        await agent.PostJsonAsync($"{runUrl}/llm-calls", new { provider = "anthropic", model = "claude-sonnet-4-5", input_tokens = 1000, output_tokens = 500, cost_usd = 1.25m });

        var beat = await agent.PostJsonAsync($"{runUrl}/heartbeat", new { lease_token = run.Str("lease_token") });
        Assert.True(beat.GetProperty("stop").GetBoolean());
        Assert.Equal("budget", beat.Str("reason"));

        var refused = await agent.PostAsJsonAsync("/api/v1/work/claim", new { }, BosunJson.Options);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await refused.ReadJsonAsync();
        Assert.Equal("/problems/budget-exhausted", problem.Str("type"));
        Assert.Contains("WEB monthly", problem.Str("detail"));
        var raise = (await acme.Owner.GetJsonAsync("/api/v1/approvals?status=pending")).GetProperty("items").EnumerateArray().Single();
        Assert.Equal("budget_raise", raise.Str("kind"));

        await acme.Owner.PatchJsonAsync($"/api/v1/budgets/{budget.Str("id")}", new { amount_usd = 5.00m });
        var resumed = (await agent.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items").EnumerateArray().Single();
        Assert.Equal("Next research", resumed.GetProperty("item").Str("title"));
    }
}
