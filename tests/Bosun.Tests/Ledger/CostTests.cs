using System.Net;
using System.Net.Http.Json;
using Bosun.Core.Data;
using Bosun.Server.Http;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Ledger;

public sealed class CostTests
{
    [Theory, BothStores]
    public async Task Calls_are_priced_from_the_catalog_without_billing_cached_tokens_twice(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Build it");
        var (agent, client, _) = await acme.CreateAgentAsync("coder");
        var run = await acme.StartRunAsync(item.Id(), agent.Id());

        var recorded = await client.PostJsonAsync($"/api/v1/runs/{run}/llm-calls", new object[]
        {
            // Anthropic: input_tokens excludes cache reads and writes. 1000×3 + 500×15 + 2000×0.30 + 1000×3.75 per million.
            new { provider = "anthropic", model = "claude-sonnet-4-5-20250929", input_tokens = 1000, output_tokens = 500, cache_read_tokens = 2000, cache_write_tokens = 1000 },
            // OpenAI: prompt_tokens includes the 1000 cached ones. 2000×2.50 + 1000×1.25 + 200×10.
            new { provider = "openai", model = "gpt-4o-2024-08-06", input_tokens = 3000, output_tokens = 200, cache_read_tokens = 1000 },
            // Provider-prefixed name; over 200k prompt tokens the whole request is billed at the long-context rate.
            new { provider = "anthropic", model = "anthropic/claude-sonnet-4-5", input_tokens = 150_000, output_tokens = 1000, cache_read_tokens = 60_000 },
            // Gemini counts thinking apart from output: 1000×0.30 + (100+400)×2.50.
            new { provider = "google", model = "gemini-2.5-flash", input_tokens = 1000, output_tokens = 100, reasoning_tokens = 400 },
            // A subscription call costs nothing more, but shows what it would have cost.
            new { provider = "anthropic", model = "claude-haiku-4-5", input_tokens = 10_000, output_tokens = 1000, billing_type = "subscription" },
            // A cost the caller sends wins over the catalog; the list price is still kept.
            new { provider = "openai", model = "gpt-5-mini", input_tokens = 1_000_000, output_tokens = 0, cost_usd = 0.2 },
        });

        var calls = recorded.GetProperty("calls").EnumerateArray().ToList();
        Assert.Equal(6, recorded.GetProperty("recorded").GetInt32());
        Assert.Equal(0.01485m, calls[0].Usd("cost_usd"));
        Assert.Equal(0.00825m, calls[1].Usd("cost_usd"));
        Assert.Equal(2000, calls[1].GetProperty("input_tokens").GetInt64());
        Assert.Equal(0.9585m, calls[2].Usd("cost_usd"));
        Assert.Equal(0.00155m, calls[3].Usd("cost_usd"));
        Assert.Equal(500, calls[3].GetProperty("output_tokens").GetInt64());
        Assert.Equal(0m, calls[4].Usd("cost_usd"));
        Assert.Equal(0.015m, calls[4].Usd("list_cost_usd"));
        Assert.Equal("subscription", calls[4].Str("cost_basis"));
        Assert.Equal(0.2m, calls[5].Usd("cost_usd"));
        Assert.Equal(0.25m, calls[5].Usd("list_cost_usd"));
        Assert.Equal("provided", calls[5].Str("cost_basis"));

        var total = 0.01485m + 0.00825m + 0.9585m + 0.00155m + 0.2m;
        Assert.Equal(total, recorded.Usd("cost_usd"));
        var runCost = await acme.Owner.GetJsonAsync($"/api/v1/runs/{run}/cost");
        Assert.Equal(total, runCost.Usd("cost_usd"));
        var summary = await acme.Owner.GetJsonAsync("/api/v1/costs/summary?by=model");
        Assert.Equal(total, summary.GetProperty("total").Usd("cost_usd"));
        Assert.Equal(6, summary.GetProperty("total").GetProperty("calls").GetInt64());
        var byAgent = await acme.Owner.GetJsonAsync("/api/v1/costs/summary?by=agent");
        Assert.Equal("coder", byAgent.GetProperty("rows")[0].Str("label"));
    }

    [Theory, BothStores]
    public async Task A_price_change_applies_from_its_effective_date_and_never_rewrites_history(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Build it");
        var run = await acme.StartRunAsync(item.Id(), null);
        await acme.Owner.PostJsonAsync("/api/v1/prices", new { model = "acme-coder", provider = "acme", effective_from = "2026-01-01T00:00:00Z", input_usd_per_mtok = 1, output_usd_per_mtok = 4 });
        var january = await acme.Owner.PostJsonAsync($"/api/v1/runs/{run}/llm-calls",
            new { provider = "acme", model = "acme-coder-20260101", input_tokens = 1_000_000, output_tokens = 1_000_000, called_at = "2026-01-20T10:00:00Z" });

        await acme.Owner.PostJsonAsync("/api/v1/prices", new { model = "acme-coder", provider = "acme", effective_from = "2026-02-01T00:00:00Z", input_usd_per_mtok = 2, output_usd_per_mtok = 8 });
        var late = await acme.Owner.PostJsonAsync($"/api/v1/runs/{run}/llm-calls",
            new { provider = "acme", model = "acme-coder", input_tokens = 1_000_000, output_tokens = 0, called_at = "2026-01-31T23:59:59Z" });
        var february = await acme.Owner.PostJsonAsync($"/api/v1/runs/{run}/llm-calls",
            new { provider = "acme", model = "acme-coder", input_tokens = 1_000_000, output_tokens = 1_000_000, called_at = "2026-02-01T00:00:00Z" });

        Assert.Equal(5m, january.Usd("cost_usd"));
        Assert.Equal(1m, late.Usd("cost_usd"));
        Assert.Equal(10m, february.Usd("cost_usd"));
        var history = await acme.Owner.GetJsonAsync($"/api/v1/runs/{run}/llm-calls");
        Assert.Equal([5m, 1m, 10m], history.GetProperty("items").EnumerateArray().Select(c => c.Usd("cost_usd")!.Value));
        var quote = await acme.Owner.GetJsonAsync("/api/v1/prices/quote?provider=acme&model=acme-coder&input_tokens=1000000&at=2026-01-15T00:00:00Z");
        Assert.Equal(1m, quote.Usd("cost_usd"));
    }

    [Theory, BothStores]
    public async Task The_built_in_catalog_prices_the_gpt_5_1_codex_models_and_gpt_5_2_at_their_list_prices(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();

        async Task<decimal?> CostAsync(string model) => (await acme.Owner.GetJsonAsync(
            $"/api/v1/prices/quote?provider=openai&model={model}&input_tokens=1000000&output_tokens=1000000&cache_read_tokens=1000000&input_includes_cache=false")).Usd("cost_usd");

        Assert.Equal(1.25m + 10 + 0.125m, await CostAsync("gpt-5.1-codex"));
        Assert.Equal(0.25m + 2 + 0.025m, await CostAsync("gpt-5.1-codex-mini"));
        Assert.Equal(1.75m + 14 + 0.175m, await CostAsync("gpt-5.2"));
    }

    [Theory, BothStores]
    public async Task An_unknown_model_is_recorded_with_an_unknown_cost_and_reported(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Build it");
        var run = await acme.StartRunAsync(item.Id(), null);

        var recorded = await acme.Owner.PostJsonAsync($"/api/v1/runs/{run}/llm-calls",
            new { provider = "newco", model = "mystery-9000", input_tokens = 5000, output_tokens = 100 });
        await acme.Owner.PostJsonAsync($"/api/v1/runs/{run}/llm-calls",
            new { provider = "anthropic", model = "claude-opus-4-5", input_tokens = 1000, output_tokens = 100 });

        var call = recorded.GetProperty("calls")[0];
        Assert.Equal("unknown", call.Str("cost_basis"));
        Assert.Null(call.Usd("cost_usd"));
        Assert.Null(call.Usd("list_cost_usd"));
        Assert.Equal(1, recorded.GetProperty("unpriced_calls").GetInt32());
        var unpriced = await acme.Owner.GetJsonAsync("/api/v1/costs/unpriced-models");
        var row = Assert.Single(unpriced.EnumerateArray());
        Assert.Equal("mystery-9000", row.Str("model"));
        Assert.Equal(5000, row.GetProperty("input_tokens").GetInt64());
        var summary = await acme.Owner.GetJsonAsync("/api/v1/costs/summary");
        Assert.Equal(1, summary.GetProperty("total").GetProperty("unpriced_calls").GetInt64());
        Assert.Equal(0.0075m, summary.GetProperty("total").Usd("cost_usd"));
    }

    [Theory, BothStores]
    public async Task Bad_usage_is_refused_naming_the_field_and_nothing_is_recorded(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Build it");
        var run = await acme.StartRunAsync(item.Id(), null);

        var response = await acme.Owner.PostAsJsonAsync($"/api/v1/runs/{run}/llm-calls", new object[]
        {
            new { provider = "openai", model = "gpt-4o", input_tokens = 10, output_tokens = 5 },
            new { provider = "openai", model = "gpt-4o", input_tokens = 10, cache_read_tokens = 50 },
        }, BosunJson.Options);
        var wrongType = await acme.Owner.PostAsJsonAsync($"/api/v1/runs/{run}/llm-calls", new { provider = "openai", model = "gpt-4o", input_tokens = "many" }, BosunJson.Options);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ReadJsonAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty("[1].input_tokens", out _));
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        Assert.True((await wrongType.ReadJsonAsync()).GetProperty("errors").TryGetProperty("input_tokens", out _));
        var calls = await acme.Owner.GetJsonAsync($"/api/v1/runs/{run}/llm-calls");
        Assert.Empty(calls.GetProperty("items").EnumerateArray());
    }

    [Theory, BothStores]
    public async Task The_ledger_refuses_updates_and_deletes(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Build it");
        var run = await acme.StartRunAsync(item.Id(), null);
        await acme.Owner.PostJsonAsync($"/api/v1/runs/{run}/llm-calls", new { provider = "openai", model = "gpt-4o", input_tokens = 10, output_tokens = 5 });
        await acme.Owner.PostJsonAsync($"/api/v1/runs/{run}/tool-calls", new { tool_name = "bash", input_summary = new string('x', 5000) });

        foreach (var sql in new[] { "UPDATE llm_calls SET cost_micros = 0", "DELETE FROM llm_calls", "UPDATE tool_calls SET status = 'error'", "DELETE FROM tool_calls" })
        {
            await Assert.ThrowsAnyAsync<Exception>(() => acme.AsTenantAsync((db, _) =>
                Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.ExecuteSqlRawAsync(db.Database, sql)));
        }

        var tools = await acme.Owner.GetJsonAsync($"/api/v1/runs/{run}/tool-calls");
        Assert.Equal(2000, tools.GetProperty("items")[0].Str("input_summary").Length);
    }
}

public sealed class LedgerIsolationTests
{
    [Theory, BothStores]
    public async Task A_tenant_cannot_record_or_read_usage_of_another_tenants_run(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var globex = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Build it");
        var run = await acme.StartRunAsync(item.Id(), null);
        var (_, otherAgent, _) = await acme.CreateAgentAsync("someone-else");

        var foreign = await globex.Owner.PostAsJsonAsync($"/api/v1/runs/{run}/llm-calls", new { provider = "openai", model = "gpt-4o", input_tokens = 10 }, BosunJson.Options);
        var notTheirs = await otherAgent.PostAsJsonAsync($"/api/v1/runs/{run}/llm-calls", new { provider = "openai", model = "gpt-4o", input_tokens = 10 }, BosunJson.Options);
        var read = await globex.Owner.GetAsync($"/api/v1/runs/{run}/cost");

        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, notTheirs.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        var summary = await globex.Owner.GetJsonAsync("/api/v1/costs/summary");
        Assert.Equal(0, summary.GetProperty("total").GetProperty("calls").GetInt64());
    }
}
