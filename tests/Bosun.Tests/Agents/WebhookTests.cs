using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Core.Integrations;
using Bosun.Server.Http;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Agents;

public sealed class WebhookTests
{
    private static Task<int> DeliverAsync(BosunTestApp app) =>
        app.Services.GetRequiredService<WebhookDispatcher>().RunOnceAsync(CancellationToken.None);

    private static async Task<JsonElement> DeliveriesAsync(TestTenant tenant, string webhookId) =>
        (await tenant.Owner.GetJsonAsync($"/api/v1/webhooks/{webhookId}/deliveries")).GetProperty("items");

    /// What a receiver does: recompute the HMAC over "{timestamp}.{body}" with the secret and compare.
    private static bool Verifies(ReceivedHook hook, string secret)
    {
        var expected = "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(
            Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{hook.Headers["Bosun-Timestamp"]}.{hook.Body}")));
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(hook.Headers["Bosun-Signature"]));
    }

    [Theory, BothStores]
    public async Task Deliveries_are_signed_and_the_signature_verifies(StoreKind store)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var hook = await acme.Owner.PostJsonAsync("/api/v1/webhooks", new { url = receiver.Url, events = new[] { "work_item.*" } });
        var secret = hook.Str("secret");
        Assert.StartsWith("whsec_", secret);

        var item = await acme.CreateWorkAsync("WEB", "Write the landing page");
        await acme.Owner.PostJsonAsync("/api/v1/work/WEB-1/comments", new { body = "not for this webhook" });
        Assert.Equal(1, await DeliverAsync(app));

        var received = Assert.Single(receiver.Received);
        Assert.True(Verifies(received, secret));
        Assert.False(Verifies(received with { Body = received.Body.Replace("landing", "lending") }, secret));
        Assert.Equal("work_item.created", received.Headers["Bosun-Event"]);
        Assert.Equal(app.Clock!.GetUtcNow().ToUnixTimeSeconds().ToString(), received.Headers["Bosun-Timestamp"]);
        var body = JsonDocument.Parse(received.Body).RootElement;
        Assert.Equal(received.Headers["Bosun-Delivery"], body.Str("id"));
        Assert.Equal(item.Str("id"), body.GetProperty("data").Str("entity_id"));

        var delivery = (await DeliveriesAsync(acme, hook.Str("id"))).EnumerateArray().Single();
        Assert.Equal("delivered", delivery.Str("status"));
        Assert.Equal(1, delivery.GetProperty("attempts").GetInt32());
        Assert.Equal(200, delivery.GetProperty("last_status_code").GetInt32());

        // The secret is shown once and stored sealed.
        var read = await acme.Owner.GetJsonAsync($"/api/v1/webhooks/{hook.Str("id")}");
        Assert.False(read.TryGetProperty("secret", out _));
        Assert.Equal(secret[..12], read.Str("secret_prefix"));
        var stored = await app.WithDbAsync(db => db.Set<Webhook>().IgnoreQueryFilters().Select(w => w.SecretSealed).SingleAsync());
        Assert.StartsWith("v1.", stored);
        Assert.DoesNotContain(secret[6..], stored);
    }

    [Fact, Trait(TestCategory.Key, TestCategory.Postgres)]
    public async Task On_PostgreSQL_a_new_webhook_skips_events_committed_before_it_even_if_not_yet_numbered()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await BosunTestApp.StartAsync(StoreKind.Postgres, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");

        // An event committed just before the webhook is created, still waiting for its number.
        await app.WithDbAsync(db => db.Database.ExecuteSqlRawAsync($$"""
            INSERT INTO stream_events (tenant_id, seq, type, entity_type, entity_id, actor_ref, actor_name, changes_json, created_at)
            VALUES ({0}, nextval('stream_event_order') - {{Bosun.Core.Realtime.StreamSequencer.ProvisionalBase}}, 'comment.created',
                    'comment', 'c-before', 'system', 'Elsewhere', jsonb_build_object()::text, now())
            """, acme.Id));
        await acme.Owner.PostJsonAsync("/api/v1/webhooks", new { url = receiver.Url });
        var item = await acme.CreateWorkAsync("WEB", "Write the landing page");

        Assert.Equal(1, await DeliverAsync(app));
        var received = Assert.Single(receiver.Received);
        Assert.Equal(item.Str("id"), JsonDocument.Parse(received.Body).RootElement.GetProperty("data").Str("entity_id"));
    }

    [Theory, BothStores]
    public async Task A_failing_receiver_is_retried_with_backoff_until_it_succeeds(StoreKind store)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer(500, 503);
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var hook = await acme.Owner.PostJsonAsync("/api/v1/webhooks", new { url = receiver.Url });
        await acme.CreateWorkAsync("WEB", "Write the landing page");

        Assert.Equal(1, await DeliverAsync(app));
        var failed = (await DeliveriesAsync(acme, hook.Str("id")))[0];
        Assert.Equal("pending", failed.Str("status"));
        Assert.Equal(500, failed.GetProperty("last_status_code").GetInt32());
        Assert.Equal(0, await DeliverAsync(app));

        app.Clock!.Advance(WebhookDispatcher.Backoff(1));
        Assert.Equal(1, await DeliverAsync(app));
        app.Clock.Advance(WebhookDispatcher.Backoff(1));
        Assert.Equal(0, await DeliverAsync(app));
        app.Clock.Advance(WebhookDispatcher.Backoff(2) - WebhookDispatcher.Backoff(1));
        Assert.Equal(1, await DeliverAsync(app));

        var delivered = (await DeliveriesAsync(acme, hook.Str("id"))).EnumerateArray().Single();
        Assert.Equal("delivered", delivered.Str("status"));
        Assert.Equal(3, delivered.GetProperty("attempts").GetInt32());
        Assert.Equal(3, receiver.Received.Count);
        Assert.Single(receiver.Received.Select(r => r.Headers["Bosun-Delivery"]).Distinct());
        Assert.Single(receiver.Received.Select(r => r.Body).Distinct());
    }

    [Theory, BothStores]
    public async Task Tenants_whose_deliveries_waited_longest_are_sent_to_first(StoreKind store)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var first = await app.CreateTenantAsync();
        var second = await app.CreateTenantAsync();
        var waiting = await app.CreateTenantAsync();
        foreach (var tenant in new[] { first, second, waiting })
        {
            await tenant.Owner.PostJsonAsync("/api/v1/webhooks", new { url = receiver.Url, events = new[] { "project.created" } });
        }

        // The tenant created last has the oldest delivery still due: refused once, and due again since long before
        // the other two tenants' first deliveries.
        receiver.Answer(503);
        await waiting.CreateProjectAsync("OPS");
        Assert.Equal(1, await DeliverAsync(app));
        app.Clock!.Advance(WebhookDispatcher.Backoff(1) + TimeSpan.FromMinutes(5));
        await first.CreateProjectAsync("WEB");
        await second.CreateProjectAsync("APP");

        Assert.Equal(3, await DeliverAsync(app));
        var tenants = receiver.Received.Skip(1).Select(r => JsonDocument.Parse(r.Body).RootElement.Str("tenant_id")).ToList();
        Assert.Equal([waiting.Id, .. new[] { first.Id, second.Id }.Order()], [tenants[0], .. tenants.Skip(1).Order()]);
    }

    [Theory, BothStores]
    public async Task A_restart_during_retries_loses_nothing(StoreKind store)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.DefaultStatus = 503;
        var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var clock = app.Clock!;
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var hook = await acme.Owner.PostJsonAsync("/api/v1/webhooks", new { url = receiver.Url, events = new[] { "work_item.created" } });
        await acme.CreateWorkAsync("WEB", "First");
        Assert.Equal(1, await DeliverAsync(app));

        // The second event commits but is never sent before the restart.
        await acme.CreateWorkAsync("WEB", "Second");
        await app.DisposeAsync();

        receiver.DefaultStatus = 200;
        await using var restarted = await BosunTestApp.StartOnAsync(app.Store, clock);
        clock.Advance(WebhookDispatcher.Backoff(1));
        Assert.Equal(2, await DeliverAsync(restarted));

        var owner = restarted.ClientFor(acme.OwnerToken);
        var deliveries = (await owner.GetJsonAsync($"/api/v1/webhooks/{hook.Str("id")}/deliveries")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, deliveries.Count);
        Assert.All(deliveries, d => Assert.Equal("delivered", d.Str("status")));
        var titles = receiver.Received.Where(r => r.Headers.ContainsKey("Bosun-Delivery"))
            .Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("changes").GetProperty("title").GetProperty("after").GetString())
            .ToList();
        Assert.Equal(["First", "First", "Second"], titles.Order());
    }

    [Theory, BothStores]
    public async Task A_delivery_that_keeps_failing_for_a_day_is_given_up(StoreKind store)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.DefaultStatus = 500;
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var hook = await acme.Owner.PostJsonAsync("/api/v1/webhooks", new { url = receiver.Url });
        await acme.CreateWorkAsync("WEB", "Doomed");
        await DeliverAsync(app);

        app.Clock!.Advance(WebhookDispatcher.GiveUpAfter);
        await DeliverAsync(app);
        var delivery = (await DeliveriesAsync(acme, hook.Str("id"))).EnumerateArray().Single();
        Assert.Equal("failed", delivery.Str("status"));
        Assert.Equal(JsonValueKind.Null, delivery.GetProperty("next_attempt_at").ValueKind);
        app.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(0, await DeliverAsync(app));

        var again = await acme.Owner.PostJsonAsync($"/api/v1/webhooks/{hook.Str("id")}/deliveries/{delivery.Str("id")}/redeliver", new { });
        Assert.Equal("pending", again.Str("status"));
        receiver.DefaultStatus = 204;
        Assert.Equal(1, await DeliverAsync(app));
        Assert.Equal("delivered", (await DeliveriesAsync(acme, hook.Str("id")))[0].Str("status"));
    }

    [Theory, BothStores]
    public async Task Webhooks_are_for_owners_and_admins_and_bad_input_names_the_field(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        var (_, agent, _) = await acme.CreateAgentAsync("coder");

        var refused = await agent.PostAsJsonAsync("/api/v1/webhooks", new { url = "https://example.test/hook" }, BosunJson.Options);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        var bad = await acme.Owner.PostAsJsonAsync("/api/v1/webhooks", new { url = "ftp://example.test", events = new[] { "work_item.exploded" } }, BosunJson.Options);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.ReadJsonAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("url", out _));
        Assert.True(errors.TryGetProperty("events", out _));

        // A replayed create answers without the secret, which was shown once.
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/webhooks") { Content = JsonContent.Create(new { url = "https://example.test/hook" }) };
        request.Headers.Add("Idempotency-Key", "hook-1");
        var first = await (await acme.Owner.SendAsync(request)).ReadSuccessAsync();
        var retry = new HttpRequestMessage(HttpMethod.Post, "/api/v1/webhooks") { Content = JsonContent.Create(new { url = "https://example.test/hook" }) };
        retry.Headers.Add("Idempotency-Key", "hook-1");
        var replay = await (await acme.Owner.SendAsync(retry)).ReadSuccessAsync();
        Assert.StartsWith("whsec_", first.Str("secret"));
        Assert.Equal(first.Str("id"), replay.Str("id"));
        Assert.Equal(JsonValueKind.Null, replay.GetProperty("secret").ValueKind);

        var rotated = await acme.Owner.PostJsonAsync($"/api/v1/webhooks/{first.Str("id")}/rotate-secret", new { });
        Assert.NotEqual(first.Str("secret"), rotated.Str("secret"));
        var disabled = await acme.Owner.PatchJsonAsync($"/api/v1/webhooks/{first.Str("id")}", new { enabled = false });
        Assert.False(disabled.GetProperty("enabled").GetBoolean());
        Assert.Equal(HttpStatusCode.NoContent, (await acme.Owner.DeleteAsync($"/api/v1/webhooks/{first.Str("id")}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.Owner.GetAsync($"/api/v1/webhooks/{first.Str("id")}")).StatusCode);
    }
}
