using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Knowledge;

/// How much context an agent is handed and what comes first (seed 001's budget profiles). A profile applies to one
/// agent, to every agent of a role, or to items of one type; the most specific one wins (see ContextService).
public sealed class ContextProfile : ITenantScoped, IHasTimestamps, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string Name { get; set; }
    public string? AgentId { get; set; }
    public string? Role { get; set; }
    public string? ItemType { get; set; }
    public int MaxTokens { get; set; }

    /// Kept for what the agent brings itself (its system prompt): the bundle fills MaxTokens - ReservedTokens.
    public int ReservedTokens { get; set; }

    /// Section or artifact type to priority (higher first), over the defaults; JSON object.
    public string? PrioritiesJson { get; set; }
    public required string Encoding { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// One assembly asked for (seed 001's request log), and the assembled bundle, which a later request with the same
/// inputs (the same content hashes and budget) is answered from.
public sealed class ContextRequest : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string WorkItemId { get; set; }
    public string? ProfileId { get; set; }
    public required string RequestedBy { get; set; }

    /// SHA-256 over the budget, the encoding and every candidate part's content hash.
    public required string InputsHash { get; set; }
    public int MaxTokens { get; set; }
    public int TotalTokens { get; set; }
    public int Parts { get; set; }
    public int ArtifactsResolved { get; set; }
    public int LeftOut { get; set; }
    public bool BudgetExceeded { get; set; }
    public bool CacheHit { get; set; }
    public int TookMs { get; set; }

    /// The bundle as answered; null on a cache hit, which points at the request whose bundle it reused.
    public string? BundleJson { get; set; }
    public string? CachedFromId { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class ContextProfileConfiguration : IEntityTypeConfiguration<ContextProfile>
{
    public void Configure(EntityTypeBuilder<ContextProfile> b)
    {
        b.ToTable("context_profiles");
        b.HasTenantKey();
        b.References<ContextProfile, Agent>(x => x.AgentId, DeleteBehavior.Cascade);
        b.Property(x => x.Name).HasMaxLength(ContextService.NameLength);
        b.Property(x => x.Role).HasMaxLength(100);
        b.Property(x => x.ItemType).HasMaxLength(100);
        b.Property(x => x.Encoding).HasMaxLength(32);
        b.HasIndex(x => new { x.TenantId, x.Name }).IsUnique();
    }
}

internal sealed class ContextRequestConfiguration : IEntityTypeConfiguration<ContextRequest>
{
    public void Configure(EntityTypeBuilder<ContextRequest> b)
    {
        b.ToTable("context_requests");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.HasOne<WorkItem>().WithMany().HasForeignKey(x => new { x.TenantId, x.WorkItemId }).OnDelete(DeleteBehavior.Cascade);
        b.Property(x => x.RequestedBy).HasMaxLength(100);
        b.Property(x => x.InputsHash).HasMaxLength(64);
        b.HasIndex(x => new { x.TenantId, x.WorkItemId, x.InputsHash });
    }
}
