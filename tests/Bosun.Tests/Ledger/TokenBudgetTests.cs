using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Core.Ledger;
using Bosun.Core.Realtime;
using Bosun.Server.Http;
using Bosun.Tests.Infrastructure;
using Bosun.Tests.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Ledger;

/// Token caps: budgets that count input and output tokens beside or instead of money, and what they do at the cap.
public sealed class TokenBudgetTests
{
    // gpt-4o: 4,000 input × $2.50 + 2,000 output × $10 per million = $0.03 for 6,000 tokens.
    private static readonly object SixThousandTokens = new { provider = "openai", model = "gpt-4o", input_tokens = 4000, output_tokens = 2000 };

    // gpt-4o: 2,000 input × $2.50 + 600 output × $10 per million = $0.011 for 2,600 tokens.
    private static readonly object ElevenMillicents = new { provider = "openai", model = "gpt-4o", input_tokens = 2000, output_tokens = 600 };

    [Theory, BothStores]
    public async Task A_project_capped_at_10000_tokens_stops_at_the_request_that_crosses_the_cap(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Research", new { status = "ready" });
        await acme.CreateWorkAsync("WEB", "Write", new { status = "ready" });
        await acme.CreateWorkAsync("WEB", "Later", new { status = "ready" });
        var (_, agent, _) = await acme.CreateAgentAsync("researcher", extra: new { max_concurrent_runs = 5 });
        var budget = await acme.Owner.PostJsonAsync("/api/v1/budgets", new { name = "WEB tokens", scope = "project", scope_id = "WEB", max_tokens = 10_000 });
        Assert.Equal(JsonValueKind.Null, budget.GetProperty("amount_usd").ValueKind);
        Assert.Equal((10_000L, false, "stop"), (budget.GetProperty("max_tokens").GetInt64(), budget.GetProperty("count_cache_reads").GetBoolean(), budget.Str("action")));

        var first = (await agent.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0].GetProperty("run");
        var second = (await agent.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0].GetProperty("run");
        var runUrl = $"/api/v1/runs/{first.Str("run_id")}";
        var below = await agent.PostJsonAsync($"{runUrl}/llm-calls", SixThousandTokens);
        Assert.False(below.GetProperty("stop").GetBoolean());

        var crossing = await agent.PostJsonAsync($"{runUrl}/llm-calls", SixThousandTokens);

        Assert.Equal(1, crossing.GetProperty("recorded").GetInt32());
        Assert.True(crossing.GetProperty("stop").GetBoolean());
        Assert.Equal("budget", crossing.Str("reason"));
        Assert.Equal(2, (await agent.ListAllAsync($"{runUrl}/llm-calls")).Count);
        foreach (var run in new[] { first, second })
        {
            var beat = await agent.PostJsonAsync($"/api/v1/runs/{run.Str("run_id")}/heartbeat", new { lease_token = run.Str("lease_token") });
            Assert.True(beat.GetProperty("stop").GetBoolean());
            Assert.Equal("budget", beat.Str("reason"));
        }

        var claim = await agent.PostAsJsonAsync("/api/v1/work/claim", new { }, BosunJson.Options);
        var refused = await claim.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("/problems/budget-exhausted", refused.Str("type"));
        Assert.Contains("has used 12,000 of 10,000 tokens", refused.Str("detail"));
        Assert.Equal("tokens", refused.GetProperty("budget").Str("limit"));
        var usage = await agent.PostAsJsonAsync($"{runUrl}/llm-calls", SixThousandTokens, BosunJson.Options);
        Assert.Equal(HttpStatusCode.Conflict, usage.StatusCode);

        var spent = await acme.Owner.GetJsonAsync($"/api/v1/budgets/{budget.Id()}");
        Assert.Equal(("exhausted", 12_000L, 0L), (spent.Str("state"), spent.GetProperty("spent_tokens").GetInt64(), spent.GetProperty("remaining_tokens").GetInt64()));
        Assert.Equal(0.06m, spent.Usd("spent_usd"));
        var alert = Assert.Single((await acme.Owner.GetJsonAsync("/api/v1/budgets/alerts")).GetProperty("items").EnumerateArray());
        Assert.Equal(("cap", "tokens", 10_000L, 12_000L), (alert.Str("level"), alert.Str("limit"), alert.GetProperty("max_tokens").GetInt64(), alert.GetProperty("spent_tokens").GetInt64()));
        var stopEvent = await StreamEventAsync(app, acme, "budget.stop");
        Assert.Equal("tokens", stopEvent.Str("limit"));
        Assert.Equal(10_000, stopEvent.GetProperty("max_tokens").GetInt64());

        using (var web = new Bosun.Tests.Web.WebClient(app))
        {
            await web.SignInAsync("owner@example.test", WebTestTenants.Password);
            var costs = await web.GetAsync("/costs");
            Assert.Contains("<strong>12,000</strong> of 10,000 tokens", costs.Html);
            Assert.Contains("cache reads not counted", costs.Html);
        }

        await acme.Owner.PatchJsonAsync($"/api/v1/budgets/{budget.Id()}", new { max_tokens = 50_000 });
        var resumed = (await agent.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items").EnumerateArray().Single();
        Assert.Equal("Later", resumed.GetProperty("item").Str("title"));
    }

    [Theory, BothStores]
    public async Task Cache_reads_count_towards_a_token_cap_only_when_the_budget_says_so(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var web = await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Long context");
        var run = await acme.StartRunAsync(item.Id(), null);
        var counting = await acme.Owner.PostJsonAsync("/api/v1/budgets", new { name = "all tokens", scope = "project", scope_id = "WEB", max_tokens = 5000, count_cache_reads = true });
        var fresh = await acme.Owner.PostJsonAsync("/api/v1/budgets", new { name = "fresh tokens", scope = "project", scope_id = "WEB", max_tokens = 5000 });

        // 1,000 input + 500 output + 200 cache writes are fresh; the 8,000 cache reads are the same prompt read again.
        await acme.Owner.PostJsonAsync($"/api/v1/runs/{run}/llm-calls", new
        {
            provider = "anthropic", model = "claude-sonnet-4-5", input_tokens = 1000, output_tokens = 500, cache_read_tokens = 8000, cache_write_tokens = 200,
            input_includes_cache = false,
        });

        var all = await acme.Owner.GetJsonAsync($"/api/v1/budgets/{counting.Id()}");
        var freshOnly = await acme.Owner.GetJsonAsync($"/api/v1/budgets/{fresh.Id()}");
        Assert.Equal(("exhausted", 9700L), (all.Str("state"), all.GetProperty("spent_tokens").GetInt64()));
        Assert.Equal(("ok", 1700L), (freshOnly.Str("state"), freshOnly.GetProperty("spent_tokens").GetInt64()));
        var block = await acme.AsTenantAsync((_, sp) => sp.GetRequiredService<BudgetEnforcement>().FindBlockingBudgetAsync(null, web.Id(), item.Id(), default));
        Assert.Equal((counting.Id(), BudgetLimit.Tokens), (block?.BudgetId, block?.Limit));

        // A budget set later starts from what its scope already used this month, counted its own way.
        var lateCounting = await acme.Owner.PostJsonAsync("/api/v1/budgets", new { scope = "project", scope_id = "WEB", max_tokens = 100_000, count_cache_reads = true, action = "warn" });
        var lateFresh = await acme.Owner.PostJsonAsync("/api/v1/budgets", new { scope = "project", scope_id = "WEB", max_tokens = 100_000, action = "warn" });
        Assert.Equal(9700, lateCounting.GetProperty("spent_tokens").GetInt64());
        Assert.Equal(1700, lateFresh.GetProperty("spent_tokens").GetInt64());

        var change = await acme.Owner.SendJsonAsync(HttpMethod.Patch, $"/api/v1/budgets/{fresh.Id()}", new { count_cache_reads = true });
        Assert.NotEmpty((await change.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("count_cache_reads"));
    }

    [Theory, BothStores]
    public async Task A_fail_budget_fails_the_running_items_in_its_scope_naming_the_budget_and_escalates_them(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateProjectAsync("OPS");
        await acme.CreateWorkAsync("WEB", "Crawl", new { status = "ready" });
        await acme.CreateWorkAsync("WEB", "Summarise", new { status = "ready" });
        var (_, alice, _) = await acme.CreateAgentAsync("alice");
        var (_, bob, _) = await acme.CreateAgentAsync("bob");
        var (_, carol, _) = await acme.CreateAgentAsync("carol");
        var aliceRun = (await alice.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0].GetProperty("run");
        var bobRun = (await bob.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0].GetProperty("run");
        await acme.CreateWorkAsync("OPS", "Rotate keys", new { status = "ready" });
        var carolRun = (await carol.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0].GetProperty("run");
        await acme.Owner.PostJsonAsync("/api/v1/budgets", new { name = "WEB hard cap", scope = "project", scope_id = "WEB", max_tokens = 10_000, action = "fail" });

        var crossing = await alice.PostJsonAsync($"/api/v1/runs/{aliceRun.Str("run_id")}/llm-calls", new[] { SixThousandTokens, SixThousandTokens });

        Assert.Equal(2, crossing.GetProperty("recorded").GetInt32());
        Assert.True(crossing.GetProperty("stop").GetBoolean());
        foreach (var run in new[] { aliceRun, bobRun })
        {
            var ended = await acme.Owner.GetJsonAsync($"/api/v1/runs/{run.Str("run_id")}");
            Assert.Equal("failed", ended.Str("status"));
            Assert.Contains("WEB hard cap", ended.Str("error"));
            Assert.Equal("failed", (await acme.Owner.GetJsonAsync($"/api/v1/work/{ended.Str("work_item_id")}")).Str("status"));
        }

        var bobBeat = await bob.PostJsonAsync($"/api/v1/runs/{bobRun.Str("run_id")}/heartbeat", new { lease_token = bobRun.Str("lease_token") });
        Assert.Equal((true, "budget"), (bobBeat.GetProperty("stop").GetBoolean(), bobBeat.Str("reason")));
        var carolBeat = await carol.PostJsonAsync($"/api/v1/runs/{carolRun.Str("run_id")}/heartbeat", new { lease_token = carolRun.Str("lease_token") });
        Assert.False(carolBeat.GetProperty("stop").GetBoolean());

        var escalations = (await acme.Owner.ListAllAsync("/api/v1/work?project=WEB")).Where(w => w.Str("type") == "escalation").ToList();
        Assert.Equal(2, escalations.Count);
        Assert.All(escalations, e => Assert.Contains("WEB hard cap", e.Str("description")));
        var stopEvent = await StreamEventAsync(app, acme, "budget.stop");
        Assert.Equal(2, stopEvent.GetProperty("runs_failed").GetInt32());

        await acme.CreateWorkAsync("WEB", "Next", new { status = "ready" });
        var claim = await alice.PostAsJsonAsync("/api/v1/work/claim", new { }, BosunJson.Options);
        Assert.Equal(HttpStatusCode.Conflict, claim.StatusCode);
    }

    [Theory, BothStores]
    public async Task A_warn_budget_on_tokens_only_warns(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Chatty", new { status = "ready" });
        await acme.CreateWorkAsync("WEB", "Next", new { status = "ready" });
        var (_, agent, _) = await acme.CreateAgentAsync("talker", extra: new { max_concurrent_runs = 5 });
        var budget = await acme.Owner.PostJsonAsync("/api/v1/budgets", new { scope = "tenant", max_tokens = 10_000, warn_percent = 50, action = "warn" });
        var run = (await agent.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0].GetProperty("run");

        var warned = await agent.PostJsonAsync($"/api/v1/runs/{run.Str("run_id")}/llm-calls", SixThousandTokens);
        var over = await agent.PostJsonAsync($"/api/v1/runs/{run.Str("run_id")}/llm-calls", SixThousandTokens);
        var beyond = await agent.PostJsonAsync($"/api/v1/runs/{run.Str("run_id")}/llm-calls", SixThousandTokens);

        Assert.All(new[] { warned, over, beyond }, r => Assert.False(r.GetProperty("stop").GetBoolean()));
        var beat = await agent.PostJsonAsync($"/api/v1/runs/{run.Str("run_id")}/heartbeat", new { lease_token = run.Str("lease_token") });
        Assert.False(beat.GetProperty("stop").GetBoolean());
        Assert.Single((await agent.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items").EnumerateArray());
        var status = await acme.Owner.GetJsonAsync($"/api/v1/budgets/{budget.Id()}");
        Assert.Equal(("over", 18_000L), (status.Str("state"), status.GetProperty("spent_tokens").GetInt64()));
        var alerts = (await acme.Owner.GetJsonAsync("/api/v1/budgets/alerts")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["cap", "warn"], alerts.Select(a => a.Str("level")).Order());
        Assert.All(alerts, a => Assert.Equal("tokens", a.Str("limit")));
        Assert.Empty(await acme.AsTenantAsync((db, _) => db.Approvals.Where(a => a.Kind == ApprovalKind.BudgetRaise).ToListAsync()));
        // In written order: PostgreSQL numbers events just after their commit, and the ones not numbered yet carry
        // negative provisional numbers, in written order, after all numbered ones.
        var types = await app.WithDbAsync(db => db.Set<StreamEvent>().IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.TenantId == acme.Id && e.EntityType == "budget").OrderBy(e => e.Seq < 0).ThenBy(e => e.Seq).Select(e => e.Type).ToListAsync());
        Assert.Equal(["budget.warning", "budget.warning"], types);
    }

    [Theory, BothStores]
    public async Task With_money_and_tokens_capped_on_one_budget_whichever_crosses_first_acts(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var web = await acme.CreateProjectAsync("WEB");
        var ops = await acme.CreateProjectAsync("OPS");
        var webItem = await acme.CreateWorkAsync("WEB", "Many small calls");
        var opsItem = await acme.CreateWorkAsync("OPS", "Few dear calls");
        var webRun = await acme.StartRunAsync(webItem.Id(), null);
        var opsRun = await acme.StartRunAsync(opsItem.Id(), null);
        var webBudget = await acme.Owner.PostJsonAsync("/api/v1/budgets", new { name = "WEB", scope = "project", scope_id = "WEB", amount_usd = 1.00m, max_tokens = 10_000 });
        var opsBudget = await acme.Owner.PostJsonAsync("/api/v1/budgets", new { name = "OPS", scope = "project", scope_id = "OPS", amount_usd = 0.02m, max_tokens = 10_000 });

        // WEB: four cheap calls pass 10,000 tokens at $0.044; OPS: two calls pass $0.02 at 5,200 tokens.
        for (var i = 0; i < 3; i++)
        {
            Assert.False((await acme.Owner.PostJsonAsync($"/api/v1/runs/{webRun}/llm-calls", ElevenMillicents)).GetProperty("stop").GetBoolean());
        }

        Assert.True((await acme.Owner.PostJsonAsync($"/api/v1/runs/{webRun}/llm-calls", ElevenMillicents)).GetProperty("stop").GetBoolean());
        Assert.False((await acme.Owner.PostJsonAsync($"/api/v1/runs/{opsRun}/llm-calls", ElevenMillicents)).GetProperty("stop").GetBoolean());
        Assert.True((await acme.Owner.PostJsonAsync($"/api/v1/runs/{opsRun}/llm-calls", ElevenMillicents)).GetProperty("stop").GetBoolean());

        var caps = (await acme.Owner.GetJsonAsync("/api/v1/budgets/alerts")).GetProperty("items").EnumerateArray().Where(a => a.Str("level") == "cap").ToList();
        Assert.Equal("tokens", caps.Single(a => a.Str("budget_id") == webBudget.Id()).Str("limit"));
        Assert.Equal("money", caps.Single(a => a.Str("budget_id") == opsBudget.Id()).Str("limit"));
        var enforcement = (Func<string, string, Task<BudgetBlock?>>)((project, item) =>
            acme.AsTenantAsync((_, sp) => sp.GetRequiredService<BudgetEnforcement>().FindBlockingBudgetAsync(null, project, item, default)));
        Assert.Equal(BudgetLimit.Tokens, (await enforcement(web.Id(), webItem.Id()))?.Limit);
        Assert.Equal(BudgetLimit.Money, (await enforcement(ops.Id(), opsItem.Id()))?.Limit);
        var refused = await acme.Owner.PostAsJsonAsync($"/api/v1/runs/{opsRun}/llm-calls", ElevenMillicents, BosunJson.Options);
        var problem = await refused.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("money", problem.GetProperty("budget").Str("limit"));
        Assert.Contains("has spent $0.022 of $0.02", problem.Str("detail"));

        // Raising only the money leaves WEB stopped by its tokens.
        var raised = await acme.Owner.PatchJsonAsync($"/api/v1/budgets/{webBudget.Id()}", new { amount_usd = 5.00m });
        Assert.Equal("exhausted", raised.Str("state"));
        Assert.Equal("budget", await acme.StopReasonAsync(webRun));
    }

    [Theory, BothStores]
    public async Task Token_budgets_refuse_bad_input_naming_the_field_are_audited_and_stay_in_their_tenant(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var globex = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");

        async Task<JsonElement> Refused(HttpMethod method, string url, object body) =>
            await (await acme.Owner.SendJsonAsync(method, url, body)).ProblemAsync(HttpStatusCode.BadRequest);

        var neither = await Refused(HttpMethod.Post, "/api/v1/budgets", new { scope = "project", scope_id = "WEB" });
        Assert.NotEmpty(neither.FieldErrors("amount_usd"));
        Assert.NotEmpty(neither.FieldErrors("max_tokens"));
        Assert.NotEmpty((await Refused(HttpMethod.Post, "/api/v1/budgets", new { max_tokens = -1 })).FieldErrors("max_tokens"));
        Assert.NotEmpty((await Refused(HttpMethod.Post, "/api/v1/budgets", new { amount_usd = -1m, max_tokens = 100 })).FieldErrors("amount_usd"));

        var budget = await acme.Owner.PostJsonAsync("/api/v1/budgets", new { scope = "project", scope_id = "WEB", max_tokens = 10_000 });
        Assert.NotEmpty((await Refused(HttpMethod.Patch, $"/api/v1/budgets/{budget.Id()}", new { clear_max_tokens = true })).FieldErrors("clear_max_tokens"));
        Assert.NotEmpty((await Refused(HttpMethod.Patch, $"/api/v1/budgets/{budget.Id()}", new { max_tokens = -5 })).FieldErrors("max_tokens"));

        var both = await acme.Owner.PatchJsonAsync($"/api/v1/budgets/{budget.Id()}", new { amount_usd = 2m, action = "fail" });
        Assert.Equal((2m, 10_000L, "fail"), (both.Usd("amount_usd")!.Value, both.GetProperty("max_tokens").GetInt64(), both.Str("action")));
        var moneyOnly = await acme.Owner.PatchJsonAsync($"/api/v1/budgets/{budget.Id()}", new { clear_max_tokens = true });
        Assert.Equal(JsonValueKind.Null, moneyOnly.GetProperty("max_tokens").ValueKind);
        var tokensAgain = await acme.Owner.PatchJsonAsync($"/api/v1/budgets/{budget.Id()}", new { max_tokens = 20_000, clear_amount = true });
        Assert.Equal(JsonValueKind.Null, tokensAgain.GetProperty("amount_usd").ValueKind);

        var audit = await acme.Owner.ListAllAsync($"/api/v1/audit?entity_type=budget&entity_id={budget.Id()}");
        Assert.Contains(audit, a => a.Str("action") == "budget.created" && a.GetProperty("changes").GetProperty("max_tokens").GetProperty("after").GetInt64() == 10_000);
        Assert.Contains(audit, a => a.Str("action") == "budget.updated" && a.GetProperty("changes").TryGetProperty("tokens_only", out _));

        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Patch, HttpMethod.Delete })
        {
            var response = await globex.Owner.SendJsonAsync(method, $"/api/v1/budgets/{budget.Id()}", method == HttpMethod.Get || method == HttpMethod.Delete ? null : new { max_tokens = 1 });
            await response.ProblemAsync(HttpStatusCode.NotFound);
        }

        Assert.Equal(20_000, (await acme.Owner.GetJsonAsync($"/api/v1/budgets/{budget.Id()}")).GetProperty("max_tokens").GetInt64());
    }

    /// The changes a streamed budget event carries, as webhooks deliver them.
    private static async Task<JsonElement> StreamEventAsync(BosunTestApp app, TestTenant tenant, string type)
    {
        var json = await app.WithDbAsync(db => db.Set<StreamEvent>().IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.TenantId == tenant.Id && e.Type == type).Select(e => e.ChangesJson).SingleAsync());
        return JsonDocument.Parse(json).RootElement.Clone();
    }
}
