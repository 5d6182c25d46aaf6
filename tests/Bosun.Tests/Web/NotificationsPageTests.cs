using System.Globalization;
using System.Net;
using Bosun.Cli.Bench;
using Bosun.Core.Data;
using Bosun.Core.Notifications;
using Bosun.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Bosun.Tests.Web;

/// A person who forgot their password gets a link by email and chooses a new one; signed in, the header counts what is
/// unread and the notifications page lists it, with the person's channel choices.
public sealed class NotificationsPageTests
{
    internal static Action<WebApplicationBuilder> MailConfig(SmtpSink smtp, string publicUrl) => builder =>
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["BOSUN_SMTP_HOST"] = "127.0.0.1", ["BOSUN_SMTP_PORT"] = smtp.Port.ToString(CultureInfo.InvariantCulture), ["BOSUN_SMTP_SECURITY"] = "none",
            ["BOSUN_PUBLIC_URL"] = publicUrl,
        });

    internal static string LinkIn(ReceivedMail mail, string path)
    {
        var line = mail.Body.Split('\n').Single(l => l.Contains(path, StringComparison.Ordinal));
        return line[line.IndexOf(path, StringComparison.Ordinal)..].Trim();
    }

    // The fake clock (which keeps the outbox to the passes the test makes) starts now: the session cookie expires by the real one.
    [Theory, BothStores]
    public async Task A_forgotten_password_is_reset_from_the_sign_in_page_and_the_header_counts_unread_notifications(StoreKind store)
    {
        await using var smtp = await SmtpSink.StartAsync();
        await using var app = await BosunTestApp.StartOnAsync(await TestDatabases.CreateAsync(store), new FakeTimeProvider(DateTimeOffset.UtcNow),
            configure: MailConfig(smtp, "https://bosun.example.test"));
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var ana = await acme.AddPersonAsync("member", "ana@example.test");
        async Task PassAsync() => await NotificationOutbox.RunOnceAsync(app.Services.GetRequiredService<NotificationRouter>(), app.Services.GetRequiredService<NotificationSender>(), default);

        using var web = new WebClient(app);
        Assert.Contains("href=\"/forgot-password\"", (await web.GetAsync("/signin")).Html);
        await web.GetAsync("/forgot-password");
        var refused = await web.PostAsync("/forgot-password", new Dictionary<string, string> { ["email"] = "not an email" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.NotNull(refused.FieldError("email"));
        var sent = await web.PostAsync("/forgot-password", new Dictionary<string, string> { ["email"] = "ana@example.test" });
        Assert.Contains("Check your email", sent.Html);

        await PassAsync();
        Assert.True(await smtp.WaitForAsync(1, TimeSpan.FromSeconds(10)));
        var link = LinkIn(smtp.Received.Single(), "/reset-password?token=");
        var form = await web.GetAsync(link);
        Assert.Equal(HttpStatusCode.OK, form.Status);
        var token = Uri.UnescapeDataString(link[(link.IndexOf('=') + 1)..]);
        var mismatch = await web.PostAsync("/reset-password", new Dictionary<string, string> { ["token"] = token, ["password"] = "a-long-new-password", ["password_again"] = "other" });
        Assert.NotNull(mismatch.FieldError("password_again"));
        var reset = await web.PostAsync("/reset-password", new Dictionary<string, string> { ["token"] = token, ["password"] = "a-long-new-password", ["password_again"] = "a-long-new-password" });
        Assert.Equal(HttpStatusCode.SeeOther, reset.Status);
        await web.SignInAsync("ana@example.test", "a-long-new-password");

        var inbox = await web.GetAsync("/inbox");
        Assert.Contains("class=\"bell\"", inbox.Html);
        Assert.DoesNotContain("class=\"badge\"", inbox.Html);
        var item = await acme.CreateWorkAsync("WEB", "Review the pricing page", new { assignee = $"user:{ana.Id}" });
        await PassAsync();
        Assert.Contains("aria-label=\"1 unread\"", (await web.GetAsync("/inbox")).Html);
        var list = await web.GetAsync("/notifications");
        Assert.Contains("Review the pricing page", list.Html);
        Assert.Contains("1 unread", list.Html);

        var id = (await ana.Client.GetJsonAsync("/api/v1/notifications")).GetProperty("items")[0].Str("id");
        var opened = await web.PostAsync($"/notifications/{id}/read", new Dictionary<string, string>());
        Assert.Equal($"/work/{item.Str("key")}", opened.Location);
        Assert.DoesNotContain("class=\"badge\"", (await web.GetAsync("/notifications")).Html);

        // Settings: assigned work by email off, mentions in an hourly digest.
        var fields = new Dictionary<string, string> { ["assigned.in_app"] = "true", ["mention.in_app"] = "true", ["mention.email"] = "true", ["mention.digest"] = "hourly" };
        Assert.Equal(HttpStatusCode.SeeOther, (await web.PostAsync("/notifications/preferences", fields)).Status);
        var prefs = (await ana.Client.GetJsonAsync("/api/v1/notifications/preferences")).GetProperty("kinds").EnumerateArray().ToDictionary(k => k.Str("kind"));
        Assert.False(prefs["assigned"].GetProperty("email").GetBoolean());
        Assert.Equal("hourly", prefs["mention"].Str("digest"));
        await web.GetAsync("/notifications");
        var bad = await web.PostAsync("/notifications/preferences", new Dictionary<string, string> { ["chat_webhook_url"] = "gopher://chat" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.NotNull(bad.FieldError("chat_webhook_url"));
    }
}

/// The same in a real browser, with the outbox running as it does in `serve`.
[Trait(TestCategory.Key, TestCategory.Browser)]
public sealed class NotificationsPageBrowserTests
{
    [Fact]
    public async Task A_person_resets_their_password_signs_in_and_follows_a_notification_from_the_header()
    {
        await using var smtp = await SmtpSink.StartAsync();
        await using var app = await BosunTestApp.StartOnAsync(await TestDatabases.CreateAsync(StoreKind.Sqlite), realServer: true,
            configure: NotificationsPageTests.MailConfig(smtp, "http://bosun.invalid"));
        var acme = await app.CreateTenantAsync("acme");
        await acme.CreateProjectAsync("WEB");
        var ana = await acme.AddPersonAsync("member", "ana@example.test");

        await using var browser = await Browser.LaunchAsync(app.Url);
        var page = browser.Page;
        await page.GotoAsync("/signin");
        await page.GetByRole(AriaRole.Link, new() { Name = "Forgot your password?" }).ClickAsync();
        await page.GetByLabel("Email").FillAsync("ana@example.test");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send the link" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("a link to reset its password is on its way");

        Assert.True(await smtp.WaitForAsync(1, TimeSpan.FromSeconds(15)));
        var link = NotificationsPageTests.LinkIn(smtp.Received.Single(), "/reset-password?token=");
        await page.GotoAsync(link);
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("a-long-new-password");
        await page.GetByLabel("New password again").FillAsync("a-long-new-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set the password" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your password is set");
        await browser.SignInAsync("ana@example.test", "a-long-new-password");

        var item = await acme.CreateWorkAsync("WEB", "Review the pricing page", new { assignee = $"user:{ana.Id}" });
        for (var i = 0; i < 50 && (await ana.Client.GetJsonAsync("/api/v1/notifications")).GetProperty("unread").GetInt32() == 0; i++)
        {
            await Task.Delay(100);
        }

        await page.ReloadAsync();
        await Expect(page.Locator(".bell .badge")).ToHaveTextAsync("1");
        await page.Locator(".bell").ClickAsync();
        await browser.ScreenshotAsync("notifications-01-list");
        await page.GetByRole(AriaRole.Button, new() { Name = $"{item.Str("key")} was assigned to you: Review the pricing page" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/work/{item.Str("key")}$"));
        await Expect(page.Locator(".bell .badge")).ToHaveCountAsync(0);
    }
}
