using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Notifications;

/// What a person is told about. <see cref="NotificationKinds"/> says which events each comes from.
public enum NotificationKind { Assigned, Approval, Blocked, Escalation, Question, BudgetWarning, BudgetStop, Mention, ConnectionExpired }

public enum DigestMode { None, Hourly, Daily }

public enum NotificationChannel { Email, Chat }

public enum NotificationDeliveryStatus { Pending, Delivered, Failed }

/// One thing one person is told about one event: the in-app list, and the anchor its email and chat deliveries hang
/// from. Unique per (event, person), so an event never reaches a person twice, whatever kinds it has for them.
public sealed class Notification : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string UserId { get; set; }
    public NotificationKind Kind { get; set; }
    public long EventSeq { get; set; }
    public required string Title { get; set; }
    public string? Body { get; set; }

    /// The page it is about, as a path ("/work/WEB-3").
    public string? Link { get; set; }
    public string? ProjectId { get; set; }
    public string? WorkItemId { get; set; }
    public required string ActorName { get; set; }

    /// False when the person turned the in-app list off for this kind but still gets it by email or chat.
    public bool Listed { get; set; } = true;
    public DateTime? ReadAt { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// A person's choice for one kind; a kind without a row takes <see cref="NotificationKinds.Default"/>.
public sealed class NotificationPreference : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public required string UserId { get; set; }
    public NotificationKind Kind { get; set; }
    public bool InApp { get; set; }
    public bool Email { get; set; }
    public bool Chat { get; set; }
    public DigestMode Digest { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// A Slack-compatible incoming-webhook URL: a person's own (for the kinds they send to chat) or a project's channel,
/// which hears the project's events of the route's kinds once each. The URL carries the channel's credential, so it
/// is sealed and never shown again; <see cref="UrlHint"/> is its host.
public sealed class ChatRoute : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public string? ProjectId { get; set; }
    public string? UserId { get; set; }
    public required string UrlSealed { get; set; }
    public required string UrlHint { get; set; }

    /// Comma-separated kinds a project route hears ("approval,blocked"); a person's route follows their preferences.
    public required string Kinds { get; set; }
    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// One message on its way to one address: written in the transaction that decided it, sent by the outbox, retried with
/// backoff. <see cref="DedupeKey"/> is unique per tenant, so a message is decided once however often its event is seen.
/// A delivery with <see cref="DigestAt"/> waits for its person's digest and goes out with the others due then.
public sealed class NotificationDelivery : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string DedupeKey { get; set; }
    public string? NotificationId { get; set; }
    public string? UserId { get; set; }
    public string? RouteId { get; set; }
    public NotificationChannel Channel { get; set; }

    /// A notification kind, or an account email ("password_reset", "email_verification").
    public required string Kind { get; set; }
    public string? ToAddress { get; set; }
    public required string Subject { get; set; }

    /// Plain text, or sealed with <see cref="Integrations.SecretBox"/> when <see cref="Confidential"/> (it carries a sign-in
    /// link). Such rows live an hour or three days, so the key check of a restore leaves them out: one that no longer opens
    /// fails its delivery, and the person asks for a new link.
    public required string Body { get; set; }
    public bool Confidential { get; set; }
    public DateTime? DigestAt { get; set; }
    public NotificationDeliveryStatus Status { get; set; } = NotificationDeliveryStatus.Pending;
    public int Attempts { get; set; }
    public DateTime? NextAttemptAt { get; set; }
    public DateTime? LastAttemptAt { get; set; }
    public string? LastError { get; set; }
    public DateTime? DeliveredAt { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// Each try at sending a delivery, kept with the delivery.
public sealed class NotificationAttempt : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public required string DeliveryId { get; set; }
    public int Number { get; set; }
    public DateTime At { get; set; }
    public bool Delivered { get; set; }
    public string? Error { get; set; }
}

/// The last stream event of a tenant already turned into notifications.
public sealed class NotificationCursor : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public long CursorSeq { get; set; }
}

internal sealed class NotificationConfiguration : IEntityTypeConfiguration<Notification>
{
    public void Configure(EntityTypeBuilder<Notification> b)
    {
        b.ToTable("notifications");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.HasOne<Identity.Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.Property(x => x.Title).HasMaxLength(300);
        b.Property(x => x.Body).HasMaxLength(2000);
        b.Property(x => x.Link).HasMaxLength(500);
        b.Property(x => x.ActorName).HasMaxLength(200);
        b.HasIndex(x => new { x.TenantId, x.UserId, x.EventSeq }).IsUnique();
        b.HasIndex(x => new { x.TenantId, x.UserId, x.Id }).HasDatabaseName("ix_notifications_list").HasFilter("listed");
        b.HasIndex(x => new { x.TenantId, x.UserId }).HasDatabaseName("ix_notifications_unread").HasFilter("listed AND read_at IS NULL");
    }
}

internal sealed class NotificationPreferenceConfiguration : IEntityTypeConfiguration<NotificationPreference>
{
    public void Configure(EntityTypeBuilder<NotificationPreference> b)
    {
        b.ToTable("notification_preferences");
        b.HasKey(x => new { x.TenantId, x.UserId, x.Kind });
        b.HasOne<Identity.Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class ChatRouteConfiguration : IEntityTypeConfiguration<ChatRoute>
{
    public void Configure(EntityTypeBuilder<ChatRoute> b)
    {
        b.ToTable("chat_routes");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.HasOne<Identity.Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.Property(x => x.UrlSealed).HasMaxLength(3000);
        b.Property(x => x.UrlHint).HasMaxLength(300);
        b.Property(x => x.Kinds).HasMaxLength(500);
        b.Property(x => x.CreatedBy).HasMaxLength(40);
        b.HasIndex(x => new { x.TenantId, x.ProjectId });
        b.HasIndex(x => new { x.TenantId, x.UserId }).IsUnique().HasFilter("user_id IS NOT NULL");
    }
}

internal sealed class NotificationDeliveryConfiguration : IEntityTypeConfiguration<NotificationDelivery>
{
    public void Configure(EntityTypeBuilder<NotificationDelivery> b)
    {
        b.ToTable("notification_deliveries");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.HasOne<Identity.Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.Property(x => x.DedupeKey).HasMaxLength(120);
        b.Property(x => x.Kind).HasMaxLength(40);
        b.Property(x => x.ToAddress).HasMaxLength(320);
        b.Property(x => x.Subject).HasMaxLength(300);
        b.Property(x => x.LastError).HasMaxLength(2000);
        b.HasIndex(x => new { x.TenantId, x.DedupeKey }).IsUnique();
        b.HasIndex(x => new { x.TenantId, x.NotificationId });
        b.HasIndex(x => x.NextAttemptAt).HasDatabaseName("ix_notification_deliveries_due").HasFilter("status = 'pending'");
    }
}

internal sealed class NotificationAttemptConfiguration : IEntityTypeConfiguration<NotificationAttempt>
{
    public void Configure(EntityTypeBuilder<NotificationAttempt> b)
    {
        b.ToTable("notification_attempts");
        b.HasKey(x => new { x.TenantId, x.DeliveryId, x.Number });
        b.HasOne<NotificationDelivery>().WithMany().HasForeignKey(x => new { x.TenantId, x.DeliveryId }).OnDelete(DeleteBehavior.Cascade);
        b.Property(x => x.Error).HasMaxLength(2000);
    }
}

internal sealed class NotificationCursorConfiguration : IEntityTypeConfiguration<NotificationCursor>
{
    public void Configure(EntityTypeBuilder<NotificationCursor> b)
    {
        b.ToTable("notification_cursors");
        b.HasKey(x => x.TenantId);
        b.HasOne<Identity.Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
    }
}
