using System.Net;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Tests.Web;

/// An owner keeps the vault on its page: every secret by name with its bindings and reads, never a value.
public sealed class SecretsPageTests
{
    private const string Value = "ghp_page-value-9d41-NEVER-ON-THE-PAGE";

    [Theory, BothStores]
    public async Task The_page_lists_secrets_bindings_and_reads_and_never_a_value(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.Owner.PostJsonAsync("/api/v1/secrets", new { name = "GITHUB_TOKEN", value = Value, description = "pushes branches" });
        await acme.Owner.PostJsonAsync("/api/v1/secrets/GITHUB_TOKEN/bindings", new { subject = "role:backend" });
        var (_, agent, _) = await acme.CreateAgentAsync("coder", "backend");
        await acme.CreateWorkAsync("WEB", "Push the branch", new { status = "ready" });
        var run = (await agent.PostJsonAsync("/api/v1/work/claim", new { project = "WEB" })).GetProperty("items")[0].GetProperty("run").Str("run_id");
        Assert.Equal(Value, (await agent.GetJsonAsync($"/api/v1/runs/{run}/secrets/GITHUB_TOKEN")).Str("value"));

        using var web = new WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password);
        var page = await web.GetAsync("/secrets");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("data-secret=\"GITHUB_TOKEN\"", page.Html);
        Assert.Contains("pushes branches", page.Html);
        Assert.Contains("role:backend", page.Html);
        Assert.Contains(run, page.Html);
        Assert.DoesNotContain(Value, page.Html);

        // A form that fails comes back with the field named and its password box empty.
        var second = Value + "-second";
        var refused = await web.PostAsync("/secrets", new Dictionary<string, string> { ["name"] = "1 bad", ["type"] = "api_key", ["value"] = second });
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.NotNull(refused.FieldError("new-name"));
        Assert.DoesNotContain(second, refused.Html);

        var stored = await web.PostAsync("/secrets", new Dictionary<string, string> { ["name"] = "NPM_TOKEN", ["type"] = "api_key", ["value"] = second });
        Assert.Equal(HttpStatusCode.SeeOther, stored.Status);
        var after = await web.GetAsync("/secrets");
        Assert.Contains("data-secret=\"NPM_TOKEN\"", after.Html);
        Assert.DoesNotContain(second, after.Html);
        Assert.DoesNotContain(Value, after.Html);

        // Another tenant's owner sees none of it.
        var globex = await app.CreateTenantAsync();
        await globex.SetOwnerPasswordAsync();
        using var stranger = new WebClient(app);
        await stranger.SignInAsync("owner@example.test", WebTestTenants.Password, globex.Slug);
        var theirs = await stranger.GetAsync("/secrets");
        Assert.Contains("data-testid=\"no-secrets\"", theirs.Html);
        Assert.DoesNotContain("data-secret=\"GITHUB_TOKEN\"", theirs.Html);
        Assert.DoesNotContain(run, theirs.Html);
    }
}

/// The same in a real browser: a secret stored over the API shows by name and its value is nowhere in the page.
[Trait(TestCategory.Key, TestCategory.Browser)]
public sealed class SecretsPageBrowserTests
{
    private const string Value = "sk-browser-value-51c7-NEVER-ON-THE-PAGE";

    [Fact]
    public async Task A_secret_stored_over_the_api_shows_by_name_and_its_value_never_reaches_the_page()
    {
        await using var app = await BosunTestApp.StartOnAsync(await TestDatabases.CreateAsync(StoreKind.Sqlite), realServer: true);
        var acme = await app.CreateTenantAsync("acme");
        await acme.SetOwnerPasswordAsync();
        await acme.Owner.PostJsonAsync("/api/v1/secrets", new { name = "DEPLOY_KEY", value = Value, description = "deploys the site" });

        await using var browser = await Browser.LaunchAsync(app.Url);
        var page = browser.Page;
        await page.GotoAsync("/");
        await browser.SignInAsync("owner@example.test", WebTestTenants.Password);
        await page.GetByRole(AriaRole.Link, new() { Name = "Secrets" }).ClickAsync();
        await Expect(page.Locator("article[data-secret=DEPLOY_KEY] h2")).ToHaveTextAsync("DEPLOY_KEY");
        Assert.DoesNotContain(Value, await page.ContentAsync());

        // Stored from the page: typed into a password box, never shown back.
        var typed = Value + "-typed";
        await page.GetByLabel("Name (e.g. GITHUB_TOKEN)").FillAsync("NPM_TOKEN");
        await page.GetByLabel("Value", new() { Exact = true }).FillAsync(typed);
        await page.GetByRole(AriaRole.Button, new() { Name = "Store secret" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Stored secret NPM_TOKEN");
        await Expect(page.Locator("article[data-secret=NPM_TOKEN] h2")).ToHaveTextAsync("NPM_TOKEN");
        await browser.ScreenshotAsync("secrets-01-page");
        var html = await page.ContentAsync();
        Assert.DoesNotContain(Value, html);
        Assert.DoesNotContain(typed, html);
    }
}
