using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Realtime;

/// One change in a tenant, as live streams and webhooks see it. <see cref="Seq"/> counts per tenant with no
/// gaps and is given under the tenant's stream head lock once the writing transaction has committed (on
/// SQLite, at its commit), so a reader that resumes after seq N never misses a row that committed late.
/// On PostgreSQL an event is briefly stored with a negative provisional number (see <see cref="StreamSequencer"/>),
/// which no reader asking for events after N ≥ 0 sees.
public sealed class StreamEvent : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public long Seq { get; set; }
    public required string Type { get; set; }
    public required string EntityType { get; set; }
    public required string EntityId { get; set; }
    public string? ProjectId { get; set; }
    public string? WorkItemId { get; set; }
    public string? WorkItemKey { get; set; }
    public required string ActorRef { get; set; }
    public required string ActorName { get; set; }

    /// {"field": {"before": ..., "after": ...}}, as in the audit log.
    public required string ChangesJson { get; set; }
    public DateTime CreatedAt { get; set; }

    /// 0 for a change a person, an agent or the system made; N + 1 for a change a rule made acting on an event of depth N.
    public int Depth { get; set; }
}

/// The last sequence number handed out in a tenant's stream.
public sealed class StreamHead : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public long LastSeq { get; set; }
}

internal sealed class StreamEventConfiguration : IEntityTypeConfiguration<StreamEvent>
{
    public void Configure(EntityTypeBuilder<StreamEvent> b)
    {
        b.ToTable("stream_events");
        b.HasKey(x => new { x.TenantId, x.Seq });
        b.Property(x => x.Seq).ValueGeneratedNever();
        b.Property(x => x.Type).HasMaxLength(50);
        b.Property(x => x.EntityType).HasMaxLength(50);
        b.Property(x => x.EntityId).HasMaxLength(64);
        b.Property(x => x.WorkItemKey).HasMaxLength(40);
        b.Property(x => x.ActorRef).HasMaxLength(40);
        b.Property(x => x.ActorName).HasMaxLength(200);
        b.HasIndex(x => new { x.TenantId, x.ProjectId, x.Seq });
        b.HasIndex(x => x.CreatedAt);
    }
}

internal sealed class StreamHeadConfiguration : IEntityTypeConfiguration<StreamHead>
{
    public void Configure(EntityTypeBuilder<StreamHead> b)
    {
        b.ToTable("stream_heads");
        b.HasKey(x => x.TenantId);
        b.HasOne<Identity.Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
    }
}
