using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Knowledge;

/// Whose memory a unit is: the whole tenant's, or one project's, agent's or work item's (then with its id).
public enum MemoryScope { Tenant, Project, Agent, WorkItem }

public enum MemoryKind { Fact, Preference, Decision, Lesson }

/// Something an agent or a person wants remembered. Units never change once written; they are forgotten (deleted) or
/// run out at <see cref="ExpiresAt"/>. The search index holds their content as kind "memory" (SearchMemory migration).
public sealed class MemoryUnit : ITenantScoped, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public MemoryScope Scope { get; set; }

    /// The project's, agent's or work item's id; null for tenant memory.
    public string? ScopeId { get; set; }
    public MemoryKind Kind { get; set; }
    public required string Content { get; set; }

    /// Who wrote it ("agent:ID", "user:ID"), and the run and item the agent was working on, if any.
    public required string Source { get; set; }
    public string? SourceRunId { get; set; }
    public string? SourceWorkItemId { get; set; }
    public DateTime? ExpiresAt { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// One recall, kept for the tenant's owners and admins: who asked what, and which units came back with their scores.
public sealed class MemoryRecall : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string AskedBy { get; set; }
    public required string Query { get; set; }
    public MemoryScope? Scope { get; set; }
    public string? ScopeId { get; set; }

    /// [{"id": ..., "score": ...}], best first.
    public required string ResultsJson { get; set; }
    public int TookMs { get; set; }
    public DateTime At { get; set; }
}

internal sealed class MemoryUnitConfiguration : IEntityTypeConfiguration<MemoryUnit>
{
    public void Configure(EntityTypeBuilder<MemoryUnit> b)
    {
        b.ToTable("memory_units");
        b.HasTenantKey();
        b.Property(x => x.Content).HasMaxLength(MemoryService.MaxContent);
        b.Property(x => x.Source).HasMaxLength(40);
        b.HasIndex(x => new { x.TenantId, x.Scope, x.ScopeId, x.Id });
    }
}

internal sealed class MemoryRecallConfiguration : IEntityTypeConfiguration<MemoryRecall>
{
    public void Configure(EntityTypeBuilder<MemoryRecall> b)
    {
        b.ToTable("memory_recalls");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.Property(x => x.AskedBy).HasMaxLength(40);
        b.Property(x => x.Query).HasMaxLength(SearchService.MaxQueryLength);
    }
}
