using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Planning;
using Bosun.Tests.Infrastructure;
using Bosun.Tests.Web;
using WebClient = Bosun.Tests.Web.WebClient;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Planning;

/// A person arranges the sub-items of an item (or a project's top-level items) by moving one before or after a sibling;
/// lists of children, the board and the story map follow that order, and a move writes only the item moved.
public sealed class OrderingTests
{
    [Theory, BothStores]
    public async Task Children_reordered_with_before_and_after_are_listed_and_shown_on_the_board_in_that_order(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("WEB");
        var launch = await acme.CreateWorkAsync("WEB", "Launch");
        foreach (var title in new[] { "Copy", "Design", "Build", "Ship" })
        {
            await acme.CreateWorkAsync("WEB", title, new { parent_id = launch.Str("id") });
        }

        Assert.Equal(["Copy", "Design", "Build", "Ship"], await ChildrenAsync(acme, "WEB-1"));

        await acme.Owner.PostJsonAsync("/api/v1/work/WEB-5/move", new { before = "WEB-3" });
        Assert.Equal(["Copy", "Ship", "Design", "Build"], await ChildrenAsync(acme, "WEB-1"));
        var moved = await acme.Owner.PostJsonAsync("/api/v1/work/WEB-2/move", new { after = "WEB-4" });
        Assert.Equal("WEB-2", moved.Str("key"));
        Assert.Equal(["Ship", "Design", "Build", "Copy"], await ChildrenAsync(acme, "WEB-1"));
        await acme.Owner.PostJsonAsync($"/api/v1/work/{moved.Str("id")}/move", new { before = "WEB-5" });
        Assert.Equal(["Copy", "Ship", "Design", "Build"], await ChildrenAsync(acme, "WEB-1"));

        // The same order by the parent's id, a page at a time through the cursor.
        var titles = new List<string>();
        for (string? cursor = null; ;)
        {
            var page = await acme.Owner.GetJsonAsync($"/api/v1/work?parent={launch.Str("id")}&limit=1{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}");
            titles.AddRange(page.GetProperty("items").EnumerateArray().Select(w => w.Str("title")));
            if (page.GetProperty("next_cursor").ValueKind == JsonValueKind.Null)
            {
                break;
            }

            cursor = page.Str("next_cursor");
        }

        Assert.Equal(["Copy", "Ship", "Design", "Build"], titles);

        using var web = new WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password);
        var board = await web.GetAsync("/board?project=WEB");
        var backlog = Regex.Match(board.Html, "data-status=\"backlog\".*?</section>", RegexOptions.Singleline).Value;
        var cards = Regex.Matches(backlog, "li class=\"card\" data-key=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["WEB-2", "WEB-5", "WEB-3", "WEB-4"], cards.Where(key => key != "WEB-1"));
        Assert.Contains("WEB-1", cards);
        var parentPage = await web.GetAsync("/work/WEB-1");
        var subItems = Regex.Match(parentPage.Html, "<h2>Sub-items</h2>.*?</ul>", RegexOptions.Singleline).Value;
        Assert.Equal(["WEB-2", "WEB-5", "WEB-3", "WEB-4"], Regex.Matches(subItems, "href=\"/work/([^\"]+)\"").Select(m => m.Groups[1].Value));
    }

    [Theory, BothStores]
    public async Task A_move_writes_the_moved_item_only_and_leaves_its_siblings_untouched(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var parent = await acme.CreateWorkAsync("WEB", "Parent");
        for (var i = 1; i <= 6; i++)
        {
            await acme.CreateWorkAsync("WEB", $"Step {i}", new { parent_id = parent.Str("id") });
        }

        var before = (await acme.Owner.ListAllAsync("/api/v1/work?parent=WEB-1")).ToDictionary(w => w.Str("key"));
        var auditBefore = (await acme.Owner.ListAllAsync("/api/v1/audit?entity_type=work_item")).Count;

        await acme.Owner.PostJsonAsync("/api/v1/work/WEB-7/move", new { before = "WEB-2" });
        await acme.Owner.PostJsonAsync("/api/v1/work/WEB-7/move", new { after = "WEB-4" });
        await acme.Owner.PostJsonAsync("/api/v1/work/WEB-3/move", new { after = "WEB-4" });

        var after = (await acme.Owner.ListAllAsync("/api/v1/work?parent=WEB-1")).ToDictionary(w => w.Str("key"));
        Assert.Equal(["WEB-2", "WEB-4", "WEB-3", "WEB-7", "WEB-5", "WEB-6"], (await acme.Owner.ListAllAsync("/api/v1/work?parent=WEB-1")).Select(w => w.Str("key")));
        foreach (var key in new[] { "WEB-2", "WEB-4", "WEB-5", "WEB-6" })
        {
            Assert.Equal(before[key].GetRawText(), after[key].GetRawText());
        }

        var audit = await acme.Owner.ListAllAsync("/api/v1/audit?entity_type=work_item");
        Assert.Equal(auditBefore + 3, audit.Count);
        var moves = audit.Take(3).ToList();
        Assert.Equal([after["WEB-3"].Str("id"), after["WEB-7"].Str("id"), after["WEB-7"].Str("id")], moves.Select(a => a.Str("entity_id")));
        foreach (var move in moves)
        {
            Assert.Equal("work_item.updated", move.Str("action"));
            Assert.Equal(["position"], move.GetProperty("changes").EnumerateObject().Select(p => p.Name));
            Assert.Equal($"user:{acme.OwnerId}", move.Str("actor"));
        }
    }

    [Theory, BothStores]
    public async Task Top_level_items_are_ordered_among_the_items_of_their_project(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateProjectAsync("API");
        await acme.CreateWorkAsync("WEB", "Sign-up");
        await acme.CreateWorkAsync("WEB", "Checkout");
        await acme.CreateWorkAsync("WEB", "Onboarding");
        await acme.CreateWorkAsync("API", "Elsewhere");

        await acme.Owner.PostJsonAsync("/api/v1/work/WEB-3/move", new { before = "web-1" });

        Assert.Equal(["Onboarding", "Sign-up", "Checkout"], (await acme.Owner.ListAllAsync("/api/v1/work?parent=none&project=WEB")).Select(w => w.Str("title")));
        var across = await acme.Owner.PostRawAsync("/api/v1/work/WEB-2/move", """{"after":"API-1"}""");
        Assert.Contains("top-level item of its project", (await across.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("after").Single());
        Assert.Equal(["Onboarding", "Sign-up", "Checkout"], (await acme.Owner.ListAllAsync("/api/v1/work?parent=none&project=WEB")).Select(w => w.Str("title")));
        Assert.Equal(["Sign-up", "Checkout", "Onboarding"], (await acme.Owner.ListAllAsync("/api/v1/work?project=WEB")).Select(w => w.Str("title")));
    }

    [Theory, BothStores]
    public async Task Bad_moves_are_refused_naming_the_field_and_change_nothing(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var a = await acme.CreateWorkAsync("WEB", "Parent A");
        var b = await acme.CreateWorkAsync("WEB", "Parent B");
        await acme.CreateWorkAsync("WEB", "A1", new { parent_id = a.Str("id") });
        await acme.CreateWorkAsync("WEB", "A2", new { parent_id = a.Str("id") });
        await acme.CreateWorkAsync("WEB", "B1", new { parent_id = b.Str("id") });
        await acme.CreateWorkAsync("WEB", "A3 archived", new { parent_id = a.Str("id") });
        await acme.Owner.PostJsonAsync("/api/v1/work/WEB-6/archive", new { });
        var before = (await acme.Owner.ListAllAsync("/api/v1/work?parent=WEB-1")).Select(w => w.GetRawText()).ToList();

        var cases = new (string Json, string[] Fields)[]
        {
            ("{}", ["before", "after"]),
            ("""{"before":"","after":""}""", ["before", "after"]),
            ("""{"before":"WEB-4","after":"WEB-4"}""", ["before", "after"]),
            ("""{"before":"WEB-99"}""", ["before"]),
            ("""{"after":"WEB-3"}""", ["after"]),
            ("""{"before":"WEB-5"}""", ["before"]),
            ("""{"after":"WEB-2"}""", ["after"]),
            ("""{"before":"WEB-6"}""", ["before"]),
            ("""{"before":42}""", ["before"]),
            ("""{"before":"WEB-4","colour":"red"}""", ["colour"]),
        };
        foreach (var (json, fields) in cases)
        {
            var problem = await (await acme.Owner.PostRawAsync("/api/v1/work/WEB-3/move", json)).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.All(fields, field => Assert.NotEmpty(problem.FieldErrors(field)));
        }

        await (await acme.Owner.PostRawAsync("/api/v1/work/WEB-42/move", """{"before":"WEB-4"}""")).ProblemAsync(HttpStatusCode.NotFound);
        await (await acme.Owner.PostRawAsync("/api/v1/work/WEB-6/move", """{"before":"WEB-4"}""")).ProblemAsync(HttpStatusCode.Conflict);
        Assert.NotEmpty((await (await acme.Owner.GetAsync("/api/v1/work?parent=WEB-1&cursor=01ARZ3NDEKTSV4RRFFQ69G5FAV")).ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("cursor"));
        Assert.NotEmpty((await (await acme.Owner.GetAsync("/api/v1/work?cursor=I.01ARZ3NDEKTSV4RRFFQ69G5FAV")).ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("cursor"));
        var reviewer = await acme.AddPersonAsync("reviewer");
        await (await reviewer.Client.PostRawAsync("/api/v1/work/WEB-3/move", """{"before":"WEB-4"}""")).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(before, (await acme.Owner.ListAllAsync("/api/v1/work?parent=WEB-1")).Select(w => w.GetRawText()));
    }

    [Theory, BothStores]
    public async Task A_move_into_a_gap_worn_too_narrow_spaces_the_siblings_out_again(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var parent = await acme.CreateWorkAsync("WEB", "Parent");
        var ids = new List<string>();
        foreach (var title in new[] { "First", "Second", "Third" })
        {
            ids.Add((await acme.CreateWorkAsync("WEB", title, new { parent_id = parent.Str("id") })).Str("id"));
        }

        // As after hundreds of moves into one gap: no position of at most 200 digits fits between the first two.
        var worn = new string('5', Positions.MaxLength - 1);
        await SetPositionsAsync(acme, (ids[0], worn + "H"), (ids[1], worn + "I"), (ids[2], worn + "J"));

        var moved = await acme.Owner.PostJsonAsync("/api/v1/work/WEB-4/move", new { after = "WEB-2" });
        await acme.CreateWorkAsync("WEB", "Fourth", new { parent_id = parent.Str("id") });

        var children = await acme.Owner.ListAllAsync("/api/v1/work?parent=WEB-1");
        Assert.Equal(["First", "Third", "Second", "Fourth"], children.Select(w => w.Str("title")));
        Assert.All(children.Take(3), w => Assert.True(w.Str("position").Length < 10, w.Str("position")));
        Assert.Equal(children[1].Str("position"), moved.Str("position"));
    }

    [Theory, BothStores]
    public async Task An_agent_orders_the_sub_items_of_the_item_it_holds_and_nothing_else(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Held", new { status = "ready" });
        await acme.CreateWorkAsync("WEB", "Other");
        await acme.CreateWorkAsync("WEB", "Other's child", new { parent_id = "WEB-2" });
        await acme.CreateWorkAsync("WEB", "Other's second child", new { parent_id = "WEB-2" });
        var (_, coder, _) = await acme.CreateAgentAsync("coder");
        await coder.PostJsonAsync("/api/v1/work/claim", new { });
        await coder.PostJsonAsync("/api/v1/work", new { project_id = "WEB", parent_id = "WEB-1", title = "Tests" });
        await coder.PostJsonAsync("/api/v1/work", new { project_id = "WEB", parent_id = "WEB-1", title = "Code" });

        await coder.PostJsonAsync("/api/v1/work/WEB-6/move", new { before = "WEB-5" });

        Assert.Equal(["Code", "Tests"], (await acme.Owner.ListAllAsync("/api/v1/work?parent=WEB-1")).Select(w => w.Str("title")));
        await (await coder.PostRawAsync("/api/v1/work/WEB-4/move", """{"before":"WEB-3"}""")).ProblemAsync(HttpStatusCode.Forbidden);
        await (await coder.PostRawAsync("/api/v1/work/WEB-2/move", """{"before":"WEB-1"}""")).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(["Other's child", "Other's second child"], (await acme.Owner.ListAllAsync("/api/v1/work?parent=WEB-2")).Select(w => w.Str("title")));
    }

    [Theory, BothStores]
    public async Task The_story_map_reads_workflows_activities_and_cards_in_position_order(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var signUp = await acme.CreateWorkAsync("WEB", "Sign up", new { type = "workflow" });
        var buy = await acme.CreateWorkAsync("WEB", "Buy", new { type = "workflow" });
        await acme.CreateWorkAsync("WEB", "A loose task");
        var account = await acme.CreateWorkAsync("WEB", "Create an account", new { type = "activity", parent_id = signUp.Str("id") });
        var verify = await acme.CreateWorkAsync("WEB", "Verify the email", new { type = "activity", parent_id = signUp.Str("id") });
        await acme.CreateWorkAsync("WEB", "Email field", new { type = "card", parent_id = account.Str("id") });
        await acme.CreateWorkAsync("WEB", "Password rules", new { type = "card", parent_id = account.Str("id") });
        await acme.CreateWorkAsync("WEB", "A note on the activity", new { type = "question", parent_id = account.Str("id") });
        await acme.CreateWorkAsync("WEB", "Resend link", new { type = "card", parent_id = verify.Str("id") });

        await acme.Owner.PostJsonAsync($"/api/v1/work/{buy.Str("id")}/move", new { before = signUp.Str("key") });
        await acme.Owner.PostJsonAsync($"/api/v1/work/{verify.Str("id")}/move", new { before = account.Str("key") });
        await acme.Owner.PostJsonAsync("/api/v1/work/WEB-7/move", new { before = "WEB-6" });

        var map = await acme.Owner.GetJsonAsync("/api/v1/projects/WEB/story-map");
        var workflows = map.GetProperty("workflows").EnumerateArray().ToList();
        Assert.Equal(["Buy", "Sign up"], workflows.Select(w => w.GetProperty("workflow").Str("title")));
        var activities = workflows[1].GetProperty("activities").EnumerateArray().ToList();
        Assert.Equal(["Verify the email", "Create an account"], activities.Select(a => a.GetProperty("activity").Str("title")));
        Assert.Equal(["Password rules", "Email field"], activities[1].GetProperty("cards").EnumerateArray().Select(c => c.Str("title")));
        Assert.Equal(["Resend link"], activities[0].GetProperty("cards").EnumerateArray().Select(c => c.Str("title")));
    }

    private static async Task<List<string>> ChildrenAsync(TestTenant tenant, string parent) =>
        (await tenant.Owner.ListAllAsync($"/api/v1/work?parent={parent}")).Select(w => w.Str("title")).ToList();

    private static async Task SetPositionsAsync(TestTenant tenant, params (string Id, string Position)[] positions)
    {
        await using var scope = tenant.App.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(tenant.Id, Actor.System);
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        await db.InTransactionAsync(async c =>
        {
            foreach (var (id, position) in positions)
            {
                await db.WorkItems.Where(w => w.Id == id).ExecuteUpdateAsync(s => s.SetProperty(w => w.Position, position), c);
            }

            return 0;
        }, write: true, CancellationToken.None);
    }
}
