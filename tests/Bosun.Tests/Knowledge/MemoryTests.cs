using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Tests.Agents;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Knowledge;

/// Memory units written by agents and people, recalled by full-text search within what the caller may read, and the
/// recall log owners and admins read.
public sealed class MemoryTests
{
    [Theory, BothStores]
    public async Task An_agent_remembers_during_a_run_and_recalls_over_mcp_and_rest(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Ship the billing page", new { status = "ready" });
        var (agent, client, token) = await acme.CreateAgentAsync("coder");
        await using var mcp = await McpServerTests.ConnectAsync(app, token);
        var claim = await McpServerTests.CallAsync(mcp, "claim_work", new { wait_seconds = 0 });

        var unit = await McpServerTests.CallAsync(mcp, "remember", new { content = "The staging database resets every night at two.", kind = "fact" });
        Assert.Equal("agent", unit.Str("scope"));
        Assert.Equal(agent.Str("id"), unit.Str("scope_id"));
        Assert.Equal($"agent:{agent.Str("id")}", unit.Str("source"));
        Assert.Equal(claim.Str("run_id"), unit.Str("source_run_id"));
        Assert.Equal(item.Str("id"), unit.Str("source_work_item_id"));
        var onItem = await client.PostJsonAsync("/api/v1/memory",
            new { content = "Billing totals are rounded per line, not per invoice.", kind = "decision", scope = "work_item", scope_id = item.Str("key") });
        Assert.Equal(item.Str("id"), onItem.Str("scope_id"));

        var recalled = await McpServerTests.CallAsync(mcp, "recall", new { query = "staging database" });
        Assert.Equal([unit.Str("id")], Ids(recalled));
        Assert.True(recalled.GetProperty("results")[0].GetProperty("score").GetDouble() > 0);
        var overRest = await client.PostJsonAsync("/api/v1/memory/recall", new { query = "rounded", scope = "work_item" });
        Assert.Equal([onItem.Str("id")], Ids(overRest));

        // People remember too, tenant-wide by default, and forget.
        var person = await acme.Owner.PostJsonAsync("/api/v1/memory", new { content = "Customers prefer invoices in their own currency.", kind = "preference" });
        Assert.Equal("tenant", person.Str("scope"));
        Assert.Equal($"user:{acme.OwnerId}", person.Str("source"));
        Assert.Contains(person.Str("id"), Ids(await McpServerTests.CallAsync(mcp, "recall", new { query = "invoices" })));
        var listed = await acme.Owner.GetJsonAsync("/api/v1/memory?kind=decision");
        Assert.Equal([onItem.Str("id")], listed.GetProperty("items").EnumerateArray().Select(u => u.Str("id")));
        Assert.Equal(HttpStatusCode.NoContent, (await acme.Owner.DeleteAsync($"/api/v1/memory/{person.Str("id")}")).StatusCode);
        Assert.DoesNotContain(person.Str("id"), Ids(await client.PostJsonAsync("/api/v1/memory/recall", new { query = "invoices" })));
    }

    [Theory, BothStores]
    public async Task Recall_ranks_and_shows_only_memory_the_caller_may_read(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var web = await acme.CreateProjectAsync("WEB");
        var ops = await acme.CreateProjectAsync("OPS");
        var (_, coder, _) = await acme.CreateAgentAsync("coder", "backend", new { project_ids = new[] { web.Str("id") } });
        var (_, other, _) = await acme.CreateAgentAsync("other");

        var best = await coder.PostJsonAsync("/api/v1/memory", new { content = "Deploy with the deploy script, never by hand.", kind = "lesson" });
        var weaker = await coder.PostJsonAsync("/api/v1/memory", new
        {
            content = "The release checklist has many steps: tag the commit, write the notes, wait for the build, check the dashboards, then deploy.",
            kind = "lesson",
        });
        var secret = await other.PostJsonAsync("/api/v1/memory", new { content = "My own deploy notes.", kind = "fact" });
        var tenant = await acme.Owner.PostJsonAsync("/api/v1/memory", new { content = "Deploy only on weekdays.", kind = "preference", scope = "tenant" });
        var webMemory = await acme.Owner.PostJsonAsync("/api/v1/memory", new { content = "WEB deploys go through the CDN purge.", kind = "fact", scope = "project", scope_id = "WEB" });
        var opsMemory = await acme.Owner.PostJsonAsync("/api/v1/memory", new { content = "OPS deploys need a change ticket.", kind = "fact", scope = "project", scope_id = "OPS" });
        var item = await acme.CreateWorkAsync("WEB", "Fix the header");
        var itemMemory = await acme.Owner.PostJsonAsync("/api/v1/memory", new { content = "Deploy the header fix after the freeze.", kind = "decision", scope = "work_item", scope_id = item.Str("key") });

        var found = await coder.PostJsonAsync("/api/v1/memory/recall", new { query = "deploy", limit = 10 });
        var ids = Ids(found);
        Assert.Equal(new[] { best.Str("id"), weaker.Str("id"), tenant.Str("id"), webMemory.Str("id") }.Order(), ids.Order());
        var scores = found.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("score").GetDouble()).ToList();
        Assert.Equal(scores.OrderByDescending(s => s), scores);
        Assert.True(ids.IndexOf(best.Str("id")) < ids.IndexOf(weaker.Str("id")), "the short unit saying deploy twice ranks above the long one saying it once");
        Assert.DoesNotContain(secret.Str("id"), ids);
        Assert.DoesNotContain(opsMemory.Str("id"), ids);
        Assert.DoesNotContain(itemMemory.Str("id"), ids);

        // Narrowed to a scope; another agent's scope is refused naming the field; people read everything.
        Assert.Equal([webMemory.Str("id")], Ids(await coder.PostJsonAsync("/api/v1/memory/recall", new { query = "deploy", scope = "project", scope_id = "WEB" })));
        var refused = await (await coder.PostAsJsonAsync("/api/v1/memory/recall", new { query = "deploy", scope = "agent", scope_id = "other" }))
            .ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("scope_id", refused.GetRawText());
        Assert.Equal(7, Ids(await acme.Owner.PostJsonAsync("/api/v1/memory/recall", new { query = "deploy", limit = 50 })).Count);
        Assert.Equal(HttpStatusCode.NotFound, (await coder.DeleteAsync($"/api/v1/memory/{secret.Str("id")}")).StatusCode);
        Assert.DoesNotContain(secret.Str("id"), (await coder.GetJsonAsync("/api/v1/memory")).GetProperty("items").EnumerateArray().Select(u => u.Str("id")));

        // The general search finds memory too, within the same reach.
        var searched = (await other.GetJsonAsync("/api/v1/search?q=deploy&kind=memory")).GetProperty("results").EnumerateArray().Select(r => r.Str("id")).ToList();
        Assert.Contains(secret.Str("id"), searched);
        Assert.DoesNotContain(best.Str("id"), searched);
    }

    [Theory, BothStores]
    public async Task Another_tenants_identical_words_and_expired_units_are_never_recalled(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        var globex = await app.CreateTenantAsync();
        var theirs = await globex.Owner.PostJsonAsync("/api/v1/memory", new { content = "The vault key rotates monthly.", kind = "fact" });
        var soon = await acme.Owner.PostJsonAsync("/api/v1/memory",
            new { content = "The vault is read-only this week.", kind = "fact", expires_at = app.Clock!.GetUtcNow().AddDays(7) });
        var lasting = await acme.Owner.PostJsonAsync("/api/v1/memory", new { content = "The vault lives in the ops account.", kind = "fact" });

        Assert.Equal(new[] { soon.Str("id"), lasting.Str("id") }.Order(), Ids(await acme.Owner.PostJsonAsync("/api/v1/memory/recall", new { query = "vault" })).Order());
        app.Clock.Advance(TimeSpan.FromDays(8));
        Assert.Equal([lasting.Str("id")], Ids(await acme.Owner.PostJsonAsync("/api/v1/memory/recall", new { query = "vault" })));
        Assert.Equal(HttpStatusCode.NotFound, (await acme.Owner.GetAsync($"/api/v1/memory/{theirs.Str("id")}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.Owner.DeleteAsync($"/api/v1/memory/{theirs.Str("id")}")).StatusCode);

        // Bad input names the field.
        foreach (var (body, field) in new (object, string)[]
                 {
                     (new { content = "", kind = "fact" }, "content"),
                     (new { content = "x", kind = "rumour" }, "kind"),
                     (new { content = new string('x', 8001), kind = "fact" }, "content"),
                     (new { content = "x", kind = "fact", scope = "project", scope_id = "NOPE" }, "scope_id"),
                     (new { content = "x", kind = "fact", scope = "project" }, "scope_id"),
                     (new { content = "x", kind = "fact", expires_at = app.Clock.GetUtcNow().AddDays(-1) }, "expires_at"),
                 })
        {
            var problem = await (await acme.Owner.PostAsJsonAsync("/api/v1/memory", body)).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{field}: {problem}");
        }

        var badRecall = await (await acme.Owner.PostAsJsonAsync("/api/v1/memory/recall", new { query = "vault", limit = 0 })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(badRecall.GetProperty("errors").TryGetProperty("limit", out _));
    }

    [Theory, BothStores]
    public async Task Each_recall_is_logged_with_its_units_and_scores_for_admins_only(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var (agent, coder, _) = await acme.CreateAgentAsync("coder");
        var unit = await coder.PostJsonAsync("/api/v1/memory", new { content = "Use the blue green switch for the API.", kind = "lesson" });
        var recalled = await coder.PostJsonAsync("/api/v1/memory/recall", new { query = "blue green", scope = "agent" });
        await coder.PostJsonAsync("/api/v1/memory/recall", new { query = "zeppelin" });

        var log = (await acme.Owner.GetJsonAsync("/api/v1/memory/recalls")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, log.Count);
        Assert.Equal("zeppelin", log[0].Str("query"));
        Assert.Empty(log[0].GetProperty("results").EnumerateArray());
        var first = log[1];
        Assert.Equal(recalled.Str("recall_id"), first.Str("id"));
        Assert.Equal($"agent:{agent.Str("id")}", first.Str("asked_by"));
        Assert.Equal("blue green", first.Str("query"));
        Assert.Equal("agent", first.Str("scope"));
        var result = Assert.Single(first.GetProperty("results").EnumerateArray());
        Assert.Equal(unit.Str("id"), result.Str("id"));
        Assert.Equal(recalled.GetProperty("results")[0].GetProperty("score").GetDouble(), result.GetProperty("score").GetDouble());
        Assert.True(first.GetProperty("took_ms").GetInt32() >= 0);

        var paged = await acme.Owner.GetJsonAsync("/api/v1/memory/recalls?limit=1");
        Assert.Single(paged.GetProperty("items").EnumerateArray());
        Assert.NotNull(paged.Str("next_cursor"));

        var member = await acme.AddPersonAsync("member");
        Assert.Equal(HttpStatusCode.Forbidden, (await member.Client.GetAsync("/api/v1/memory/recalls")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await coder.GetAsync("/api/v1/memory/recalls")).StatusCode);
        var admin = await acme.AddPersonAsync("admin");
        Assert.Equal(HttpStatusCode.OK, (await admin.Client.GetAsync("/api/v1/memory/recalls")).StatusCode);
    }

    private static List<string> Ids(JsonElement recall) => recall.GetProperty("results").EnumerateArray().Select(r => r.Str("id")).ToList();
}
