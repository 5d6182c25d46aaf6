using System.Net;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Web;

/// The roles page lists people with their project roles, the policies page explains a decision, and a guest's pages show
/// only the project they were invited to.
public sealed class AccessPagesTests
{
    [Theory, BothStores]
    public async Task Owners_see_scoped_roles_and_explain_a_decision_and_a_guest_sees_one_project(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateProjectAsync("OPS");
        await acme.CreateWorkAsync("WEB", "Client homepage");
        await acme.CreateWorkAsync("OPS", "Internal runbook");
        var invitation = await acme.Owner.PostJsonAsync("/api/v1/invitations", new { email = "ana@client.test", role = "guest", project_id = "WEB", project_role = "reviewer" });
        await app.Anonymous().PostJsonAsync("/api/v1/invitations/accept", new { token = invitation.Str("token"), name = "Ana", password = WebTestTenants.Password });

        using var owner = new WebClient(app);
        await owner.SignInAsync("owner@example.test", WebTestTenants.Password);
        var roles = await owner.GetAsync("/roles");
        Assert.Equal(HttpStatusCode.OK, roles.Status);
        Assert.Contains("data-role=\"reviewer\"", roles.Html);
        Assert.Matches("data-person=\"ana@client.test\">.*?<td>guest</td>.*?reviewer in project", roles.Html.Replace("\n", " "));

        var bad = await owner.PostAsync("/policies", new Dictionary<string, string>
        {
            ["name"] = "bad", ["effect"] = "deny", ["actions"] = "work:fly", ["resources"] = "", ["conditions"] = "{\"resource.status\": {\"$in\": \"x\"}}",
        });
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Contains("actions[0]", bad.Html);
        var written = await owner.PostAsync("/policies", new Dictionary<string, string>
        {
            ["name"] = "guests never edit", ["effect"] = "deny", ["actions"] = "work:edit", ["resources"] = "project:WEB", ["conditions"] = "{\"principal.role\": \"guest\"}",
        });
        Assert.Equal(HttpStatusCode.SeeOther, written.Status);
        var explained = await owner.GetAsync("/policies?principal=ana%40client.test&action=work%3Aedit&resource=work%3AWEB-1");
        Assert.Contains("data-result=\"deny\"", explained.Html);
        Assert.Contains("guests never edit", explained.Html);

        using var guest = new WebClient(app);
        await guest.SignInAsync("ana@client.test", WebTestTenants.Password, acme.Slug);
        var board = await guest.GetAsync("/board");
        Assert.Contains("Client homepage", board.Html);
        Assert.DoesNotContain("Internal runbook", board.Html);
        Assert.DoesNotContain("OPS", (await guest.GetAsync("/search?q=runbook")).Html.Split("<main")[1]);
        Assert.Equal(HttpStatusCode.NotFound, (await guest.GetAsync("/work/OPS-1")).Status);
    }
}
