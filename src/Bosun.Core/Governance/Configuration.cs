using Bosun.Core.Data;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Governance;

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> b)
    {
        b.HasKey(x => new { x.TenantId, x.Id });
        b.HasOne<Identity.Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.Property(x => x.ActorRef).HasMaxLength(40);
        b.Property(x => x.ActorName).HasMaxLength(200);
        b.Property(x => x.Action).HasMaxLength(100);
        b.Property(x => x.EntityType).HasMaxLength(50);
        b.Property(x => x.EntityId).HasMaxLength(64);
        b.Property(x => x.RequestId).HasMaxLength(100);
        b.HasIndex(x => new { x.TenantId, x.EntityType, x.EntityId });
    }
}

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> b)
    {
        b.HasKey(x => new { x.TenantId, x.Key });
        b.Property(x => x.Key).HasMaxLength(200);
        b.Property(x => x.RequestHash).HasMaxLength(64);
        b.Property(x => x.ContentType).HasMaxLength(200);
        b.Property(x => x.Location).HasMaxLength(2000);
        b.HasIndex(x => x.CreatedAt);
    }
}

internal sealed class ApprovalConfiguration : IEntityTypeConfiguration<Approval>
{
    public void Configure(EntityTypeBuilder<Approval> b)
    {
        b.HasTenantKey();
        b.Property(x => x.Subject).HasMaxLength(500);
        b.Property(x => x.RequestedByRef).HasMaxLength(40);
        b.References<Approval, WorkItem>(x => x.WorkItemId);
        b.References<Approval, Dispatch.Run>(x => x.RunId);
        b.References<Approval, Project>(x => x.ProjectId);
        // Checked by the plan service rather than a foreign key, which on SQLite would rebuild the table (as for work items).
        b.HasIndex(x => new { x.TenantId, x.PlanVersionId }).HasFilter("plan_version_id IS NOT NULL");
        b.References<Approval, Identity.User>(x => x.DecidedByUserId);
        b.HasIndex(x => new { x.TenantId, x.Status, x.Id })
            .HasDatabaseName("ix_approvals_pending")
            .HasFilter("status = 'pending'");
        b.HasIndex(x => new { x.TenantId, x.WorkItemId });
    }
}
