using System.Net;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Tests.Web;

/// A lead sets the project's quality gate in the browser and sees on the card which checks held it back.
public sealed class PolicyPageTests
{
    [Theory, BothStores]
    public async Task A_lead_sets_the_policy_on_its_page_and_the_card_shows_its_latest_checks(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("MAP", "Story map");
        await acme.CreateWorkAsync("MAP", "Checkout card", new { status = "ready" });
        using var web = new WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password);

        Assert.Contains("href=\"/projects/MAP/policy\"", (await web.GetAsync("/board?project=MAP")).Html);
        Assert.Contains("Not set yet", (await web.GetAsync("/projects/MAP/policy")).Html);

        var refused = await web.PostAsync("/projects/MAP/policy", new Dictionary<string, string>
        {
            ["required_checks"] = "tests\nTESTS", ["allowed_paths"] = "", ["on_failure"] = "block",
        });
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.StartsWith("line 2:", refused.FieldError("policy-required_checks"));
        Assert.Equal(0, (await acme.Owner.GetJsonAsync("/api/v1/projects/MAP/policy")).GetProperty("required_checks").GetArrayLength());

        var saved = await web.PostAsync("/projects/MAP/policy", new Dictionary<string, string>
        {
            ["required_checks"] = "tests\r\n\r\nlint\r\n", ["allowed_paths"] = "src/**", ["on_failure"] = "approval",
        });
        Assert.Equal(HttpStatusCode.SeeOther, saved.Status);
        var policy = await acme.Owner.GetJsonAsync("/api/v1/projects/MAP/policy");
        Assert.Equal(["tests", "lint"], policy.GetProperty("required_checks").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(["src/**"], policy.GetProperty("allowed_paths").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("approval", policy.Str("on_failure"));

        var (_, agent, _) = await acme.CreateAgentAsync("coder");
        var run = (await agent.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0].GetProperty("run");
        await agent.PostJsonAsync($"/api/v1/runs/{run.Str("run_id")}/complete", new
        {
            lease_token = run.Str("lease_token"),
            artifacts = new
            {
                checks = new object[]
                {
                    new { name = "tests", status = "passed", url = "javascript:alert(1)" },
                    new { name = "lint", status = "failed", url = "https://ci.example.test/lint/7", summary = "3 errors in checkout.ts" },
                },
            },
        });

        var card = await web.GetAsync("/work/MAP-1");
        Assert.Contains("id=\"checks-h\"", card.Html);
        Assert.Contains("<a href=\"https://ci.example.test/lint/7\" rel=\"noopener noreferrer nofollow\">lint</a>", card.Html);
        Assert.Contains("status check-failed", card.Html);
        Assert.Contains("3 errors in checkout.ts", card.Html);
        Assert.DoesNotContain("href=\"javascript:", card.Html);

        var page = await web.GetAsync("/projects/MAP/policy");
        Assert.Contains("href=\"/work/MAP-1\"", page.Html);
        Assert.Contains("3 errors in checkout.ts", page.Html);
        Assert.Contains("Last changed", page.Html);
    }

    [Theory, BothStores]
    public async Task Another_tenants_policy_page_is_not_found(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var project = await acme.CreateProjectAsync("MAP");
        var globex = await app.CreateTenantAsync();
        await globex.SetOwnerPasswordAsync();
        using var web = new WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password, globex.Slug);

        Assert.Equal(HttpStatusCode.NotFound, (await web.GetAsync($"/projects/{project.Str("id")}/policy")).Status);
        await web.GetAsync("/board");
        var posted = await web.PostAsync($"/projects/{project.Str("id")}/policy", new Dictionary<string, string> { ["required_checks"] = "", ["on_failure"] = "block" });
        Assert.Equal(HttpStatusCode.NotFound, posted.Status);
        Assert.Equal(JsonValueKind.Null, (await acme.Owner.GetJsonAsync("/api/v1/projects/MAP/policy")).GetProperty("updated_at").ValueKind);
    }
}

/// The same in a real browser, with screenshots of the policy page and of a card its checks held back.
[Trait(TestCategory.Key, TestCategory.Browser)]
public sealed class PolicyPageBrowserTests
{
    [Fact]
    public async Task A_lead_requires_checks_from_the_board_and_sees_them_on_the_blocked_card()
    {
        await using var app = await BosunTestApp.StartOnAsync(await TestDatabases.CreateAsync(StoreKind.Sqlite), realServer: true);
        var acme = await app.CreateTenantAsync("acme");
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("MAP", "Story map");
        await acme.CreateWorkAsync("MAP", "Checkout card: pay with a saved card", new { status = "ready", type = "card" });
        var (_, coder, _) = await acme.CreateAgentAsync("coder");

        await using var browser = await Browser.LaunchAsync(app.Url);
        var page = browser.Page;
        await page.GotoAsync("/");
        await browser.SignInAsync("owner@example.test", WebTestTenants.Password);
        await page.GetByRole(AriaRole.Link, new() { Name = "Policy" }).ClickAsync();
        await page.GetByLabel("Required checks, one a line (e.g. tests)").FillAsync("tests\nlint");
        await page.GetByLabel("Allowed paths, one pattern a line (e.g. src/**); none allows any path").FillAsync("src/**");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save policy" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Saved the MAP policy");

        var run = (await coder.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0].GetProperty("run");
        await coder.PostJsonAsync($"/api/v1/runs/{run.Str("run_id")}/complete", new
        {
            lease_token = run.Str("lease_token"),
            artifacts = new
            {
                checks = new object[]
                {
                    new { name = "tests", status = "passed", url = "https://ci.example.test/tests/7" },
                    new { name = "lint", status = "failed", url = "https://ci.example.test/lint/7", summary = "3 errors in checkout.ts" },
                },
                changed_paths = new[] { "src/checkout/pay.ts" },
            },
        });
        await page.ReloadAsync();
        await browser.ScreenshotAsync("policy-01-page");

        await page.GetByRole(AriaRole.Link, new() { Name = "MAP-1" }).ClickAsync();
        await Expect(page.GetByTestId("status")).ToHaveTextAsync("Blocked");
        await Expect(page.Locator("tr[data-check=lint]")).ToContainTextAsync("failed");
        await browser.ScreenshotAsync("policy-02-blocked-card");
    }
}
