using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Planning;

/// Calendar periods in UTC.
public enum PeriodLength { Month, Quarter }

/// "10 blog posts a month" towards a goal: each period gets a row with its target and completed count, and (with a
/// template) the pipelines that produce it.
public sealed class Deliverable : ITenantScoped, IHasTimestamps, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string GoalId { get; set; }
    public required string ProjectId { get; set; }
    public string? PlanId { get; set; }
    public required string Name { get; set; }
    public required string Type { get; set; }
    public int QuantityPerPeriod { get; set; }
    public PeriodLength Period { get; set; } = PeriodLength.Month;

    /// The template each counted item is made from ("global:KEY" or a tenant template's id), with its variable values.
    public string? TemplateId { get; set; }
    public string? VariablesJson { get; set; }
    public bool Active { get; set; } = true;
    public DateTime? ArchivedAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// One deliverable in one period ("2026-04" or "2026-Q2"): one row each, never two.
public sealed class DeliverablePeriod : ITenantScoped, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string DeliverableId { get; set; }
    public required string Period { get; set; }

    /// First instant of the period and first instant after it, UTC.
    public DateTime StartsAt { get; set; }
    public DateTime EndsAt { get; set; }
    public int TargetCount { get; set; }

    /// Counted items of the period that are done; changed in the transaction that finishes or re-opens one.
    public int CompletedCount { get; set; }

    /// Set in the transaction that made the period's pipelines, so they are made once.
    public DateTime? PipelinesCreatedAt { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class DeliverableConfiguration : IEntityTypeConfiguration<Deliverable>
{
    public void Configure(EntityTypeBuilder<Deliverable> b)
    {
        b.HasTenantKey();
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Type).HasMaxLength(100);
        b.Property(x => x.TemplateId).HasMaxLength(100);
        b.References<Deliverable, Goal>(x => x.GoalId);
        b.References<Deliverable, Project>(x => x.ProjectId);
        b.References<Deliverable, Plan>(x => x.PlanId);
        b.HasIndex(x => new { x.TenantId, x.GoalId });
        b.HasIndex(x => x.Active).HasDatabaseName("ix_deliverables_active").HasFilter("active AND archived_at IS NULL");
    }
}

internal sealed class DeliverablePeriodConfiguration : IEntityTypeConfiguration<DeliverablePeriod>
{
    public void Configure(EntityTypeBuilder<DeliverablePeriod> b)
    {
        b.HasTenantKey();
        b.Property(x => x.Period).HasMaxLength(7);
        b.References<DeliverablePeriod, Deliverable>(x => x.DeliverableId);
        b.HasIndex(x => new { x.TenantId, x.DeliverableId, x.Period }).IsUnique();
        b.HasIndex(x => new { x.TenantId, x.Period });
    }
}
