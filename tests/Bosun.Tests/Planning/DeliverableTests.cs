using System.Net;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Core.Planning;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Tests.Planning;

/// A marketing team's strategy: goals with recurring deliverables, each month's period made ahead, a pipeline per
/// counted item, and the period's count rising as the pipelines finish. The clock starts on 2 March 2026, 09:00 UTC.
public sealed class DeliverableTests
{
    private static readonly object[] BlogPipeline =
    [
        new { key = "research", title = "Research {{topic_area}} post {{index}} for {{period}}", type = "research" },
        new { key = "write", title = "Write post {{index}} of {{deliverable}}", type = "write", after = new[] { "research" } },
        new { key = "review", title = "Review post {{index}}", type = "review", approval_required = true, after = new[] { "write" } },
    ];

    private static readonly object[] TopicArea = [new { key = "topic_area", label = "Topic area", type = "text", required = true }];

    [Theory, BothStores]
    public async Task A_strategy_approved_makes_monthly_periods_whose_reviewed_pipelines_count_and_a_month_short_of_target_is_missed(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        var project = await acme.CreateProjectAsync("MKT");
        var goal = await acme.CreateGoalAsync(new { title = "Grow organic traffic", project_id = "MKT", metric_name = "organic sessions", baseline = 1000.0, target = 5000.0 });
        var goalId = goal.Str("id");
        var strategy = await acme.AddStrategyAsync(project.Str("id"), goalId, "Content strategy, first half of 2026");
        var template = await acme.AddTemplateAsync("Blog post pipeline", BlogPipeline, TopicArea);
        var reviewer = await acme.AddPersonAsync("reviewer");

        var deliverable = await acme.Owner.PostJsonAsync("/api/v1/deliverables", new
        {
            goal_id = goalId, plan_id = strategy, name = "Monthly blog posts", type = "blog_posts", quantity_per_period = 2,
            template_id = template, variables = new { topic_area = "B2B SaaS" },
        });
        var id = deliverable.Str("id");
        Assert.Equal(project.Str("id"), deliverable.Str("project_id"));
        Assert.Equal("month", deliverable.Str("period"));
        Assert.Empty(deliverable.GetProperty("periods").EnumerateArray());
        Assert.Equal(0, (await app.SweepAsync()).PeriodsCreated);

        // Approved, the strategy's deliverable gets this month's and next month's periods, and this month's pipelines.
        Assert.Equal(2, await acme.ApproveStrategyAsync(strategy));
        Assert.Equal(0, (await app.SweepAsync()).Deliverables);
        deliverable = await acme.Owner.GetJsonAsync($"/api/v1/deliverables/{id}");
        Assert.Equal(["2026-04", "2026-03"], deliverable.GetProperty("periods").EnumerateArray().Select(p => p.Str("period")));
        var march = deliverable.Period("2026-03");
        Assert.Equal((2, 0), (march.GetProperty("target").GetInt32(), march.GetProperty("completed").GetInt32()));
        Assert.Equal(DateTime.Parse("2026-03-01T00:00:00Z").ToUniversalTime(), march.GetProperty("starts_at").GetDateTime());
        Assert.Equal(DateTime.Parse("2026-04-01T00:00:00Z").ToUniversalTime(), march.GetProperty("ends_at").GetDateTime());
        Assert.Equal("2026-03", deliverable.GetProperty("current").Str("period"));
        Assert.Equal(JsonValueKind.Null, deliverable.Period("2026-04").GetProperty("pipelines_created_at").ValueKind);

        // A day and a half in with nothing done, no pace can reach the target.
        Assert.Equal("at_risk", march.Str("status"));

        var posts = await acme.CountedItemsAsync(goalId);
        Assert.Equal(["Monthly blog posts 2026-03 #1", "Monthly blog posts 2026-03 #2"], posts.Select(p => p.Str("title")));
        Assert.All(posts, p =>
        {
            Assert.Equal(march.Str("id"), p.Str("deliverable_period_id"));
            Assert.Equal(template, p.Str("template_id"));
            Assert.Equal(1, p.GetProperty("template_version").GetInt32());
            Assert.Equal("activity", p.Str("type"));
            Assert.Equal("in_progress", p.Str("status"));
        });
        var steps = await acme.StepsAsync(posts[0]);
        Assert.Equal(["Research B2B SaaS post 1 for 2026-03", "Write post 1 of Monthly blog posts", "Review post 1"], steps.Select(s => s.Str("title")));
        Assert.True(steps[2].GetProperty("approval_required").GetBoolean());

        // The first post is researched, written and passes review: the period counts it.
        await acme.Owner.DoAsync(steps[0].Str("key"));
        await acme.Owner.DoAsync(steps[1].Str("key"));
        var reviewed = await acme.Owner.DoAsync(steps[2].Str("key"));
        Assert.Equal("awaiting_approval", reviewed.GetProperty("item").Str("status"));
        Assert.Equal(0, (await PeriodAsync(acme, id, "2026-03")).GetProperty("completed").GetInt32());
        await reviewer.Client.PostJsonAsync($"/api/v1/approvals/{reviewed.Str("approval_id")}/approve", new { note = "Publish it" });
        Assert.Equal("done", (await acme.Owner.GetJsonAsync($"/api/v1/work/{posts[0].Str("key")}")).Str("status"));
        march = await PeriodAsync(acme, id, "2026-03");
        Assert.Equal((1, 50.0, "in_progress"), (march.GetProperty("completed").GetInt32(), march.GetProperty("percent").GetDouble(), march.Str("status")));

        // The second post is only researched before the month ends: March is missed, April's pipelines are made.
        await acme.Owner.DoAsync((await acme.StepsAsync(posts[1]))[0].Str("key"));
        app.Clock!.SetUtcNow(DateTimeOffset.Parse("2026-04-01T06:00:00Z"));
        var swept = await app.SweepAsync();
        Assert.Equal((1, 2), (swept.PeriodsCreated, swept.ItemsCreated));
        var marchReport = await ProgressAsync(acme, "2026-03");
        Assert.Equal(("Monthly blog posts", "Grow organic traffic", "blog_posts", "2026-03"),
            (marchReport.Str("deliverable"), marchReport.Str("goal"), marchReport.Str("type"), marchReport.Str("period")));
        Assert.Equal((2, 1, 50.0, "missed"),
            (marchReport.GetProperty("target").GetInt32(), marchReport.GetProperty("completed").GetInt32(), marchReport.GetProperty("percent").GetDouble(), marchReport.Str("status")));

        var april = await ProgressAsync(acme, null);
        Assert.Equal(("2026-04", 0, "not_started"), (april.Str("period"), april.GetProperty("completed").GetInt32(), april.Str("status")));
        var aprilPosts = (await acme.CountedItemsAsync(goalId)).Where(p => p.Str("title").Contains("2026-04")).ToList();
        Assert.Equal(2, aprilPosts.Count);
        var aprilSteps = new[] { await acme.StepsAsync(aprilPosts[0]), await acme.StepsAsync(aprilPosts[1]) };
        Assert.Equal("Research B2B SaaS post 2 for 2026-04", aprilSteps[1][0].Str("title"));
        await acme.Owner.DoAsync(aprilSteps[0][0].Str("key"));
        Assert.Equal("in_progress", (await ProgressAsync(acme, "2026-04")).Str("status"));
        await acme.Owner.DoAsync(aprilSteps[1][0].Str("key"));

        foreach (var post in aprilSteps)
        {
            await acme.Owner.DoAsync(post[1].Str("key"));
            var gate = await acme.Owner.DoAsync(post[2].Str("key"));
            await reviewer.Client.PostJsonAsync($"/api/v1/approvals/{gate.Str("approval_id")}/approve", new { });
        }

        april = await ProgressAsync(acme, "2026-04");
        Assert.Equal((2, 100.0, "completed"), (april.GetProperty("completed").GetInt32(), april.GetProperty("percent").GetDouble(), april.Str("status")));

        // A post found wanting after all is re-opened: April counts one less until it passes review again.
        await acme.Owner.PostJsonAsync($"/api/v1/work/{aprilSteps[1][2].Str("key")}/reopen", new { reason = "The intro repeats last month's post" });
        april = await ProgressAsync(acme, "2026-04");
        Assert.Equal((1, 50.0, "in_progress"), (april.GetProperty("completed").GetInt32(), april.GetProperty("percent").GetDouble(), april.Str("status")));
        Assert.Equal("in_progress", (await acme.Owner.GetJsonAsync($"/api/v1/work/{aprilPosts[1].Str("key")}")).Str("status"));

        var audit = await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={march.Str("id")}");
        Assert.Contains(audit, a => a.Str("action") == "deliverable_period.created");
        // March's pipelines were made in the transaction that approved the strategy, on the approver's account.
        Assert.Contains(audit, a => a.Str("action") == "deliverable_period.pipelines_created" && a.Str("actor").StartsWith("user:", StringComparison.Ordinal));
    }

    [Theory, BothStores]
    public async Task Two_processes_making_periods_at_once_make_one_row_per_period_and_each_periods_items_once(StoreKind store)
    {
        await using var first = await BosunTestApp.StartAsync(store, fakeClock: true);
        await using var second = await BosunTestApp.StartOnAsync(first.Store, new FakeTimeProvider(first.Clock!.GetUtcNow()));
        var acme = await first.CreateTenantAsync();
        await acme.CreateProjectAsync("MKT");
        var goal = await acme.CreateGoalAsync(new { title = "Grow organic traffic", project_id = "MKT" });
        var template = await acme.AddTemplateAsync("Two steps", [new { key = "draft", title = "Draft {{index}}" }, new { key = "edit", title = "Edit {{index}}", after = new[] { "draft" } }]);
        var ids = new List<string>();
        foreach (var name in new[] { "Blog posts", "Social posts", "Newsletters", "Backlinks" })
        {
            // Set up inactive, then switched on behind the API's back, so that only the sweeps make their periods.
            var made = await acme.Owner.PostJsonAsync("/api/v1/deliverables", new
            {
                goal_id = goal.Str("id"), name, type = "content", quantity_per_period = 3, template_id = template, active = false,
            });
            Assert.Empty(made.GetProperty("periods").EnumerateArray());
            ids.Add(made.Str("id"));
        }

        await acme.InTenantAsync(db => db.Deliverables.ExecuteUpdateAsync(s => s.SetProperty(d => d.Active, true)));

        var sweeps = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => (i % 2 == 0 ? first : second).SweepAsync())));

        Assert.All(sweeps, s => Assert.Equal(0, s.Failed));
        Assert.Equal(ids.Count * 2, sweeps.Sum(s => s.PeriodsCreated));
        Assert.Equal(ids.Count * 3, sweeps.Sum(s => s.ItemsCreated));
        var rows = await first.WithDbAsync(db => db.DeliverablePeriods.IgnoreQueryFilters().AsNoTracking()
            .Where(p => p.TenantId == acme.Id).Select(p => new { p.DeliverableId, p.Period, p.Id }).ToListAsync());
        Assert.Equal(ids.Order().SelectMany(d => new[] { (d, "2026-03"), (d, "2026-04") }),
            rows.Select(r => (r.DeliverableId, r.Period)).Order());
        var counted = await first.WithDbAsync(db => db.WorkItems.IgnoreQueryFilters().AsNoTracking()
            .Where(w => w.TenantId == acme.Id && w.DeliverablePeriodId != null)
            .GroupBy(w => w.DeliverablePeriodId).Select(g => new { Period = g.Key, Count = g.Count() }).ToListAsync());
        Assert.Equal(ids.Count, counted.Count);
        Assert.All(counted, c => Assert.Equal(3, c.Count));
        Assert.Equal(ids.Count * 3 * 3, (await acme.Owner.ListAllAsync("/api/v1/work")).Count);
        var keys = (await acme.Owner.ListAllAsync("/api/v1/work")).Select(w => w.Str("key")).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
    }

    [Theory, BothStores]
    public async Task A_new_quantity_applies_to_periods_not_begun_and_an_inactive_or_archived_deliverable_makes_nothing_more(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("OPS");
        var goal = await acme.CreateGoalAsync(new { title = "Keep the site healthy", project_id = "OPS" });

        // Without a template, each counted item is a plain work item that counts when it is done.
        var audits = await acme.Owner.PostJsonAsync("/api/v1/deliverables", new
        {
            goal_id = goal.Str("id"), name = "Website audit", type = "website_audit", quantity_per_period = 1, period = "quarter",
        });
        var id = audits.Str("id");
        Assert.Equal(["2026-Q2", "2026-Q1"], audits.GetProperty("periods").EnumerateArray().Select(p => p.Str("period")));
        var item = Assert.Single(await acme.CountedItemsAsync(goal.Str("id")));
        Assert.Equal(("Website audit 2026-Q1 #1", "activity", "ready"), (item.Str("title"), item.Str("type"), item.Str("status")));
        await acme.Owner.DoAsync(item.Str("key"));
        var quarter = await ProgressAsync(acme, "2026-02");
        Assert.Equal(("2026-Q1", "quarter", 1, "completed"), (quarter.Str("period"), quarter.Str("period_length"), quarter.GetProperty("completed").GetInt32(), quarter.Str("status")));

        var changed = await acme.Owner.PatchJsonAsync($"/api/v1/deliverables/{id}", new { quantity_per_period = 3, name = "Site audits" });
        Assert.Equal(1, changed.Period("2026-Q1").GetProperty("target").GetInt32());
        Assert.Equal(3, changed.Period("2026-Q2").GetProperty("target").GetInt32());

        var paused = await acme.Owner.PatchJsonAsync($"/api/v1/deliverables/{id}", new { active = false });
        Assert.False(paused.GetProperty("active").GetBoolean());
        app.Clock!.SetUtcNow(DateTimeOffset.Parse("2026-04-03T00:00:00Z"));
        Assert.Equal(0, (await app.SweepAsync()).Deliverables);
        Assert.Single(await acme.CountedItemsAsync(goal.Str("id")));
        Assert.Equal([id], (await acme.Owner.ListAllAsync("/api/v1/deliverables?active=false")).Select(d => d.Str("id")));
        Assert.Empty(await acme.Owner.ListAllAsync("/api/v1/deliverables?active=true"));

        // Active again, it catches up at once: the third quarter's row and the second quarter's items.
        var resumed = await acme.Owner.PatchJsonAsync($"/api/v1/deliverables/{id}", new { active = true });
        Assert.Equal(["2026-Q3", "2026-Q2", "2026-Q1"], resumed.GetProperty("periods").EnumerateArray().Select(p => p.Str("period")));
        Assert.Equal(("2026-Q2", 3), (resumed.GetProperty("current").Str("period"), resumed.GetProperty("current").GetProperty("target").GetInt32()));
        Assert.Equal(4, (await acme.CountedItemsAsync(goal.Str("id"))).Count);

        var archived = await acme.Owner.PostJsonAsync($"/api/v1/deliverables/{id}/archive", new { });
        Assert.NotEqual(JsonValueKind.Null, archived.GetProperty("archived_at").ValueKind);
        Assert.Empty(await acme.Owner.ListAllAsync("/api/v1/deliverables"));
        Assert.Equal([id], (await acme.Owner.ListAllAsync("/api/v1/deliverables?archived=true")).Select(d => d.Str("id")));
        Assert.Empty((await acme.Owner.GetJsonAsync("/api/v1/deliverables/progress?period=2026-04")).GetProperty("items").EnumerateArray());
        app.Clock.SetUtcNow(DateTimeOffset.Parse("2026-07-02T00:00:00Z"));
        Assert.Equal(0, (await app.SweepAsync()).Deliverables);
        var restored = await acme.Owner.PostJsonAsync($"/api/v1/deliverables/{id}/restore", new { });
        Assert.Equal(JsonValueKind.Null, restored.GetProperty("archived_at").ValueKind);
        Assert.Equal(["2026-Q4", "2026-Q3", "2026-Q2", "2026-Q1"], restored.GetProperty("periods").EnumerateArray().Select(p => p.Str("period")));

        var actions = (await acme.Owner.ListAllAsync($"/api/v1/audit?entity_type=deliverable&entity_id={id}")).Select(a => a.Str("action")).ToList();
        Assert.Equal(1, actions.Count(a => a == "deliverable.created"));
        Assert.Equal(5, actions.Count(a => a == "deliverable.updated"));
        var targets = await acme.Owner.ListAllAsync($"/api/v1/audit?entity_type=deliverable_period&entity_id={changed.Period("2026-Q2").Str("id")}");
        Assert.Contains(targets, a => a.Str("action") == "deliverable_period.updated"
                                      && a.GetProperty("changes").GetProperty("target_count").GetProperty("after").GetInt32() == 3);
    }

    [Theory, BothStores]
    public async Task A_periods_pipelines_are_made_early_on_request_once_and_never_for_an_ended_period(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("MKT");
        var goal = await acme.CreateGoalAsync(new { title = "Be seen", project_id = "MKT" });
        var template = await acme.AddTemplateAsync("One step", [new { key = "post", title = "Post {{index}} of {{period}}", assignee = "role:social" }]);
        var social = await acme.Owner.PostJsonAsync("/api/v1/deliverables", new
        {
            goal_id = goal.Str("id"), name = "Social posts", type = "social_posts", quantity_per_period = 2, template_id = template,
        });
        var id = social.Str("id");

        var early = await acme.Owner.PostJsonAsync($"/api/v1/deliverables/{id}/periods/2026-04/pipelines", new { });
        Assert.Equal(2, early.GetProperty("created").GetArrayLength());
        Assert.NotEqual(JsonValueKind.Null, early.GetProperty("period").GetProperty("pipelines_created_at").ValueKind);
        Assert.Equal("not_started", early.GetProperty("period").Str("status"));
        var again = await acme.Owner.PostJsonAsync($"/api/v1/deliverables/{id}/periods/2026-04/pipelines", new { });
        Assert.Equal(0, again.GetProperty("created").GetArrayLength());
        var steps = await acme.Owner.ListAllAsync($"/api/v1/work?goal={goal.Str("id")}&type=task");
        Assert.Equal(4, steps.Count);
        Assert.Contains(steps, s => s.Str("title") == "Post 2 of 2026-04" && s.Str("assignee") == "role:social");

        app.Clock!.SetUtcNow(DateTimeOffset.Parse("2026-04-01T00:00:00Z"));
        var swept = await app.SweepAsync();
        Assert.Equal((1, 0), (swept.PeriodsCreated, swept.ItemsCreated));
        var ended = await acme.Owner.PostRawAsync($"/api/v1/deliverables/{id}/periods/2026-03/pipelines", "{}");
        Assert.Equal("/problems/period-ended", (await ended.ProblemAsync(HttpStatusCode.Conflict)).Str("type"));
        var none = await acme.Owner.PostRawAsync($"/api/v1/deliverables/{id}/periods/2027-01/pipelines", "{}");
        await none.ProblemAsync(HttpStatusCode.NotFound);
        var bad = await acme.Owner.PostRawAsync($"/api/v1/deliverables/{id}/periods/April/pipelines", "{}");
        Assert.NotEmpty((await bad.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("period"));
    }

    [Theory, BothStores]
    public async Task Bad_deliverables_are_refused_naming_the_field(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("MKT");
        var goal = (await acme.CreateGoalAsync(new { title = "With a project", project_id = "MKT" })).Str("id");
        var floating = (await acme.CreateGoalAsync(new { title = "Tenant-wide" })).Str("id");
        var template = await acme.AddTemplateAsync("Blog post pipeline", BlogPipeline, TopicArea);

        var cases = new (string Json, string Field)[]
        {
            ("""{"name":"x","type":"t","quantity_per_period":1}""", "goal_id"),
            ($$"""{"goal_id":"{{Bosun.Core.Common.Ids.New()}}","name":"x","type":"t","quantity_per_period":1}""", "goal_id"),
            ($$"""{"goal_id":"{{floating}}","name":"x","type":"t","quantity_per_period":1}""", "project_id"),
            ($$"""{"goal_id":"{{goal}}","project_id":"NOPE","name":"x","type":"t","quantity_per_period":1}""", "project_id"),
            ($$"""{"goal_id":"{{goal}}","plan_id":"{{Bosun.Core.Common.Ids.New()}}","name":"x","type":"t","quantity_per_period":1}""", "plan_id"),
            ($$"""{"goal_id":"{{goal}}","type":"t","quantity_per_period":1}""", "name"),
            ($$"""{"goal_id":"{{goal}}","name":"x","quantity_per_period":1}""", "type"),
            ($$"""{"goal_id":"{{goal}}","name":"x","type":"t"}""", "quantity_per_period"),
            ($$"""{"goal_id":"{{goal}}","name":"x","type":"t","quantity_per_period":0}""", "quantity_per_period"),
            ($$"""{"goal_id":"{{goal}}","name":"x","type":"t","quantity_per_period":1,"period":"weekly"}""", "period"),
            ($$"""{"goal_id":"{{goal}}","name":"x","type":"t","quantity_per_period":1,"template_id":"global:nothing"}""", "template_id"),
            ($$"""{"goal_id":"{{goal}}","name":"x","type":"t","quantity_per_period":1,"variables":{"topic_area":"SEO"} }""", "variables"),
            ($$"""{"goal_id":"{{goal}}","name":"x","type":"t","quantity_per_period":1,"template_id":"{{template}}"}""", "variables.topic_area"),
            ($$"""{"goal_id":"{{goal}}","name":"x","type":"t","quantity_per_period":1,"template_id":"{{template}}","variables":{"topic_area":"SEO","tone":"dry"} }""", "variables.tone"),
        };
        foreach (var (json, field) in cases)
        {
            var problem = await (await acme.Owner.PostRawAsync("/api/v1/deliverables", json)).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.NotEmpty(problem.FieldErrors(field));
        }

        Assert.Empty(await acme.Owner.ListAllAsync("/api/v1/deliverables"));
        var made = await acme.Owner.PostJsonAsync("/api/v1/deliverables", new
        {
            goal_id = floating, project_id = "MKT", name = "Posts", type = "blog_posts", quantity_per_period = 1, template_id = template,
            variables = new { topic_area = "SEO" },
        });
        var url = $"/api/v1/deliverables/{made.Str("id")}";
        foreach (var (json, field) in new[]
                 {
                     ("""{"period":"quarter"}""", "period"), ("""{"quantity_per_period":101}""", "quantity_per_period"),
                     ("""{"goal_id":""}""", "goal_id"), ("""{"variables":{"topic_area":7,"x":1}}""", "variables.x"),
                 })
        {
            Assert.NotEmpty((await (await acme.Owner.PatchRawAsync(url, json)).ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors(field));
        }

        foreach (var (query, field) in new[] { ("progress?period=April", "period"), ("progress?period=2026-13", "period"), ("progress?goal=nope", "goal"), ("?active=maybe", "active"), ("?project=NOPE", "project") })
        {
            Assert.NotEmpty((await (await acme.Owner.GetAsync($"/api/v1/deliverables{(query.StartsWith('?') ? "" : "/")}{query}")).ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors(field));
        }

        // Agents read deliverables and do their work; people set them.
        var (_, agent, _) = await acme.CreateAgentAsync("writer");
        Assert.Single(await agent.ListAllAsync("/api/v1/deliverables"));
        var refused = await agent.PostRawAsync("/api/v1/deliverables", $$"""{"goal_id":"{{goal}}","name":"x","type":"t","quantity_per_period":1}""");
        await refused.ProblemAsync(HttpStatusCode.Forbidden);
        var reviewer = await acme.AddPersonAsync("reviewer");
        await (await reviewer.Client.PatchRawAsync(url, """{"name":"Mine"}""")).ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Theory, BothStores]
    public async Task Another_tenants_deliverables_answer_404_and_are_never_counted(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var victim = await app.CreateTenantAsync();
        await victim.CreateProjectAsync("SEC");
        var goal = await victim.CreateGoalAsync(new { title = "Secret goal", project_id = "SEC" });
        var theirs = await victim.Owner.PostJsonAsync("/api/v1/deliverables", new { goal_id = goal.Str("id"), name = "Secret posts", type = "blog_posts", quantity_per_period = 2 });
        var attacker = await app.CreateTenantAsync();
        await attacker.CreateProjectAsync("WEB");
        var url = $"/api/v1/deliverables/{theirs.Str("id")}";

        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
                 {
                     (HttpMethod.Get, url, null), (HttpMethod.Patch, url, new { name = "Taken over" }), (HttpMethod.Post, $"{url}/archive", null),
                     (HttpMethod.Post, $"{url}/restore", null), (HttpMethod.Post, $"{url}/periods/2026-03/pipelines", null),
                 })
        {
            var response = await attacker.Owner.SendJsonAsync(method, path, body);
            Assert.Equal("/problems/not-found", (await response.ProblemAsync(HttpStatusCode.NotFound)).Str("type"));
        }

        var stolen = await attacker.Owner.PostRawAsync("/api/v1/deliverables", $$"""{"goal_id":"{{goal.Str("id")}}","project_id":"WEB","name":"x","type":"t","quantity_per_period":1}""");
        Assert.NotEmpty((await stolen.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("goal_id"));
        Assert.Empty(await attacker.Owner.ListAllAsync("/api/v1/deliverables"));
        Assert.Empty((await attacker.Owner.GetJsonAsync("/api/v1/deliverables/progress")).GetProperty("items").EnumerateArray());
        var mine = await victim.Owner.GetJsonAsync(url);
        Assert.Equal("Secret posts", mine.Str("name"));
        Assert.Null(mine.GetProperty("archived_at").GetString());
        Assert.Equal(2, (await victim.Owner.GetJsonAsync("/api/v1/deliverables/progress")).GetProperty("items")[0].GetProperty("target").GetInt32());
    }

    [Fact]
    public void A_periods_status_follows_the_written_rule()
    {
        var start = DateTime.Parse("2026-04-01T00:00:00Z").ToUniversalTime();
        var end = start.AddMonths(1);
        PeriodStatus At(string now, int target, int completed, bool begun = false) =>
            PeriodProgress.Status(start, end, target, completed, DateTime.Parse(now).ToUniversalTime(), begun);

        Assert.Equal(PeriodStatus.NotStarted, At("2026-03-31T23:59:59Z", 10, 0));
        Assert.Equal(PeriodStatus.NotStarted, At("2026-04-01T12:00:00Z", 10, 0));
        Assert.Equal(PeriodStatus.InProgress, At("2026-04-01T12:00:00Z", 10, 0, begun: true));
        Assert.Equal(PeriodStatus.AtRisk, At("2026-04-02T00:00:00Z", 10, 0, begun: true));

        // 3 done in 10 days is 0.3 a day: 20 days more bring 6 more, 9 in all.
        Assert.Equal(PeriodStatus.AtRisk, At("2026-04-11T00:00:00Z", 10, 3));
        Assert.Equal(PeriodStatus.InProgress, At("2026-04-11T00:00:00Z", 9, 3));
        Assert.Equal(PeriodStatus.Completed, At("2026-04-11T00:00:00Z", 10, 10));
        Assert.Equal(PeriodStatus.Completed, At("2026-03-15T00:00:00Z", 2, 2));
        Assert.Equal(PeriodStatus.Missed, At("2026-05-01T00:00:00Z", 10, 9));
        Assert.Equal(PeriodStatus.Completed, At("2026-05-01T00:00:00Z", 10, 11));

        Assert.Equal(90.0, PeriodProgress.Percent(10, 9));
        Assert.Equal(33.3, PeriodProgress.Percent(3, 1));
        Assert.Equal(150.0, PeriodProgress.Percent(2, 3));
    }

    [Fact]
    public void Periods_are_utc_calendar_months_and_quarters()
    {
        var instant = DateTime.Parse("2026-12-31T23:59:59Z").ToUniversalTime();
        var december = CalendarPeriod.Containing(instant, PeriodLength.Month);
        Assert.Equal(("2026-12", "2027-01"), (december.Key, december.Next(PeriodLength.Month).Key));
        Assert.Equal(new DateTime(2027, 1, 1, 0, 0, 0, DateTimeKind.Utc), december.EndsAt);
        var q4 = CalendarPeriod.Containing(instant, PeriodLength.Quarter);
        Assert.Equal(("2026-Q4", "2027-Q1"), (q4.Key, q4.Next(PeriodLength.Quarter).Key));
        Assert.Equal(new DateTime(2026, 10, 1, 0, 0, 0, DateTimeKind.Utc), q4.StartsAt);
        Assert.Equal("2026-Q2", CalendarPeriod.Containing(new DateTime(2026, 6, 30, 0, 0, 0, DateTimeKind.Utc), PeriodLength.Quarter).Key);

        Assert.Equal("2026-04", CalendarPeriod.ParseMonth("2026-04")?.Key);
        Assert.Equal(new DateTime(2026, 7, 1, 0, 0, 0, DateTimeKind.Utc), CalendarPeriod.Parse("2026-Q3")?.StartsAt);
        foreach (var bad in new[] { "2026-4", "2026-13", "2026-00", "26-04", "2026-Q5", "9999-12", "April", "" })
        {
            Assert.Null(CalendarPeriod.Parse(bad));
        }
    }

    private static async Task<JsonElement> PeriodAsync(TestTenant tenant, string deliverableId, string key) =>
        (await tenant.Owner.GetJsonAsync($"/api/v1/deliverables/{deliverableId}")).Period(key);

    /// The one line of the progress report (the tests' tenants have one deliverable).
    private static async Task<JsonElement> ProgressAsync(TestTenant tenant, string? month)
    {
        var report = await tenant.Owner.GetJsonAsync($"/api/v1/deliverables/progress{(month is null ? "" : $"?period={month}")}");
        return report.GetProperty("items").EnumerateArray().Single();
    }
}
