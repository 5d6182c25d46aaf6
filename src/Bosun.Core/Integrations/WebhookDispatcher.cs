using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Realtime;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bosun.Core.Integrations;

/// The HTTP client deliveries go out on. It never follows redirects: Bosun posts only to the URL a tenant registered.
public sealed class WebhookTransport(HttpMessageHandler handler)
{
    public WebhookTransport() : this(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
    }

    public HttpClient Client { get; } = new(handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(15) };
}

/// Moves events to webhooks: turns new stream events into deliveries (in the database, so a restart loses
/// nothing), then posts the due ones, signed, and reschedules failures with exponential backoff for 24 hours.
/// Safe with several Bosun processes: fan-out locks the webhook row, and each delivery attempt is claimed by a
/// conditional update before it is sent.
public sealed class WebhookDispatcher(IServiceScopeFactory scopes, TimeProvider clock, WebhookTransport transport, StreamSequencer sequencer, ILogger<WebhookDispatcher> logger)
{
    public const string SignatureHeader = "Bosun-Signature";
    public const string TimestampHeader = "Bosun-Timestamp";
    public const string EventHeader = "Bosun-Event";
    public const string DeliveryHeader = "Bosun-Delivery";

    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromHours(24);
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromHours(1);
    private static readonly TimeSpan InFlightLease = TimeSpan.FromMinutes(2);
    private const int FanOutBatch = 500;
    private const int SendBatch = 20;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// One pass: fan out new events, then send everything due. Returns the number of delivery attempts made.
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        await FanOutAsync(ct);
        var attempts = 0;
        int sent;
        do
        {
            sent = await SendDueAsync(ct);
            attempts += sent;
        }
        while (sent >= SendBatch);
        return attempts;
    }

    /// The wait before attempt <paramref name="attempt"/> + 1: 10 s, 20 s, 40 s, ... at most an hour.
    public static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromTicks(Math.Min(LongestRetry.Ticks, FirstRetry.Ticks * (1L << Math.Min(attempt - 1, 20))));

    /// The signature a receiver recomputes: hex HMAC-SHA256 with the secret over "{timestamp}.{body}".
    public static string Sign(string secret, long timestamp, string body) =>
        "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp.ToString(CultureInfo.InvariantCulture)}.{body}")));

    public async Task FanOutAsync(CancellationToken ct)
    {
        await sequencer.CatchUpAllAsync(ct);
        List<(string TenantId, string Id)> behind;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            behind = (await db.Set<Webhook>().IgnoreQueryFilters().AsNoTracking()
                    .Where(w => w.Enabled && db.Set<StreamHead>().IgnoreQueryFilters().Any(h => h.TenantId == w.TenantId && h.LastSeq > w.CursorSeq))
                    .Select(w => new { w.TenantId, w.Id }).ToListAsync(ct))
                .Select(w => (w.TenantId, w.Id)).ToList();
        }

        foreach (var (tenantId, webhookId) in behind)
        {
            while (await FanOutOneAsync(tenantId, webhookId, ct) == FanOutBatch)
            {
            }
        }
    }

    private async Task<int> FanOutOneAsync(string tenantId, string webhookId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(tenantId, Actor.System);
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        return await db.InTransactionAsync(async c =>
        {
            await RowLock.LockAsync(db, "webhooks", webhookId, c);
            var webhook = await db.Set<Webhook>().AsNoTracking().FirstOrDefaultAsync(w => w.Id == webhookId && w.Enabled, c);
            if (webhook is null)
            {
                return 0;
            }

            var events = await db.Set<StreamEvent>().AsNoTracking().Where(e => e.Seq > webhook.CursorSeq)
                .OrderBy(e => e.Seq).Take(FanOutBatch).ToListAsync(c);
            if (events.Count == 0)
            {
                return 0;
            }

            var patterns = WebhookService.SplitTypes(webhook.EventTypes);
            var now = Now;
            foreach (var e in events.Where(e => patterns.Any(p => StreamEvents.Matches(p, e.Type))))
            {
                var delivery = new WebhookDelivery
                {
                    WebhookId = webhook.Id,
                    EventSeq = e.Seq,
                    EventType = e.Type,
                    PayloadJson = "",
                    NextAttemptAt = now,
                    CreatedAt = now,
                };
                delivery.PayloadJson = JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["id"] = delivery.Id,
                    ["type"] = e.Type,
                    ["event_id"] = e.Seq,
                    ["tenant_id"] = tenantId,
                    ["webhook_id"] = webhook.Id,
                    ["created_at"] = e.CreatedAt,
                    ["data"] = StreamEventView.From(e),
                }, Json);
                db.Set<WebhookDelivery>().Add(delivery);
            }

            var last = events[^1].Seq;
            await db.Set<Webhook>().Where(w => w.Id == webhook.Id).ExecuteUpdateAsync(s => s.SetProperty(w => w.CursorSeq, last), c);
            await db.SaveChangesAsync(c);
            return events.Count;
        }, write: true, ct);
    }

    private async Task<int> SendDueAsync(CancellationToken ct)
    {
        var now = Now;
        List<string> tenants;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            // Tenants whose deliveries have waited longest go first, so a pass that reaches only a hundred of them
            // never leaves the same ones behind every time.
            tenants = await db.Set<WebhookDelivery>().IgnoreQueryFilters().AsNoTracking()
                .Where(d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now)
                .GroupBy(d => d.TenantId)
                .OrderBy(g => g.Min(d => d.NextAttemptAt))
                .Select(g => g.Key).Take(100).ToListAsync(ct);
        }

        var attempts = 0;
        foreach (var tenantId in tenants)
        {
            attempts += await SendTenantAsync(tenantId, ct);
        }

        return attempts;
    }

    private sealed record Attempt(WebhookDelivery Delivery, Webhook Webhook, int Number);

    private async Task<int> SendTenantAsync(string tenantId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(tenantId, Actor.System);
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        var secrets = scope.ServiceProvider.GetRequiredService<SecretBox>();

        // Claim first, in a short transaction: pushing the next attempt out keeps other processes off these rows
        // while they are sent; a process that dies mid-send leaves them to be retried when the push runs out.
        var claimed = await db.InTransactionAsync(async c =>
        {
            var now = Now;
            var due = await db.Set<WebhookDelivery>().AsNoTracking()
                .Where(d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now
                            && db.Set<Webhook>().Any(w => w.Id == d.WebhookId && w.Enabled))
                .OrderBy(d => d.NextAttemptAt).Take(SendBatch).ToListAsync(c);
            var webhookIds = due.Select(d => d.WebhookId).Distinct().ToList();
            var webhooks = await db.Set<Webhook>().AsNoTracking().Where(w => webhookIds.Contains(w.Id)).ToDictionaryAsync(w => w.Id, c);
            var mine = new List<Attempt>();
            foreach (var d in due)
            {
                var taken = await db.Set<WebhookDelivery>()
                    .Where(x => x.Id == d.Id && x.Status == DeliveryStatus.Pending && x.Attempts == d.Attempts && x.NextAttemptAt <= now)
                    .ExecuteUpdateAsync(s => s.SetProperty(x => x.Attempts, x => x.Attempts + 1).SetProperty(x => x.NextAttemptAt, now + InFlightLease), c);
                if (taken == 1)
                {
                    mine.Add(new Attempt(d, webhooks[d.WebhookId], d.Attempts + 1));
                }
            }

            return mine;
        }, write: true, ct);

        if (claimed.Count == 0)
        {
            return 0;
        }

        var results = await Task.WhenAll(claimed.Select(a => SendAsync(a, secrets, ct)));
        await db.InTransactionAsync(async c =>
        {
            foreach (var (attempt, status, error) in results)
            {
                var now = Now;
                var delivered = status is >= 200 and < 300;
                var giveUp = !delivered && now - attempt.Delivery.CreatedAt >= GiveUpAfter;
                var next = delivered || giveUp ? (DateTime?)null : now + Backoff(attempt.Number);
                var outcome = delivered ? DeliveryStatus.Delivered : giveUp ? DeliveryStatus.Failed : DeliveryStatus.Pending;
                await db.Set<WebhookDelivery>()
                    .Where(x => x.Id == attempt.Delivery.Id && x.Attempts == attempt.Number && x.Status == DeliveryStatus.Pending)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(x => x.Status, outcome)
                        .SetProperty(x => x.NextAttemptAt, next)
                        .SetProperty(x => x.LastAttemptAt, now)
                        .SetProperty(x => x.LastStatusCode, status)
                        .SetProperty(x => x.LastError, error)
                        .SetProperty(x => x.DeliveredAt, delivered ? now : (DateTime?)null), c);
                if (!delivered)
                {
                    logger.LogInformation("Webhook {WebhookId} delivery {DeliveryId} attempt {Attempt} failed ({Status}); {Outcome}",
                        attempt.Webhook.Id, attempt.Delivery.Id, attempt.Number, status?.ToString(CultureInfo.InvariantCulture) ?? "no response",
                        giveUp ? "giving up" : $"retrying at {next:O}");
                }
            }
        }, write: true, ct);
        return claimed.Count;
    }

    private async Task<(Attempt Attempt, int? Status, string? Error)> SendAsync(Attempt attempt, SecretBox secrets, CancellationToken ct)
    {
        try
        {
            var secret = secrets.Open(attempt.Webhook.SecretSealed, WebhookService.Purpose(attempt.Webhook.TenantId, attempt.Webhook.Id));
            var body = attempt.Delivery.PayloadJson;
            var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
            using var request = new HttpRequestMessage(HttpMethod.Post, attempt.Webhook.Url)
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            request.Headers.UserAgent.ParseAdd("Bosun-Webhooks/1");
            request.Headers.Add(EventHeader, attempt.Delivery.EventType);
            request.Headers.Add(DeliveryHeader, attempt.Delivery.Id);
            request.Headers.Add(TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add(SignatureHeader, Sign(secret, timestamp, body));
            using var response = await transport.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                return (attempt, status, null);
            }

            var text = await ReadSomeAsync(response, ct);
            return (attempt, status, $"HTTP {status}{(text.Length > 0 ? ": " + text : "")}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or CryptographicException or InvalidOperationException && !ct.IsCancellationRequested)
        {
            return (attempt, null, Cap(ex.Message));
        }
    }

    /// Removes what no one needs any more: stream events past retention (unless a webhook, a rule or the notifications
    /// have yet to see them) and finished deliveries older than 30 days.
    public async Task<(int Events, int Deliveries)> PruneAsync(TimeSpan eventRetention, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        var cutoff = Now - eventRetention;
        var events = await db.Set<StreamEvent>().IgnoreQueryFilters()
            .Where(e => e.CreatedAt < cutoff && e.Seq > 0
                        && !db.Set<Webhook>().IgnoreQueryFilters().Any(w => w.TenantId == e.TenantId && w.Enabled && w.CursorSeq < e.Seq)
                        && !db.Set<Automation.Rule>().IgnoreQueryFilters().Any(r => r.TenantId == e.TenantId && r.Enabled && r.CursorSeq < e.Seq)
                        && !db.Set<Notifications.NotificationCursor>().IgnoreQueryFilters().Any(n => n.TenantId == e.TenantId && n.CursorSeq < e.Seq))
            .ExecuteDeleteAsync(ct);
        var finished = Now - TimeSpan.FromDays(30);
        var deliveries = await db.Set<WebhookDelivery>().IgnoreQueryFilters()
            .Where(d => d.Status != DeliveryStatus.Pending && d.CreatedAt < finished)
            .ExecuteDeleteAsync(ct);
        return (events, deliveries);
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private static async Task<string> ReadSomeAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            return Cap(text.Trim(), 500);
        }
        catch (HttpRequestException)
        {
            return "";
        }
    }

    private static string Cap(string text, int max = 2000) => text.Length <= max ? text : text[..max];
}
