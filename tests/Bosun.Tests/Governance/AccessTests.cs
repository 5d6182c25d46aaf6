using System.Net;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Core.Governance.Access;
using Bosun.Tests.Agents;
using Bosun.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Governance;

public sealed class AccessTests
{
    /// An agency's client reviewer, invited as a guest with the reviewer role on the client's project only.
    private static async Task<TestPerson> InviteGuestAsync(TestTenant tenant, string project, string role, string email)
    {
        var invitation = await tenant.Owner.PostJsonAsync("/api/v1/invitations", new { email, role = "guest", project_id = project, project_role = role });
        Assert.Equal(role, invitation.GetProperty("invitation").Str("project_role"));
        var accepted = await tenant.App.Anonymous().PostJsonAsync("/api/v1/invitations/accept",
            new { token = invitation.Str("token"), name = email.Split('@')[0], password = "a long enough secret" });
        var secret = accepted.GetProperty("token").Str("token");
        return new TestPerson(accepted.GetProperty("user").Str("id"), email, "guest", tenant.App.ClientFor(secret), secret);
    }

    [Theory, BothStores]
    public async Task A_project_scoped_reviewer_sees_one_project_on_every_list_search_and_stream(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var web = await acme.CreateProjectAsync("WEB");
        await acme.CreateProjectAsync("OPS");
        var webGoal = await acme.CreateGoalAsync(new { title = "Launch the client site", project_id = "WEB" });
        await acme.CreateGoalAsync(new { title = "Harden the internal ops", project_id = "OPS" });
        var webItem = await acme.CreateWorkAsync("WEB", "Homepage banner copy");
        var opsItem = await acme.CreateWorkAsync("OPS", "Rotate the banner servers");
        await acme.Owner.PostJsonAsync($"/api/v1/work/{opsItem.Str("key")}/comments", new { body = "secret ops banner plans" });
        var webApproval = await acme.Owner.PostJsonAsync("/api/v1/approvals", new { work_item_id = webItem.Str("id"), subject = "Banner copy" });
        var opsApproval = await acme.Owner.PostJsonAsync("/api/v1/approvals", new { work_item_id = opsItem.Str("id"), subject = "Banner servers" });

        var client = await InviteGuestAsync(acme, "WEB", "reviewer", "client@customer.test");

        Assert.Equal(["WEB"], (await client.Client.ListAllAsync("/api/v1/projects")).Select(p => p.Str("key")));
        Assert.Equal(["WEB-1"], (await client.Client.ListAllAsync("/api/v1/work")).Select(w => w.Str("key")));
        Assert.Equal([webGoal.Str("id")], (await client.Client.ListAllAsync("/api/v1/goals")).Select(g => g.Str("id")));
        Assert.Equal([webApproval.Str("id")], (await client.Client.ListAllAsync("/api/v1/approvals")).Select(a => a.Str("id")));
        var inbox = await client.Client.GetJsonAsync("/api/v1/inbox");
        Assert.Equal([webApproval.Str("id")], inbox.GetProperty("approvals").EnumerateArray().Select(a => a.Str("id")));
        var found = await client.Client.GetJsonAsync("/api/v1/search?q=banner");
        Assert.NotEmpty(found.GetProperty("results").EnumerateArray());
        Assert.All(found.GetProperty("results").EnumerateArray(), h => Assert.Equal(web.Str("id"), h.Str("project_id")));

        // The other project's things are not found at all, as in another tenant.
        await (await client.Client.GetAsync($"/api/v1/work/{opsItem.Str("key")}")).ProblemAsync(HttpStatusCode.NotFound);
        await (await client.Client.GetAsync($"/api/v1/approvals/{opsApproval.Str("id")}")).ProblemAsync(HttpStatusCode.NotFound);
        await (await client.Client.PostRawAsync($"/api/v1/work/{opsItem.Str("key")}/comments", """{"body":"hi"}""")).ProblemAsync(HttpStatusCode.NotFound);
        await (await client.Client.PostRawAsync($"/api/v1/approvals/{opsApproval.Str("id")}/approve", "{}")).ProblemAsync(HttpStatusCode.NotFound);
        await (await client.Client.GetAsync("/api/v1/search?q=banner&project=OPS")).ProblemAsync(HttpStatusCode.BadRequest);

        // A reviewer of WEB comments and decides there, and may not change the work.
        await client.Client.PostJsonAsync($"/api/v1/work/{webItem.Str("key")}/comments", new { body = "Looks good" });
        await client.Client.PostJsonAsync($"/api/v1/approvals/{webApproval.Str("id")}/approve", new { note = "ok" });
        var refused = await (await client.Client.PatchRawAsync($"/api/v1/work/{webItem.Str("key")}", """{"title":"Mine now"}""")).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("work:edit", refused.Str("action"));
        Assert.Contains("reviewer", refused.GetProperty("denied_by").Str("reason"));
        await (await client.Client.PostRawAsync("/api/v1/work", """{"project_id":"OPS","title":"x"}""")).ProblemAsync(HttpStatusCode.BadRequest);

        // The stream carries the WEB project's events only.
        await using var stream = await SseClient.OpenAsync(client.Client, "/api/v1/stream?last_event_id=0");
        await acme.CreateWorkAsync("OPS", "Another ops item");
        await acme.CreateWorkAsync("WEB", "Footer copy");
        var events = await stream.UntilAsync(e => e.Type == "work_item.created" && e.Data.TryGetProperty("work_item_key", out var k) && k.GetString() == "WEB-2");
        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.Equal(web.Str("id"), e.Data.GetProperty("project_id").GetString()));

        // Costs and the agents' list are the tenant's: a guest reads only its project's spend.
        var usage = await client.Client.GetAsync("/api/v1/audit");
        await usage.ProblemAsync(HttpStatusCode.Forbidden);

        // The owner still sees everything.
        Assert.Equal(2, (await acme.Owner.ListAllAsync("/api/v1/projects")).Count);
    }

    [Theory, BothStores]
    public async Task Deny_wins_over_allow_and_the_refusal_names_the_policy(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Ship it", new { type = "review" });
        var reviewer = await acme.AddPersonAsync("reviewer");
        await acme.Owner.PatchJsonAsync($"/api/v1/users/{reviewer.Id}", new { attributes = new { department = "engineering" } });

        // Reviewers may not edit work; a policy lets engineering reviewers edit review items.
        await (await reviewer.Client.PatchRawAsync($"/api/v1/work/{item.Str("key")}", """{"title":"Ship it now"}""")).ProblemAsync(HttpStatusCode.Forbidden);
        await acme.Owner.PostJsonAsync("/api/v1/policies", new
        {
            name = "engineering reviewers edit reviews", effect = "allow", actions = new[] { "work:edit" }, resources = new[] { "work:type=review" },
            conditions = new Dictionary<string, object> { ["principal.department"] = new Dictionary<string, object> { ["$eq"] = "engineering" } },
            priority = 10,
        });
        var edited = await reviewer.Client.PatchJsonAsync($"/api/v1/work/{item.Str("key")}", new { title = "Ship it now" });
        Assert.Equal("Ship it now", edited.Str("title"));

        var explained = await acme.Owner.PostJsonAsync("/api/v1/permissions/explain", new { principal = $"user:{reviewer.Id}", action = "work:edit", resource = $"work:{item.Str("key")}" });
        Assert.Equal("allow", explained.Str("result"));
        Assert.Equal("engineering reviewers edit reviews", explained.Str("allowed_by"));

        // A deny for done or blocked items wins over that allow and over the owner's role.
        await acme.Owner.PostJsonAsync("/api/v1/policies", new
        {
            name = "frozen items", effect = "deny", actions = new[] { "work:*" }, resources = new[] { "project:WEB" },
            conditions = new Dictionary<string, object> { ["resource.status"] = new Dictionary<string, object> { ["$in"] = new[] { "blocked" } } },
            priority = 0,
        });
        await acme.Owner.PatchJsonAsync($"/api/v1/work/{item.Str("key")}", new { status = "blocked" });
        foreach (var who in new[] { reviewer.Client, acme.Owner })
        {
            var problem = await (await who.PatchRawAsync($"/api/v1/work/{item.Str("key")}", """{"title":"again"}""")).ProblemAsync(HttpStatusCode.Forbidden);
            Assert.Equal("frozen items", problem.GetProperty("denied_by").Str("policy"));
        }

        var denied = await acme.Owner.PostJsonAsync("/api/v1/permissions/explain", new { principal = $"user:{reviewer.Id}", action = "work:edit", resource = $"work:{item.Str("key")}" });
        Assert.Equal("deny", denied.Str("result"));
        Assert.Equal("frozen items", denied.Str("denied_by"));

        // Every deny is in the evaluation log with its time; policy changes are in the audit trail.
        await app.Services.GetRequiredService<DecisionLog>().FlushAsync(CancellationToken.None);
        var decisions = await acme.Owner.ListAllAsync("/api/v1/permissions/decisions?allowed=false");
        Assert.Contains(decisions, d => d.Str("principal") == $"user:{reviewer.Id}" && d.Str("action") == "work:edit"
            && d.GetProperty("matched").Str("denied_by") == "frozen items" && d.GetProperty("microseconds").GetDouble() > 0);
        var audit = await acme.Owner.ListAllAsync("/api/v1/audit?entity_type=access_policy");
        Assert.Equal(2, audit.Count(a => a.Str("action") == "access_policy.created"));
    }

    [Theory, BothStores]
    public async Task An_agent_is_widened_and_narrowed_by_policy(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var (_, agent, _) = await acme.CreateAgentAsync("builder");

        // By default an agent creates only sub-items of an item it holds: the built-in policy.
        var top = await (await agent.PostRawAsync("/api/v1/work", """{"project_id":"WEB","title":"My own plan"}""")).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(top.FieldErrors("parent_id"));
        var builtIn = Assert.Single(await acme.Owner.GetJsonAsync("/api/v1/policies") is var all ? all.EnumerateArray().Where(p => p.GetProperty("system").GetBoolean()) : []);
        Assert.Equal("system:agent-sub-items", builtIn.Str("id"));
        await (await acme.Owner.SendRawAsync(HttpMethod.Delete, "/api/v1/policies/system:agent-sub-items", null)).ProblemAsync(HttpStatusCode.Conflict);

        // Widened: the tenant turns the built-in policy off.
        await acme.Owner.PatchJsonAsync("/api/v1/policies/system:agent-sub-items", new { enabled = false });
        var created = await agent.PostJsonAsync("/api/v1/work", new { project_id = "WEB", title = "My own plan" });
        Assert.Equal("WEB-1", created.Str("key"));

        // Narrowed: agents may not create review items, nor move anything in WEB outside working hours.
        await acme.Owner.PostJsonAsync("/api/v1/policies", new
        {
            name = "no agent reviews", effect = "deny", actions = new[] { "work:create" }, resources = new[] { "work:type=review" },
            conditions = new Dictionary<string, object> { ["principal.kind"] = "agent" },
        });
        var refused = await (await agent.PostRawAsync("/api/v1/work", """{"project_id":"WEB","title":"Review me","type":"review"}""")).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("no agent reviews", refused.GetProperty("denied_by").Str("policy"));
        await acme.Owner.PostJsonAsync("/api/v1/work", new { project_id = "WEB", title = "Review me", type = "review" });

        // The agent's capabilities come from roles too: without the agent role's work:create it could not create at all.
        await acme.Owner.PostJsonAsync("/api/v1/policies", new { name = "agents read only", effect = "deny", actions = new[] { "work:create", "work:edit" }, conditions = new Dictionary<string, object> { ["principal.kind"] = new Dictionary<string, object> { ["$eq"] = "agent" } } });
        await (await agent.PostRawAsync("/api/v1/work", """{"project_id":"WEB","title":"Another"}""")).ProblemAsync(HttpStatusCode.Forbidden);

        // Claims move work: a policy on the agents' own role stops this one claiming at all.
        await acme.CreateWorkAsync("WEB", "Ready work", new { status = "ready" });
        await acme.Owner.PostJsonAsync("/api/v1/policies", new { name = "backend agents paused", effect = "deny", actions = new[] { "work:move" }, resources = new[] { "work:*" }, conditions = new Dictionary<string, object> { ["principal.agent_role"] = "backend" } });
        var claim = await (await agent.PostRawAsync("/api/v1/work/claim", "{}")).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("backend agents paused", claim.GetProperty("denied_by").Str("policy"));
        var (_, other, _) = await acme.CreateAgentAsync("writer", "content");
        Assert.Single((await other.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items").EnumerateArray());
    }

    [Theory, BothStores]
    public async Task An_expired_assignment_stops_working_at_its_expiry(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateProjectAsync("OPS");
        var item = await acme.CreateWorkAsync("OPS", "Ops item");
        var member = await acme.AddPersonAsync("reviewer");
        await (await member.Client.PatchRawAsync($"/api/v1/work/{item.Str("key")}", """{"title":"x"}""")).ProblemAsync(HttpStatusCode.Forbidden);

        var expires = app.Clock!.GetUtcNow().AddHours(1);
        var assignment = await acme.Owner.PostJsonAsync("/api/v1/role-assignments", new { role = "member", user_id = member.Id, project_id = "OPS", expires_at = expires });
        Assert.False(assignment.GetProperty("expired").GetBoolean());
        await member.Client.PatchJsonAsync($"/api/v1/work/{item.Str("key")}", new { title = "Ops item, edited" });

        app.Clock.Advance(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1));
        await member.Client.PatchJsonAsync($"/api/v1/work/{item.Str("key")}", new { title = "Ops item, edited twice" });
        app.Clock.Advance(TimeSpan.FromSeconds(1));
        var problem = await (await member.Client.PatchRawAsync($"/api/v1/work/{item.Str("key")}", """{"title":"x"}""")).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("work:edit", problem.Str("action"));
        Assert.True((await acme.Owner.GetJsonAsync($"/api/v1/role-assignments?user_id={member.Id}")).GetProperty("items")[0].GetProperty("expired").GetBoolean());

        // A guest whose only project role expired sees nothing of the tenant's projects.
        var guest = await InviteGuestAsync(acme, "WEB", "reviewer", "guest@client.test");
        var guestRole = (await acme.Owner.GetJsonAsync($"/api/v1/role-assignments?user_id={guest.Id}")).GetProperty("items")[0];
        await acme.Owner.SendRawAsync(HttpMethod.Delete, $"/api/v1/role-assignments/{guestRole.Str("id")}", null);
        await acme.Owner.PostJsonAsync("/api/v1/role-assignments", new { role = "reviewer", user_id = guest.Id, project_id = "WEB", expires_at = app.Clock.GetUtcNow().AddMinutes(5) });
        Assert.Single(await guest.Client.ListAllAsync("/api/v1/projects"));
        app.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(await guest.Client.ListAllAsync("/api/v1/projects"));
        Assert.Empty(await guest.Client.ListAllAsync("/api/v1/work"));
    }

    [Theory, BothStores]
    public async Task Roles_and_policies_are_checked_when_written_naming_the_path(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");

        var policy = await (await acme.Owner.PostRawAsync("/api/v1/policies", """
            {"name": "bad", "effect": "deny", "actions": ["work:fly", "work:*"], "resources": ["planet:*", "project:NOPE", "work:type=review"],
             "conditions": {"resource.status": {"$between": [1, 2]}, "user.department": {"$eq": "x"}, "resource.amount": {"$gt": "ten"},
                            "resource.labels": {"$in": []}, "context.ip": {"$in": ["not an ip"]}}}
            """)).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(policy.FieldErrors("actions[0]"));
        Assert.NotEmpty(policy.FieldErrors("resources[0]"));
        Assert.NotEmpty(policy.FieldErrors("resources[1]"));
        Assert.NotEmpty(policy.FieldErrors("conditions.resource.status.$between"));
        Assert.NotEmpty(policy.FieldErrors("conditions.user.department"));
        Assert.NotEmpty(policy.FieldErrors("conditions.resource.amount.$gt"));
        Assert.NotEmpty(policy.FieldErrors("conditions.resource.labels.$in"));
        Assert.NotEmpty(policy.FieldErrors("conditions.context.ip.$in"));
        Assert.Empty(await acme.Owner.GetJsonAsync("/api/v1/policies") is var all ? all.EnumerateArray().Where(p => !p.GetProperty("system").GetBoolean()) : []);

        var role = await (await acme.Owner.PostRawAsync("/api/v1/roles", """{"key": "owner", "capabilities": ["work:read", "time:travel"]}""")).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(role.FieldErrors("key"));
        Assert.NotEmpty(role.FieldErrors("capabilities[1]"));
        await (await acme.Owner.PatchRawAsync("/api/v1/roles/member", """{"capabilities": ["*"]}""")).ProblemAsync(HttpStatusCode.Conflict);

        var created = await acme.Owner.PostJsonAsync("/api/v1/roles", new { key = "triager", name = "Triager", capabilities = new[] { "work:read", "work:move", "work:assign" } });
        Assert.Equal(["work:read", "work:move", "work:assign"], created.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        var member = await acme.AddPersonAsync("member");
        await (await acme.Owner.PostRawAsync("/api/v1/role-assignments", $$"""{"role": "nope", "user_id": "{{member.Id}}"}""")).ProblemAsync(HttpStatusCode.BadRequest);
        await (await acme.Owner.PostRawAsync("/api/v1/role-assignments", $$"""{"role": "triager", "user_id": "{{member.Id}}", "expires_at": "2001-01-01T00:00:00Z"}""")).ProblemAsync(HttpStatusCode.BadRequest);
        await acme.Owner.PostJsonAsync("/api/v1/role-assignments", new { role = "triager", user_id = member.Id, project_id = "WEB" });
        await (await acme.Owner.SendRawAsync(HttpMethod.Delete, "/api/v1/roles/triager", null)).ProblemAsync(HttpStatusCode.Conflict);

        // Members may not manage roles or policies; the refusal says which role lacked what.
        var refused = await (await member.Client.PostRawAsync("/api/v1/roles", """{"key": "mine", "capabilities": ["*"]}""")).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("role:manage", refused.Str("action"));
        Assert.Contains("member", refused.GetProperty("denied_by").GetProperty("roles").ToString() + refused.GetProperty("denied_by").Str("reason"));

        var audit = await acme.Owner.ListAllAsync("/api/v1/audit?entity_type=role_assignment");
        Assert.Contains(audit, a => a.Str("action") == "role_assignment.created");
    }

    [Theory, BothStores]
    public async Task Explain_matches_the_real_decision_for_random_triples(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateProjectAsync("OPS");
        var items = new List<JsonElement>();
        foreach (var (project, type) in new[] { ("WEB", "task"), ("WEB", "review"), ("OPS", "task"), ("OPS", "bug") })
        {
            items.Add(await acme.CreateWorkAsync(project, $"{type} in {project}", new { type }));
        }

        var people = new List<TestPerson>();
        foreach (var role in new[] { "member", "reviewer", "admin", "member" })
        {
            people.Add(await acme.AddPersonAsync(role));
        }

        people.Add(await InviteGuestAsync(acme, "WEB", "member", "guest-member@client.test"));
        people.Add(await InviteGuestAsync(acme, "OPS", "reviewer", "guest-reviewer@client.test"));
        await acme.Owner.PatchJsonAsync($"/api/v1/users/{people[0].Id}", new { attributes = new { department = "engineering", level = 3 } });
        await acme.Owner.PatchJsonAsync($"/api/v1/users/{people[1].Id}", new { attributes = new { department = "sales", level = 5 } });
        await acme.Owner.PostJsonAsync("/api/v1/roles", new { key = "commenter", capabilities = new[] { "work:read", "work:comment" } });
        await acme.Owner.PostJsonAsync("/api/v1/role-assignments", new { role = "commenter", user_id = people[5].Id, project_id = "WEB" });
        foreach (var policy in new object[]
        {
            new { name = "sales do not edit", effect = "deny", actions = new[] { "work:edit" }, conditions = new Dictionary<string, object> { ["principal.department"] = "sales" } },
            new { name = "seniors comment anywhere", effect = "allow", actions = new[] { "work:comment" }, conditions = new Dictionary<string, object> { ["principal.level"] = new Dictionary<string, object> { ["$gte"] = 4 } } },
            new { name = "no one edits bugs", effect = "deny", actions = new[] { "work:edit" }, resources = new[] { "work:type=bug" }, conditions = new Dictionary<string, object> { ["principal.role"] = new Dictionary<string, object> { ["$ne"] = "admin" } } },
            new { name = "reviews open to engineering", effect = "allow", actions = new[] { "work:*" }, resources = new[] { "work:type=review" }, conditions = new Dictionary<string, object> { ["principal.department"] = new Dictionary<string, object> { ["$in"] = new[] { "engineering" } } } },
        })
        {
            await acme.Owner.PostJsonAsync("/api/v1/policies", policy);
        }

        // Each action is tried for real with a body the action refuses as invalid, so an allowed request answers 400
        // and changes nothing, and a refused one 403; an item the principal cannot see answers 404 and explain denies.
        var random = new Random(25);
        for (var i = 0; i < 1000; i++)
        {
            var person = people[random.Next(people.Count)];
            var item = items[random.Next(items.Count)];
            var action = random.Next(3) switch { 0 => "work:edit", 1 => "work:comment", _ => "work:create" };
            var explained = await acme.Owner.PostJsonAsync("/api/v1/permissions/explain", new
            {
                principal = $"user:{person.Id}", action,
                resource = action == "work:create" ? "work" : $"work:{item.Str("key")}",
                attributes = action == "work:create" ? new Dictionary<string, object> { ["project"] = item.Str("project_id"), ["type"] = item.Str("type") } : null,
            });
            var response = action switch
            {
                "work:edit" => await person.Client.PatchRawAsync($"/api/v1/work/{item.Str("key")}", $$"""{"title":"{{new string('x', 501)}}"}"""),
                "work:comment" => await person.Client.PostRawAsync($"/api/v1/work/{item.Str("key")}/comments", """{"body":""}"""),
                _ => await person.Client.PostRawAsync("/api/v1/work", $$"""{"project_id":"{{item.Str("project_id")}}","type":"{{item.Str("type")}}","title":""}"""),
            };
            var real = response.StatusCode switch
            {
                HttpStatusCode.BadRequest => "allow",
                HttpStatusCode.Forbidden or HttpStatusCode.NotFound => "deny",
                var other => $"unexpected {(int)other}: {await response.Content.ReadAsStringAsync()}",
            };
            if (response.StatusCode == HttpStatusCode.BadRequest && action == "work:create")
            {
                // An unseen project is "no such project": refused as invalid, but not allowed.
                var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                if (problem.GetProperty("errors").TryGetProperty("project_id", out _))
                {
                    real = "deny";
                }
            }

            Assert.True(explained.Str("result") == real,
                $"triple {i}: {person.Email} {action} {item.Str("key")}: explain said {explained.Str("result")} ({explained.Str("reason")}), the request said {real}");
        }
    }

    [Fact]
    public void System_roles_hold_exactly_the_rights_the_fixed_roles_had()
    {
        // The four fixed roles before roles could be defined: owners and admins everything; members edit work and
        // comment; reviewers comment and decide approvals; agents and rules edit work and comment.
        string[] memberWork = ["work:read", "work:create", "work:edit", "work:move", "work:assign", "work:comment", "template:manage", "cost:read"];
        var expected = new Dictionary<string, string[]>
        {
            ["owner"] = [.. Capabilities.All.Select(e => e.Name)],
            ["admin"] = [.. Capabilities.All.Select(e => e.Name)],
            ["member"] = memberWork,
            ["agent"] = memberWork,
            ["reviewer"] = ["work:read", "work:comment", "approval:decide", "cost:read"],
        };
        foreach (var (role, names) in expected)
        {
            Assert.Equal(names.Order(), Capabilities.OfSystemRole(role).Order());
        }
    }
}
