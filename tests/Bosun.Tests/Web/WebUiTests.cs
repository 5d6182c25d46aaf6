using System.Net;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Web;

/// The web UI over HTTP: sign-in, sessions, forms and what they change, on both stores.
public sealed class WebUiTests
{
    [Theory, BothStores]
    public async Task Owner_signs_in_with_a_password_and_lands_on_the_board(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Write the landing page", new { status = "ready" });
        using var web = new WebClient(app);

        var before = await web.GetAsync("/board");
        Assert.Equal(HttpStatusCode.SeeOther, before.Status);
        Assert.StartsWith("/signin", before.Location);

        var signedIn = await web.SignInAsync("owner@example.test", WebTestTenants.Password);
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.Status);
        var cookie = web.Cookies.GetCookies(new Uri("http://localhost/")).Single(c => c.Name == "bosun_session");
        Assert.True(cookie.HttpOnly);

        var board = await web.GetAsync("/board");
        Assert.Equal(HttpStatusCode.OK, board.Status);
        Assert.Contains("data-key=\"WEB-1\"", board.Html);
        Assert.Contains("Write the landing page", board.Html);
    }

    [Theory, BothStores]
    public async Task The_board_filters_by_assignee_type_label_goal_and_text(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("WEB");
        var (agent, _, _) = await acme.CreateAgentAsync("coder");
        var goal = await acme.CreateGoalAsync(new { title = "Launch" });
        await acme.CreateWorkAsync("WEB", "Write the landing page", new
        {
            type = "ticket", labels = new[] { "launch" }, assignee = "agent:coder", goal_id = goal.Str("id"),
        });
        await acme.CreateWorkAsync("WEB", "Fix the footer");
        using var web = new WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password);

        foreach (var query in new[] { "label=launch", $"assignee=agent:{agent.Str("id")}", "type=ticket", $"goal={goal.Str("id")}", "q=landing" })
        {
            var board = await web.GetAsync($"/board?project=WEB&{query}");
            Assert.True(board.Html.Contains("data-key=\"WEB-1\"") && !board.Html.Contains("data-key=\"WEB-2\""), query);
        }

        var unassigned = await web.GetAsync("/board?project=WEB&assignee=none");
        Assert.DoesNotContain("data-key=\"WEB-1\"", unassigned.Html);
        Assert.Contains("data-key=\"WEB-2\"", unassigned.Html);
        Assert.Contains("coder (agent)", (await web.GetAsync("/board?project=WEB")).Html);
    }

    [Theory, BothStores]
    public async Task The_templates_page_previews_each_templates_items_and_leaves_out_the_archived_and_other_tenants(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        var own = await acme.Owner.PostJsonAsync("/api/v1/templates", new
        {
            name = "Release notes", kind = "release",
            variables = new object[] { new { key = "version", label = "Version", type = "text", required = true }, new { key = "on", type = "date", @default = "2026-04-01" } },
            steps = new object[]
            {
                new { key = "collect", title = "Collect the changes of {{version}}" },
                new { key = "write", title = "Write the notes for {{version}} by {{on}}", assignee = "role:writer", approval_required = true, after = new[] { "collect" } },
            },
        });
        var old = await acme.Owner.PostJsonAsync("/api/v1/templates", new { name = "Old process", kind = "release", steps = new object[] { new { key = "a", title = "Do it" } } });
        await acme.Owner.PostJsonAsync($"/api/v1/templates/{old.Str("id")}/archive", new { });
        var globex = await app.CreateTenantAsync();
        await globex.Owner.PostJsonAsync("/api/v1/templates", new { name = "Globex secret", kind = "release", steps = new object[] { new { key = "a", title = "Theirs" } } });
        using var web = new WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password);

        var page = await web.GetAsync("/templates");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("data-template=\"global:content_pipeline\"", page.Html);
        Assert.Contains("Research: [Topic]", page.Html);
        Assert.Contains($"data-template=\"{own.Str("id")}\"", page.Html);
        Assert.Contains("Collect the changes of [Version]", page.Html);
        Assert.Contains("Write the notes for [Version] by 2026-04-01", page.Html);
        Assert.Contains("after Collect the changes of [Version]", page.Html);
        Assert.Contains("<span class=\"gate\">approval</span>", page.Html);
        Assert.DoesNotContain("Old process", page.Html);
        Assert.DoesNotContain("Globex secret", page.Html);
        Assert.Contains("aria-current=\"page\">Templates", page.Html);

        var archived = await web.GetAsync("/templates?archived=true");
        Assert.Contains("Old process", archived.Html);
        Assert.DoesNotContain("Release notes", archived.Html);
        Assert.DoesNotContain("global:content_pipeline", archived.Html);
        var releases = await web.GetAsync("/templates?kind=release");
        Assert.Contains("Release notes", releases.Html);
        Assert.DoesNotContain("global:content_pipeline", releases.Html);
    }

    [Theory, BothStores]
    public async Task A_wrong_password_is_shown_next_to_the_password_field(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        using var web = new WebClient(app);

        var page = await web.SignInAsync("owner@example.test", "not the password");

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Equal("the email or password is wrong", page.FieldError("password"));
        Assert.DoesNotContain(web.Cookies.GetCookies(new Uri("http://localhost/")), c => c.Name == "bosun_session");
    }

    [Theory, BothStores]
    public async Task Sign_in_locks_after_five_failures_even_for_the_right_password(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        using var web = new WebClient(app);

        for (var i = 0; i < 5; i++)
        {
            await web.SignInAsync("owner@example.test", $"guess {i}");
        }

        var locked = await web.SignInAsync("owner@example.test", WebTestTenants.Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, locked.Status);
        Assert.Contains("locked", locked.FieldError("password"));
        var user = await app.WithDbAsync(db => Task.FromResult(db.Users.IgnoreQueryFiltersFirst(acme.OwnerId)));
        Assert.NotNull(user.LockedUntil);
    }

    [Theory, BothStores]
    public async Task An_email_in_two_tenants_needs_the_tenant_slug_when_both_passwords_match(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync("acme");
        var globex = await app.CreateTenantAsync("globex");
        await acme.SetOwnerPasswordAsync();
        await globex.SetOwnerPasswordAsync();
        using var web = new WebClient(app);

        var ambiguous = await web.SignInAsync("owner@example.test", WebTestTenants.Password);
        Assert.Equal(HttpStatusCode.BadRequest, ambiguous.Status);
        Assert.Contains("several tenants", ambiguous.FieldError("tenant"));

        var chosen = await web.SignInAsync("owner@example.test", WebTestTenants.Password, tenant: "globex");
        Assert.Equal(HttpStatusCode.SeeOther, chosen.Status);
        var board = await web.GetAsync("/board");
        Assert.Contains("globex", board.Html);
    }

    [Theory, BothStores]
    public async Task A_form_without_the_anti_forgery_token_changes_nothing(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("WEB");
        using var web = new WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password);

        var forged = await web.PostAsync("/board/items", new Dictionary<string, string> { ["project_id"] = "WEB", ["title"] = "Forged" }, token: "not-the-token");

        Assert.Equal(HttpStatusCode.Forbidden, forged.Status);
        var items = await acme.Owner.ListAllAsync("/api/v1/work?project=WEB");
        Assert.Empty(items);
    }

    [Theory, BothStores]
    public async Task A_new_item_without_a_title_is_refused_with_the_message_next_to_the_title(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("WEB");
        using var web = new WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password);
        await web.GetAsync("/board?project=WEB");

        var refused = await web.PostAsync("/board/items", new Dictionary<string, string>
        {
            ["project_id"] = "WEB", ["title"] = "  ", ["labels"] = "launch", ["priority"] = "urgent",
        });

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("is required", refused.FieldError("item-title"));
        Assert.Contains("id=\"item-title\" name=\"title\" type=\"text\" value=\"  \" required aria-invalid=\"true\"", refused.Html);
        Assert.Contains("value=\"launch\"", refused.Html);
    }

    [Theory, BothStores]
    public async Task Work_created_and_moved_in_the_browser_is_audited_as_the_person(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("WEB");
        using var web = new WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password);
        await web.GetAsync("/board?project=WEB");

        var created = await web.PostAsync("/board/items", new Dictionary<string, string> { ["project_id"] = "WEB", ["title"] = "From the browser", ["status"] = "backlog" });
        Assert.Equal(HttpStatusCode.SeeOther, created.Status);
        await web.GetAsync("/work/WEB-1");
        var moved = await web.PostAsync("/work/WEB-1/move", new Dictionary<string, string> { ["status"] = "ready" });
        Assert.Equal(HttpStatusCode.SeeOther, moved.Status);
        var item = await web.GetAsync("/work/WEB-1");
        Assert.Contains("WEB-1 is now ready.", item.Html);

        var audit = await acme.Owner.GetJsonAsync("/api/v1/audit?entity_type=work_item");
        var rows = audit.GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(rows, r => r.Str("action") == "work_item.created");
        Assert.All(rows, r => Assert.Equal($"user:{acme.OwnerId}", r.Str("actor")));
        var api = await acme.Owner.GetJsonAsync("/api/v1/work/WEB-1");
        Assert.Equal("ready", api.Str("status"));
    }

    [Theory, BothStores]
    public async Task An_illegal_move_shows_the_reason_and_changes_nothing(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Task");
        using var web = new WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password);
        await web.GetAsync("/work/WEB-1");

        var refused = await web.PostAsync("/work/WEB-1/move", new Dictionary<string, string> { ["status"] = "done" });

        Assert.Equal(HttpStatusCode.Conflict, refused.Status);
        Assert.Contains("cannot move from backlog to done", refused.Html);
        Assert.Equal("backlog", (await acme.Owner.GetJsonAsync("/api/v1/work/WEB-1")).Str("status"));
    }

    [Theory, BothStores]
    public async Task An_invitation_link_sets_a_password_and_signs_the_person_in(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var invitation = await acme.Owner.PostJsonAsync("/api/v1/invitations", new { email = "grace@example.test", role = "reviewer" });
        var link = invitation.Str("accept_path");
        using var web = new WebClient(app);

        var form = await web.GetAsync(link);
        Assert.Contains("grace@example.test", form.Html);
        var mismatch = await web.PostAsync(link, new Dictionary<string, string> { ["name"] = "Grace", ["password"] = "long enough pw", ["password_again"] = "something else" });
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.Status);
        Assert.Equal("does not match the password", mismatch.FieldError("password_again"));

        var joined = await web.PostAsync(link, new Dictionary<string, string> { ["name"] = "Grace", ["password"] = "long enough pw", ["password_again"] = "long enough pw" });
        Assert.Equal(HttpStatusCode.SeeOther, joined.Status);
        var inbox = await web.GetAsync("/inbox");
        Assert.Contains("Grace", inbox.Html);

        var again = await web.GetAsync(link);
        Assert.Equal(HttpStatusCode.NotFound, again.Status);
        using var later = new WebClient(app);
        Assert.Equal(HttpStatusCode.SeeOther, (await later.SignInAsync("grace@example.test", "long enough pw")).Status);
    }

    [Theory, BothStores]
    public async Task Signing_out_ends_the_session_on_the_server(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        using var web = new WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password);
        var session = web.Cookies.GetCookies(new Uri("http://localhost/")).Single(c => c.Name == "bosun_session").Value;
        await web.GetAsync("/board");

        await web.PostAsync("/signout", new Dictionary<string, string>());

        using var replay = new WebClient(app);
        replay.Cookies.Add(new Uri("http://localhost/"), new Cookie("bosun_session", session));
        var page = await replay.GetAsync("/board");
        Assert.Equal(HttpStatusCode.SeeOther, page.Status);
        Assert.StartsWith("/signin", page.Location);
    }

    [Theory, BothStores]
    public async Task Another_tenants_person_sees_none_of_the_work(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync("acme");
        var globex = await app.CreateTenantAsync("globex");
        await globex.SetOwnerPasswordAsync("globex password");
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Acme secret plan");
        using var web = new WebClient(app);
        await web.SignInAsync("owner@example.test", "globex password");

        var board = await web.GetAsync("/board");
        var item = await web.GetAsync("/work/WEB-1");
        var byProject = await web.GetAsync("/board?project=WEB");

        Assert.DoesNotContain("Acme secret plan", board.Html);
        Assert.Equal(HttpStatusCode.NotFound, item.Status);
        Assert.Equal(HttpStatusCode.NotFound, byProject.Status);
    }

    [Theory, BothStores]
    public async Task Rejecting_without_a_note_asks_for_the_note_and_leaves_the_approval_pending(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Gated", new { status = "ready", approval_required = true });
        var (_, agent, _) = await acme.CreateAgentAsync("coder");
        var lease = (await agent.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0].GetProperty("run");
        await agent.PostJsonAsync($"/api/v1/runs/{lease.Str("run_id")}/complete", new { lease_token = lease.Str("lease_token") });
        var approval = (await acme.Owner.ListAllAsync("/api/v1/approvals?status=pending")).Single();
        using var web = new WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password);
        await web.GetAsync("/inbox");

        var refused = await web.PostAsync($"/inbox/{approval.Str("id")}", new Dictionary<string, string> { ["verdict"] = "reject", ["note"] = "" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("is required", refused.FieldError($"a{approval.Str("id")}-note"));
        Assert.Equal("pending", (await acme.Owner.GetJsonAsync($"/api/v1/approvals/{approval.Str("id")}")).Str("status"));

        var changes = await web.PostAsync($"/inbox/{approval.Str("id")}", new Dictionary<string, string> { ["verdict"] = "request_changes", ["note"] = "Shorter, please." });
        Assert.Equal(HttpStatusCode.SeeOther, changes.Status);
        var item = await acme.Owner.GetJsonAsync("/api/v1/work/WEB-1");
        Assert.Equal("ready", item.Str("status"));
        Assert.Equal("Shorter, please.", item.Str("revision_notes"));
        var decided = await acme.Owner.GetJsonAsync($"/api/v1/approvals/{approval.Str("id")}");
        Assert.Equal($"user:{acme.OwnerId}", decided.Str("decided_by"));
    }

    [Fact]
    public async Task Stylesheet_and_scripts_are_served_from_the_assembly()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        using var client = app.Anonymous();

        var css = await client.GetAsync("/ui/assets/bosun.css");
        var js = await client.GetAsync("/ui/assets/activity.js");

        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        Assert.Contains(".board", await css.Content.ReadAsStringAsync());
        Assert.Equal("text/javascript", js.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/ui/assets/missing.css")).StatusCode);
    }
}

internal static class UserLookup
{
    public static Bosun.Core.Identity.User IgnoreQueryFiltersFirst(this Microsoft.EntityFrameworkCore.DbSet<Bosun.Core.Identity.User> users, string id) =>
        Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.IgnoreQueryFilters(users).First(u => u.Id == id);
}
