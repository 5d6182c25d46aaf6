using Bosun.Core.Identity;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;
using Bosun.Tests.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Tests.HumanInput;

/// Seed 001's decide task in a real browser: an agent's spec run asks a reviewer to pick one of three options and waits;
/// the reviewer answers with one click in the inbox; the item is claimed again with the answer and completes.
[Trait(TestCategory.Key, TestCategory.Browser)]
public sealed class QuestionBrowserTests
{
    [Theory, BothStores]
    public async Task A_reviewer_answers_an_agents_decide_question_from_the_inbox_and_the_work_goes_on(StoreKind store)
    {
        await using var app = await BosunTestApp.StartOnAsync(await TestDatabases.CreateAsync(store), realServer: true);
        var acme = await app.CreateTenantAsync("acme");
        await acme.CreateProjectAsync("WEB", "Website");
        var (_, coder, _) = await acme.CreateAgentAsync("coder", "backend");
        var reviewer = await acme.AddPersonAsync("reviewer", "rita@example.test");
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<SignInService>().SetPasswordAsync(acme.Slug, reviewer.Email, WebTestTenants.Password, CancellationToken.None);
        }

        var spec = await acme.CreateWorkAsync("WEB", "Write the checkout spec", new { status = "ready" });
        var lease = (await coder.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0].GetProperty("run");
        var asked = await coder.PostJsonAsync($"/api/v1/runs/{lease.Str("run_id")}/ask", new
        {
            lease_token = lease.Str("lease_token"), question = "Which payment provider?", to = "role:reviewer", kind = "decide",
            options = new object[] { new { value = "stripe", label = "Stripe" }, new { value = "adyen", label = "Adyen" }, new { value = "paypal", label = "PayPal" } },
        });
        Assert.Equal("waiting", asked.GetProperty("run").Str("status"));
        var key = asked.GetProperty("question").Str("key");

        await using var browser = await Browser.LaunchAsync(app.Url);
        var page = browser.Page;
        await browser.SignInAsync(reviewer.Email, WebTestTenants.Password);
        await page.GotoAsync("/inbox");
        var question = page.Locator($"article.question[data-question='{key}']");
        await Expect(question).ToContainTextAsync("Which payment provider?");
        await Expect(question.GetByRole(AriaRole.Button)).ToHaveCountAsync(3);
        await browser.ScreenshotAsync($"{store.ToString().ToLowerInvariant()}-question-inbox");
        await question.GetByRole(AriaRole.Button, new() { Name = "Adyen" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Answered {key}");
        await Expect(page.Locator("article.question")).ToHaveCountAsync(0);

        await page.GotoAsync($"/work/{spec.Str("key")}");
        await Expect(page.GetByTestId("answer")).ToContainTextAsync("adyen");

        var again = (await coder.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0];
        Assert.Equal(spec.Str("id"), again.GetProperty("item").Str("id"));
        Assert.Equal("adyen", again.GetProperty("context").GetProperty("answers")[0].GetProperty("answer").Str("answer"));
        var run = again.GetProperty("run");
        var done = await coder.PostJsonAsync($"/api/v1/runs/{run.Str("run_id")}/complete", new { lease_token = run.Str("lease_token"), output = new { provider = "adyen" } });
        Assert.Equal("done", done.GetProperty("item").Str("status"));
    }
}
