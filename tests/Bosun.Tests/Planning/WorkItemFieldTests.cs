using System.Net;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Planning;

public sealed class WorkItemFieldTests
{
    [Theory, BothStores]
    public async Task A_work_item_keeps_every_field_it_is_given(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var goal = await acme.CreateGoalAsync(new { title = "Launch" });
        var parent = await acme.CreateWorkAsync("WEB", "Epic");

        var item = await acme.CreateWorkAsync("WEB", "Build the pricing page", new
        {
            type = "ticket", description = "With three tiers", status = "ready", priority = "high", assignee = "role:frontend",
            parent_id = parent.Str("id"), goal_id = goal.Str("id"), due_at = "2026-04-01T17:00:00Z", labels = new[] { "web", "Pricing" },
            approval_required = true, input = new { tiers = new[] { "free", "pro", "team" }, nested = new { ok = true } },
        });
        var fetched = await acme.Owner.GetJsonAsync($"/api/v1/work/{item.Str("id")}");

        Assert.Equal(item.GetRawText(), fetched.GetRawText());
        Assert.Equal("WEB-2", fetched.Str("key"));
        Assert.Equal("ticket", fetched.Str("type"));
        Assert.Equal("ready", fetched.Str("status"));
        Assert.Equal("high", fetched.Str("priority"));
        Assert.Equal("role:frontend", fetched.Str("assignee"));
        Assert.Equal(parent.Str("id"), fetched.Str("parent_id"));
        Assert.Equal(goal.Str("id"), fetched.Str("goal_id"));
        Assert.Equal(new DateTime(2026, 4, 1, 17, 0, 0, DateTimeKind.Utc), fetched.GetProperty("due_at").GetDateTime());
        Assert.Equal(["pricing", "web"], fetched.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        Assert.True(fetched.GetProperty("approval_required").GetBoolean());
        Assert.Equal("team", fetched.GetProperty("input").GetProperty("tiers")[2].GetString());
        Assert.True(fetched.GetProperty("input").GetProperty("nested").GetProperty("ok").GetBoolean());
        Assert.Equal(["backlog", "in_progress", "blocked", "cancelled"],
            fetched.GetProperty("allowed_transitions").EnumerateArray().Select(s => s.GetString()).Where(s => s != "claimed"));

        var changed = await acme.Owner.PatchJsonAsync($"/api/v1/work/{item.Str("id")}", new
        {
            title = "Pricing page v2", priority = "low", labels = new[] { "web" }, output = new { url = "https://acme.test/pricing" },
            clear_due_at = true, goal_id = "", parent_id = "",
        });
        Assert.Equal("Pricing page v2", changed.Str("title"));
        Assert.Equal("low", changed.Str("priority"));
        Assert.Equal(["web"], changed.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal("https://acme.test/pricing", changed.GetProperty("output").Str("url"));
        Assert.Equal(JsonValueKind.Null, changed.GetProperty("due_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, changed.GetProperty("goal_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, changed.GetProperty("parent_id").ValueKind);
        Assert.Equal("With three tiers", changed.Str("description"));
        Assert.Equal(changed.GetRawText(), (await acme.Owner.GetJsonAsync("/api/v1/work/web-2")).GetRawText());
    }

    [Theory, BothStores]
    public async Task Work_is_assigned_to_an_agent_a_person_or_a_role(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var (agent, _, _) = await acme.CreateAgentAsync("builder");
        var member = await acme.AddPersonAsync("member", "dev@acme.test");

        var byName = await acme.CreateWorkAsync("WEB", "For the agent", new { assignee = "agent:builder" });
        var byEmail = await acme.CreateWorkAsync("WEB", "For the person", new { assignee = "user:DEV@acme.test" });
        var byRole = await acme.CreateWorkAsync("WEB", "For any backend agent", new { assignee = "role:backend" });
        var nobody = await acme.CreateWorkAsync("WEB", "Unassigned");

        Assert.Equal($"agent:{agent.Str("id")}", byName.Str("assignee"));
        Assert.Equal($"user:{member.Id}", byEmail.Str("assignee"));
        Assert.Equal("role:backend", byRole.Str("assignee"));
        Assert.Equal(JsonValueKind.Null, nobody.GetProperty("assignee").ValueKind);

        var unassigned = await acme.Owner.PatchJsonAsync($"/api/v1/work/{byName.Str("id")}", new { assignee = "" });
        Assert.Equal(JsonValueKind.Null, unassigned.GetProperty("assignee").ValueKind);

        foreach (var bad in new[] { "bob", "agent:ghost", "user:ghost@acme.test", "role:", "team:web" })
        {
            var response = await acme.Owner.PostRawAsync("/api/v1/work", $$"""{"project_id":"WEB","title":"x","assignee":"{{bad}}"}""");
            Assert.NotEmpty((await response.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("assignee"));
        }
    }

    [Theory, BothStores]
    public async Task Items_name_their_assigned_agent_or_person_in_one_item_and_in_a_list(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateAgentAsync("builder");
        await acme.AddPersonAsync("member", "dev@acme.test");

        var byAgent = await acme.CreateWorkAsync("WEB", "For the agent", new { assignee = "agent:builder" });
        await acme.CreateWorkAsync("WEB", "For the person", new { assignee = "user:dev@acme.test" });
        await acme.CreateWorkAsync("WEB", "For any backend agent", new { assignee = "role:backend" });
        var list = (await acme.Owner.GetJsonAsync("/api/v1/work")).GetProperty("items").EnumerateArray().ToList();

        Assert.Equal("builder", byAgent.Str("assignee_name"));
        Assert.Equal("builder", (await acme.Owner.GetJsonAsync("/api/v1/work/WEB-1")).Str("assignee_name"));
        Assert.Equal(["builder", "dev@acme.test", null], list.Select(w => w.GetProperty("assignee_name").GetString()));
    }

    [Theory, BothStores]
    public async Task The_list_filters_by_status_assignee_project_type_label_and_parent(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateProjectAsync("API");
        var (agent, _, _) = await acme.CreateAgentAsync("builder");
        var epic = await acme.CreateWorkAsync("WEB", "Epic", new { type = "card" });
        var a = await acme.CreateWorkAsync("WEB", "A", new { status = "ready", assignee = "agent:builder", labels = new[] { "ui" }, parent_id = epic.Str("id") });
        var b = await acme.CreateWorkAsync("API", "B", new { status = "ready", assignee = "role:backend", labels = new[] { "ui", "db" } });
        var c = await acme.CreateWorkAsync("API", "C", new { type = "question", parent_id = epic.Str("id") });

        async Task<List<string>> Keys(string query) =>
            (await acme.Owner.ListAllAsync($"/api/v1/work?{query}")).Select(w => w.Str("title")).Order().ToList();

        Assert.Equal(["A", "B"], await Keys("status=ready"));
        Assert.Equal(["A", "B", "C", "Epic"], await Keys("status=ready,backlog"));
        Assert.Equal(["A"], await Keys($"assignee=agent:{agent.Str("id")}"));
        Assert.Equal(["B"], await Keys("assignee=role:backend"));
        Assert.Equal(["C", "Epic"], await Keys("assignee=none"));
        Assert.Equal(["B", "C"], await Keys("project=API"));
        Assert.Equal(["B", "C"], await Keys("project=api"));
        Assert.Equal(["C"], await Keys("type=question"));
        Assert.Equal(["A", "B"], await Keys("label=ui"));
        Assert.Equal(["B"], await Keys("label=db"));
        Assert.Equal(["A", "C"], await Keys($"parent={epic.Str("id")}"));
        Assert.Equal(["B", "Epic"], await Keys("parent=none"));
        Assert.Equal(["B"], await Keys("project=API&status=ready&label=ui"));
        Assert.Empty(await Keys("type=nothing"));
        Assert.Equal(a.Str("id"), (await acme.Owner.ListAllAsync($"/api/v1/work?label=ui&project=WEB")).Single().Str("id"));
        Assert.Equal(b.Str("id"), (await acme.Owner.ListAllAsync("/api/v1/work?q=B&project=API")).Single().Str("id"));
        Assert.Equal(c.Str("id"), (await acme.Owner.ListAllAsync("/api/v1/work?q=API-2")).Single().Str("id"));
    }

    [Theory, BothStores]
    public async Task A_parent_cycle_is_refused(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var top = await acme.CreateWorkAsync("WEB", "Top");
        var middle = await acme.CreateWorkAsync("WEB", "Middle", new { parent_id = top.Str("id") });
        var bottom = await acme.CreateWorkAsync("WEB", "Bottom", new { parent_id = "WEB-2" });

        var cycle = await acme.Owner.PatchRawAsync($"/api/v1/work/{top.Str("id")}", $$"""{"parent_id":"{{bottom.Str("id")}}"}""");
        Assert.Contains("own ancestor", (await cycle.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("parent_id")[0]);
        var self = await acme.Owner.PatchRawAsync($"/api/v1/work/{middle.Str("id")}", $$"""{"parent_id":"{{middle.Str("id")}}"}""");
        Assert.NotEmpty((await self.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("parent_id"));
        var unknown = await acme.Owner.PostRawAsync("/api/v1/work", """{"project_id":"WEB","title":"x","parent_id":"WEB-99"}""");
        Assert.NotEmpty((await unknown.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("parent_id"));

        Assert.Equal(JsonValueKind.Null, (await acme.Owner.GetJsonAsync("/api/v1/work/WEB-1")).GetProperty("parent_id").ValueKind);
        Assert.Equal(top.Str("id"), (await acme.Owner.GetJsonAsync("/api/v1/work/WEB-2")).Str("parent_id"));
        var moved = await acme.Owner.PatchJsonAsync($"/api/v1/work/{bottom.Str("id")}", new { parent_id = top.Str("id") });
        Assert.Equal(top.Str("id"), moved.Str("parent_id"));
    }

    [Theory, BothStores]
    public async Task Comments_are_listed_oldest_first_with_their_author(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Discuss");
        var (agent, agentClient, _) = await acme.CreateAgentAsync("helper");

        await acme.Owner.PostJsonAsync("/api/v1/work/WEB-1/comments", new { body = "First" });
        await agentClient.PostJsonAsync($"/api/v1/work/{item.Str("id")}/comments", new { body = "Second" });
        var empty = await acme.Owner.PostRawAsync("/api/v1/work/WEB-1/comments", """{"body":"  "}""");
        Assert.NotEmpty((await empty.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("body"));
        await (await acme.Owner.PostRawAsync("/api/v1/work/WEB-9/comments", """{"body":"lost"}""")).ProblemAsync(HttpStatusCode.NotFound);

        var comments = await acme.Owner.ListAllAsync("/api/v1/work/WEB-1/comments");
        Assert.Equal(["First", "Second"], comments.Select(c => c.Str("body")));
        Assert.Equal([$"user:{acme.OwnerId}", $"agent:{agent.Str("id")}"], comments.Select(c => c.Str("author")));
        Assert.Equal("helper", comments[1].Str("author_name"));
    }
}
