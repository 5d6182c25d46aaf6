using System.Net;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Tests.Agents;
using Bosun.Tests.Infrastructure;
using Bosun.Tests.Web;
using WebClient = Bosun.Tests.Web.WebClient;

namespace Bosun.Tests.Planning;

/// Nothing a person planned is deleted: projects, goals and work items are archived, leave every list and the claim,
/// can be found with ?archived=true and by id, and come back when restored. Both moves are in the audit trail.
public sealed class ArchiveTests
{
    [Theory, BothStores]
    public async Task An_archived_item_leaves_every_list_board_and_claim_until_it_is_restored(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("WEB");
        var goal = await acme.CreateGoalAsync(new { title = "Launch" });
        var flow = await acme.CreateWorkAsync("WEB", "Sign up", new { type = "workflow" });
        var activity = await acme.CreateWorkAsync("WEB", "Create an account", new { type = "activity", parent_id = flow.Str("id") });
        var (coderAgent, coder, coderToken) = await acme.CreateAgentAsync("coder");
        var card = await acme.CreateWorkAsync("WEB", "Email field", new
        {
            type = "card", parent_id = activity.Str("id"), status = "ready", labels = new[] { "launch" }, goal_id = goal.Str("id"), assignee = "agent:coder",
        });
        await acme.CreateWorkAsync("WEB", "Proofread the email", new { assignee = $"user:{acme.OwnerId}" });
        var lists = new[]
        {
            "/api/v1/work?status=ready", "/api/v1/work?project=WEB&type=card", "/api/v1/work?label=launch", $"/api/v1/work?goal={goal.Str("id")}",
            $"/api/v1/work?assignee=agent:{coderAgent.Str("id")}", "/api/v1/work?q=Email%20field", $"/api/v1/work?parent={activity.Str("id")}",
            "/api/v1/work?parent=WEB-2",
        };
        using var web = new WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password);

        var archived = await acme.Owner.PostJsonAsync("/api/v1/work/WEB-3/archive", new { });
        await acme.Owner.PostJsonAsync("/api/v1/work/WEB-4/archive", new { });

        Assert.Equal(JsonValueKind.String, archived.GetProperty("archived_at").ValueKind);
        Assert.Equal("ready", archived.Str("status"));
        foreach (var list in lists)
        {
            Assert.DoesNotContain(await acme.Owner.ListAllAsync(list), w => w.Str("key") == "WEB-3");
            Assert.Equal(["WEB-3"], (await acme.Owner.ListAllAsync(list + (list.Contains('?') ? "&" : "?") + "archived=true")).Select(w => w.Str("key")));
        }

        Assert.Equal(["WEB-1", "WEB-2"], (await acme.Owner.ListAllAsync("/api/v1/work")).Select(w => w.Str("key")));
        Assert.Equal(["WEB-3", "WEB-4"], (await acme.Owner.ListAllAsync("/api/v1/work?archived=true")).Select(w => w.Str("key")));
        Assert.Empty((await coder.GetJsonAsync("/api/v1/work/mine")).GetProperty("assigned").EnumerateArray());
        Assert.Empty((await acme.Owner.GetJsonAsync("/api/v1/work/mine")).GetProperty("assigned").EnumerateArray());
        Assert.Empty((await acme.Owner.GetJsonAsync("/api/v1/inbox")).GetProperty("work").EnumerateArray());
        Assert.Empty(StoryMapCards(await acme.Owner.GetJsonAsync("/api/v1/projects/WEB/story-map")));
        Assert.DoesNotContain("data-key=\"WEB-3\"", (await web.GetAsync("/board?project=WEB")).Html);
        Assert.DoesNotContain("data-key=\"WEB-3\"", (await web.GetAsync("/map?project=WEB")).Html);
        Assert.DoesNotContain("WEB-4", (await web.GetAsync("/inbox")).Html);
        Assert.Empty((await coder.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items").EnumerateArray());
        await using var mcp = await McpServerTests.ConnectAsync(app, coderToken);
        Assert.DoesNotContain(await SearchAsync(mcp, "email field"), key => key == "WEB-3");
        await (await acme.Owner.PostRawAsync("/api/v1/work/WEB-3/start", "{}")).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(archived.GetProperty("archived_at").GetDateTime(), (await acme.Owner.GetJsonAsync("/api/v1/work/WEB-3")).GetProperty("archived_at").GetDateTime());

        var again = await acme.Owner.PostJsonAsync("/api/v1/work/WEB-3/archive", new { });
        Assert.Equal(archived.GetProperty("archived_at").GetDateTime(), again.GetProperty("archived_at").GetDateTime());

        var restored = await acme.Owner.PostJsonAsync($"/api/v1/work/{card.Str("id")}/restore", new { });

        Assert.Equal(JsonValueKind.Null, restored.GetProperty("archived_at").ValueKind);
        foreach (var list in lists)
        {
            Assert.Contains(await acme.Owner.ListAllAsync(list), w => w.Str("key") == "WEB-3");
        }

        Assert.Equal(["WEB-3"], StoryMapCards(await acme.Owner.GetJsonAsync("/api/v1/projects/WEB/story-map")));
        Assert.Contains(await SearchAsync(mcp, "email field"), key => key == "WEB-3");
        Assert.Equal("WEB-3", (await coder.GetJsonAsync("/api/v1/work/mine")).GetProperty("assigned")[0].Str("key"));
        Assert.Contains("data-key=\"WEB-3\"", (await web.GetAsync("/board?project=WEB")).Html);
        Assert.Equal("WEB-3", (await coder.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0].GetProperty("item").Str("key"));

        // Each move has a row naming it, beside the item's update that holds archived_at before and after.
        var trail = await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={card.Str("id")}");
        Assert.Equal(["work_item.restored", "work_item.archived"], trail.Select(a => a.Str("action")).Where(a => a.EndsWith("ed") && a is not ("work_item.updated" or "work_item.claimed" or "work_item.created")));
        var archiveRow = trail.Single(a => a.Str("action") == "work_item.archived");
        Assert.Equal($"user:{acme.OwnerId}", archiveRow.Str("actor"));
        Assert.Equal("WEB-3", archiveRow.GetProperty("changes").Str("key"));
        var updates = trail.Where(a => a.Str("action") == "work_item.updated").ToList();
        Assert.Equal(2, updates.Count);
        Assert.All(updates, u => Assert.Equal(["archived_at"], u.GetProperty("changes").EnumerateObject().Select(p => p.Name)));
    }

    [Theory, BothStores]
    public async Task A_person_archives_an_item_from_its_page_and_restores_it_there(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Old banner", new { status = "ready" });
        using var web = new WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password);

        await web.GetAsync("/work/WEB-1");
        var archived = await web.PostAsync("/work/WEB-1/archive", new Dictionary<string, string>());

        Assert.Equal((HttpStatusCode.SeeOther, "/work/WEB-1"), (archived.Status, archived.Location));
        var page = await web.GetAsync("/work/WEB-1");
        Assert.Contains("data-testid=\"archived\"", page.Html);
        Assert.Contains("action=\"/work/WEB-1/restore\"", page.Html);
        Assert.DoesNotContain("data-key=\"WEB-1\"", (await web.GetAsync("/board?project=WEB")).Html);
        Assert.Equal(JsonValueKind.String, (await acme.Owner.GetJsonAsync("/api/v1/work/WEB-1")).GetProperty("archived_at").ValueKind);

        var restored = await web.PostAsync("/work/WEB-1/restore", new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.SeeOther, restored.Status);
        Assert.Contains("action=\"/work/WEB-1/archive\"", (await web.GetAsync("/work/WEB-1")).Html);
        Assert.Contains("data-key=\"WEB-1\"", (await web.GetAsync("/board?project=WEB")).Html);
    }

    [Theory, BothStores]
    public async Task Work_in_hand_or_awaiting_a_reviewer_is_not_archived_until_it_is_let_go(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Being written", new { status = "ready" });
        await acme.CreateWorkAsync("WEB", "Being reviewed", new { status = "ready", approval_required = true });
        var (_, coder, _) = await acme.CreateAgentAsync("coder", extra: new { max_concurrent_runs = 2 });
        var claimed = (await coder.PostJsonAsync("/api/v1/work/claim", new { max = 2 })).GetProperty("items").EnumerateArray()
            .ToDictionary(c => c.GetProperty("item").Str("key"), c => c.GetProperty("run"));
        var reviewed = claimed["WEB-2"];
        await coder.PostJsonAsync($"/api/v1/runs/{reviewed.Str("run_id")}/complete", new { lease_token = reviewed.Str("lease_token"), output = new { } });

        var inHand = await (await acme.Owner.PostRawAsync("/api/v1/work/WEB-1/archive", "{}")).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("Release its run or cancel", inHand.Str("detail"));
        var waiting = await (await acme.Owner.PostRawAsync("/api/v1/work/WEB-2/archive", "{}")).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("decide its approval or cancel", waiting.Str("detail"));
        Assert.Equal(2, (await acme.Owner.ListAllAsync("/api/v1/work")).Count);

        var run = claimed["WEB-1"];
        await coder.PostJsonAsync($"/api/v1/runs/{run.Str("run_id")}/release", new { lease_token = run.Str("lease_token") });
        await acme.Owner.PatchJsonAsync("/api/v1/work/WEB-2", new { status = "cancelled" });
        await acme.Owner.PostJsonAsync("/api/v1/work/WEB-1/archive", new { });
        await acme.Owner.PostJsonAsync("/api/v1/work/WEB-2/archive", new { });
        Assert.Empty(await acme.Owner.ListAllAsync("/api/v1/work"));
    }

    [Theory, BothStores]
    public async Task Archiving_a_parent_leaves_its_sub_items_where_they_are(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var parent = await acme.CreateWorkAsync("WEB", "Epic");
        await acme.CreateWorkAsync("WEB", "Child", new { parent_id = parent.Str("id") });

        await acme.Owner.PostJsonAsync("/api/v1/work/WEB-1/archive", new { });

        Assert.Equal(["Child"], (await acme.Owner.ListAllAsync("/api/v1/work")).Select(w => w.Str("title")));
        Assert.Equal(["Child"], (await acme.Owner.ListAllAsync("/api/v1/work?parent=WEB-1")).Select(w => w.Str("title")));
        Assert.Equal(JsonValueKind.Null, (await acme.Owner.GetJsonAsync("/api/v1/work/WEB-2")).GetProperty("archived_at").ValueKind);
    }

    [Theory, BothStores]
    public async Task An_archived_project_leaves_the_lists_and_the_claim_and_comes_back_active(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        var web = await acme.CreateProjectAsync("WEB");
        await acme.CreateProjectAsync("API");
        await acme.CreateWorkAsync("WEB", "Ready on an old site", new { status = "ready" });
        var (_, coder, _) = await acme.CreateAgentAsync("coder");

        var archived = await acme.Owner.PostJsonAsync("/api/v1/projects/WEB/archive", new { });

        Assert.Equal("archived", archived.Str("status"));
        Assert.Equal(JsonValueKind.String, archived.GetProperty("archived_at").ValueKind);
        Assert.Equal(["API"], (await acme.Owner.ListAllAsync("/api/v1/projects")).Select(p => p.Str("key")));
        Assert.Equal(["WEB"], (await acme.Owner.ListAllAsync("/api/v1/projects?archived=true")).Select(p => p.Str("key")));
        Assert.Equal(["WEB"], (await acme.Owner.ListAllAsync("/api/v1/projects?status=archived")).Select(p => p.Str("key")));
        Assert.Equal(web.Str("id"), (await acme.Owner.GetJsonAsync("/api/v1/projects/web")).Str("id"));
        Assert.Empty((await coder.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items").EnumerateArray());
        using var browser = new WebClient(app);
        await browser.SignInAsync("owner@example.test", WebTestTenants.Password);
        var board = await browser.GetAsync("/board");
        Assert.DoesNotContain("WEB · Project WEB", board.Html);
        Assert.Contains("was archived", (await browser.GetAsync("/board?project=WEB")).Html);

        var restored = await acme.Owner.PostJsonAsync($"/api/v1/projects/{web.Str("id")}/restore", new { });

        Assert.Equal("active", restored.Str("status"));
        Assert.Equal(JsonValueKind.Null, restored.GetProperty("archived_at").ValueKind);
        Assert.Equal(["WEB", "API"], (await acme.Owner.ListAllAsync("/api/v1/projects")).Select(p => p.Str("key")));
        Assert.Single((await coder.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items").EnumerateArray());

        // Setting the status by hand archives and restores the same way.
        await acme.Owner.PatchJsonAsync("/api/v1/projects/WEB", new { status = "archived" });
        Assert.Equal(["API"], (await acme.Owner.ListAllAsync("/api/v1/projects")).Select(p => p.Str("key")));
        await acme.Owner.PatchJsonAsync("/api/v1/projects/WEB", new { status = "paused" });
        Assert.Equal(["WEB", "API"], (await acme.Owner.ListAllAsync("/api/v1/projects")).Select(p => p.Str("key")));

        var trail = (await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={web.Str("id")}")).Select(a => a.Str("action")).Where(a => a != "project.updated");
        Assert.Equal(["project.restored", "project.archived", "project.restored", "project.archived", "project.created"], trail);
    }

    [Theory, BothStores]
    public async Task An_archived_goal_leaves_the_lists_and_comes_back_on_restore(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var old = await acme.CreateGoalAsync(new { title = "Last year's target", project_id = "WEB" });
        var current = await acme.CreateGoalAsync(new { title = "This year's target", project_id = "WEB" });

        var archived = await acme.Owner.PostJsonAsync($"/api/v1/goals/{old.Str("id")}/archive", new { });

        Assert.Equal(JsonValueKind.String, archived.GetProperty("archived_at").ValueKind);
        Assert.Equal([current.Str("id")], (await acme.Owner.ListAllAsync("/api/v1/goals")).Select(g => g.Str("id")));
        Assert.Equal([current.Str("id")], (await acme.Owner.ListAllAsync("/api/v1/goals?project=WEB&status=active")).Select(g => g.Str("id")));
        Assert.Equal([old.Str("id")], (await acme.Owner.ListAllAsync("/api/v1/goals?archived=true")).Select(g => g.Str("id")));
        Assert.Equal("Last year's target", (await acme.Owner.GetJsonAsync($"/api/v1/goals/{old.Str("id")}")).Str("title"));

        await acme.Owner.PostJsonAsync($"/api/v1/goals/{old.Str("id")}/restore", new { });

        Assert.Equal([old.Str("id"), current.Str("id")], (await acme.Owner.ListAllAsync("/api/v1/goals")).Select(g => g.Str("id")));
        Assert.Empty(await acme.Owner.ListAllAsync("/api/v1/goals?archived=true"));
        var trail = (await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={old.Str("id")}")).Select(a => a.Str("action")).Where(a => a != "goal.updated");
        Assert.Equal(["goal.restored", "goal.archived", "goal.created"], trail);
        Assert.NotEmpty((await (await acme.Owner.GetAsync("/api/v1/goals?archived=maybe")).ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("archived"));
    }

    [Theory, BothStores]
    public async Task Reviewers_may_not_archive_or_restore(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var project = await acme.CreateProjectAsync("WEB");
        var goal = await acme.CreateGoalAsync(new { title = "Launch" });
        await acme.CreateWorkAsync("WEB", "Page");
        var reviewer = await acme.AddPersonAsync("reviewer");

        foreach (var url in new[] { "/api/v1/projects/WEB", $"/api/v1/goals/{goal.Str("id")}", "/api/v1/work/WEB-1" })
        {
            foreach (var verb in new[] { "archive", "restore" })
            {
                await (await reviewer.Client.PostRawAsync($"{url}/{verb}", "{}")).ProblemAsync(HttpStatusCode.Forbidden);
            }
        }

        Assert.Equal(JsonValueKind.Null, (await acme.Owner.GetJsonAsync($"/api/v1/projects/{project.Str("id")}")).GetProperty("archived_at").ValueKind);
    }

    private static List<string> StoryMapCards(JsonElement map) =>
        map.GetProperty("workflows").EnumerateArray()
            .SelectMany(w => w.GetProperty("activities").EnumerateArray())
            .SelectMany(a => a.GetProperty("cards").EnumerateArray())
            .Select(c => c.Str("key")).ToList();

    private static async Task<List<string>> SearchAsync(ModelContextProtocol.Client.McpClient mcp, string query) =>
        (await McpServerTests.CallAsync(mcp, "search_context", new { query })).GetProperty("results").EnumerateArray().Select(r => r.Str("work_item_key")).ToList();
}
