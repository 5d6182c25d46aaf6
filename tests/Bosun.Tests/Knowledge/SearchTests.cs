using System.Net;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Knowledge;

/// One full-text search over items, comments and session messages, on each store's own index.
public sealed class SearchTests
{
    [Theory, BothStores]
    public async Task Items_comments_and_session_messages_are_found_best_first_with_their_words_highlighted(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.Owner.PatchJsonAsync("/api/v1/tenant", new { store_prompt_text = true });
        await acme.CreateProjectAsync("WEB");
        await acme.CreateProjectAsync("OPS");
        var titled = await acme.CreateWorkAsync("WEB", "Invoice export fails for large accounts");
        var described = await acme.CreateWorkAsync("WEB", "Accounts page is slow",
            new { description = "Loading the page also renders every invoice of the account, which takes seconds." });
        await acme.Owner.PostJsonAsync($"/api/v1/work/{described.Str("id")}/comments", new { body = "The invoice PDF renders blank in Firefox." });
        var ops = await acme.CreateWorkAsync("OPS", "Rotate the invoice signing key");
        await acme.Owner.PostJsonAsync("/api/v1/sessions/import", new
        {
            source = "generic", external_id = "s1", title = "Billing fixes",
            messages = new[] { new { external_id = "m1", role = "user", text = "Please check that the invoice totals add up." } },
        });
        await acme.CreateWorkAsync("WEB", "Unrelated work");

        var all = Results(await acme.Owner.GetJsonAsync("/api/v1/search?q=invoice"));
        Assert.Equal(5, all.Count);
        // The title counts for more than the body, so the two items named for it come first.
        Assert.Equal(new[] { titled.Str("id"), ops.Str("id") }.Order(), all.Take(2).Select(r => r.Str("id")).Order());
        Assert.All(all.Take(2), r => Assert.Equal("title", r.Str("field")));
        Assert.Equal(all.Select(r => r.GetProperty("score").GetDouble()).OrderByDescending(s => s), all.Select(r => r.GetProperty("score").GetDouble()));
        foreach (var hit in all)
        {
            var snippet = hit.Str("snippet");
            var marked = hit.GetProperty("highlights").EnumerateArray()
                .Select(h => snippet.Substring(h.GetProperty("start").GetInt32(), h.GetProperty("length").GetInt32())).ToList();
            Assert.NotEmpty(marked);
            Assert.All(marked, m => Assert.Equal("invoice", m, ignoreCase: true));
        }

        var comment = Assert.Single(all, r => r.Str("kind") == "comment");
        Assert.Equal(described.Str("key"), comment.Str("work_item_key"));
        Assert.Equal("Owner", comment.Str("author"));
        var message = Assert.Single(all, r => r.Str("kind") == "message");
        Assert.Equal("Billing fixes", message.Str("title"));
        Assert.NotNull(message.Str("session_id"));
        Assert.Equal("description", Assert.Single(all, r => r.Str("id") == described.Str("id")).Str("field"));

        // Words match by their stem, and filters narrow by kind and project.
        Assert.Contains(Results(await acme.Owner.GetJsonAsync("/api/v1/search?q=exporting")), r => r.Str("id") == titled.Str("id"));
        Assert.Equal(["comment"], Results(await acme.Owner.GetJsonAsync("/api/v1/search?q=invoice&kind=comment")).Select(r => r.Str("kind")));
        Assert.Equal([ops.Str("id")], Results(await acme.Owner.GetJsonAsync("/api/v1/search?q=invoice&project=OPS")).Select(r => r.Str("work_item_id")));
        Assert.Equal(2, Results(await acme.Owner.GetJsonAsync("/api/v1/search?q=invoice&limit=2")).Count);
        Assert.Empty(Results(await acme.Owner.GetJsonAsync("/api/v1/search?q=zeppelin")));
    }

    [Theory, BothStores]
    public async Task Phrases_or_and_minus_read_as_a_search_engine_reads_them(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var blank = await acme.CreateWorkAsync("WEB", "Blank page after login");
        var page = await acme.CreateWorkAsync("WEB", "Login page is blank on mobile");
        var totals = await acme.CreateWorkAsync("WEB", "Totals are wrong on the invoice");

        Assert.Equal([blank.Str("id")], await IdsAsync("\"blank page\""));
        Assert.Equal([blank.Str("id"), page.Str("id")], (await IdsAsync("blank page")).Order());
        Assert.Equal([blank.Str("id")], await IdsAsync("blank -mobile"));
        Assert.Equal(new[] { blank.Str("id"), totals.Str("id") }.Order(), (await IdsAsync("totals OR \"blank page\"")).Order());
        // Text that looks like markup is shown as it was written.
        await acme.CreateWorkAsync("WEB", "Parse List<string> values", new { description = "Returns <b>all</b> of them & more" });
        var parsed = Assert.Single(Results(await acme.Owner.GetJsonAsync("/api/v1/search?q=returns")));
        Assert.Equal("Parse List<string> values", parsed.Str("title"));
        Assert.Contains("Returns <b>all</b> of them & more", parsed.Str("snippet"));

        // Nothing in a query is read as the index's own syntax.
        Assert.Empty(await IdsAsync("title:blank NEAR(page) AND*"));
        return;

        async Task<List<string>> IdsAsync(string q) =>
            Results(await acme.Owner.GetJsonAsync($"/api/v1/search?q={Uri.EscapeDataString(q)}")).Select(r => r.Str("id")).ToList();
    }

    [Theory, BothStores]
    public async Task Search_follows_edits_archives_and_restores_in_the_same_transaction(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Draft the onboarding email");
        await acme.Owner.PostJsonAsync($"/api/v1/work/{item.Str("id")}/comments", new { body = "Mention the onboarding checklist." });

        await acme.Owner.PatchJsonAsync($"/api/v1/work/{item.Str("id")}", new { title = "Draft the welcome email" });
        Assert.Equal(["comment"], await KindsAsync("onboarding"));
        Assert.Equal(["work_item"], await KindsAsync("welcome"));

        await acme.Owner.PostJsonAsync($"/api/v1/work/{item.Str("id")}/archive", new { });
        Assert.Empty(await KindsAsync("welcome"));
        Assert.Empty(await KindsAsync("checklist"));

        await acme.Owner.PostJsonAsync($"/api/v1/work/{item.Str("id")}/restore", new { });
        Assert.Equal(["work_item"], await KindsAsync("welcome"));
        Assert.Equal(["comment"], await KindsAsync("checklist"));
        return;

        async Task<List<string>> KindsAsync(string q) =>
            Results(await acme.Owner.GetJsonAsync($"/api/v1/search?q={q}")).Select(r => r.Str("kind")).ToList();
    }

    [Theory, BothStores]
    public async Task Artifacts_are_found_by_their_content_and_follow_their_new_versions(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var spec = await acme.Owner.PostJsonAsync("/api/v1/artifacts", new
        {
            project = "WEB", type = "spec", key = "checkout", title = "Checkout spec", content = "The basket keeps coupons until payment.",
        });

        var found = Assert.Single(Results(await acme.Owner.GetJsonAsync("/api/v1/search?q=coupons")));
        Assert.Equal(("artifact", spec.Str("id"), "Checkout spec", "content"), (found.Str("kind"), found.Str("id"), found.Str("title"), found.Str("field")));
        Assert.Single(Results(await acme.Owner.GetJsonAsync("/api/v1/search?q=checkout&kind=artifact")));

        await acme.Owner.PatchJsonAsync($"/api/v1/artifacts/{spec.Str("id")}", new { content = "The basket keeps vouchers until payment." });
        Assert.Empty(Results(await acme.Owner.GetJsonAsync("/api/v1/search?q=coupons")));
        Assert.Equal(spec.Str("id"), Assert.Single(Results(await acme.Owner.GetJsonAsync("/api/v1/search?q=vouchers"))).Str("id"));

        await acme.Owner.DeleteAsync($"/api/v1/artifacts/{spec.Str("id")}");
        Assert.Empty(Results(await acme.Owner.GetJsonAsync("/api/v1/search?q=vouchers")));
    }

    [Theory, BothStores]
    public async Task A_second_tenants_identical_words_never_show(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var globex = await app.CreateTenantAsync();
        foreach (var tenant in new[] { acme, globex })
        {
            await tenant.Owner.PatchJsonAsync("/api/v1/tenant", new { store_prompt_text = true });
            await tenant.CreateProjectAsync("WEB");
            var item = await tenant.CreateWorkAsync("WEB", "Quarterly pricing review", new { description = "pricing pricing pricing" });
            await tenant.Owner.PostJsonAsync($"/api/v1/work/{item.Str("id")}/comments", new { body = "Pricing notes attached." });
            await tenant.Owner.PostJsonAsync("/api/v1/sessions/import", new
            {
                source = "generic", external_id = "s1", messages = new[] { new { external_id = "m1", role = "user", text = "pricing plans" } },
            });
        }

        var acmeItems = (await acme.Owner.ListAllAsync("/api/v1/work")).Select(w => w.Str("id")).ToHashSet();
        var found = Results(await acme.Owner.GetJsonAsync("/api/v1/search?q=pricing&limit=50"));
        Assert.Equal(3, found.Count);
        Assert.All(found.Where(r => r.Str("kind") != "message"), r => Assert.Contains(r.Str("work_item_id"), acmeItems));
        var acmeSession = Assert.Single(await acme.Owner.ListAllAsync("/api/v1/sessions")).Str("id");
        Assert.Equal(acmeSession, Assert.Single(found, r => r.Str("kind") == "message").Str("session_id"));

        // Another tenant's project is no project at all.
        var globexProject = (await globex.Owner.GetJsonAsync("/api/v1/projects/WEB")).Str("id");
        var problem = await (await acme.Owner.GetAsync($"/api/v1/search?q=pricing&project={globexProject}")).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("project", out _));
    }

    [Theory, BothStores]
    public async Task A_query_without_words_or_a_bad_filter_is_a_400_naming_the_field(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Something to find");

        foreach (var (query, field) in new[]
                 {
                     ("", "q"), ("q=", "q"), ("q=-something", "q"), ("q=%21%21%21", "q"), ($"q={new string('a', 501)}", "q"),
                     ("q=something&kind=tickets", "kind"), ("q=something&limit=0", "limit"), ("q=something&limit=51", "limit"),
                     ("q=something&project=NOPE", "project"),
                 })
        {
            var problem = await (await acme.Owner.GetAsync($"/api/v1/search?{query}")).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{query}: {problem}");
        }
    }

    private static List<JsonElement> Results(JsonElement answer) => answer.GetProperty("results").EnumerateArray().ToList();
}

/// `bosun search` against the in-process server.
[Collection("CLI")]
public sealed class SearchCliTests
{
    [Theory, BothStores]
    public async Task Bosun_search_prints_the_matches_best_first_and_json_on_request(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Migrate the billing database");
        await acme.CreateWorkAsync("WEB", "Unrelated", new { description = "The billing team asked for it." });
        using var cli = new Bosun.Tests.Cli.CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);

        var table = await cli.OkAsync("search", "billing", "database");
        Assert.Contains("WEB-1", table.Output);
        Assert.DoesNotContain("WEB-2", table.Output);
        var json = (await cli.OkAsync("search", "billing", "--kind", "work_item", "--json")).Json();
        Assert.Equal(["WEB-1", "WEB-2"], json.GetProperty("results").EnumerateArray().Select(r => r.Str("work_item_key")));

        var bad = await cli.RunAsync("search", "--", "-billing");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("q", bad.Error);
    }
}
