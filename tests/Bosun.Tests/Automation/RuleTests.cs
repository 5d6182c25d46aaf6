using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bosun.Core.Automation;
using Bosun.Core.Data;
using Bosun.Core.Integrations;
using Bosun.Core.Realtime;
using Bosun.Server.Http;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Automation;

public sealed class RuleTests
{
    internal static Task<int> RunRulesAsync(BosunTestApp app) =>
        app.Services.GetRequiredService<RuleEngine>().RunOnceAsync(CancellationToken.None);

    private static async Task<List<JsonElement>> ItemsAsync(TestTenant tenant, string query = "") =>
        (await tenant.Owner.GetJsonAsync($"/api/v1/work?limit=500{query}")).GetProperty("items").EnumerateArray().ToList();

    internal static async Task<List<JsonElement>> ActionsAsync(TestTenant tenant, string ruleId) =>
        (await tenant.Owner.GetJsonAsync($"/api/v1/rules/{ruleId}/actions?limit=500")).GetProperty("items").EnumerateArray().ToList();

    [Theory, BothStores]
    public async Task An_approved_blog_request_creates_its_blog_post_pipeline_and_the_chain_goes_on(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("MKT");
        var preset = await acme.Owner.PostJsonAsync("/api/v1/rules", new { preset = "blog_request_approved" });
        Assert.Equal("approval.decided", preset.Str("event"));
        Assert.Equal("blog_request", preset.GetProperty("when").Str("item_type"));

        // The next link: each review step the pipeline makes is announced to the reviewers.
        var next = await acme.Owner.PostJsonAsync("/api/v1/rules", new
        {
            name = "Tell reviewers",
            @event = "work_item.created",
            when = new { item_type = "review" },
            actions = new object[] { new { type = "comment", item = "{{item.key}}", body = "Review waiting: {{item.title}}" } },
        });

        var request = await acme.CreateWorkAsync("MKT", "Ten tips for tidy kitchens", new { type = "blog_request", input = new { keywords = new[] { "kitchen", "tidy" } } });
        var other = await acme.CreateWorkAsync("MKT", "Not a blog request", new { type = "task" });
        var approval = await acme.Owner.PostJsonAsync("/api/v1/approvals", new { work_item_id = request.Str("key"), subject = "Write this post?" });
        var otherApproval = await acme.Owner.PostJsonAsync("/api/v1/approvals", new { work_item_id = other.Str("key"), subject = "Unrelated" });
        await acme.Owner.PostJsonAsync($"/api/v1/approvals/{approval.Str("id")}/approve", new { note = "Go" });
        await acme.Owner.PostJsonAsync($"/api/v1/approvals/{otherApproval.Str("id")}/approve", new { note = "Go" });
        Assert.True(await RunRulesAsync(app) >= 3);

        var posts = await ItemsAsync(acme, "&type=blog_post");
        var post = Assert.Single(posts);
        Assert.Equal("Blog post: Ten tips for tidy kitchens", post.Str("title"));
        var steps = await ItemsAsync(acme, $"&parent={post.Str("id")}");
        Assert.Equal(["Research: Ten tips for tidy kitchens", "Write: Ten tips for tidy kitchens", "Review: Ten tips for tidy kitchens", "Publish: Ten tips for tidy kitchens"],
            steps.Select(s => s.Str("title")).Order().OrderBy(t => t.StartsWith("Research") ? 0 : t.StartsWith("Write") ? 1 : t.StartsWith("Review") ? 2 : 3).ToArray());
        Assert.Contains("kitchen", steps.Single(s => s.Str("title").StartsWith("Research")).GetProperty("input").GetRawText());

        // The request got the preset's comment, and the review step the next rule's, each written by its rule.
        var requestComments = (await acme.Owner.GetJsonAsync($"/api/v1/work/{request.Str("key")}/comments")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal($"rule:{preset.Str("id")}", Assert.Single(requestComments).Str("author"));
        var review = steps.Single(s => s.Str("type") == "review");
        var reviewComments = (await acme.Owner.GetJsonAsync($"/api/v1/work/{review.Str("key")}/comments")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal("Review waiting: Review: Ten tips for tidy kitchens", Assert.Single(reviewComments).Str("body"));

        // Every change is audited with the rule as the actor; the list of actions says what each did.
        var audit = (await acme.Owner.GetJsonAsync($"/api/v1/audit?actor=rule:{preset.Str("id")}&limit=500")).GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(audit, a => a.Str("action") == "work_item.created" && a.Str("entity_id") == post.Str("id"));
        var done = await ActionsAsync(acme, preset.Str("id"));
        Assert.Equal(["comment", "instantiate_template"], done.Select(a => a.Str("action_type")).Order().ToArray());
        Assert.All(done, a => Assert.Equal("done", a.Str("status")));
        Assert.Contains(post.Str("key"), done.Single(a => a.Str("action_type") == "instantiate_template").GetProperty("result").GetRawText());
        Assert.Equal("done", Assert.Single(await ActionsAsync(acme, next.Str("id"))).Str("status"));

        // Nothing runs twice.
        Assert.Equal(0, await RunRulesAsync(app));
        Assert.Single(await ItemsAsync(acme, "&type=blog_post"));
    }

    [Theory, BothStores]
    public async Task Two_rules_that_would_ping_pong_stop_at_the_depth_limit(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var ping = await acme.Owner.PostJsonAsync("/api/v1/rules", new
        {
            name = "ping makes pong", @event = "work_item.created", when = new { item_type = "ping" },
            actions = new object[] { new { type = "create_item", project = "{{project.id}}", item_type = "pong", title = "pong after {{item.key}}" } },
        });
        var pong = await acme.Owner.PostJsonAsync("/api/v1/rules", new
        {
            name = "pong makes ping", @event = "work_item.created", when = new { item_type = "pong" },
            actions = new object[] { new { type = "create_item", project = "{{project.id}}", item_type = "ping", title = "ping after {{item.key}}" } },
        });

        await acme.CreateWorkAsync("WEB", "first ping", new { type = "ping" });
        await RunRulesAsync(app);

        // The person's item is depth 0; each rule action adds one; an event of depth 5 starts nothing.
        Assert.Equal(1 + RuleEngine.MaxDepth, (await ItemsAsync(acme)).Count);
        var actions = (await ActionsAsync(acme, ping.Str("id"))).Concat(await ActionsAsync(acme, pong.Str("id"))).ToList();
        Assert.Equal(RuleEngine.MaxDepth, actions.Count(a => a.Str("status") == "done"));
        var skipped = Assert.Single(actions, a => a.Str("status") == "skipped");
        Assert.Contains("stop at 5", skipped.Str("error"));
        var depths = await app.WithDbAsync(db => db.Set<StreamEvent>().IgnoreQueryFilters().Where(e => e.Type == "work_item.created").Select(e => e.Depth).ToListAsync());
        Assert.Equal([0, 1, 2, 3, 4, 5], depths.Order().ToArray());

        Assert.Equal(0, await RunRulesAsync(app));
        Assert.Equal(1 + RuleEngine.MaxDepth, (await ItemsAsync(acme)).Count);
    }

    [Theory, BothStores]
    public async Task Each_action_runs_at_most_once_per_event_across_a_restart(StoreKind store)
    {
        var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        TestTenant acme;
        string ruleId;
        try
        {
            acme = await app.CreateTenantAsync();
            await acme.CreateProjectAsync("WEB");
            ruleId = (await acme.Owner.PostJsonAsync("/api/v1/rules", new
            {
                name = "Follow-up", @event = "work_item.created", when = new { item_type = "request" },
                actions = new object[] { new { type = "create_item", project = "WEB", title = "Follow up {{item.key}}" } },
            })).Str("id");
            await acme.CreateWorkAsync("WEB", "A request", new { type = "request" });

            // Read but not yet run when the process stops.
            Assert.Equal(1, await app.Services.GetRequiredService<RuleEngine>().ReadEventsAsync(CancellationToken.None));
        }
        finally
        {
            await app.DisposeAsync();
        }

        await using (var restarted = await BosunTestApp.StartOnAsync(app.Store, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(app.Clock!.GetUtcNow())))
        {
            Assert.Equal(1, await RunRulesAsync(restarted));
            Assert.Equal(0, await RunRulesAsync(restarted));

            // Before the next restart, the rule's cursor moved back as if the read had never been recorded.
            await restarted.WithDbAsync(db => db.Set<Rule>().IgnoreQueryFilters().ExecuteUpdateAsync(s => s.SetProperty(r => r.CursorSeq, 0L)));
        }

        await using var again = await BosunTestApp.StartOnAsync(app.Store, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(app.Clock!.GetUtcNow()));
        Assert.Equal(0, await RunRulesAsync(again));
        var owner = again.ClientFor(acme.OwnerToken);
        var items = (await owner.GetJsonAsync("/api/v1/work?limit=500")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["A request", "Follow up WEB-1"], items.Select(i => i.Str("title")).Order().ToArray());
        var actions = (await owner.GetJsonAsync($"/api/v1/rules/{ruleId}/actions")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal("done", Assert.Single(actions).Str("status"));
    }

    [Theory, BothStores]
    public async Task Actions_move_assign_label_and_comment_and_a_bad_action_fails_with_its_reason(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var (triager, _, _) = await acme.CreateAgentAsync("triager", "triage");
        var rule = await acme.Owner.PostJsonAsync("/api/v1/rules", new
        {
            name = "Triage bugs", @event = "work_item.created", when = new { project = "WEB", label = "bug" },
            actions = new object[]
            {
                new { type = "assign", item = "{{item.id}}", assignee = "agent:triager" },
                new { type = "add_label", item = "{{item.id}}", label = "triaged" },
                new { type = "move_items", item = "{{item.id}}", from = "backlog", to = "ready" },
                new { type = "comment", item = "{{item.key}}", body = "Triaged {{item.title}} from {{changes.title}}" },
                new { type = "create_item", project = "NOPE", title = "never made" },
            },
        });
        await acme.CreateWorkAsync("WEB", "Crash on save", new { labels = new[] { "bug" }, status = "backlog" });
        await acme.CreateWorkAsync("WEB", "Nice idea", new { labels = new[] { "idea" }, status = "backlog" });
        await RunRulesAsync(app);

        var bug = await acme.Owner.GetJsonAsync("/api/v1/work/WEB-1");
        Assert.Contains(bug.Str("assignee"), new[] { "agent:triager", $"agent:{triager.Str("id")}" });
        Assert.Equal(["bug", "triaged"], bug.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!).Order().ToArray());
        Assert.Equal("ready", bug.Str("status"));
        Assert.Equal("backlog", (await acme.Owner.GetJsonAsync("/api/v1/work/WEB-2")).Str("status"));
        var actions = await ActionsAsync(acme, rule.Str("id"));
        Assert.Equal(5, actions.Count);
        var failed = Assert.Single(actions, a => a.Str("status") == "failed");
        Assert.Equal("create_item", failed.Str("action_type"));
        Assert.Contains("project", failed.Str("error"));
        Assert.Equal(1, failed.GetProperty("attempts").GetInt32());
        var comments = (await acme.Owner.GetJsonAsync("/api/v1/work/WEB-1/comments")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal("Triaged Crash on save from Crash on save", Assert.Single(comments).Str("body"));
    }

    [Theory, BothStores]
    public async Task Pruning_keeps_events_a_rule_has_not_read(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.Owner.PostJsonAsync("/api/v1/rules", new
        {
            name = "Echo", @event = "work_item.created", actions = new object[] { new { type = "comment", item = "{{item.id}}", body = "seen" } },
        });
        await acme.CreateWorkAsync("WEB", "Old news");
        app.Clock!.Advance(TimeSpan.FromDays(10));
        await app.Services.GetRequiredService<WebhookDispatcher>().PruneAsync(TimeSpan.FromHours(1), CancellationToken.None);

        Assert.Equal(1, await RunRulesAsync(app));
        Assert.Single((await acme.Owner.GetJsonAsync("/api/v1/work/WEB-1/comments")).GetProperty("items").EnumerateArray());
    }

    [Theory, BothStores]
    public async Task Bad_rules_are_refused_naming_the_field_and_other_tenants_rules_are_not_found(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        var globex = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");

        async Task Refused(object body, string field)
        {
            var response = await acme.Owner.PostAsJsonAsync("/api/v1/rules", body, BosunJson.Options);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.ReadJsonAsync();
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{field} in {problem}");
        }

        var comment = new object[] { new { type = "comment", item = "{{item.id}}", body = "hi" } };
        await Refused(new { name = "x", @event = "work_item.exploded", actions = comment }, "event");
        await Refused(new { name = "x", @event = "work_item.created", actions = Array.Empty<object>() }, "actions");
        await Refused(new { name = "x", @event = "work_item.created", actions = new object[] { new { type = "create_item", project = "WEB" } } }, "actions[0].title");
        await Refused(new { name = "x", @event = "work_item.created", actions = new object[] { new { type = "teleport" } } }, "actions[0].type");
        await Refused(new { name = "x", @event = "work_item.status_changed", when = new { to = "finished" }, actions = comment }, "when.to");
        await Refused(new { name = "x", @event = "comment.created", when = new { to = "done" }, actions = comment }, "when.to");
        await Refused(new { name = "x", @event = "work_item.created", when = new { project = "NOPE" }, actions = comment }, "when.project");
        await Refused(new { preset = "nonsense" }, "preset");

        var rule = await acme.Owner.PostJsonAsync("/api/v1/rules", new { name = "ok", @event = "work_item.status_changed", when = new { to = "done" }, actions = comment });
        var id = rule.Str("id");
        foreach (var url in new[] { $"/api/v1/rules/{id}", $"/api/v1/rules/{id}/actions" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await globex.Owner.GetAsync(url)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await globex.Owner.PostAsync($"/api/v1/rules/{id}/disable", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await globex.Owner.PostAsync($"/api/v1/rules/{id}/inbound", null)).StatusCode);
        Assert.Empty((await globex.Owner.GetJsonAsync("/api/v1/rules")).GetProperty("items").EnumerateArray());

        var disabled = await acme.Owner.PostJsonAsync($"/api/v1/rules/{id}/disable", new { });
        Assert.False(disabled.GetProperty("enabled").GetBoolean());
        var listed = (await acme.Owner.GetJsonAsync("/api/v1/rules?enabled=false")).GetProperty("items").EnumerateArray().Single();
        Assert.Equal(id, listed.Str("id"));
        Assert.True((await acme.Owner.PostJsonAsync($"/api/v1/rules/{id}/enable", new { })).GetProperty("enabled").GetBoolean());
        var renamed = await acme.Owner.PatchJsonAsync($"/api/v1/rules/{id}", new { name = "renamed" });
        Assert.Equal("renamed", renamed.Str("name"));
        Assert.Equal(HttpStatusCode.NoContent, (await acme.Owner.DeleteAsync($"/api/v1/rules/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.Owner.GetAsync($"/api/v1/rules/{id}")).StatusCode);
    }
}
