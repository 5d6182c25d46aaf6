using System.Net;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Identity;

public sealed class PeopleTests
{
    [Theory, BothStores]
    public async Task An_invitee_accepts_anonymously_and_gets_a_working_token(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();

        var issued = await acme.Owner.PostJsonAsync("/api/v1/invitations", new { email = "Grace@Acme.test", role = "admin" });
        var invitation = issued.GetProperty("invitation");
        Assert.Equal("grace@acme.test", invitation.Str("email"));
        Assert.Equal("pending", invitation.Str("status"));
        Assert.Equal(app.Clock!.GetUtcNow().UtcDateTime.AddDays(7), invitation.GetProperty("expires_at").GetDateTime());
        Assert.Equal($"/invite/{issued.Str("token")}", issued.Str("accept_path"));

        var accepted = await app.Anonymous().PostJsonAsync("/api/v1/invitations/accept",
            new { token = issued.Str("token"), name = "Grace Hopper", password = "a long enough secret" });
        var user = accepted.GetProperty("user");
        Assert.Equal("admin", user.Str("role"));
        Assert.True(user.GetProperty("has_password").GetBoolean());

        var grace = app.ClientFor(accepted.GetProperty("token").Str("token"));
        var me = await grace.GetJsonAsync("/api/v1/users/me");
        Assert.Equal(user.Str("id"), me.Str("id"));
        Assert.Equal(acme.Id, (await grace.GetJsonAsync("/api/v1/tenant")).Str("id"));
        var listed = Assert.Single(await acme.Owner.ListAllAsync("/api/v1/invitations"));
        Assert.Equal("accepted", listed.Str("status"));
        Assert.Equal(user.Str("id"), listed.Str("accepted_user_id"));

        var again = await app.Anonymous().PostRawAsync("/api/v1/invitations/accept", $$"""{"token":"{{issued.Str("token")}}","name":"Twice"}""");
        await again.ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(2, (await acme.Owner.ListAllAsync("/api/v1/users")).Count);
    }

    [Theory, BothStores]
    public async Task An_invitation_expires_after_seven_days(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        var late = await acme.Owner.PostJsonAsync("/api/v1/invitations", new { email = "late@acme.test" });
        var onTime = await acme.Owner.PostJsonAsync("/api/v1/invitations", new { email = "ontime@acme.test" });

        app.Clock!.Advance(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        var accepted = await app.Anonymous().PostRawAsync("/api/v1/invitations/accept", $$"""{"token":"{{onTime.Str("token")}}","name":"On Time"}""");
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);

        app.Clock.Advance(TimeSpan.FromSeconds(1));
        var expired = await app.Anonymous().PostRawAsync("/api/v1/invitations/accept", $$"""{"token":"{{late.Str("token")}}","name":"Late"}""");
        await expired.ProblemAsync(HttpStatusCode.NotFound);
        var statuses = (await acme.Owner.ListAllAsync("/api/v1/invitations")).ToDictionary(i => i.Str("email"), i => i.Str("status"));
        Assert.Equal("expired", statuses["late@acme.test"]);
        Assert.Equal("accepted", statuses["ontime@acme.test"]);
        Assert.DoesNotContain(await acme.Owner.ListAllAsync("/api/v1/users"), u => u.Str("email") == "late@acme.test");
    }

    [Theory, BothStores]
    public async Task A_revoked_invitation_cannot_be_accepted(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var issued = await acme.Owner.PostJsonAsync("/api/v1/invitations", new { email = "nope@acme.test" });

        var revoked = await acme.Owner.PostJsonAsync($"/api/v1/invitations/{issued.GetProperty("invitation").Str("id")}/revoke", new { });
        Assert.Equal("revoked", revoked.Str("status"));

        var accept = await app.Anonymous().PostRawAsync("/api/v1/invitations/accept", $$"""{"token":"{{issued.Str("token")}}","name":"Nope"}""");
        await accept.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory, BothStores]
    public async Task Invitations_are_validated(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();

        var badEmail = await acme.Owner.PostRawAsync("/api/v1/invitations", """{"email":"not-an-email"}""");
        Assert.NotEmpty((await badEmail.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("email"));
        var existing = await acme.Owner.PostRawAsync("/api/v1/invitations", """{"email":"owner@example.test"}""");
        Assert.NotEmpty((await existing.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("email"));
        var badRole = await acme.Owner.PostRawAsync("/api/v1/invitations", """{"email":"x@acme.test","role":"emperor"}""");
        Assert.Contains("owner, admin, member, reviewer", (await badRole.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("role")[0]);
        var shortPassword = await app.Anonymous().PostRawAsync("/api/v1/invitations/accept", """{"token":"x","name":"X","password":"short"}""");
        Assert.NotEmpty((await shortPassword.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("password"));
        var noName = await app.Anonymous().PostRawAsync("/api/v1/invitations/accept", """{"token":"x"}""");
        Assert.NotEmpty((await noName.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("name"));
        Assert.Empty(await acme.Owner.ListAllAsync("/api/v1/invitations"));
    }

    [Theory, BothStores]
    public async Task Members_and_reviewers_have_only_their_permissions(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Existing");
        var member = await acme.AddPersonAsync("member");
        var reviewer = await acme.AddPersonAsync("reviewer");

        var forbidden = new (HttpClient Client, HttpMethod Method, string Url, object? Body)[]
        {
            (member.Client, HttpMethod.Post, "/api/v1/invitations", new { email = "friend@acme.test" }),
            (member.Client, HttpMethod.Get, "/api/v1/invitations", null),
            (member.Client, HttpMethod.Post, "/api/v1/agents", new { name = "bot", role = "backend" }),
            (member.Client, HttpMethod.Patch, "/api/v1/tenant", new { name = "Mine now" }),
            (member.Client, HttpMethod.Patch, $"/api/v1/users/{member.Id}", new { role = "admin" }),
            (member.Client, HttpMethod.Post, $"/api/v1/users/{reviewer.Id}/deactivate", null),
            (member.Client, HttpMethod.Get, "/api/v1/audit", null),
            (reviewer.Client, HttpMethod.Post, "/api/v1/work", new { project_id = "WEB", title = "Sneaky" }),
            (reviewer.Client, HttpMethod.Patch, $"/api/v1/work/{item.Str("id")}", new { title = "Changed" }),
            (reviewer.Client, HttpMethod.Post, "/api/v1/projects", new { key = "REV", name = "Reviewer project" }),
            (reviewer.Client, HttpMethod.Post, "/api/v1/goals", new { title = "Reviewer goal" }),
        };
        foreach (var (client, method, url, body) in forbidden)
        {
            var response = await client.SendJsonAsync(method, url, body);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.Equal("/problems/forbidden", (await response.ProblemAsync(HttpStatusCode.Forbidden)).Str("type"));
        }

        Assert.Equal("Existing", (await acme.Owner.GetJsonAsync($"/api/v1/work/{item.Str("id")}")).Str("title"));
        Assert.Single(await acme.Owner.ListAllAsync("/api/v1/work"));
        Assert.Single(await acme.Owner.ListAllAsync("/api/v1/projects"));

        var comment = await reviewer.Client.PostJsonAsync($"/api/v1/work/{item.Str("id")}/comments", new { body = "Looks risky" });
        Assert.Equal($"user:{reviewer.Id}", comment.Str("author"));
        var created = await member.Client.PostJsonAsync("/api/v1/work", new { project_id = "WEB", title = "Member work" });
        Assert.Equal($"user:{member.Id}", created.Str("created_by"));
        var renamed = await member.Client.PatchJsonAsync($"/api/v1/users/{member.Id}", new { name = "New Name" });
        Assert.Equal("New Name", renamed.Str("name"));
    }

    [Theory, BothStores]
    public async Task Only_an_owner_makes_an_owner_and_the_last_owner_stays(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var admin = await acme.AddPersonAsync("admin");
        var member = await acme.AddPersonAsync("member");

        var byAdmin = await admin.Client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/users/{member.Id}", new { role = "owner" });
        await byAdmin.ProblemAsync(HttpStatusCode.Forbidden);
        var adminSelf = await admin.Client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/users/{admin.Id}", new { role = "owner" });
        await adminSelf.ProblemAsync(HttpStatusCode.Forbidden);
        var adminDemotesOwner = await admin.Client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/users/{acme.OwnerId}", new { role = "member" });
        await adminDemotesOwner.ProblemAsync(HttpStatusCode.Forbidden);
        var adminInvitesOwner = await admin.Client.SendJsonAsync(HttpMethod.Post, "/api/v1/invitations", new { email = "boss@acme.test", role = "owner" });
        await adminInvitesOwner.ProblemAsync(HttpStatusCode.Forbidden);
        var adminDeactivatesOwner = await admin.Client.SendJsonAsync(HttpMethod.Post, $"/api/v1/users/{acme.OwnerId}/deactivate", null);
        await adminDeactivatesOwner.ProblemAsync(HttpStatusCode.Forbidden);

        var lastOwner = await acme.Owner.SendJsonAsync(HttpMethod.Patch, $"/api/v1/users/{acme.OwnerId}", new { role = "admin" });
        Assert.Contains("at least one active owner", (await lastOwner.ProblemAsync(HttpStatusCode.Conflict)).Str("detail"));
        var lastOwnerLeaves = await acme.Owner.SendJsonAsync(HttpMethod.Post, $"/api/v1/users/{acme.OwnerId}/deactivate", null);
        await lastOwnerLeaves.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("owner", (await acme.Owner.GetJsonAsync($"/api/v1/users/{acme.OwnerId}")).Str("role"));

        var promoted = await acme.Owner.PatchJsonAsync($"/api/v1/users/{admin.Id}", new { role = "owner" });
        Assert.Equal("owner", promoted.Str("role"));
        var stepDown = await acme.Owner.PatchJsonAsync($"/api/v1/users/{acme.OwnerId}", new { role = "member" });
        Assert.Equal("member", stepDown.Str("role"));
        var owners = await admin.Client.ListAllAsync("/api/v1/users?role=owner");
        Assert.Equal([admin.Id], owners.Select(o => o.Str("id")));
    }

    [Theory, BothStores]
    public async Task A_deactivated_person_is_locked_out_until_reactivated(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var member = await acme.AddPersonAsync("member");
        Assert.Equal(HttpStatusCode.OK, (await member.Client.GetAsync("/api/v1/users/me")).StatusCode);

        var deactivated = await acme.Owner.PostJsonAsync($"/api/v1/users/{member.Id}/deactivate", new { });
        Assert.Equal("deactivated", deactivated.Str("status"));
        await (await member.Client.GetAsync("/api/v1/users/me")).ProblemAsync(HttpStatusCode.Unauthorized);
        await (await member.Client.PostRawAsync("/api/v1/tokens", """{"name":"sneaky"}""")).ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal([member.Id], (await acme.Owner.ListAllAsync("/api/v1/users?status=deactivated")).Select(u => u.Str("id")));

        await acme.Owner.PostJsonAsync($"/api/v1/users/{member.Id}/reactivate", new { });
        Assert.Equal(HttpStatusCode.OK, (await member.Client.GetAsync("/api/v1/users/me")).StatusCode);
    }
}
