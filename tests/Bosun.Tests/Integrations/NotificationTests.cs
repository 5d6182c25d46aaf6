using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bosun.Cli.Bench;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Bosun.Core.Notifications;
using Bosun.Tests.Agents;
using Bosun.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Tests.Integrations;

public sealed class NotificationTests : IAsyncLifetime
{
    private const string SmtpUser = "bosun";
    private const string SmtpPassword = "smtp-pass-9f3e";
    private SmtpSink _smtp = null!;
    private readonly LogCapture _logs = new();

    public async Task InitializeAsync() => _smtp = await SmtpSink.StartAsync(SmtpUser, SmtpPassword);

    public async Task DisposeAsync() => await _smtp.DisposeAsync();

    private async Task<BosunTestApp> StartAsync(StoreKind store, bool mail = true) =>
        await BosunTestApp.StartOnAsync(await TestDatabases.CreateAsync(store), new FakeTimeProvider(DateTimeOffset.Parse("2026-03-02T09:10:00Z")), logs: _logs,
            configure: builder => builder.Configuration.AddInMemoryCollection(mail
                ? new Dictionary<string, string?>
                {
                    ["BOSUN_SMTP_HOST"] = "127.0.0.1", ["BOSUN_SMTP_PORT"] = _smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["BOSUN_SMTP_SECURITY"] = "none", ["BOSUN_SMTP_USERNAME"] = SmtpUser, ["BOSUN_SMTP_PASSWORD"] = SmtpPassword,
                    ["BOSUN_SMTP_FROM"] = "Bosun <bosun@example.test>", ["BOSUN_PUBLIC_URL"] = "https://bosun.example.test",
                }
                : []));

    private static async Task<int> PassAsync(BosunTestApp app) =>
        await NotificationOutbox.RunOnceAsync(app.Services.GetRequiredService<NotificationRouter>(), app.Services.GetRequiredService<NotificationSender>(), CancellationToken.None);

    /// Every log line, audit row and stream event of the test's tenants, where no credential may appear.
    private async Task<string> EverythingRecordedAsync(BosunTestApp app) =>
        string.Join("\n", _logs.Lines) + await app.WithDbAsync(async db => string.Join("\n",
            (await db.AuditEntries.IgnoreQueryFilters().Select(a => a.ChangesJson).ToListAsync())
            .Concat(await db.Set<Bosun.Core.Realtime.StreamEvent>().IgnoreQueryFilters().Select(e => e.ChangesJson).ToListAsync())));

    private static async Task<JsonElement> InboxAsync(TestPerson person, string query = "") =>
        await person.Client.GetJsonAsync($"/api/v1/notifications{query}");

    [Theory, BothStores]
    public async Task A_person_hears_of_work_assigned_to_them_in_the_app_and_by_email_once(StoreKind store)
    {
        await using var app = await StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var ana = await acme.AddPersonAsync("member", "ana@example.test");
        var bob = await acme.AddPersonAsync("member", "bob@example.test");

        var item = await acme.CreateWorkAsync("WEB", "Fix the login page", new { assignee = $"user:{ana.Id}" });
        await PassAsync(app);

        var inbox = await InboxAsync(ana);
        Assert.Equal(1, inbox.GetProperty("unread").GetInt32());
        var n = Assert.Single(inbox.GetProperty("items").EnumerateArray());
        Assert.Equal("assigned", n.Str("kind"));
        Assert.Contains(item.Str("key"), n.Str("title"));
        Assert.Equal($"/work/{item.Str("key")}", n.Str("link"));
        Assert.Equal(0, (await InboxAsync(bob)).GetProperty("items").GetArrayLength());
        Assert.Equal(0, (await acme.Owner.GetJsonAsync("/api/v1/notifications")).GetProperty("items").GetArrayLength());

        Assert.True(await _smtp.WaitForAsync(1, TimeSpan.FromSeconds(10)));
        var mail = Assert.Single(_smtp.Received);
        Assert.Equal("ana@example.test", mail.To);
        Assert.Contains(item.Str("key"), mail.Subject);
        Assert.Contains($"https://bosun.example.test/work/{item.Str("key")}", mail.Body);

        // Seen again, the events make nothing new: one notification and one email per event and person.
        await PassAsync(app);
        await Task.Delay(200);
        Assert.Single(_smtp.Received);
        var delivery = (await acme.Owner.GetJsonAsync("/api/v1/notification-deliveries")).GetProperty("items")[0];
        Assert.Equal("delivered", delivery.Str("status"));
        Assert.Equal($"{delivery.Str("id")}@bosun", mail.MessageId);

        // Read by its person only.
        Assert.Equal(HttpStatusCode.NotFound, (await bob.Client.PostAsync($"/api/v1/notifications/{n.Str("id")}/read", null)).StatusCode);
        Assert.True((await ana.Client.PostJsonAsync($"/api/v1/notifications/{n.Str("id")}/read", new { })).GetProperty("read").GetBoolean());
        Assert.Equal(0, (await InboxAsync(ana, "?unread=true")).GetProperty("items").GetArrayLength());
        Assert.Equal(0, (await InboxAsync(ana)).GetProperty("unread").GetInt32());

        var (_, agent, _) = await acme.CreateAgentAsync("coder");
        await (await agent.GetAsync("/api/v1/notifications")).ProblemAsync(HttpStatusCode.Forbidden);
        await (await bob.Client.GetAsync("/api/v1/notification-deliveries")).ProblemAsync(HttpStatusCode.Forbidden);

        // Another tenant sees none of it.
        var other = await app.CreateTenantAsync();
        await (await other.Owner.PostAsync($"/api/v1/notifications/{n.Str("id")}/read", null)).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(0, (await other.Owner.GetJsonAsync("/api/v1/notification-deliveries")).GetProperty("items").GetArrayLength());
    }

    [Theory, BothStores]
    public async Task Mentions_approvals_and_blocked_items_reach_the_right_people_through_the_channels_they_chose(StoreKind store)
    {
        await using var app = await StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var ana = await acme.AddPersonAsync("member", "ana@example.test");
        var bob = await acme.AddPersonAsync("member", "bob@example.test");
        var rita = await acme.AddPersonAsync("reviewer", "rita@example.test");
        var item = await acme.CreateWorkAsync("WEB", "Write the release notes", new { assignee = $"user:{bob.Id}" });
        await PassAsync(app);
        Assert.True(await _smtp.WaitForAsync(1, TimeSpan.FromSeconds(10)));

        // Bad choices are refused, naming the field.
        var bad = await ana.Client.PatchAsJsonAsync("/api/v1/notifications/preferences",
            new { kinds = new object[] { new { kind = "gossip", email = true }, new { kind = "mention", digest = "weekly" } }, chat_webhook_url = "ftp://chat.example.test/x" });
        var problem = await bad.ProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("kinds[0].kind", out _));
        Assert.True(errors.TryGetProperty("kinds[1].digest", out _));
        Assert.True(errors.TryGetProperty("chat_webhook_url", out _));

        // Ana keeps mentions in the app only.
        var prefs = await ana.Client.PatchJsonAsync("/api/v1/notifications/preferences", new { kinds = new[] { new { kind = "mention", email = false } } });
        var mention = prefs.GetProperty("kinds").EnumerateArray().Single(k => k.Str("kind") == "mention");
        Assert.False(mention.GetProperty("email").GetBoolean());
        Assert.False(mention.GetProperty("is_default").GetBoolean());
        Assert.True(prefs.GetProperty("email_available").GetBoolean());

        await acme.Owner.PostJsonAsync($"/api/v1/work/{item.Str("id")}/comments", new { body = "@ana and @bob@example.test: can you check this before Friday?" });
        await acme.Owner.PatchJsonAsync($"/api/v1/work/{item.Str("id")}", new { status = "blocked" });
        await PassAsync(app);

        var anaKinds = (await InboxAsync(ana)).GetProperty("items").EnumerateArray().Select(n => n.Str("kind")).ToList();
        Assert.Equal(["mention"], anaKinds);
        var bobKinds = (await InboxAsync(bob)).GetProperty("items").EnumerateArray().Select(n => n.Str("kind")).ToList();
        Assert.Equal(["blocked", "mention", "assigned"], bobKinds);
        Assert.Empty((await InboxAsync(rita)).GetProperty("items").EnumerateArray());

        // Email: bob's mention (ana chose the app only); blocked stays in the app by default.
        Assert.True(await _smtp.WaitForAsync(2, TimeSpan.FromSeconds(10)));
        await Task.Delay(200);
        var mails = _smtp.Received.ToList();
        Assert.Equal(2, mails.Count);
        Assert.Equal("bob@example.test", mails[1].To);
        Assert.Contains("mentioned you", mails[1].Subject);

        // An approval waits for those who may decide it: owners, admins and reviewers.
        var (_, agent, _) = await acme.CreateAgentAsync("writer");
        await acme.CreateWorkAsync("WEB", "Draft the announcement", new { status = "ready", approval_required = true });
        var run = (await agent.PostJsonAsync("/api/v1/work/claim", new { project = "WEB" })).GetProperty("items")[0].GetProperty("run");
        await agent.PostJsonAsync($"/api/v1/runs/{run.Str("run_id")}/complete", new { lease_token = run.Str("lease_token"), output = new { text = "Draft" } });
        await PassAsync(app);
        Assert.Equal("approval", (await InboxAsync(rita)).GetProperty("items")[0].Str("kind"));
        Assert.Equal("approval", (await acme.Owner.GetJsonAsync("/api/v1/notifications")).GetProperty("items")[0].Str("kind"));
        Assert.DoesNotContain("approval", (await InboxAsync(ana)).GetProperty("items").EnumerateArray().Select(n => n.Str("kind")));
    }

    [Theory, BothStores]
    public async Task A_digest_gathers_a_persons_notifications_into_one_email_when_it_is_due(StoreKind store)
    {
        await using var app = await StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var ana = await acme.AddPersonAsync("member", "ana@example.test");
        await ana.Client.PatchJsonAsync("/api/v1/notifications/preferences", new { kinds = new[] { new { kind = "assigned", digest = "hourly" } } });

        foreach (var title in new[] { "One", "Two", "Three" })
        {
            await acme.CreateWorkAsync("WEB", title, new { assignee = $"user:{ana.Id}" });
        }

        await PassAsync(app);
        Assert.Equal(3, (await InboxAsync(ana)).GetProperty("unread").GetInt32());
        await Task.Delay(300);
        Assert.Empty(_smtp.Received);

        app.Clock!.Advance(TimeSpan.FromMinutes(50));
        await PassAsync(app);
        Assert.True(await _smtp.WaitForAsync(1, TimeSpan.FromSeconds(10)));
        await Task.Delay(200);
        var mail = Assert.Single(_smtp.Received);
        Assert.Equal("Bosun: 3 notifications", mail.Subject);
        foreach (var title in new[] { "One", "Two", "Three" })
        {
            Assert.Contains(title, mail.Body);
        }
    }

    [Theory, BothStores]
    public async Task Chat_routes_post_to_a_projects_channel_and_to_a_persons_own_webhook_without_ever_showing_the_url(StoreKind store)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await StartAsync(store, mail: false);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var ana = await acme.AddPersonAsync("member", "ana@example.test");
        var secretUrl = receiver.Url + "?token=T0P-SECRET-chat";

        var bad = await acme.Owner.PostAsJsonAsync("/api/v1/notification-routes", new { project = "NOPE", url = "not a url", kinds = new[] { "blocked", "weather" } });
        var errors = (await bad.ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("project", out _));
        Assert.True(errors.TryGetProperty("url", out _));
        Assert.True(errors.TryGetProperty("kinds[1]", out _));
        await (await ana.Client.PostAsJsonAsync("/api/v1/notification-routes", new { project = "WEB", url = secretUrl })).ProblemAsync(HttpStatusCode.Forbidden);

        var route = await acme.Owner.PostJsonAsync("/api/v1/notification-routes", new { project = "WEB", url = secretUrl, kinds = new[] { "blocked" } });
        Assert.Equal("127.0.0.1", route.Str("url_host"));
        Assert.DoesNotContain("T0P-SECRET", await acme.Owner.GetStringAsync("/api/v1/notification-routes"));
        var prefs = await ana.Client.PatchJsonAsync("/api/v1/notifications/preferences",
            new { kinds = new[] { new { kind = "assigned", chat = true } }, chat_webhook_url = secretUrl + "-ana" });
        Assert.True(prefs.GetProperty("chat_url_set").GetBoolean());
        Assert.DoesNotContain("T0P-SECRET", prefs.GetRawText());

        var item = await acme.CreateWorkAsync("WEB", "Renew the certificate", new { assignee = $"user:{ana.Id}" });
        await acme.Owner.PatchJsonAsync($"/api/v1/work/{item.Str("id")}", new { status = "blocked" });
        await PassAsync(app);

        var texts = receiver.Received.Select(r => JsonDocument.Parse(r.Body).RootElement.Str("text")).ToList();
        Assert.Equal(2, texts.Count);
        Assert.Contains(texts, t => t.Contains("assigned to you", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains("is blocked", StringComparison.Ordinal));
        var log = await acme.Owner.GetStringAsync("/api/v1/notification-deliveries");
        Assert.DoesNotContain("T0P-SECRET", log);
        var row = await app.WithDbAsync(db => db.Set<ChatRoute>().IgnoreQueryFilters().FirstAsync(r => r.ProjectId != null));
        Assert.DoesNotContain("T0P-SECRET", row.UrlSealed);

        // A receiver that fails is logged without its URL.
        receiver.Answer(500);
        await acme.Owner.PatchJsonAsync($"/api/v1/work/{item.Str("id")}", new { status = "ready" });
        await acme.Owner.PatchJsonAsync($"/api/v1/work/{item.Str("id")}", new { status = "blocked" });
        await PassAsync(app);
        Assert.Contains("HTTP 500", await acme.Owner.GetStringAsync("/api/v1/notification-deliveries?status=pending"));
        Assert.DoesNotContain("T0P-SECRET", await EverythingRecordedAsync(app));
    }

    [Theory, BothStores]
    public async Task A_refused_email_is_retried_with_backoff_and_each_attempt_is_kept(StoreKind store)
    {
        await using var app = await StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var ana = await acme.AddPersonAsync("member", "ana@example.test");
        _smtp.RefuseNext = 1;
        await acme.CreateWorkAsync("WEB", "Rotate the keys", new { assignee = $"user:{ana.Id}" });
        await PassAsync(app);

        var delivery = (await acme.Owner.GetJsonAsync("/api/v1/notification-deliveries")).GetProperty("items")[0];
        Assert.Equal("pending", delivery.Str("status"));
        Assert.Equal(1, delivery.GetProperty("attempts").GetInt32());
        Assert.False(string.IsNullOrEmpty(delivery.Str("last_error")));
        Assert.DoesNotContain(SmtpPassword, delivery.GetRawText());

        // Not before its backoff.
        await PassAsync(app);
        Assert.Empty(_smtp.Received);
        app.Clock!.Advance(TimeSpan.FromSeconds(11));
        await PassAsync(app);
        Assert.True(await _smtp.WaitForAsync(1, TimeSpan.FromSeconds(10)));
        delivery = (await acme.Owner.GetJsonAsync("/api/v1/notification-deliveries")).GetProperty("items")[0];
        Assert.Equal("delivered", delivery.Str("status"));
        var attempts = await app.WithDbAsync(db => db.Set<NotificationAttempt>().IgnoreQueryFilters().OrderBy(a => a.Number).ToListAsync());
        Assert.Equal([false, true], attempts.Select(a => a.Delivered));
        Assert.DoesNotContain(SmtpPassword, await EverythingRecordedAsync(app));
    }

    [Theory, BothStores]
    public async Task A_forgotten_password_is_reset_by_a_single_use_emailed_link(StoreKind store)
    {
        await using var app = await StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var ana = await acme.AddPersonAsync("member", "ana@example.test");
        var anonymous = app.Anonymous();

        var missing = await anonymous.PostAsJsonAsync("/api/v1/account/password-reset", new { email = "nobody@example.test" });
        var asked = await anonymous.PostAsJsonAsync("/api/v1/account/password-reset", new { email = "ana@example.test" });
        Assert.Equal(HttpStatusCode.Accepted, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, asked.StatusCode);
        Assert.Equal(await missing.Content.ReadAsStringAsync(), await asked.Content.ReadAsStringAsync());
        await (await anonymous.PostAsJsonAsync("/api/v1/account/password-reset", new { email = "not-an-email" })).ProblemAsync(HttpStatusCode.BadRequest);

        await PassAsync(app);
        Assert.True(await _smtp.WaitForAsync(1, TimeSpan.FromSeconds(10)));
        var mail = Assert.Single(_smtp.Received);
        Assert.Equal("ana@example.test", mail.To);
        var link = mail.Body.Split('\n').Single(l => l.StartsWith("https://bosun.example.test/reset-password?token=", StringComparison.Ordinal));
        var token = Uri.UnescapeDataString(link[(link.IndexOf('=') + 1)..]);

        // Only hashes and sealed text are stored.
        var stored = await app.WithDbAsync(async db => string.Join("|",
            (await db.Set<AccountToken>().IgnoreQueryFilters().Select(t => t.TokenHash).ToListAsync())
            .Concat(await db.Set<NotificationDelivery>().IgnoreQueryFilters().Select(d => d.Body).ToListAsync())));
        Assert.DoesNotContain(token, stored);
        Assert.DoesNotContain(token, await acme.Owner.GetStringAsync("/api/v1/notification-deliveries"));
        Assert.DoesNotContain(token, await EverythingRecordedAsync(app));

        var wrong = await anonymous.PostAsJsonAsync("/api/v1/account/password-reset/confirm", new { token = "reset_nope", password = "short" });
        var errors = (await wrong.ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("token", out _));
        Assert.True(errors.TryGetProperty("password", out _));

        var reset = await anonymous.PostJsonAsync("/api/v1/account/password-reset/confirm", new { token, password = "a-new-long-password" });
        Assert.True(reset.GetProperty("email_verified").GetBoolean());
        await (await anonymous.PostAsJsonAsync("/api/v1/account/password-reset/confirm", new { token, password = "another-long-password" }))
            .ProblemAsync(HttpStatusCode.BadRequest);
        var hash = await app.WithDbAsync(db => db.Users.IgnoreQueryFilters().Where(u => u.Id == ana.Id).Select(u => u.PasswordHash).SingleAsync());
        Assert.True(PasswordHasher.Verify("a-new-long-password", hash!));

        // Expired links do not work.
        await anonymous.PostAsJsonAsync("/api/v1/account/password-reset", new { email = "ana@example.test" });
        app.Clock!.Advance(TimeSpan.FromMinutes(2));
        await anonymous.PostAsJsonAsync("/api/v1/account/password-reset", new { email = "ana@example.test" });
        await PassAsync(app);
        Assert.True(await _smtp.WaitForAsync(2, TimeSpan.FromSeconds(10)));
        app.Clock.Advance(TimeSpan.FromHours(2));
        var late = _smtp.Received.Last().Body.Split('\n').Single(l => l.Contains("token=", StringComparison.Ordinal));
        await (await anonymous.PostAsJsonAsync("/api/v1/account/password-reset/confirm",
            new { token = Uri.UnescapeDataString(late[(late.IndexOf('=') + 1)..]), password = "yet-another-password" })).ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Theory, BothStores]
    public async Task A_person_verifies_their_email_with_an_emailed_link(StoreKind store)
    {
        await using var app = await StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var ana = await acme.AddPersonAsync("member", "ana@example.test");
        Assert.False((await ana.Client.GetJsonAsync("/api/v1/users/me")).GetProperty("email_verified").GetBoolean());

        Assert.Equal(HttpStatusCode.Accepted, (await ana.Client.PostAsync("/api/v1/account/email-verification", null)).StatusCode);
        await (await ana.Client.PostAsync("/api/v1/account/email-verification", null)).ProblemAsync(HttpStatusCode.TooManyRequests);
        await PassAsync(app);
        Assert.True(await _smtp.WaitForAsync(1, TimeSpan.FromSeconds(10)));
        var line = Assert.Single(_smtp.Received).Body.Split('\n').Single(l => l.Contains("/verify-email?token=", StringComparison.Ordinal));
        var token = Uri.UnescapeDataString(line[(line.IndexOf('=') + 1)..]);

        var verified = await app.Anonymous().PostJsonAsync("/api/v1/account/verify-email", new { token });
        Assert.True(verified.GetProperty("email_verified").GetBoolean());
        Assert.True((await ana.Client.GetJsonAsync("/api/v1/users/me")).GetProperty("email_verified").GetBoolean());
        await (await app.Anonymous().PostAsJsonAsync("/api/v1/account/verify-email", new { token })).ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Theory, BothStores]
    public async Task Without_an_smtp_server_people_are_told_in_the_app_and_password_reset_says_why_it_cannot_help(StoreKind store)
    {
        await using var app = await StartAsync(store, mail: false);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var ana = await acme.AddPersonAsync("member", "ana@example.test");
        await acme.CreateWorkAsync("WEB", "Something", new { assignee = $"user:{ana.Id}" });
        await PassAsync(app);
        Assert.Equal(1, (await InboxAsync(ana)).GetProperty("unread").GetInt32());
        Assert.Equal(0, (await acme.Owner.GetJsonAsync("/api/v1/notification-deliveries")).GetProperty("items").GetArrayLength());
        Assert.False((await ana.Client.GetJsonAsync("/api/v1/notifications/preferences")).GetProperty("email_available").GetBoolean());
        var refused = await app.Anonymous().PostAsJsonAsync("/api/v1/account/password-reset", new { email = "ana@example.test" });
        Assert.Contains("BOSUN_SMTP_HOST", (await refused.ProblemAsync(HttpStatusCode.ServiceUnavailable)).Str("detail"));
    }
}
