using Bosun.Core.Data;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Dispatch;

internal sealed class RunConfiguration : IEntityTypeConfiguration<Run>
{
    public void Configure(EntityTypeBuilder<Run> b)
    {
        b.HasTenantKey();
        b.Property(x => x.LeaseToken).HasMaxLength(64);
        b.Property(x => x.StopReason).HasMaxLength(50);
        b.References<Run, WorkItem>(x => x.WorkItemId);
        b.References<Run, Agent>(x => x.AgentId);
        b.References<Run, User>(x => x.UserId);
        b.HasIndex(x => new { x.TenantId, x.WorkItemId, x.Attempt });

        // The database itself guarantees that no item is ever held by two active runs.
        b.HasIndex(x => new { x.TenantId, x.WorkItemId })
            .IsUnique()
            .HasDatabaseName("ux_runs_one_active_per_item")
            .HasFilter("status = 'active'");
        b.HasIndex(x => new { x.TenantId, x.AgentId, x.Status });

        // Only runs by people have a user; agents' runs, by far the most, stay out of the index.
        b.HasIndex(x => new { x.TenantId, x.UserId }).HasFilter("user_id IS NOT NULL");

        // The machines page asks which runs are going on where; only runs whose agent checked in carry a machine.
        b.HasIndex(x => new { x.TenantId, x.MachineId }).HasFilter("machine_id IS NOT NULL AND ended_at IS NULL");

        // No index on the run's lease: the reaper finds expired leases through the work item's, and every heartbeat
        // moves the lease. Unindexed, PostgreSQL can rewrite a run's row on a heartbeat without touching its indexes.
    }
}

internal sealed class RunCheckConfiguration : IEntityTypeConfiguration<RunCheck>
{
    public void Configure(EntityTypeBuilder<RunCheck> b)
    {
        b.HasKey(x => new { x.TenantId, x.Id });
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Url).HasMaxLength(2000);
        b.References<RunCheck, Run>(x => x.RunId);
        b.References<RunCheck, WorkItem>(x => x.WorkItemId);
        b.References<RunCheck, Project>(x => x.ProjectId);
        b.References<RunCheck, Integrations.GitHubPullRequest>(x => x.PullRequestId, DeleteBehavior.Cascade);
        b.Property(x => x.HeadSha).HasMaxLength(64);

        // Rows from before GitHub reported checks were all reported by runs.
        b.Property(x => x.Source).HasDefaultValue(CheckSource.Run);
        b.HasIndex(x => new { x.TenantId, x.WorkItemId, x.Id });
        b.HasIndex(x => new { x.TenantId, x.PullRequestId, x.HeadSha, x.Name })
            .IsUnique()
            .HasFilter("pull_request_id IS NOT NULL");
        b.HasIndex(x => new { x.TenantId, x.ProjectId, x.Id });
    }
}
