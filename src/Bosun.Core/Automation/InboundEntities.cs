using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Automation;

public enum InboundTargetType { Rule, Schedule }

/// An inbound webhook URL that fires a rule (or a schedule) when a POST signed with its own secret arrives. Changes are
/// audited explicitly, so the sealed secret never reaches the audit log.
public sealed class InboundTrigger : ITenantScoped, IHasTimestamps
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public InboundTargetType TargetType { get; set; }
    public required string TargetId { get; set; }

    /// The signing secret, sealed with <see cref="Integrations.SecretBox"/>.
    public required string SecretSealed { get; set; }
    public required string SecretPrefix { get; set; }
    public DateTime? LastCalledAt { get; set; }
    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// A signature an inbound trigger accepted, kept for longer than the timestamp window so the same call sent again is
/// refused as a replay.
public sealed class InboundCall : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string TriggerId { get; set; }
    public required string Signature { get; set; }
    public DateTime ReceivedAt { get; set; }
}

internal sealed class InboundTriggerConfiguration : IEntityTypeConfiguration<InboundTrigger>
{
    public void Configure(EntityTypeBuilder<InboundTrigger> b)
    {
        b.ToTable("inbound_triggers");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.HasOne<Identity.Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.Property(x => x.SecretSealed).HasMaxLength(500);
        b.Property(x => x.SecretPrefix).HasMaxLength(20);
        b.Property(x => x.CreatedBy).HasMaxLength(40);
        b.HasIndex(x => new { x.TenantId, x.TargetType, x.TargetId }).IsUnique();
    }
}

internal sealed class InboundCallConfiguration : IEntityTypeConfiguration<InboundCall>
{
    public void Configure(EntityTypeBuilder<InboundCall> b)
    {
        b.ToTable("inbound_calls");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.HasOne<InboundTrigger>().WithMany().HasForeignKey(x => new { x.TenantId, x.TriggerId }).OnDelete(DeleteBehavior.Cascade);
        b.Property(x => x.Signature).HasMaxLength(80);
        b.HasIndex(x => new { x.TenantId, x.TriggerId, x.Signature }).IsUnique();
        b.HasIndex(x => x.ReceivedAt);
    }
}
