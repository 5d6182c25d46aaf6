using System.Net;
using System.Security.Cryptography;
using System.Text;
using Bosun.Core.Automation;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Tests.Automation;

public sealed class InboundTriggerTests
{
    private static string Sign(string secret, long timestamp, string body) =>
        "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    private static async Task<HttpStatusCode> CallAsync(BosunTestApp app, string url, string body, long? timestamp, string? signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (timestamp is { } t)
        {
            request.Headers.Add("Bosun-Timestamp", t.ToString());
        }

        if (signature is not null)
        {
            request.Headers.Add("Bosun-Signature", signature);
        }

        return (await app.Anonymous().SendAsync(request)).StatusCode;
    }

    [Theory, BothStores]
    public async Task A_signed_call_fires_the_rule_with_its_body_and_unsigned_stale_or_replayed_calls_do_nothing(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("OPS");
        var rule = await acme.Owner.PostJsonAsync("/api/v1/rules", new
        {
            name = "Alert to ticket", @event = "inbound",
            actions = new object[] { new { type = "create_item", project = "OPS", title = "Alert: {{body.alert.name}}", input = new { severity = "{{body.alert.severity}}" } } },
        });
        var trigger = await acme.Owner.PostJsonAsync($"/api/v1/rules/{rule.Str("id")}/inbound", new { });
        var secret = trigger.Str("secret");
        var url = trigger.Str("url");
        Assert.StartsWith("ihsec_", secret);
        Assert.Equal($"/api/v1/hooks/{acme.Id}/{trigger.Str("id")}", url);

        // Shown once, stored sealed.
        var read = await acme.Owner.GetJsonAsync($"/api/v1/rules/{rule.Str("id")}");
        Assert.Equal(secret[..12], read.GetProperty("inbound").Str("secret_prefix"));
        Assert.DoesNotContain(secret, read.GetRawText());
        var stored = await app.WithDbAsync(db => db.Set<InboundTrigger>().IgnoreQueryFilters().Select(t => t.SecretSealed).SingleAsync());
        Assert.DoesNotContain(secret[6..], stored);

        var now = app.Clock!.GetUtcNow().ToUnixTimeSeconds();
        var body = """{"alert": {"name": "disk full", "severity": 2}}""";
        Assert.Equal(HttpStatusCode.Accepted, await CallAsync(app, url, body, now, Sign(secret, now, body)));

        // Replayed, unsigned, badly signed, stale, from the future, or signed with another secret: 401, nothing happens.
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(app, url, body, now, Sign(secret, now, body)));
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(app, url, body, null, null));
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(app, url, body, now, null));
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(app, url, body.Replace("disk", "dusk"), now, Sign(secret, now, body)));
        var stale = now - 600;
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(app, url, body, stale, Sign(secret, stale, body)));
        var future = now + 600;
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(app, url, body, future, Sign(secret, future, body)));
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(app, url, body, now, Sign("ihsec_wrong", now, body)));
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(app, $"/api/v1/hooks/{acme.Id}/{Bosun.Core.Common.Ids.New()}", body, now, Sign(secret, now, body)));

        await RuleTests.RunRulesAsync(app);
        var items = (await acme.Owner.GetJsonAsync("/api/v1/work")).GetProperty("items").EnumerateArray().ToList();
        var item = Assert.Single(items);
        Assert.Equal("Alert: disk full", item.Str("title"));
        Assert.Equal(2, item.GetProperty("input").GetProperty("severity").GetInt32());
        var action = Assert.Single(await RuleTests.ActionsAsync(acme, rule.Str("id")));
        Assert.Equal("inbound", action.Str("event_type"));
        Assert.Equal("done", action.Str("status"));

        // A later call, signed anew, fires again; a rotated secret retires the old one.
        app.Clock.Advance(TimeSpan.FromSeconds(30));
        var later = app.Clock.GetUtcNow().ToUnixTimeSeconds();
        Assert.Equal(HttpStatusCode.Accepted, await CallAsync(app, url, body, later, Sign(secret, later, body)));
        var rotated = await acme.Owner.PostJsonAsync($"/api/v1/rules/{rule.Str("id")}/inbound", new { });
        Assert.Equal(url, rotated.Str("url"));
        var body2 = """{"alert": {"name": "cpu hot"}}""";
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(app, url, body2, later, Sign(secret, later, body2)));
        Assert.Equal(HttpStatusCode.Accepted, await CallAsync(app, url, body2, later, Sign(rotated.Str("secret"), later, body2)));
        await RuleTests.RunRulesAsync(app);
        Assert.Equal(3, (await acme.Owner.GetJsonAsync("/api/v1/work")).GetProperty("items").GetArrayLength());
    }

    [Theory, BothStores]
    public async Task A_signed_call_fires_its_schedule_once_with_the_body_as_variables_and_another_tenants_url_is_refused(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        var globex = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("OPS");
        var schedule = (await acme.Owner.PostJsonAsync("/api/v1/schedules", new
        {
            name = "Deploy check", project = "OPS", title = "Check the {{service}} deploy", description = "Fired at {{fire_time}}",
        })).Str("id");
        var trigger = await acme.Owner.PostJsonAsync($"/api/v1/schedules/{schedule}/inbound", new { });
        Assert.StartsWith("ihsec_", trigger.Str("secret"));
        var read = await acme.Owner.GetJsonAsync($"/api/v1/schedules/{schedule}");
        Assert.Equal(trigger.Str("url"), read.GetProperty("inbound").Str("url"));
        Assert.DoesNotContain(trigger.Str("secret"), read.GetRawText());

        var now = app.Clock!.GetUtcNow().ToUnixTimeSeconds();
        var body = """{"service": "billing"}""";
        var signature = Sign(trigger.Str("secret"), now, body);

        // The same trigger under another tenant's id is not found there; a replay does nothing.
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(app, $"/api/v1/hooks/{globex.Id}/{trigger.Str("id")}", body, now, signature));
        Assert.Equal(HttpStatusCode.Accepted, await CallAsync(app, trigger.Str("url"), body, now, signature));
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(app, trigger.Str("url"), body, now, signature));

        var firing = Assert.Single(await acme.FiringsAsync(schedule));
        Assert.Equal(("fired", "manual", $"inbound:{trigger.Str("id")}"), (firing.Str("status"), firing.Str("trigger"), firing.Str("actor_ref")));
        var item = await acme.Owner.GetJsonAsync($"/api/v1/work/{firing.GetProperty("items")[0].Str("key")}");
        Assert.Equal(("Check the billing deploy", $"schedule:{schedule}"), (item.Str("title"), item.Str("created_by")));

        // A body that is not an object of variables is refused naming it, and nothing is recorded.
        var array = "[1, 2]";
        var refused = await CallAsync(app, trigger.Str("url"), array, now, Sign(trigger.Str("secret"), now, array));
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.Single(await acme.FiringsAsync(schedule));
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<InboundCall>().IgnoreQueryFilters().CountAsync()));

        // Deleting the schedule removes its URL with it.
        await acme.Owner.DeleteAsync($"/api/v1/schedules/{schedule}");
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<InboundTrigger>().IgnoreQueryFilters().CountAsync()));
    }

    [Theory, BothStores]
    public async Task A_disabled_rule_accepts_no_inbound_calls(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("OPS");
        var rule = await acme.Owner.PostJsonAsync("/api/v1/rules", new
        {
            name = "Echo", @event = "inbound", actions = new object[] { new { type = "create_item", project = "OPS", title = "x" } },
        });
        var trigger = await acme.Owner.PostJsonAsync($"/api/v1/rules/{rule.Str("id")}/inbound", new { });
        var now = app.Clock!.GetUtcNow().ToUnixTimeSeconds();
        await acme.Owner.PostJsonAsync($"/api/v1/rules/{rule.Str("id")}/disable", new { });
        Assert.Equal(HttpStatusCode.Conflict, await CallAsync(app, trigger.Str("url"), "{}", now, Sign(trigger.Str("secret"), now, "{}")));
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<InboundCall>().IgnoreQueryFilters().CountAsync()));
    }
}
