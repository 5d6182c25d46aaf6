using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Integrations;

/// An address a tenant registered to receive its events, signed with a secret only Bosun and the tenant know.
/// Changes are audited explicitly (<see cref="WebhookService"/>), so the sealed secret never reaches the audit log.
public sealed class Webhook : ITenantScoped, IHasTimestamps
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string Url { get; set; }
    public string? Description { get; set; }

    /// Comma-separated event types or patterns ("work_item.*", "run.ended", "*").
    public required string EventTypes { get; set; }
    public bool Enabled { get; set; } = true;

    /// The signing secret, sealed with <see cref="SecretBox"/>.
    public required string SecretSealed { get; set; }
    public required string SecretPrefix { get; set; }

    /// The last stream event already turned into deliveries.
    public long CursorSeq { get; set; }
    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public enum DeliveryStatus { Pending, Delivered, Failed }

/// One event on its way to one webhook: written before it is sent, so neither a failing receiver nor a
/// restart loses it; retried with backoff for a day.
public sealed class WebhookDelivery : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string WebhookId { get; set; }
    public long EventSeq { get; set; }
    public required string EventType { get; set; }

    /// The exact body sent on every attempt.
    public required string PayloadJson { get; set; }
    public DeliveryStatus Status { get; set; } = DeliveryStatus.Pending;
    public int Attempts { get; set; }
    public DateTime? NextAttemptAt { get; set; }
    public DateTime? LastAttemptAt { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
    public DateTime? DeliveredAt { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class WebhookConfiguration : IEntityTypeConfiguration<Webhook>
{
    public void Configure(EntityTypeBuilder<Webhook> b)
    {
        b.ToTable("webhooks");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.HasOne<Identity.Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.Property(x => x.Url).HasMaxLength(2000);
        b.Property(x => x.Description).HasMaxLength(500);
        b.Property(x => x.EventTypes).HasMaxLength(2000);
        b.Property(x => x.SecretSealed).HasMaxLength(500);
        b.Property(x => x.SecretPrefix).HasMaxLength(20);
        b.Property(x => x.CreatedBy).HasMaxLength(40);
    }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> b)
    {
        b.ToTable("webhook_deliveries");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.HasOne<Webhook>().WithMany().HasForeignKey(x => new { x.TenantId, x.WebhookId }).OnDelete(DeleteBehavior.Cascade);
        b.Property(x => x.EventType).HasMaxLength(50);
        b.Property(x => x.LastError).HasMaxLength(2000);
        b.HasIndex(x => new { x.TenantId, x.WebhookId, x.EventSeq }).IsUnique();
        b.HasIndex(x => new { x.TenantId, x.WebhookId, x.Id });
        b.HasIndex(x => x.NextAttemptAt)
            .HasDatabaseName("ix_webhook_deliveries_due")
            .HasFilter("status = 'pending'");
    }
}
