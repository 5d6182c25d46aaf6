using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Integrations;

/// A tenant's (or one project's) link with GitHub: the repositories whose webhooks it accepts and the secret GitHub
/// signs them with. Changes are audited explicitly (<see cref="GitHubService"/>), so the sealed secret never reaches the
/// audit log.
public sealed class GitHubIntegration : ITenantScoped, IHasTimestamps
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();

    /// Null: pull requests may name items of any of the tenant's projects.
    public string? ProjectId { get; set; }

    /// Comma-separated repository full names ("acme/web"), in lower case.
    public required string Repositories { get; set; }
    public string? Description { get; set; }

    /// The webhook secret, sealed with <see cref="SecretBox"/>.
    public required string SecretSealed { get; set; }
    public required string SecretPrefix { get; set; }

    /// Move an item to done when a pull request naming it is merged.
    public bool DoneOnMerge { get; set; }
    public DateTime? LastDeliveryAt { get; set; }
    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// A webhook delivery GitHub sent, by its X-GitHub-Delivery id, so that a redelivery changes nothing twice.
public sealed class GitHubDelivery : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string IntegrationId { get; set; }
    public required string DeliveryId { get; set; }
    public required string Event { get; set; }
    public string? Action { get; set; }
    public string? Repository { get; set; }

    /// What Bosun made of it, for a person reading the list ("linked WEB-42", "no item key").
    public required string Outcome { get; set; }
    public DateTime ReceivedAt { get; set; }
}

public enum PullRequestState { Open, Closed, Merged }

/// A pull request that names a work item: that item's pull-request candidate, kept as GitHub last described it.
public sealed class GitHubPullRequest : ITenantScoped, IHasTimestamps
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string WorkItemId { get; set; }
    public required string ProjectId { get; set; }
    public required string Repository { get; set; }
    public long Number { get; set; }
    public required string Title { get; set; }
    public PullRequestState State { get; set; }
    public bool Draft { get; set; }
    public required string HeadSha { get; set; }
    public string? HeadBranch { get; set; }
    public string? BaseBranch { get; set; }
    public string? Url { get; set; }
    public string? Author { get; set; }
    public DateTime? MergedAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class GitHubIntegrationConfiguration : IEntityTypeConfiguration<GitHubIntegration>
{
    public void Configure(EntityTypeBuilder<GitHubIntegration> b)
    {
        b.ToTable("github_integrations");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.HasOne<Identity.Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.References<GitHubIntegration, Project>(x => x.ProjectId);
        b.Property(x => x.Repositories).HasMaxLength(4000);
        b.Property(x => x.Description).HasMaxLength(500);
        b.Property(x => x.SecretSealed).HasMaxLength(500);
        b.Property(x => x.SecretPrefix).HasMaxLength(20);
        b.Property(x => x.CreatedBy).HasMaxLength(40);
    }
}

internal sealed class GitHubDeliveryConfiguration : IEntityTypeConfiguration<GitHubDelivery>
{
    public void Configure(EntityTypeBuilder<GitHubDelivery> b)
    {
        b.ToTable("github_deliveries");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.HasOne<GitHubIntegration>().WithMany().HasForeignKey(x => new { x.TenantId, x.IntegrationId }).OnDelete(DeleteBehavior.Cascade);
        b.Property(x => x.DeliveryId).HasMaxLength(100);
        b.Property(x => x.Event).HasMaxLength(50);
        b.Property(x => x.Action).HasMaxLength(50);
        b.Property(x => x.Repository).HasMaxLength(200);
        b.Property(x => x.Outcome).HasMaxLength(1000);
        b.HasIndex(x => new { x.TenantId, x.IntegrationId, x.DeliveryId }).IsUnique();
        b.HasIndex(x => new { x.TenantId, x.IntegrationId, x.Id });
    }
}

internal sealed class GitHubPullRequestConfiguration : IEntityTypeConfiguration<GitHubPullRequest>
{
    public void Configure(EntityTypeBuilder<GitHubPullRequest> b)
    {
        b.ToTable("github_pull_requests");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.References<GitHubPullRequest, WorkItem>(x => x.WorkItemId);
        b.References<GitHubPullRequest, Project>(x => x.ProjectId);
        b.Property(x => x.Repository).HasMaxLength(200);
        b.Property(x => x.Title).HasMaxLength(1000);
        b.Property(x => x.HeadSha).HasMaxLength(64);
        b.Property(x => x.HeadBranch).HasMaxLength(300);
        b.Property(x => x.BaseBranch).HasMaxLength(300);
        b.Property(x => x.Url).HasMaxLength(2000);
        b.Property(x => x.Author).HasMaxLength(200);
        b.HasIndex(x => new { x.TenantId, x.Repository, x.Number, x.WorkItemId }).IsUnique();
        b.HasIndex(x => new { x.TenantId, x.WorkItemId, x.Id });
        b.HasIndex(x => new { x.TenantId, x.Repository, x.HeadSha });
    }
}
