using Bosun.Core.Data;
using Bosun.Core.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Planning;

internal sealed class ProjectConfiguration : IEntityTypeConfiguration<Project>
{
    public void Configure(EntityTypeBuilder<Project> b)
    {
        b.HasTenantKey();
        b.HasOne<Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.Property(x => x.Key).HasMaxLength(10);
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.RepositoryUrl).HasMaxLength(2000);
        b.Property(x => x.DefaultBranch).HasMaxLength(200);
        b.HasIndex(x => new { x.TenantId, x.Key }).IsUnique();
        b.References<Project, User>(x => x.LeadUserId);
    }
}

internal sealed class GoalConfiguration : IEntityTypeConfiguration<Goal>
{
    public void Configure(EntityTypeBuilder<Goal> b)
    {
        b.HasTenantKey();
        b.Ignore(x => x.ProgressPercent);
        b.Property(x => x.Title).HasMaxLength(500);
        b.Property(x => x.MetricName).HasMaxLength(200);
        b.References<Goal, Project>(x => x.ProjectId);
        b.HasIndex(x => new { x.TenantId, x.ProjectId, x.Status });
    }
}

internal sealed class WorkItemConfiguration : IEntityTypeConfiguration<WorkItem>
{
    public void Configure(EntityTypeBuilder<WorkItem> b)
    {
        b.HasTenantKey();
        b.Property(x => x.Key).HasMaxLength(24);
        b.Property(x => x.Type).HasMaxLength(50);
        b.Property(x => x.Title).HasMaxLength(500);
        b.Property(x => x.AssigneeRole).HasMaxLength(100);
        b.Property(x => x.LeaseToken).HasMaxLength(64);
        b.Property(x => x.Position).HasMaxLength(200);
        b.Property(x => x.TemplateId).HasMaxLength(100);
        b.Property(x => x.StepKey).HasMaxLength(100);
        b.HasIndex(x => new { x.TenantId, x.Key }).IsUnique();
        b.HasIndex(x => new { x.TenantId, x.ProjectId, x.Number }).IsUnique();
        b.References<WorkItem, Project>(x => x.ProjectId);
        b.References<WorkItem, Agent>(x => x.AssigneeAgentId);
        b.References<WorkItem, User>(x => x.AssigneeUserId);
        b.References<WorkItem, WorkItem>(x => x.ParentId);
        b.References<WorkItem, Goal>(x => x.GoalId);

        // Hot paths: the agent queue by role and by agent, the human inbox, the board of a project,
        // children of an item, and the ready set the claim scans (kept small by the filter).
        // An item has at most one kind of assignee, and most have none: the assignee indexes hold only the items
        // assigned that way, so a change of status (every claim and completion) does not rewrite three index entries.
        b.HasIndex(x => new { x.TenantId, x.AssigneeRole, x.Status }).HasDatabaseName("ix_work_items_agent_role_queue").HasFilter("assignee_role IS NOT NULL");
        b.HasIndex(x => new { x.TenantId, x.AssigneeAgentId, x.Status }).HasDatabaseName("ix_work_items_agent_queue").HasFilter("assignee_agent_id IS NOT NULL");
        b.HasIndex(x => new { x.TenantId, x.AssigneeUserId, x.Status }).HasDatabaseName("ix_work_items_human_inbox").HasFilter("assignee_user_id IS NOT NULL");
        // A board column in its order (position, then id), and its count: only the items that are not archived, which
        // is what every board asks for, so the counts read this index alone. With archived items in it, PostgreSQL read
        // the table to learn which were archived and chose a sequential scan of the tenant for a 20,000-item project.
        b.HasIndex(x => new { x.TenantId, x.ProjectId, x.Status, x.Position, x.Id }).HasDatabaseName("ix_work_items_board").HasFilter("archived_at IS NULL");
        // A project's list, in id order: without it SQLite walked the tenant's items by id until it had a page of the
        // project's, which for a project made after a million other items meant reading all of them (the planner
        // weighs the board index's sort against the average project, and a small project is far from average).
        b.HasIndex(x => new { x.TenantId, x.ProjectId, x.Id }).HasDatabaseName("ix_work_items_project_list");
        // Most items have no parent and no goal. A change of status moves an item in every index that holds it (on
        // PostgreSQL each update writes a new entry in each one), so items without a parent or a goal stay out of these two.
        b.HasIndex(x => new { x.TenantId, x.ParentId, x.Position }).HasFilter("parent_id IS NOT NULL");
        // The plan and deliverable period an item came from are checked by Bosun when it links them, not by a foreign
        // key: on SQLite a new foreign key rebuilds the whole table, and work_items is the largest one.
        b.HasIndex(x => new { x.TenantId, x.DeliverablePeriodId, x.Status }).HasFilter("deliverable_period_id IS NOT NULL");
        b.HasIndex(x => new { x.TenantId, x.PlanId }).HasFilter("plan_id IS NOT NULL");
        b.HasIndex(x => new { x.TenantId, x.GoalId }).HasFilter("goal_id IS NOT NULL");
        // Same order as the claim's ORDER BY (priority high first, then oldest), so a claim reads the first
        // matching rows of the index instead of sorting the whole ready set.
        b.HasIndex(x => new { x.TenantId, x.Priority, x.Id })
            .IsDescending(false, true, false)
            .HasDatabaseName("ix_work_items_ready")
            .HasFilter("status = 'ready'");

        // Agents usually claim from one project; without this the planners walk all of the project's items and sort them.
        b.HasIndex(x => new { x.TenantId, x.ProjectId, x.Priority, x.Id })
            .IsDescending(false, false, true, false)
            .HasDatabaseName("ix_work_items_ready_by_project")
            .HasFilter("status = 'ready'");
        b.HasIndex(x => x.LeaseExpiresAt)
            .HasDatabaseName("ix_work_items_leases")
            .HasFilter("lease_expires_at IS NOT NULL");
    }
}

internal sealed class WorkItemLabelConfiguration : IEntityTypeConfiguration<WorkItemLabel>
{
    public void Configure(EntityTypeBuilder<WorkItemLabel> b)
    {
        b.HasKey(x => new { x.TenantId, x.WorkItemId, x.Label });
        b.Property(x => x.Label).HasMaxLength(100);
        b.References<WorkItemLabel, WorkItem>(x => x.WorkItemId, DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.TenantId, x.Label, x.WorkItemId });
    }
}

internal sealed class WorkItemDependencyConfiguration : IEntityTypeConfiguration<WorkItemDependency>
{
    public void Configure(EntityTypeBuilder<WorkItemDependency> b)
    {
        b.HasKey(x => new { x.TenantId, x.WorkItemId, x.DependsOnId });
        b.References<WorkItemDependency, WorkItem>(x => x.WorkItemId, DeleteBehavior.Cascade);
        b.References<WorkItemDependency, WorkItem>(x => x.DependsOnId, DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.TenantId, x.DependsOnId });
    }
}

internal sealed class CommentConfiguration : IEntityTypeConfiguration<Comment>
{
    public void Configure(EntityTypeBuilder<Comment> b)
    {
        b.HasTenantKey();
        b.Property(x => x.AuthorRef).HasMaxLength(40);
        b.Property(x => x.AuthorName).HasMaxLength(200);
        b.References<Comment, WorkItem>(x => x.WorkItemId, DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.TenantId, x.WorkItemId, x.Id });
    }
}
