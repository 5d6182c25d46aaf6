using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Planning;

/// What happens to an item whose run lacks a required check or reports a failed one.
public enum FailedChecks { Block, Approval }

/// A project's quality gate: the checks a run must report as passed before its item is done, and the paths its
/// agents may change.
public sealed class ProjectPolicy : ITenantScoped, IHasTimestamps, IAudited
{
    public string TenantId { get; set; } = "";
    public required string ProjectId { get; set; }
    public string Id => ProjectId;

    /// JSON arrays of names and of path patterns.
    public string RequiredChecksJson { get; set; } = "[]";
    public string AllowedPathsJson { get; set; } = "[]";
    public FailedChecks OnFailure { get; set; } = FailedChecks.Block;
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class ProjectPolicyConfiguration : IEntityTypeConfiguration<ProjectPolicy>
{
    public void Configure(EntityTypeBuilder<ProjectPolicy> b)
    {
        b.HasKey(x => new { x.TenantId, x.ProjectId });
        b.Ignore(x => x.Id);
        b.References<ProjectPolicy, Project>(x => x.ProjectId, DeleteBehavior.Cascade);
    }
}
