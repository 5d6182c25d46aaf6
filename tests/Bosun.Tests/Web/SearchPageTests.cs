using System.Text.RegularExpressions;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Tests.Web;

/// The search box at the top of every page, in a real browser: results best first with the words marked, markup in
/// someone's text shown as text, a filter by kind, a query without words explained, and nothing of another tenant.
[Trait(TestCategory.Key, TestCategory.Browser)]
public sealed class SearchPageTests
{
    [Theory, BothStores]
    public async Task The_search_box_finds_items_and_comments_marks_the_words_and_shows_only_the_tenants_own(StoreKind store)
    {
        await using var app = await BosunTestApp.StartOnAsync(await TestDatabases.CreateAsync(store), realServer: true);
        var acme = await app.CreateTenantAsync("acme");
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("WEB", "Website");
        var item = await acme.CreateWorkAsync("WEB", "Refund flow for annual plans");
        await acme.Owner.PostJsonAsync($"/api/v1/work/{item.Str("id")}/comments", new { body = "The refund <b>must</b> reach the card within 5 days." });
        var globex = await app.CreateTenantAsync("globex");
        await globex.CreateProjectAsync("WEB");
        await globex.CreateWorkAsync("WEB", "Globex refund secrets");
        var shot = store.ToString().ToLowerInvariant();

        await using var browser = await Browser.LaunchAsync(app.Url);
        var page = browser.Page;
        await browser.SignInAsync("owner@example.test", WebTestTenants.Password);
        await Expect(page).ToHaveURLAsync(new Regex("/board$"));
        var box = page.GetByRole(AriaRole.Searchbox, new() { Name = "Search everything" });
        await box.FillAsync("refund");
        await box.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex("/search\\?q=refund$"));

        var hits = page.Locator("li.search-hit");
        await Expect(hits).ToHaveCountAsync(2);
        await Expect(hits.First).ToHaveAttributeAsync("data-kind", "work_item");
        await Expect(hits.First.Locator("mark")).ToHaveTextAsync("Refund");
        var comment = page.Locator("li.search-hit[data-kind='comment']");
        await Expect(comment.Locator("mark")).ToHaveTextAsync("refund");
        await Expect(comment.Locator(".snippet")).ToContainTextAsync("<b>must</b>");
        await Expect(comment.Locator(".snippet b")).ToHaveCountAsync(0);
        await Expect(page.Locator("main")).Not.ToContainTextAsync("Globex");
        await browser.ScreenshotAsync($"{shot}-search");

        await page.GetByLabel("Kind").SelectOptionAsync("comment");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Expect(hits).ToHaveCountAsync(1);
        await comment.Locator("a").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/work/{item.Str("key")}$"));

        await page.GotoAsync("/search?q=-refund");
        await Expect(page.Locator("main .notice.error")).ToContainTextAsync("must contain a word");
    }
}
