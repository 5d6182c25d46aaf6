using System.Text.RegularExpressions;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Tests.Web;

/// The web UI in a real browser against a real Kestrel port: a person signs in, creates work on the board,
/// watches an agent (driven through the API) take and finish it, approves it from the inbox and sees what
/// it cost; a person of another tenant sees none of it. Screenshots of every page land in TestResults/screenshots.
[Trait(TestCategory.Key, TestCategory.Browser)]
public sealed class BrowserTests
{
    [Theory, BothStores]
    public async Task Work_goes_from_the_board_through_an_agent_to_approval_and_its_cost_shows(StoreKind store)
    {
        await using var app = await BosunTestApp.StartOnAsync(await TestDatabases.CreateAsync(store), realServer: true);
        var acme = await app.CreateTenantAsync("acme");
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("WEB", "Website");
        var (_, coder, _) = await acme.CreateAgentAsync("coder", "backend", new { model = "claude-sonnet-4-5" });
        var signups = await acme.CreateGoalAsync(new { title = "Sign-ups per week", metric_name = "sign-ups", baseline = 100, target = 500, current_value = 260 });
        await acme.Owner.PostJsonAsync("/api/v1/budgets", new { name = "Website monthly", scope = "project", scope_id = "WEB", amount_usd = 5, warn_percent = 50, action = "stop" });
        var shot = store.ToString().ToLowerInvariant();

        await using var browser = await Browser.LaunchAsync(app.Url);
        var page = browser.Page;

        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new Regex("/signin"));
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to content", await page.EvaluateAsync<string>("document.activeElement.textContent"));
        await browser.ScreenshotAsync($"{shot}-01-signin");
        await browser.SignInAsync("owner@example.test", WebTestTenants.Password);
        await Expect(page).ToHaveURLAsync(new Regex("/board$"));

        await page.GetByLabel("Title").FillAsync("Write the landing page");
        await page.Locator("#item-status").SelectOptionAsync("ready");
        await page.GetByLabel("A reviewer approves the output before it is done").CheckAsync();
        await page.GetByLabel("Labels").FillAsync("launch");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create work item" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Created WEB-1");
        await Expect(Card(page, "ready", "WEB-1")).ToBeVisibleAsync();
        await browser.ScreenshotAsync($"{shot}-02-board");

        var claim = await coder.PostJsonAsync("/api/v1/work/claim", new { });
        var lease = claim.GetProperty("items")[0].GetProperty("run");
        var run = lease.Str("run_id");
        await page.ReloadAsync();
        await Expect(Card(page, "claimed", "WEB-1")).ToBeVisibleAsync();

        await coder.PostJsonAsync($"/api/v1/runs/{run}/llm-calls", new
        {
            provider = "anthropic", model = "claude-sonnet-4-5", input_tokens = 120_000, output_tokens = 2_000, duration_ms = 8_400,
        });
        await coder.PostJsonAsync($"/api/v1/runs/{run}/complete", new { lease_token = lease.Str("lease_token"), summary = "Landing page written", output = new { url = "https://example.test/" } });
        await page.ReloadAsync();
        await Expect(Card(page, "awaiting_approval", "WEB-1")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Inbox" }).ClickAsync();
        var approval = page.Locator("article.approval", new() { HasText = "WEB-1" });
        await Expect(approval).ToBeVisibleAsync();
        await browser.ScreenshotAsync($"{shot}-03-inbox");
        await approval.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Approved WEB-1: it is now done.");
        await Expect(page.Locator("article.approval")).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Link, new() { Name = "Board" }).ClickAsync();
        await Expect(Card(page, "done", "WEB-1")).ToBeVisibleAsync();
        await Card(page, "done", "WEB-1").GetByRole(AriaRole.Link).ClickAsync();
        await Expect(page.GetByTestId("status")).ToHaveTextAsync("Done");
        var cost = await page.GetByTestId("run-cost").First.TextContentAsync();
        Assert.Matches(@"\$0\.39", cost);
        await page.GetByText("1 LLM call").ClickAsync();
        await Expect(page.Locator("table.calls")).ToContainTextAsync("anthropic/claude-sonnet-4-5");
        await Expect(page.Locator("ol.history")).ToContainTextAsync("approved");
        await page.GetByLabel("Add a comment").FillAsync("Looks great, ship it.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Comment" }).ClickAsync();
        await Expect(page.Locator("ol.comments")).ToContainTextAsync("Looks great, ship it.");
        await browser.ScreenshotAsync($"{shot}-04-work-item");

        await page.GetByRole(AriaRole.Link, new() { Name = "Costs" }).ClickAsync();
        await Expect(page.GetByTestId("total-cost")).ToHaveTextAsync("$0.39");
        await Expect(page.GetByTestId("models-h")).ToContainTextAsync("claude-sonnet-4-5");
        await Expect(page.Locator("li.budget")).ToContainTextAsync("Website monthly");
        await browser.ScreenshotAsync($"{shot}-05-costs");

        await page.GetByRole(AriaRole.Link, new() { Name = "Goals" }).ClickAsync();
        await Expect(page.GetByTestId("goal-current")).ToContainTextAsync("260 sign-ups (40%)");
        await browser.ScreenshotAsync($"{shot}-06-goals");

        await acme.Owner.PostJsonAsync("/api/v1/deliverables", new { goal_id = signups.Str("id"), project_id = "WEB", name = "Webinars", type = "webinars", quantity_per_period = 4 });
        await page.GetByRole(AriaRole.Link, new() { Name = "Deliverables" }).ClickAsync();
        await Expect(page.GetByTestId("period-count")).ToHaveTextAsync("0 of 4 done");
        await browser.ScreenshotAsync($"{shot}-07-deliverables");

        await page.GetByRole(AriaRole.Link, new() { Name = "Agents" }).ClickAsync();
        var agentRow = page.Locator("tr[data-agent='coder']");
        await Expect(agentRow).ToContainTextAsync("$0.39");
        await agentRow.GetByText("New token").ClickAsync();
        await agentRow.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        await Expect(page.GetByTestId("new-token")).ToHaveTextAsync(new Regex("^bsn_agent_"));
        await browser.ScreenshotAsync($"{shot}-08-agents");
        await page.Locator("tr[data-agent='coder']").GetByRole(AriaRole.Button, new() { Name = "Disable coder" }).ClickAsync();
        await Expect(page.Locator("tr[data-agent='coder']")).ToContainTextAsync("disabled");

        await page.GetByRole(AriaRole.Link, new() { Name = "Activity" }).ClickAsync();
        await Expect(page.Locator("#live-state")).ToHaveTextAsync("live");
        await acme.Owner.PostJsonAsync("/api/v1/work/WEB-1/comments", new { body = "Posted while the feed is open" });
        await Expect(page.Locator("#feed li.fresh").First).ToContainTextAsync("created comment");
        await browser.ScreenshotAsync($"{shot}-09-activity");

        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync("/board");
        await Expect(Card(page, "done", "WEB-1")).ToBeAttachedAsync();
        await browser.ScreenshotAsync($"{shot}-10-board-phone");

        var globex = await app.CreateTenantAsync("globex");
        await globex.SetOwnerPasswordAsync("globex password");
        await using var other = await Browser.LaunchAsync(app.Url);
        await other.SignInAsync("owner@example.test", "globex password", tenant: "globex");
        await Expect(other.Page).ToHaveURLAsync(new Regex("/board$"));
        await Expect(other.Page.Locator("main")).ToContainTextAsync("There are no projects yet");
        await other.ScreenshotAsync($"{shot}-11-other-tenant-board");
        var response = await other.Page.GotoAsync("/work/WEB-1");
        Assert.Equal(404, response!.Status);
        await other.Page.GotoAsync("/inbox");
        await Expect(other.Page.Locator("main")).Not.ToContainTextAsync("WEB-1");
        await other.Page.GotoAsync("/costs");
        await Expect(other.Page.GetByTestId("total-cost")).ToHaveTextAsync("$0.00");
        await other.Page.GotoAsync("/activity");
        await Expect(other.Page.Locator("#feed")).Not.ToContainTextAsync("coder");
        await Expect(other.Page.Locator("#feed")).Not.ToContainTextAsync("WEB-1");
    }

    [Theory, BothStores]
    public async Task The_templates_page_previews_the_items_an_instantiate_would_make(StoreKind store)
    {
        await using var app = await BosunTestApp.StartOnAsync(await TestDatabases.CreateAsync(store), realServer: true);
        var acme = await app.CreateTenantAsync("acme");
        await acme.SetOwnerPasswordAsync();
        await acme.Owner.PostJsonAsync("/api/v1/templates/global:content_pipeline/copy", new { name = "Our blog post" });
        var shot = store.ToString().ToLowerInvariant();

        await using var browser = await Browser.LaunchAsync(app.Url);
        var page = browser.Page;
        await browser.SignInAsync("owner@example.test", WebTestTenants.Password);
        await page.GetByRole(AriaRole.Link, new() { Name = "Templates" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/templates$"));

        var global = page.Locator("article[data-template='global:content_pipeline']");
        await Expect(global.Locator("li[data-step='research'] .step-title")).ToHaveTextAsync("Research: [Topic]");
        await Expect(global.Locator("li[data-step='review']")).ToContainTextAsync("approval");
        await Expect(global.Locator("li[data-step='review']")).ToContainTextAsync("role:reviewer");
        await Expect(global.Locator("li[data-step='review'] .after")).ToHaveTextAsync("after Write: [Topic]");
        await Expect(global.Locator("dl.variables")).ToContainTextAsync("default our readers");
        var copy = page.Locator("article.template", new() { HasText = "Our blog post" });
        await Expect(copy).ToContainTextAsync("copied from global:content_pipeline version 1");
        await Expect(copy.Locator("ol.steps li")).ToHaveCountAsync(4);
        await browser.ScreenshotAsync($"{shot}-11-templates");

        await global.GetByRole(AriaRole.Link, new() { Name = "blog_post" }).ClickAsync();
        await Expect(page.Locator("article.template")).ToHaveCountAsync(2);
        await Expect(page.Locator("article[data-template='global:card_build']")).ToHaveCountAsync(0);
    }

    [Theory, BothStores]
    public async Task The_story_map_shows_workflows_activities_and_cards_in_order_and_its_buttons_reorder_them(StoreKind store)
    {
        await using var app = await BosunTestApp.StartOnAsync(await TestDatabases.CreateAsync(store), realServer: true);
        var acme = await app.CreateTenantAsync("acme");
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("WEB", "Website");
        await acme.CreateAgentAsync("coder");
        var signUp = await acme.CreateWorkAsync("WEB", "Sign up", new { type = "workflow" });
        var buy = await acme.CreateWorkAsync("WEB", "Buy", new { type = "workflow" });
        var account = await acme.CreateWorkAsync("WEB", "Create an account", new { type = "activity", parent_id = signUp.Str("id") });
        var verify = await acme.CreateWorkAsync("WEB", "Verify the email", new { type = "activity", parent_id = signUp.Str("id") });
        await acme.CreateWorkAsync("WEB", "Pay", new { type = "activity", parent_id = buy.Str("id") });
        await acme.CreateWorkAsync("WEB", "Email field", new { type = "card", parent_id = account.Str("id"), status = "ready" });
        await acme.CreateWorkAsync("WEB", "Password rules", new { type = "card", parent_id = account.Str("id") });
        await acme.CreateWorkAsync("WEB", "Terms checkbox", new { type = "card", parent_id = account.Str("id"), assignee = "agent:coder" });
        await acme.CreateWorkAsync("WEB", "Resend link", new { type = "card", parent_id = verify.Str("id") });
        await acme.Owner.PostJsonAsync("/api/v1/work/WEB-2/move", new { before = "WEB-1" });
        var shot = store.ToString().ToLowerInvariant();

        await using var browser = await Browser.LaunchAsync(app.Url);
        var page = browser.Page;
        await browser.SignInAsync("owner@example.test", WebTestTenants.Password);
        await page.GetByRole(AriaRole.Link, new() { Name = "Story map" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/map\\?project=WEB$"));

        Assert.Equal(["WEB-2", "WEB-1"], await KeysAsync(page.Locator("section.workflow")));
        Assert.Equal(["WEB-3", "WEB-4"], await KeysAsync(page.Locator("section.workflow[data-key='WEB-1'] section.activity")));
        Assert.Equal(["WEB-6", "WEB-7", "WEB-8"], await KeysAsync(page.Locator("section.activity[data-key='WEB-3'] li.card")));
        var terms = page.Locator("li.card[data-key='WEB-8']");
        await Expect(terms).ToContainTextAsync("Terms checkbox");
        await Expect(terms).ToContainTextAsync("Backlog");
        await Expect(terms).ToContainTextAsync("coder (agent)");
        await Expect(page.Locator("li.card[data-key='WEB-6']")).ToContainTextAsync("Ready");
        await browser.ScreenshotAsync($"{shot}-11-story-map");

        await page.GetByRole(AriaRole.Button, new() { Name = "Move WEB-8 up" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Moved WEB-8.");
        Assert.Equal(["WEB-6", "WEB-8", "WEB-7"], await KeysAsync(page.Locator("section.activity[data-key='WEB-3'] li.card")));

        await page.GetByRole(AriaRole.Button, new() { Name = "Move WEB-3 right" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Moved WEB-3.");
        Assert.Equal(["WEB-4", "WEB-3"], await KeysAsync(page.Locator("section.workflow[data-key='WEB-1'] section.activity")));
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Move WEB-3 right" })).ToHaveCountAsync(0);
        await browser.ScreenshotAsync($"{shot}-12-story-map-moved");

        Assert.Equal(["Email field", "Terms checkbox", "Password rules"], (await acme.Owner.ListAllAsync("/api/v1/work?parent=WEB-3")).Select(w => w.Str("title")));
        var audit = await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={account.Str("id")}&action=work_item.updated");
        Assert.Equal($"user:{acme.OwnerId}", audit.Single().Str("actor"));
    }

    private static async Task<string[]> KeysAsync(ILocator items) => await items.EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.key)");

    [Theory, BothStores]
    public async Task A_long_column_shows_its_true_count_and_loads_more_cards_in_place(StoreKind store)
    {
        await using var app = await BosunTestApp.StartOnAsync(await TestDatabases.CreateAsync(store), realServer: true);
        var acme = await app.CreateTenantAsync("acme");
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("WEB", "Website");
        await acme.Owner.PostJsonAsync("/api/v1/work/batch", new
        {
            items = Enumerable.Range(1, 60).Select(i => new { @ref = $"i{i}", project_id = "WEB", title = $"Backlog item {i}" }),
        });
        await using var browser = await Browser.LaunchAsync(app.Url);
        var page = browser.Page;
        await browser.SignInAsync("owner@example.test", WebTestTenants.Password);
        await page.GotoAsync("/board?project=WEB");

        var backlog = page.Locator("section.column[data-status='backlog']");
        await Expect(backlog.Locator("h2 .count")).ToHaveTextAsync("60");
        await Expect(backlog.Locator("li.card")).ToHaveCountAsync(25);
        await backlog.GetByRole(AriaRole.Link, new() { Name = "Show more" }).ClickAsync();
        await Expect(backlog.Locator("li.card")).ToHaveCountAsync(50);
        await Expect(page).ToHaveURLAsync(new Regex("/board\\?project=WEB$"));
        await backlog.GetByRole(AriaRole.Link, new() { Name = "Show more" }).ClickAsync();
        await Expect(backlog.Locator("li.card")).ToHaveCountAsync(60);
        await Expect(backlog.GetByRole(AriaRole.Link, new() { Name = "Show more" })).ToHaveCountAsync(0);
        var keys = await backlog.Locator("li.card").EvaluateAllAsync<string[]>("cards => cards.map(c => c.dataset.key)");
        Assert.Equal(Enumerable.Range(1, 60).Select(n => $"WEB-{n}").Order(), keys.Order());
        await browser.ScreenshotAsync($"{store.ToString().ToLowerInvariant()}-12-board-show-more");
    }

    private static ILocator Card(IPage page, string status, string key) =>
        page.Locator($"section.column[data-status='{status}'] li.card[data-key='{key}']");
}
