using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Core.Realtime;
using Bosun.Server.Http;
using Bosun.Tests.Agents;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Tests.Planning;

/// Seed 000's chief of staff: an agent plans a ticket as specialist work, a person approves it, and the plan becomes
/// that work; a rejection makes the next version a new attempt.
public sealed class PlanTests
{
    private static object Step(string key, string title, string? assignee = null, params string[] after) =>
        new { key, title, assignee, after = after.Length == 0 ? null : after };

    private static IReadOnlyList<string> Keys(IEnumerable<JsonElement> items) => items.Select(i => i.Str("key")).ToList();

    [Theory, BothStores]
    public async Task A_chief_of_staffs_execution_plan_becomes_specialist_tickets_once_a_person_approves_it(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var reviewer = await acme.AddPersonAsync("reviewer");
        var (chiefAgent, chief, _) = await acme.CreateAgentAsync("chief", "chief_of_staff");
        var (_, designer, _) = await acme.CreateAgentAsync("designer", "design");
        var (_, writer, _) = await acme.CreateAgentAsync("writer", "copy");
        var (_, developer, _) = await acme.CreateAgentAsync("developer", "frontend");
        var ticket = await acme.CreateWorkAsync("WEB", "Launch the pricing page", new { type = "ticket", status = "ready", assignee = "agent:chief" });
        var held = await chief.PostJsonAsync("/api/v1/work/claim", new { });
        Assert.Equal(ticket.Str("id"), held.GetProperty("items")[0].GetProperty("item").Str("id"));

        // The chief of staff writes the execution plan of its ticket: specialists' steps, the build after design and copy.
        var plan = await chief.PostJsonAsync("/api/v1/plans", new
        {
            project = "WEB", kind = "execution_plan", title = "Pricing page launch", work_item = "WEB-1",
            body = "## Approach\n\nDesign and copy in parallel, then the build.",
            steps = new[]
            {
                Step("design", "Design the pricing table", "agent:designer"),
                Step("copy", "Write the pricing copy", "agent:writer"),
                Step("build", "Build the page", "agent:developer", "design", "copy"),
            },
        });
        var id = plan.Str("id");
        Assert.Equal("draft", plan.Str("status"));
        Assert.Equal("WEB-1", plan.Str("work_item_key"));
        var first = Assert.Single(plan.GetProperty("versions").EnumerateArray());
        Assert.Equal((1, 1, "draft"), (first.GetProperty("version").GetInt32(), first.GetProperty("attempt").GetInt32(), first.Str("status")));
        Assert.Equal($"agent:{chiefAgent.Str("id")}", first.Str("author"));
        Assert.Equal(["design", "copy", "build"], first.GetProperty("steps").EnumerateArray().Select(s => s.Str("key")));
        Assert.Empty(await acme.Owner.ListAllAsync($"/api/v1/work?parent={ticket.Str("id")}"));

        var submitted = await chief.PostJsonAsync($"/api/v1/plans/{id}/submit", new { });
        Assert.Equal("awaiting_approval", submitted.Str("status"));
        var approvalId = submitted.GetProperty("versions")[0].Str("approval_id");
        var waiting = Assert.Single(await reviewer.Client.ListAllAsync("/api/v1/approvals?status=pending"));
        Assert.Equal((approvalId, "plan", id, 1, "WEB-1"),
            (waiting.Str("id"), waiting.Str("kind"), waiting.Str("plan_id"), waiting.GetProperty("plan_version").GetInt32(), waiting.Str("work_item_key")));

        // Agents write and submit plans; people decide them.
        var byAgent = await chief.PostAsJsonAsync($"/api/v1/approvals/{approvalId}/approve", new { }, BosunJson.Options);
        await byAgent.ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Empty(await acme.Owner.ListAllAsync($"/api/v1/work?parent={ticket.Str("id")}"));

        var decided = await reviewer.Client.PostJsonAsync($"/api/v1/approvals/{approvalId}/approve", new { note = "Go ahead." });
        Assert.Equal("approved", decided.GetProperty("approval").Str("status"));
        var active = decided.GetProperty("plan");
        Assert.Equal(("active", 1), (active.Str("status"), active.GetProperty("active_version").GetInt32()));
        Assert.Equal("active", active.GetProperty("versions")[0].Str("status"));
        Assert.False(string.IsNullOrEmpty(active.GetProperty("versions")[0].Str("applied_at")));

        // The specialist tickets are children of the chief of staff's ticket, ready, waiting as the plan says.
        var children = await acme.Owner.ListAllAsync($"/api/v1/work?parent={ticket.Str("id")}");
        Assert.Equal(["design", "copy", "build"], children.Select(c => c.Str("step_key")));
        Assert.All(children, c => Assert.Equal(("ready", id), (c.Str("status"), c.Str("plan_id"))));
        Assert.Equal(["WEB-2", "WEB-3"], children[2].GetProperty("depends_on").EnumerateArray().Select(d => d.Str("key")).Order());
        Assert.Equal(Keys(children), Keys(active.GetProperty("items").EnumerateArray()));

        // The specialists claim and finish them; the build waits for design and copy.
        Assert.Empty((await developer.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items").EnumerateArray());
        await FinishAsync(designer, "design");
        await FinishAsync(writer, "copy");
        await FinishAsync(developer, "build");
        Assert.All(await acme.Owner.ListAllAsync($"/api/v1/work?parent={ticket.Str("id")}"), c => Assert.Equal("done", c.Str("status")));

        var audit = await acme.Owner.ListAllAsync($"/api/v1/audit?entity_type=plan&entity_id={id}");
        Assert.Contains(audit, a => a.Str("action") == "plan.created" && a.Str("actor") == $"agent:{chiefAgent.Str("id")}");
        var activated = Assert.Single(audit, a => a.Str("action") == "plan.activated");
        Assert.Equal($"user:{reviewer.Id}", activated.Str("actor"));
        Assert.Equal(["WEB-2", "WEB-3", "WEB-4"], activated.GetProperty("changes").GetProperty("created").EnumerateArray().Select(k => k.GetString()));
        var versionAudit = await acme.Owner.ListAllAsync($"/api/v1/audit?entity_type=plan_version&entity_id={first.Str("id")}");
        Assert.Contains(versionAudit, a => a.Str("action") == "plan_version.created");
        Assert.Contains(versionAudit, a => a.Str("action") == "plan_version.updated");

        // Automation learns of the activation from the stream, with the plan's project and ticket.
        var events = await app.WithDbAsync(db => db.Set<StreamEvent>().IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.TenantId == acme.Id && e.EntityType == "plan").Select(e => new { e.Type, e.WorkItemId, e.ProjectId }).ToListAsync());
        Assert.Contains(events, e => e.Type == "plan.created");
        var announced = Assert.Single(events, e => e.Type == "plan.activated");
        Assert.Equal(ticket.Str("id"), announced.WorkItemId);
        Assert.Equal(ticket.Str("project_id"), announced.ProjectId);
    }

    private static async Task FinishAsync(HttpClient agent, string step)
    {
        var claimed = Assert.Single((await agent.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items").EnumerateArray());
        Assert.Equal(step, claimed.GetProperty("item").Str("step_key"));
        var run = claimed.GetProperty("run");
        await agent.PostJsonAsync($"/api/v1/runs/{run.Str("run_id")}/complete", new { lease_token = run.Str("lease_token"), summary = $"{step} done" });
    }

    [Theory, BothStores]
    public async Task A_rejected_plan_is_planned_again_as_the_next_attempt_and_a_later_approval_supersedes_the_active_version(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var (acme, chief, ticket, id) = await PricingPlanAsync(app, Step("design", "Design it"), Step("build", "Build it", null, "design"));
        var approval = (await chief.PostJsonAsync($"/api/v1/plans/{id}/submit", new { })).GetProperty("versions")[0].Str("approval_id");

        var noNote = await acme.Owner.PostAsJsonAsync($"/api/v1/approvals/{approval}/reject", new { }, BosunJson.Options);
        Assert.NotEmpty((await noNote.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("note"));
        var rejected = (await acme.Owner.PostJsonAsync($"/api/v1/approvals/{approval}/reject", new { note = "Add a QA step after the build." })).GetProperty("plan");
        Assert.Equal("rejected", rejected.Str("status"));
        Assert.Equal(("rejected", "Add a QA step after the build."), (rejected.GetProperty("versions")[0].Str("status"), rejected.GetProperty("versions")[0].Str("decision_note")));
        Assert.Empty(await acme.Owner.ListAllAsync($"/api/v1/work?parent={ticket.Str("id")}"));
        var again = await chief.PostAsJsonAsync($"/api/v1/plans/{id}/submit", new { }, BosunJson.Options);
        Assert.Equal("rejected", (await again.ProblemAsync(HttpStatusCode.Conflict)).Str("version_status"));

        // The re-plan is version 2, attempt 2 of the same plan.
        var second = await chief.PostJsonAsync($"/api/v1/plans/{id}/versions", new
        {
            steps = new[] { Step("design", "Design it"), Step("build", "Build it", null, "design"), Step("qa", "Test it", null, "build") },
        });
        Assert.Equal((2, 2, "draft"), (second.GetProperty("version").GetInt32(), second.GetProperty("attempt").GetInt32(), second.Str("status")));
        var brief = await chief.PostJsonAsync("/api/v1/plans", new
        {
            project = "WEB", kind = "brief", title = "Why a pricing page", work_item = ticket.Str("key"), body = "Visitors ask what it costs.",
        });

        // A ticket's plans, newest attempt first, a page at a time.
        Assert.Equal([id, brief.Str("id")], (await acme.Owner.ListAllAsync($"/api/v1/plans?work_item={ticket.Str("key")}")).Select(p => p.Str("id")));
        var page = await acme.Owner.GetJsonAsync($"/api/v1/plans?work_item={ticket.Str("id")}&limit=1");
        var listed = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal((id, 2), (listed.Str("id"), listed.GetProperty("attempt").GetInt32()));
        Assert.Equal(["draft", "rejected"], listed.GetProperty("versions").EnumerateArray().Select(v => v.Str("status")));
        var rest = await acme.Owner.GetJsonAsync($"/api/v1/plans?work_item={ticket.Str("id")}&limit=1&cursor={page.Str("next_cursor")}");
        Assert.Equal([brief.Str("id")], rest.GetProperty("items").EnumerateArray().Select(p => p.Str("id")));
        Assert.Equal(JsonValueKind.Null, rest.GetProperty("next_cursor").ValueKind);

        await ApproveNewestAsync(acme, chief, id);
        var afterTwo = await acme.Owner.GetJsonAsync($"/api/v1/plans/{id}");
        Assert.Equal(["active", "rejected"], afterTwo.GetProperty("versions").EnumerateArray().Select(v => v.Str("status")));
        var children = await acme.Owner.ListAllAsync($"/api/v1/work?parent={ticket.Str("id")}");
        Assert.Equal(["design", "build", "qa"], children.Select(c => c.Str("step_key")));

        // A later version of the plan under way supersedes the active one and adds only what is new.
        var third = await chief.PostJsonAsync($"/api/v1/plans/{id}/versions", new
        {
            body = "Announce it once it is tested.",
            steps = new[] { Step("design", "Design it"), Step("build", "Build it", null, "design"), Step("qa", "Test it", null, "build"), Step("announce", "Announce it", null, "qa") },
        });
        Assert.Equal((3, 2), (third.GetProperty("version").GetInt32(), third.GetProperty("attempt").GetInt32()));
        await ApproveNewestAsync(acme, chief, id);
        var afterThree = await acme.Owner.GetJsonAsync($"/api/v1/plans/{id}");
        Assert.Equal(["active", "superseded", "rejected"], afterThree.GetProperty("versions").EnumerateArray().Select(v => v.Str("status")));
        Assert.Equal(3, afterThree.GetProperty("active_version").GetInt32());
        Assert.Equal("superseded", (await acme.Owner.GetJsonAsync($"/api/v1/plans/{id}/versions/2")).Str("status"));
        children = await acme.Owner.ListAllAsync($"/api/v1/work?parent={ticket.Str("id")}");
        Assert.Equal(["design", "build", "qa", "announce"], children.Select(c => c.Str("step_key")));
        Assert.Equal([children[2].Str("key")], children[3].GetProperty("depends_on").EnumerateArray().Select(d => d.Str("key")));
        await (await acme.Owner.GetAsync($"/api/v1/plans/{id}/versions/4")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory, BothStores]
    public async Task A_later_version_that_drops_steps_cancels_those_not_started_and_leaves_work_under_way(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var (acme, chief, ticket, id) = await PricingPlanAsync(app,
            Step("design", "Design it"), Step("build", "Build it", null, "design"), Step("docs", "Write the docs"), Step("qa", "Test it", null, "docs"));
        await ApproveNewestAsync(acme, chief, id);
        var steps = (await acme.Owner.ListAllAsync($"/api/v1/work?parent={ticket.Str("id")}")).ToDictionary(c => c.Str("step_key"), c => c.Str("key"));
        await acme.Owner.PostJsonAsync($"/api/v1/work/{steps["design"]}/start", new { });

        // The new version no longer designs or documents: the design under way stays, the docs nobody started go.
        await chief.PostJsonAsync($"/api/v1/plans/{id}/versions", new { steps = new[] { Step("build", "Build it"), Step("qa", "Test it") } });
        await ApproveNewestAsync(acme, chief, id);

        Assert.Equal("in_progress", (await acme.Owner.GetJsonAsync($"/api/v1/work/{steps["design"]}")).Str("status"));
        Assert.Equal("cancelled", (await acme.Owner.GetJsonAsync($"/api/v1/work/{steps["docs"]}")).Str("status"));
        var qa = await acme.Owner.GetJsonAsync($"/api/v1/work/{steps["qa"]}");
        Assert.Empty(qa.GetProperty("depends_on").EnumerateArray());
        Assert.Equal("ready", qa.Str("status"));
        var activated = (await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={id}")).Where(a => a.Str("action") == "plan.activated")
            .Select(a => a.GetProperty("changes")).Single(c => c.TryGetProperty("cancelled", out var cancelled) && cancelled.GetArrayLength() > 0);
        Assert.Equal([steps["docs"]], activated.GetProperty("cancelled").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal([steps["design"]], activated.GetProperty("left_as_they_were").EnumerateArray().Select(k => k.GetString()));
    }

    /// A chief of staff's draft execution plan for a pricing page ticket.
    private static async Task<(TestTenant Acme, HttpClient Chief, JsonElement Ticket, string PlanId)> PricingPlanAsync(BosunTestApp app, params object[] steps)
    {
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var (_, chief, _) = await acme.CreateAgentAsync("chief", "chief_of_staff");
        var ticket = await acme.CreateWorkAsync("WEB", "Launch the pricing page", new { type = "ticket" });
        var plan = await chief.PostJsonAsync("/api/v1/plans", new
        {
            project = "WEB", kind = "execution_plan", title = "Pricing page launch", work_item = ticket.Str("key"), steps,
        });
        return (acme, chief, ticket, plan.Str("id"));
    }

    private static async Task ApproveNewestAsync(TestTenant tenant, HttpClient author, string planId)
    {
        var submitted = await author.PostJsonAsync($"/api/v1/plans/{planId}/submit", new { });
        var approval = submitted.GetProperty("versions")[0].Str("approval_id");
        await tenant.Owner.PostJsonAsync($"/api/v1/approvals/{approval}/approve", new { });
    }

    [Theory, BothStores]
    public async Task A_plan_of_backlog_items_makes_them_ready_when_approved(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateProjectAsync("OPS");
        var hero = await acme.CreateWorkAsync("WEB", "Hero image");
        var footer = await acme.CreateWorkAsync("WEB", "Footer links");
        var ready = await acme.CreateWorkAsync("WEB", "Already ready", new { status = "ready" });
        var elsewhere = await acme.CreateWorkAsync("OPS", "Other project");
        Assert.Equal("backlog", hero.Str("status"));

        var refused = await acme.Owner.PostRawAsync("/api/v1/plans", JsonSerializer.Serialize(new
        {
            project = "WEB", kind = "strategy", title = "Polish",
            source_items = new[] { ready.Str("key"), elsewhere.Str("key"), "WEB-99", hero.Str("key"), hero.Str("id") },
        }));
        var problem = await refused.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("backlog", problem.FieldErrors("source_items[0]")[0]);
        Assert.NotEmpty(problem.FieldErrors("source_items[1]"));
        Assert.NotEmpty(problem.FieldErrors("source_items[2]"));
        Assert.Contains("twice", problem.FieldErrors("source_items[4]")[0]);

        var plan = await acme.Owner.PostJsonAsync("/api/v1/plans", new
        {
            project = "WEB", kind = "strategy", title = "Polish before launch", body = "Release the polish work.",
            source_items = new[] { hero.Str("key"), footer.Str("id") },
        });
        Assert.Equal([hero.Str("id"), footer.Str("id")], plan.GetProperty("versions")[0].GetProperty("source_items").EnumerateArray().Select(s => s.GetString()));
        var approval = (await acme.Owner.PostJsonAsync($"/api/v1/plans/{plan.Str("id")}/submit", new { version = 1 })).GetProperty("versions")[0].Str("approval_id");
        Assert.Equal("backlog", (await acme.Owner.GetJsonAsync($"/api/v1/work/{hero.Str("key")}")).Str("status"));

        var decided = await acme.Owner.PostJsonAsync($"/api/v1/approvals/{approval}/approve", new { });

        foreach (var item in new[] { hero, footer })
        {
            var now = await acme.Owner.GetJsonAsync($"/api/v1/work/{item.Str("key")}");
            Assert.Equal(("ready", plan.Str("id")), (now.Str("status"), now.Str("plan_id")));
        }

        Assert.Equal([hero.Str("key"), footer.Str("key")], Keys(decided.GetProperty("plan").GetProperty("items").EnumerateArray()));
        Assert.Equal(4, (await acme.Owner.ListAllAsync("/api/v1/work")).Count);
        var activated = Assert.Single(await acme.Owner.ListAllAsync($"/api/v1/audit?action=plan.activated&entity_id={plan.Str("id")}"));
        Assert.Equal([hero.Str("key"), footer.Str("key")], activated.GetProperty("changes").GetProperty("released").EnumerateArray().Select(k => k.GetString()));
    }

    [Theory, BothStores]
    public async Task Two_people_approving_a_plan_at_once_make_its_work_once(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var admin = await acme.AddPersonAsync("admin");
        var ticket = await acme.CreateWorkAsync("WEB", "Launch the pricing page");
        var plan = await acme.Owner.PostJsonAsync("/api/v1/plans", new
        {
            project = "WEB", kind = "execution_plan", title = "Launch", work_item = ticket.Str("key"),
            steps = new[] { Step("design", "Design it"), Step("build", "Build it", null, "design") },
        });
        var approval = (await acme.Owner.PostJsonAsync($"/api/v1/plans/{plan.Str("id")}/submit", new { })).GetProperty("versions")[0].Str("approval_id");

        var responses = await Task.WhenAll(
            acme.Owner.PostRawAsync($"/api/v1/approvals/{approval}/approve", "{}"),
            admin.Client.PostRawAsync($"/api/v1/approvals/{approval}/approve", "{}"));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        var conflict = Assert.Single(responses, r => r.StatusCode != HttpStatusCode.OK);
        Assert.Equal("/problems/already-decided", (await conflict.ProblemAsync(HttpStatusCode.Conflict)).Str("type"));
        Assert.Equal(2, (await acme.Owner.ListAllAsync($"/api/v1/work?parent={ticket.Str("id")}")).Count);
        Assert.Single(await acme.Owner.ListAllAsync($"/api/v1/audit?action=plan.activated&entity_id={plan.Str("id")}"));
        Assert.Single(await acme.Owner.ListAllAsync("/api/v1/audit?action=approval.updated"));
    }

    [Theory, BothStores]
    public async Task Bad_plans_are_refused_naming_the_field(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateProjectAsync("OPS");
        var opsGoal = await acme.CreateGoalAsync(new { title = "Fewer pages", project_id = "OPS" });
        var opsItem = await acme.CreateWorkAsync("OPS", "Pager rota");
        var longBody = new string('x', 100_001);

        var cases = new (string Json, string Field)[]
        {
            ("""{}""", "project"),
            ("""{}""", "kind"),
            ("""{}""", "title"),
            ("""{"project":"NOPE","kind":"brief","title":"x"}""", "project"),
            ("""{"project":"WEB","kind":"Not a kind!","title":"x"}""", "kind"),
            ("""{"project":"WEB","kind":"brief","title":"x","goal":"01KNOSUCHGOAL0000000000000"}""", "goal"),
            ($$"""{"project":"WEB","kind":"brief","title":"x","goal":"{{opsGoal.Str("id")}}"}""", "goal"),
            ("""{"project":"WEB","kind":"brief","title":"x","work_item":"WEB-99"}""", "work_item"),
            ($$"""{"project":"WEB","kind":"brief","title":"x","work_item":"{{opsItem.Str("key")}}"}""", "work_item"),
            ($$"""{"project":"WEB","kind":"brief","title":"x","body":"{{longBody}}"}""", "body"),
            ("""{"project":"WEB","kind":"brief","title":"x","steps":[{"key":"a","title":"A"},{"key":"a","title":"B"}]}""", "steps[1].key"),
            ("""{"project":"WEB","kind":"brief","title":"x","steps":[{"key":"a","title":"A","after":["zzz"]}]}""", "steps[0].after"),
            ("""{"project":"WEB","kind":"brief","title":"x","steps":[{"key":"a","title":"A","after":["b"]},{"key":"b","title":"B","after":["a"]}]}""", "steps[0].after"),
            ("""{"project":"WEB","kind":"brief","title":"x","steps":[{"key":"a"}]}""", "steps[0].title"),
            ("""{"project":"WEB","kind":"brief","title":"x","steps":[{"key":"a","title":"A","assignee":"agent:nobody"}]}""", "steps[0].assignee"),
            ("""{"project":"WEB","kind":"brief","title":"x","steps":[{"key":"a","title":"A","priority":"whenever"}]}""", "steps[0].priority"),
            ("""{"project":"WEB","kind":"brief","title":"x","steps":[{"key":"a","title":"A"}],"source_items":["WEB-1"]}""", "source_items"),
            ("""{"project":"WEB","kind":"brief","title":"x","colour":"red"}""", "colour"),
        };
        foreach (var (json, field) in cases)
        {
            var problem = await (await acme.Owner.PostRawAsync("/api/v1/plans", json)).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{json[..Math.Min(json.Length, 120)]} → {problem}");
        }

        Assert.Empty(await acme.Owner.ListAllAsync("/api/v1/plans"));

        var empty = await acme.Owner.PostJsonAsync("/api/v1/plans", new { project = "WEB", kind = "spec", title = "Empty so far" });
        var id = empty.Str("id");
        Assert.NotEmpty((await (await acme.Owner.PostRawAsync($"/api/v1/plans/{id}/submit", "{}")).ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("version"));
        Assert.NotEmpty((await (await acme.Owner.PostRawAsync($"/api/v1/plans/{id}/submit", """{"version":9}""")).ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("version"));
        Assert.NotEmpty((await (await acme.Owner.PostRawAsync($"/api/v1/plans/{id}/versions", """{"steps":[{"key":"1","title":"A"}]}""")).ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("steps[0].key"));
        Assert.Equal(1, (await acme.Owner.GetJsonAsync($"/api/v1/plans/{id}")).GetProperty("latest_version").GetInt32());

        foreach (var (query, field) in new[] { ("status=won", "status"), ("project=NOPE", "project"), ("work_item=WEB-99", "work_item"), ("archived=maybe", "archived") })
        {
            var problem = await (await acme.Owner.GetAsync($"/api/v1/plans?{query}")).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.NotEmpty(problem.FieldErrors(field));
        }
    }

    [Theory, BothStores]
    public async Task Another_tenants_plans_are_not_found(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var globex = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await globex.CreateProjectAsync("WEB");
        var ticket = await acme.CreateWorkAsync("WEB", "Acme's ticket");
        var plan = await acme.Owner.PostJsonAsync("/api/v1/plans", new
        {
            project = "WEB", kind = "execution_plan", title = "Acme's plan", work_item = ticket.Str("key"), steps = new[] { Step("a", "Do it") },
        });
        var id = plan.Str("id");
        var approval = (await acme.Owner.PostJsonAsync($"/api/v1/plans/{id}/submit", new { })).GetProperty("versions")[0].Str("approval_id");

        await (await globex.Owner.GetAsync($"/api/v1/plans/{id}")).ProblemAsync(HttpStatusCode.NotFound);
        await (await globex.Owner.GetAsync($"/api/v1/plans/{id}/versions/1")).ProblemAsync(HttpStatusCode.NotFound);
        foreach (var (action, body) in new[] { ("versions", """{"body":"mine now"}"""), ("submit", "{}"), ("archive", "{}"), ("restore", "{}") })
        {
            await (await globex.Owner.PostRawAsync($"/api/v1/plans/{id}/{action}", body)).ProblemAsync(HttpStatusCode.NotFound);
        }

        await (await globex.Owner.PostRawAsync($"/api/v1/approvals/{approval}/approve", "{}")).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty(await globex.Owner.ListAllAsync("/api/v1/plans"));
        var foreignItem = await (await globex.Owner.PostRawAsync("/api/v1/plans",
            $$"""{"project":"WEB","kind":"brief","title":"x","work_item":"{{ticket.Str("id")}}"}""")).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(foreignItem.FieldErrors("work_item"));
        Assert.Equal("awaiting_approval", (await acme.Owner.GetJsonAsync($"/api/v1/plans/{id}")).Str("status"));
    }

    [Theory, BothStores]
    public async Task An_archived_plan_leaves_the_lists_until_it_is_restored(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var kept = await acme.Owner.PostJsonAsync("/api/v1/plans", new { project = "WEB", kind = "brief", title = "Kept", body = "Stays." });
        var plan = await acme.Owner.PostJsonAsync("/api/v1/plans", new { project = "WEB", kind = "spec", title = "Old idea", body = "Maybe later." });
        var id = plan.Str("id");

        var archived = await acme.Owner.PostJsonAsync($"/api/v1/plans/{id}/archive", new { });
        Assert.Equal("archived", archived.Str("status"));
        Assert.False(string.IsNullOrEmpty(archived.Str("archived_at")));
        Assert.Equal([kept.Str("id")], (await acme.Owner.ListAllAsync("/api/v1/plans?project=WEB")).Select(p => p.Str("id")));
        Assert.Equal([kept.Str("id"), id], (await acme.Owner.ListAllAsync("/api/v1/plans?archived=true")).Select(p => p.Str("id")));
        Assert.Equal([id], (await acme.Owner.ListAllAsync("/api/v1/plans?status=archived")).Select(p => p.Str("id")));
        await (await acme.Owner.PostRawAsync($"/api/v1/plans/{id}/versions", """{"body":"Now?"}""")).ProblemAsync(HttpStatusCode.Conflict);
        await (await acme.Owner.PostRawAsync($"/api/v1/plans/{id}/submit", "{}")).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("archived", (await acme.Owner.GetJsonAsync($"/api/v1/plans/{id}")).Str("status"));

        var restored = await acme.Owner.PostJsonAsync($"/api/v1/plans/{id}/restore", new { });
        Assert.Equal("draft", restored.Str("status"));
        Assert.Equal(JsonValueKind.Null, restored.GetProperty("archived_at").ValueKind);
        Assert.Equal(2, (await acme.Owner.ListAllAsync("/api/v1/plans")).Count);

        // A version waiting for a decision is decided before its plan is archived.
        await acme.Owner.PostJsonAsync($"/api/v1/plans/{id}/submit", new { });
        var waiting = await (await acme.Owner.PostRawAsync($"/api/v1/plans/{id}/archive", "{}")).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("/problems/plan-awaiting-approval", waiting.Str("type"));

        var actions = (await acme.Owner.ListAllAsync($"/api/v1/audit?entity_type=plan&entity_id={id}")).Select(a => a.Str("action")).ToList();
        Assert.Contains("plan.archived", actions);
        Assert.Contains("plan.restored", actions);
        var reviewer = await acme.AddPersonAsync("reviewer");
        await (await reviewer.Client.PostRawAsync($"/api/v1/plans/{kept.Str("id")}/archive", "{}")).ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Theory, BothStores]
    public async Task An_agent_plans_over_mcp_and_plans_again_after_a_rejection(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var ticket = await acme.CreateWorkAsync("WEB", "Launch the pricing page", new { type = "ticket" });
        var (_, _, token) = await acme.CreateAgentAsync("chief", "chief_of_staff");
        await using var mcp = await McpServerTests.ConnectAsync(app, token);
        var tools = (await mcp.ListToolsAsync()).Select(t => t.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "create_plan", "add_plan_version", "submit_plan", "get_plan" }, tools);

        var unknownField = await McpServerTests.CallRawAsync(mcp, "create_plan", new
        {
            project = "WEB", kind = "execution_plan", title = "Launch", steps = new[] { new { key = "a", title = "A", colour = "red" } },
        });
        Assert.True(unknownField.IsError);
        Assert.Contains("steps[0].colour", McpServerTests.Text(unknownField));
        var twice = await McpServerTests.CallRawAsync(mcp, "create_plan", new
        {
            project = "WEB", kind = "execution_plan", title = "Launch", steps = new[] { new { key = "a", title = "A" }, new { key = "a", title = "B" } },
        });
        Assert.Contains("steps[1].key", McpServerTests.Text(twice));

        var plan = await McpServerTests.CallAsync(mcp, "create_plan", new
        {
            project = "WEB", kind = "execution_plan", title = "Launch", work_item = "WEB-1", body = "Design, then build.",
            steps = new object[] { new { key = "design", title = "Design it" }, new { key = "build", title = "Build it", after = new[] { "design" } } },
        });
        var id = plan.Str("id");
        var submitted = await McpServerTests.CallAsync(mcp, "submit_plan", new { plan = id });
        Assert.Equal("awaiting_approval", submitted.Str("status"));
        await acme.Owner.PostJsonAsync($"/api/v1/approvals/{submitted.GetProperty("versions")[0].Str("approval_id")}/reject", new { note = "Add a QA step." });

        var read = await McpServerTests.CallAsync(mcp, "get_plan", new { plan = id });
        Assert.Equal(("rejected", "Add a QA step."), (read.GetProperty("versions")[0].Str("status"), read.GetProperty("versions")[0].Str("decision_note")));
        var second = await McpServerTests.CallAsync(mcp, "add_plan_version", new
        {
            plan = id,
            steps = new object[]
            {
                new { key = "design", title = "Design it" }, new { key = "build", title = "Build it", after = new[] { "design" } },
                new { key = "qa", title = "Test it", after = new[] { "build" } },
            },
        });
        Assert.Equal((2, 2, "Design, then build."), (second.GetProperty("version").GetInt32(), second.GetProperty("attempt").GetInt32(), second.Str("body")));
        var again = await McpServerTests.CallAsync(mcp, "submit_plan", new { plan = id, version = 2 });
        await acme.Owner.PostJsonAsync($"/api/v1/approvals/{again.GetProperty("versions")[0].Str("approval_id")}/approve", new { });

        Assert.Equal("active", (await McpServerTests.CallAsync(mcp, "get_plan", new { plan = id, version = 2 })).Str("status"));
        Assert.Equal(["design", "build", "qa"], (await acme.Owner.ListAllAsync($"/api/v1/work?parent={ticket.Str("id")}")).Select(c => c.Str("step_key")));
    }
}
