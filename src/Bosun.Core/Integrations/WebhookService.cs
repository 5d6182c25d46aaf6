using System.Security.Cryptography;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Core.Identity;
using Bosun.Core.Realtime;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Integrations;

public sealed record WebhookRequest(string? Url, IReadOnlyList<string>? Events, bool? Enabled, string? Description);

public sealed record WebhookView(
    string Id, string Url, string? Description, IReadOnlyList<string> Events, bool Enabled, string SecretPrefix,
    DateTime CreatedAt, DateTime UpdatedAt)
{
    public static WebhookView From(Webhook w) => new(
        w.Id, w.Url, w.Description, WebhookService.SplitTypes(w.EventTypes), w.Enabled, w.SecretPrefix, w.CreatedAt, w.UpdatedAt);
}

/// A webhook with its signing secret, answered only when the secret is created or replaced.
public sealed record WebhookWithSecret(
    string Id, string Url, string? Description, IReadOnlyList<string> Events, bool Enabled, string SecretPrefix,
    DateTime CreatedAt, DateTime UpdatedAt, string? Secret)
{
    public static WebhookWithSecret From(Webhook w, string secret) => new(
        w.Id, w.Url, w.Description, WebhookService.SplitTypes(w.EventTypes), w.Enabled, w.SecretPrefix, w.CreatedAt, w.UpdatedAt, secret);
}

public sealed record WebhookDeliveryView(
    string Id, string WebhookId, long EventId, string EventType, DeliveryStatus Status, int Attempts, DateTime? NextAttemptAt,
    DateTime? LastAttemptAt, int? LastStatusCode, string? LastError, DateTime? DeliveredAt, DateTime CreatedAt)
{
    public static WebhookDeliveryView From(WebhookDelivery d) => new(
        d.Id, d.WebhookId, d.EventSeq, d.EventType, d.Status, d.Attempts, d.NextAttemptAt, d.LastAttemptAt, d.LastStatusCode,
        d.LastError, d.DeliveredAt, d.CreatedAt);
}

/// Registering webhooks: owners and admins choose where the tenant's events go. A new webhook receives the
/// events that happen after it is created.
public sealed class WebhookService(BosunDb db, RequestContext context, TimeProvider clock, SecretBox secrets, StreamSignal signal, StreamService stream)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public static IReadOnlyList<string> SplitTypes(string types) =>
        types.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public async Task<Page<WebhookView>> ListAsync(PageRequest page, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageWebhooks);
        var query = db.Set<Webhook>().AsNoTracking().AsQueryable();
        if (page.Cursor is { } cursor)
        {
            query = query.Where(w => string.Compare(w.Id, cursor) > 0);
        }

        return await query.OrderBy(w => w.Id).ToPageAsync(page, w => w.Id, WebhookView.From, ct);
    }

    public async Task<WebhookView> GetAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageWebhooks);
        return WebhookView.From(await FindAsync(id, ct));
    }

    public async Task<WebhookWithSecret> CreateAsync(WebhookRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageWebhooks);
        var problem = new ValidationProblem();
        var url = Check.HttpUrl(problem, "url", request.Url, required: true);
        var types = CheckTypes(problem, request.Events ?? ["*"]);
        var description = Check.Text(problem, "description", request.Description, 500);
        problem.ThrowIfAny();

        var secret = NewSecret();
        var webhook = new Webhook
        {
            Url = url!,
            Description = description,
            EventTypes = types,
            Enabled = request.Enabled ?? true,
            SecretSealed = "",
            SecretPrefix = secret[..12],
            // The stream's head once everything committed so far has its number: from now on, nothing from before.
            CursorSeq = await stream.HeadAsync(ct),
            CreatedBy = context.Actor.Ref,
        };
        webhook.SecretSealed = secrets.Seal(secret, Purpose(context.RequireTenant(), webhook.Id));
        db.Set<Webhook>().Add(webhook);
        AuditLog.Record(db, "webhook.created", "webhook", webhook.Id,
            new { url = new { after = webhook.Url }, events = new { after = webhook.EventTypes }, enabled = new { after = webhook.Enabled } }, Now);
        await db.SaveChangesAsync(ct);
        return WebhookWithSecret.From(webhook, secret);
    }

    public async Task<WebhookView> UpdateAsync(string id, WebhookRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageWebhooks);
        var webhook = await FindAsync(id, ct);
        var problem = new ValidationProblem();
        var url = Check.HttpUrl(problem, "url", request.Url);
        var types = request.Events is null ? null : CheckTypes(problem, request.Events);
        var description = Check.Text(problem, "description", request.Description, 500);
        problem.ThrowIfAny();

        var changes = new Dictionary<string, object?>();
        void Change<T>(string field, T before, T after)
        {
            if (!EqualityComparer<T>.Default.Equals(before, after))
            {
                changes[field] = new { before, after };
            }
        }

        Change("url", webhook.Url, url ?? webhook.Url);
        Change("events", webhook.EventTypes, types ?? webhook.EventTypes);
        Change("enabled", webhook.Enabled, request.Enabled ?? webhook.Enabled);
        Change("description", webhook.Description, request.Description is null ? webhook.Description : description);
        webhook.Url = url ?? webhook.Url;
        webhook.EventTypes = types ?? webhook.EventTypes;
        webhook.Description = request.Description is null ? webhook.Description : description;
        if (request.Enabled is { } enabled && enabled && !webhook.Enabled)
        {
            // Re-enabled: deliver what happens from now on, not everything that happened while it was off.
            webhook.CursorSeq = await stream.HeadAsync(ct);
        }

        webhook.Enabled = request.Enabled ?? webhook.Enabled;
        if (changes.Count > 0)
        {
            AuditLog.Record(db, "webhook.updated", "webhook", webhook.Id, changes, Now);
        }

        await db.SaveChangesAsync(ct);
        return WebhookView.From(webhook);
    }

    public async Task DeleteAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageWebhooks);
        var webhook = await FindAsync(id, ct);
        await db.Set<WebhookDelivery>().Where(d => d.WebhookId == webhook.Id).ExecuteDeleteAsync(ct);
        db.Set<Webhook>().Remove(webhook);
        AuditLog.Record(db, "webhook.deleted", "webhook", webhook.Id, new { url = new { before = webhook.Url } }, Now);
        await db.SaveChangesAsync(ct);
    }

    /// A new signing secret; the old one stops working at once.
    public async Task<WebhookWithSecret> RotateSecretAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageWebhooks);
        var webhook = await FindAsync(id, ct);
        var secret = NewSecret();
        webhook.SecretSealed = secrets.Seal(secret, Purpose(webhook.TenantId, webhook.Id));
        webhook.SecretPrefix = secret[..12];
        AuditLog.Record(db, "webhook.secret_rotated", "webhook", webhook.Id, new { secret_prefix = new { after = webhook.SecretPrefix } }, Now);
        await db.SaveChangesAsync(ct);
        return WebhookWithSecret.From(webhook, secret);
    }

    public async Task<Page<WebhookDeliveryView>> DeliveriesAsync(string id, DeliveryStatus? status, PageRequest page, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageWebhooks);
        var webhook = await FindAsync(id, ct);
        var query = db.Set<WebhookDelivery>().AsNoTracking().Where(d => d.WebhookId == webhook.Id);
        if (status is { } s)
        {
            query = query.Where(d => d.Status == s);
        }

        // Newest first: the cursor walks back in time.
        if (page.Cursor is { } cursor)
        {
            query = query.Where(d => string.Compare(d.Id, cursor) < 0);
        }

        return await query.OrderByDescending(d => d.Id).ToPageAsync(page, d => d.Id, WebhookDeliveryView.From, ct);
    }

    /// Sends a delivery again now, whatever became of it before.
    public async Task<WebhookDeliveryView> RedeliverAsync(string id, string deliveryId, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageWebhooks);
        var webhook = await FindAsync(id, ct);
        var delivery = await db.Set<WebhookDelivery>().FirstOrDefaultAsync(d => d.Id == deliveryId && d.WebhookId == webhook.Id, ct)
                       ?? throw ProblemException.NotFound("Delivery");
        delivery.Status = DeliveryStatus.Pending;
        delivery.NextAttemptAt = Now;
        AuditLog.Record(db, "webhook.redelivery_requested", "webhook", webhook.Id, new { delivery_id = new { after = delivery.Id } }, Now);
        await db.SaveChangesAsync(ct);
        signal.Pulse(webhook.TenantId);
        return WebhookDeliveryView.From(delivery);
    }

    internal static string Purpose(string tenantId, string webhookId) => $"webhook:{tenantId}:{webhookId}";

    private async Task<Webhook> FindAsync(string id, CancellationToken ct) =>
        await db.Set<Webhook>().FirstOrDefaultAsync(w => w.Id == id, ct) ?? throw ProblemException.NotFound("Webhook");

    private static string NewSecret()
    {
        var bytes = RandomNumberGenerator.GetBytes(32);
        return "whsec_" + Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static string CheckTypes(ValidationProblem problem, IReadOnlyList<string> events)
    {
        var patterns = events.Select(e => e.Trim()).Where(e => e.Length > 0).Distinct().ToList();
        if (patterns.Count == 0)
        {
            problem.Add("events", "must name at least one event type (or \"*\")");
        }

        foreach (var pattern in patterns.Where(p => !StreamEvents.Types.Any(t => StreamEvents.Matches(p, t))))
        {
            problem.Add("events", $"'{pattern}' matches no event type; known: {string.Join(", ", StreamEvents.Types)}, or 'work_item.*', '*'");
        }

        return string.Join(",", patterns);
    }
}
