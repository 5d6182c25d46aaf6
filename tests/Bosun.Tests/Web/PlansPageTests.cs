using System.Net;
using System.Text.RegularExpressions;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Web;

public sealed class PlansPageTests
{
    [Theory, BothStores]
    public async Task A_reviewer_reads_a_plans_versions_side_by_side_and_approves_the_one_that_waits(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("WEB");
        var ticket = await acme.CreateWorkAsync("WEB", "Launch the pricing page", new { type = "ticket" });
        var plan = await acme.Owner.PostJsonAsync("/api/v1/plans", new
        {
            project = "WEB", kind = "execution_plan", title = "Pricing page launch", work_item = ticket.Str("key"),
            body = "## First try\n\nShip **fast**. <script>alert(1)</script> [click](javascript:alert(1)) [docs](https://example.test/docs)",
            steps = new[] { new { key = "build", title = "Build the page" } },
        });
        var id = plan.Str("id");
        var first = (await acme.Owner.PostJsonAsync($"/api/v1/plans/{id}/submit", new { })).GetProperty("versions")[0].Str("approval_id");
        await acme.Owner.PostJsonAsync($"/api/v1/approvals/{first}/reject", new { note = "Test it before launch." });
        await acme.Owner.PostJsonAsync($"/api/v1/plans/{id}/versions", new
        {
            body = "## Second try\n\nBuild, then test.",
            steps = new object[] { new { key = "build", title = "Build the page" }, new { key = "qa", title = "Test the page", after = new[] { "build" } } },
        });
        await acme.Owner.PostJsonAsync($"/api/v1/plans/{id}/submit", new { });
        using var web = new WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password);

        var list = await web.GetAsync("/plans?project=WEB");
        Assert.Contains($"href=\"/plans/{id}\"", list.Html);
        Assert.Contains("awaiting approval", list.Html);

        var page = await web.GetAsync($"/plans/{id}");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        var versions = Regex.Matches(page.Html, "data-version=\"(\\d+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["1", "2"], versions);
        Assert.Contains("<h2>First try</h2>", page.Html);
        Assert.Contains("<strong>fast</strong>", page.Html);
        Assert.Contains("<h2>Second try</h2>", page.Html);
        Assert.DoesNotContain("<script>alert", page.Html);
        Assert.DoesNotContain("javascript:", page.Html);
        Assert.Contains("href=\"https://example.test/docs\"", page.Html);
        Assert.Contains("Test it before launch.", page.Html);
        Assert.Single(Regex.Matches(page.Html, "/decide\""));
        Assert.Contains($"action=\"/plans/{id}/versions/2/decide\"", page.Html);

        var noNote = await web.PostAsync($"/plans/{id}/versions/2/decide", new Dictionary<string, string> { ["verdict"] = "reject" });
        Assert.Equal(HttpStatusCode.BadRequest, noNote.Status);
        Assert.Equal("is required", noNote.FieldError("v2-note"));

        await web.GetAsync($"/plans/{id}");
        var approved = await web.PostAsync($"/plans/{id}/versions/2/decide", new Dictionary<string, string> { ["verdict"] = "approve", ["note"] = "" });
        Assert.Equal(HttpStatusCode.SeeOther, approved.Status);
        Assert.Equal($"/plans/{id}", approved.Location);
        var after = await web.GetAsync($"/plans/{id}");
        Assert.Contains("Approved version 2", after.Html);
        Assert.Contains("data-testid=\"plan-status\">active<", after.Html);
        Assert.Contains("href=\"/work/WEB-2\"", after.Html);
        Assert.Contains("href=\"/work/WEB-3\"", after.Html);
        Assert.DoesNotContain("/decide\"", after.Html);
        Assert.Equal(2, (await acme.Owner.ListAllAsync($"/api/v1/work?parent={ticket.Str("id")}")).Count);

        // A released ticket's page leads back to the plan that made it.
        var released = await web.GetAsync("/work/WEB-2");
        Assert.Contains($"href=\"/plans/{id}\"", released.Html);
    }
}
