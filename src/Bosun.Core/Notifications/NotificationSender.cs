using System.Net.Http.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Integrations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bosun.Core.Notifications;

/// The outbox: sends due email and chat deliveries, one message per delivery, or one per person for a digest's due
/// deliveries. Each attempt is claimed by a conditional update first (safe with several processes), recorded, and a
/// failure retried with the webhooks' backoff for a day. An email carries its delivery id as Message-Id, so in the
/// rare case a process dies between sending and recording, the repeat that follows can be recognised as one.
public sealed class NotificationSender(IServiceScopeFactory scopes, TimeProvider clock, MailSender mail, WebhookTransport transport, ILogger<NotificationSender> logger)
{
    private const int SendBatch = 200;
    private static readonly TimeSpan InFlightLease = TimeSpan.FromMinutes(2);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<int> SendDueAsync(CancellationToken ct)
    {
        var now = Now;
        List<string> tenants;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            tenants = await db.Set<NotificationDelivery>().IgnoreQueryFilters().AsNoTracking()
                .Where(d => d.Status == NotificationDeliveryStatus.Pending && d.NextAttemptAt <= now)
                .GroupBy(d => d.TenantId).OrderBy(g => g.Min(d => d.NextAttemptAt)).Select(g => g.Key).Take(100).ToListAsync(ct);
        }

        var attempts = 0;
        foreach (var tenantId in tenants)
        {
            int sent;
            do
            {
                sent = await SendTenantAsync(tenantId, ct);
                attempts += sent;
            }
            while (sent >= SendBatch);
        }

        return attempts;
    }

    /// One message: the deliveries it carries (several for a digest), where it goes and what it says.
    private sealed record Message(IReadOnlyList<NotificationDelivery> Deliveries, NotificationChannel Channel, string Target, string Subject, string Body);

    private async Task<int> SendTenantAsync(string tenantId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(tenantId, Actor.System);
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        var box = scope.ServiceProvider.GetRequiredService<SecretBox>();

        // Claim first, in a short transaction: pushing the next attempt out keeps other processes off these rows while they
        // are sent; a process that dies mid-send leaves them to be retried when the push runs out.
        // Whole milliseconds: PostgreSQL keeps microseconds, and the lease is compared for equality when the outcome is written.
        var lease = Now + InFlightLease;
        lease = lease.AddTicks(-(lease.Ticks % TimeSpan.TicksPerMillisecond));
        var (claimed, routes) = await db.InTransactionAsync(async c =>
        {
            var ids = await NotificationStatements.DueAsync(db, tenantId, Now, SendBatch, c);
            if (ids.Count == 0)
            {
                return ([], new Dictionary<string, ChatRoute>());
            }

            await db.Set<NotificationDelivery>().Where(x => ids.Contains(x.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.Attempts, x => x.Attempts + 1).SetProperty(x => x.NextAttemptAt, lease), c);
            var mine = await db.Set<NotificationDelivery>().AsNoTracking().Where(x => ids.Contains(x.Id)).ToListAsync(c);
            var routeIds = mine.Select(d => d.RouteId).OfType<string>().Distinct().ToList();
            var routes = await db.Set<ChatRoute>().AsNoTracking().Where(r => routeIds.Contains(r.Id)).ToDictionaryAsync(r => r.Id, c);
            return (mine, routes);
        }, write: true, ct);
        if (claimed.Count == 0)
        {
            return 0;
        }

        var messages = Compose(claimed, routes, box, out var unsendable);
        var errors = new Dictionary<string, string?>();
        foreach (var (id, error) in unsendable)
        {
            errors[id] = error;
        }

        var emails = messages.Where(m => m.Channel == NotificationChannel.Email).ToList();
        var chats = messages.Where(m => m.Channel == NotificationChannel.Chat).ToList();
        var sending = chats.Select(async m => (m, await PostChatAsync(m, routes, box, ct))).ToList();
        if (emails.Count > 0)
        {
            var results = await mail.SendAsync(emails.Select(m => new OutgoingMail(m.Deliveries[0].Id, m.Target, m.Subject, m.Body)).ToList(), ct);
            for (var i = 0; i < emails.Count; i++)
            {
                foreach (var d in emails[i].Deliveries)
                {
                    errors[d.Id] = results[i];
                }
            }
        }

        foreach (var (m, error) in await Task.WhenAll(sending))
        {
            foreach (var d in m.Deliveries)
            {
                errors[d.Id] = error;
            }
        }

        await RecordAsync(db, claimed, errors, lease, ct);
        return claimed.Count;
    }

    private static List<Message> Compose(List<NotificationDelivery> claimed, Dictionary<string, ChatRoute> routes, SecretBox box, out List<(string Id, string Error)> unsendable)
    {
        unsendable = [];
        var messages = new List<Message>();
        foreach (var group in claimed.GroupBy(d => (d.Channel, Target: d.Channel == NotificationChannel.Email ? d.ToAddress ?? "" : d.RouteId ?? "", d.DigestAt)))
        {
            if (group.Key.Channel == NotificationChannel.Chat && !routes.ContainsKey(group.Key.Target))
            {
                unsendable.AddRange(group.Select(d => (d.Id, "The chat route was removed.")));
                continue;
            }

            var list = group.ToList();
            string Body(NotificationDelivery d) => d.Confidential ? box.Open(d.Body, SealPurpose(d.TenantId, d.Id)) : d.Body;
            if (group.Key.DigestAt is null)
            {
                messages.AddRange(list.Select(d => new Message([d], d.Channel, group.Key.Target, d.Subject, d.Channel == NotificationChannel.Chat ? d.Body : Body(d))));
            }
            else
            {
                var lines = list.Select(d => $"- {d.Subject}{(d.Body.Length > 0 ? "\n  " + d.Body.Replace("\n", "\n  ", StringComparison.Ordinal) : "")}");
                messages.Add(new Message(list, group.Key.Channel, group.Key.Target, $"Bosun: {list.Count} notification{(list.Count == 1 ? "" : "s")}",
                    string.Join("\n", lines)));
            }
        }

        return messages;
    }

    private async Task<string?> PostChatAsync(Message m, Dictionary<string, ChatRoute> routes, SecretBox box, CancellationToken ct)
    {
        var route = routes[m.Target];
        try
        {
            var url = box.Open(route.UrlSealed, ChatRoutePurpose(route.TenantId, route.Id));
            var text = m.Body.Length > 0 ? $"{m.Subject}\n{m.Body}" : m.Subject;
            using var response = await transport.Client.PostAsJsonAsync(url, new { text }, ct);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Security.Cryptography.CryptographicException && !ct.IsCancellationRequested)
        {
            // The message names neither the URL nor its token: the exception text of a failed request can carry both.
            return ex is TaskCanceledException ? "timed out" : $"request failed ({ex.GetType().Name})";
        }
    }

    /// Writes each attempt's outcome, unless the claim ran out meanwhile and another process took the delivery over (its
    /// lease is then another): one statement for every delivered message, one per failure.
    private async Task RecordAsync(BosunDb db, List<NotificationDelivery> claimed, Dictionary<string, string?> errors, DateTime lease, CancellationToken ct)
    {
        await db.InTransactionAsync(async c =>
        {
            var now = Now;
            var delivered = claimed.Where(d => errors.GetValueOrDefault(d.Id) is null).Select(d => d.Id).ToList();
            if (delivered.Count > 0)
            {
                await db.Set<NotificationDelivery>()
                    .Where(x => delivered.Contains(x.Id) && x.NextAttemptAt == lease && x.Status == NotificationDeliveryStatus.Pending)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(x => x.Status, NotificationDeliveryStatus.Delivered)
                        .SetProperty(x => x.NextAttemptAt, (DateTime?)null)
                        .SetProperty(x => x.LastAttemptAt, now)
                        .SetProperty(x => x.LastError, (string?)null)
                        .SetProperty(x => x.DeliveredAt, now), c);
            }

            foreach (var d in claimed)
            {
                var error = errors.GetValueOrDefault(d.Id);
                var cut = error is null ? null : error.Length > 2000 ? error[..2000] : error;
                db.Add(new NotificationAttempt { DeliveryId = d.Id, Number = d.Attempts, At = now, Delivered = error is null, Error = cut });
                if (error is null)
                {
                    continue;
                }

                var giveUp = now - d.CreatedAt >= WebhookDispatcher.GiveUpAfter;
                var next = giveUp ? (DateTime?)null : now + WebhookDispatcher.Backoff(d.Attempts);
                var outcome = giveUp ? NotificationDeliveryStatus.Failed : NotificationDeliveryStatus.Pending;
                await db.Set<NotificationDelivery>()
                    .Where(x => x.Id == d.Id && x.NextAttemptAt == lease && x.Status == NotificationDeliveryStatus.Pending)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(x => x.Status, outcome)
                        .SetProperty(x => x.NextAttemptAt, next)
                        .SetProperty(x => x.LastAttemptAt, now)
                        .SetProperty(x => x.LastError, cut), c);
                logger.LogInformation("Notification delivery {DeliveryId} ({Channel}) attempt {Attempt} failed: {Error}; {Outcome}",
                    d.Id, d.Channel, d.Attempts, cut, giveUp ? "giving up" : $"retrying at {next:O}");
            }

            await db.SaveChangesAsync(c);
        }, write: true, ct);
    }

    /// Read notifications older than 90 days, finished deliveries (and their attempts) older than 30, and used or expired
    /// account links: what no one needs any more.
    public async Task<(int Notifications, int Deliveries)> PruneAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        var now = Now;
        var read = now - TimeSpan.FromDays(90);
        var notifications = await db.Set<Notification>().IgnoreQueryFilters().Where(n => n.ReadAt != null && n.ReadAt < read).ExecuteDeleteAsync(ct);
        var finished = now - TimeSpan.FromDays(30);
        var deliveries = await db.Set<NotificationDelivery>().IgnoreQueryFilters()
            .Where(d => d.Status != NotificationDeliveryStatus.Pending && d.CreatedAt < finished).ExecuteDeleteAsync(ct);
        await db.Set<Identity.AccountToken>().IgnoreQueryFilters().Where(t => t.ExpiresAt < now - TimeSpan.FromDays(1)).ExecuteDeleteAsync(ct);
        return (notifications, deliveries);
    }

    public static string SealPurpose(string tenantId, string deliveryId) => $"notification:{tenantId}:{deliveryId}";

    public static string ChatRoutePurpose(string tenantId, string routeId) => $"chat-route:{tenantId}:{routeId}";
}
