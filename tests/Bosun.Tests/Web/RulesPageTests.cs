using System.Text.RegularExpressions;
using Bosun.Core.Data;
using Bosun.Tests.Automation;
using Bosun.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Tests.Web;

/// The rules page in a real browser: a rule made over the API acts on an event and the page shows what it did;
/// a person of another tenant sees none of it.
[Trait(TestCategory.Key, TestCategory.Browser)]
public sealed class RulesPageTests
{
    [Theory, BothStores]
    public async Task The_rules_page_shows_a_rule_and_what_it_did_and_only_to_its_tenant(StoreKind store)
    {
        await using var app = await BosunTestApp.StartOnAsync(await TestDatabases.CreateAsync(store), realServer: true);
        var acme = await app.CreateTenantAsync("acme");
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("WEB", "Website");
        var rule = await acme.Owner.PostJsonAsync("/api/v1/rules", new
        {
            name = "Follow up requests", @event = "work_item.created", when = new { item_type = "request" },
            actions = new object[] { new { type = "create_item", project = "WEB", title = "Follow up {{item.key}}" } },
        });
        await acme.CreateWorkAsync("WEB", "A request", new { type = "request" });
        await RuleTests.RunRulesAsync(app);
        var shot = store.ToString().ToLowerInvariant();

        await using var browser = await Browser.LaunchAsync(app.Url);
        var page = browser.Page;
        await browser.SignInAsync("owner@example.test", WebTestTenants.Password);
        await Expect(page).ToHaveURLAsync(new Regex("/board$"));
        await page.GetByRole(AriaRole.Link, new() { Name = "Rules" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/rules$"));
        var article = page.Locator($"article[data-rule='{rule.Str("id")}']");
        await Expect(article).ToContainTextAsync("Follow up requests");
        await Expect(article).ToContainTextAsync("work_item.created");
        await Expect(article).ToContainTextAsync("enabled");
        await Expect(article.Locator("ol.steps")).ToContainTextAsync("create_item");
        var row = article.Locator("table.rule-actions tbody tr");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync("create_item");
        await Expect(row).ToContainTextAsync("done");
        await Expect(row).ToContainTextAsync("WEB-2");
        await browser.ScreenshotAsync($"{shot}-rules");

        await acme.Owner.PostJsonAsync($"/api/v1/rules/{rule.Str("id")}/disable", new { });
        await page.ReloadAsync();
        await Expect(article.Locator(".goal-head .status")).ToHaveTextAsync("disabled");

        var globex = await app.CreateTenantAsync("globex");
        await globex.SetOwnerPasswordAsync("globex password");
        await using var other = await Browser.LaunchAsync(app.Url);
        await other.SignInAsync("owner@example.test", "globex password", tenant: "globex");
        await Expect(other.Page).ToHaveURLAsync(new Regex("/board$"));
        await other.Page.GotoAsync("/rules");
        await Expect(other.Page.Locator("main")).ToContainTextAsync("No rules yet.");
        await Expect(other.Page.Locator("main")).Not.ToContainTextAsync("Follow up requests");
    }
}
