using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Planning;

/// draft → awaiting_approval → active → superseded; a rejected version stays rejected and the re-plan is a new version.
public enum PlanStatus { Draft, AwaitingApproval, Active, Superseded, Rejected, Archived }

/// A brief, strategy, execution plan or spec of a project, optionally for a goal or for the work item it plans.
/// Its text and steps live in versions; <see cref="Attempt"/> counts re-plans after rejections.
public sealed class Plan : ITenantScoped, IHasTimestamps, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string ProjectId { get; set; }
    public string? GoalId { get; set; }
    public string? WorkItemId { get; set; }
    public required string Kind { get; set; }
    public required string Title { get; set; }

    /// The status of the newest version, or archived.
    public PlanStatus Status { get; set; } = PlanStatus.Draft;
    public int Attempt { get; set; } = 1;
    public int LatestVersion { get; set; } = 1;
    public int? ActiveVersion { get; set; }
    public string? CreatedBy { get; set; }
    public DateTime? ArchivedAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public sealed class PlanVersion : ITenantScoped, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string PlanId { get; set; }
    public int Version { get; set; }
    public int Attempt { get; set; }
    public string? Body { get; set; }

    /// Steps in the template step format, or the ids of existing backlog items the plan releases.
    public string? StepsJson { get; set; }
    public string? SourceItemsJson { get; set; }
    public required string AuthorRef { get; set; }
    public required string AuthorName { get; set; }
    public PlanStatus Status { get; set; } = PlanStatus.Draft;
    public string? ApprovalId { get; set; }
    public string? DecisionNote { get; set; }
    public DateTime? DecidedAt { get; set; }

    /// Set in the transaction that applied the version; a version is applied at most once.
    public DateTime? AppliedAt { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class PlanConfiguration : IEntityTypeConfiguration<Plan>
{
    public void Configure(EntityTypeBuilder<Plan> b)
    {
        b.HasTenantKey();
        b.Property(x => x.Kind).HasMaxLength(50);
        b.Property(x => x.Title).HasMaxLength(500);
        b.Property(x => x.CreatedBy).HasMaxLength(40);
        b.References<Plan, Project>(x => x.ProjectId);
        b.References<Plan, Goal>(x => x.GoalId);
        b.References<Plan, WorkItem>(x => x.WorkItemId);
        b.HasIndex(x => new { x.TenantId, x.ProjectId, x.Id });
        b.HasIndex(x => new { x.TenantId, x.GoalId }).HasFilter("goal_id IS NOT NULL");

        // Seed 000's lookup: every plan of a ticket, newest attempt first.
        b.HasIndex(x => new { x.TenantId, x.WorkItemId, x.Attempt })
            .IsDescending(false, false, true)
            .HasFilter("work_item_id IS NOT NULL");
    }
}

internal sealed class PlanVersionConfiguration : IEntityTypeConfiguration<PlanVersion>
{
    public void Configure(EntityTypeBuilder<PlanVersion> b)
    {
        b.HasTenantKey();
        b.Property(x => x.AuthorRef).HasMaxLength(40);
        b.Property(x => x.AuthorName).HasMaxLength(200);
        b.References<PlanVersion, Plan>(x => x.PlanId);
        b.HasIndex(x => new { x.TenantId, x.PlanId, x.Version }).IsUnique();
    }
}
