using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Knowledge;

/// What agents read to do a project's work: a spec, code, a schema, a plan. Its text is <see cref="Content"/>, or it
/// lives elsewhere (<see cref="Uri"/>, <see cref="IntegrationRef"/>); at least one of the three is set. A change to any
/// of them makes a new <see cref="Version"/>, and every version is kept in <see cref="ArtifactVersion"/>.
public sealed class Artifact : ITenantScoped, IHasTimestamps, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string ProjectId { get; set; }

    /// spec, code, doc, schema, test, plan, research, or a word of the project's own; unique with <see cref="Key"/>.
    public required string Type { get; set; }
    public required string Key { get; set; }
    public required string Title { get; set; }
    public string? Content { get; set; }
    public string? Uri { get; set; }
    public string? IntegrationRef { get; set; }

    /// SHA-256 of the content's UTF-8 bytes in lower-case hex; null without content.
    public string? ContentSha256 { get; set; }
    public long SizeBytes { get; set; }
    public int TokenCount { get; set; }

    /// The encoding that counted <see cref="TokenCount"/> (<see cref="TokenCounter.Encodings"/>).
    public required string Encoding { get; set; }
    public int Version { get; set; } = 1;
    public string? MetadataJson { get; set; }
    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// One version of an artifact's body as it was written, the current one included; never changed afterwards.
public sealed class ArtifactVersion : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string ArtifactId { get; set; }
    public int Version { get; set; }
    public required string Title { get; set; }
    public string? Content { get; set; }
    public string? Uri { get; set; }
    public string? IntegrationRef { get; set; }
    public string? ContentSha256 { get; set; }
    public long SizeBytes { get; set; }
    public int TokenCount { get; set; }
    public required string Encoding { get; set; }
    public string? AuthorRef { get; set; }
    public DateTime CreatedAt { get; set; }
}

public enum ArtifactDependencyKind { Imports, References, Extends, Includes }

/// <see cref="ArtifactId"/> depends on <see cref="DependsOnId"/>: a change to the second may call for a change to the first.
public sealed class ArtifactDependency : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public required string ArtifactId { get; set; }
    public required string DependsOnId { get; set; }
    public ArtifactDependencyKind Kind { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// An artifact a work item uses or produces (seed 002's card ↔ artifact links).
public sealed class WorkItemArtifact : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public required string WorkItemId { get; set; }
    public required string ArtifactId { get; set; }
    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
}

public enum KnowledgeKind { Requirement, Fact, Assumption, Question }

/// What a work item's people and agents know or need to know: a requirement, a fact, an assumption, or a question with
/// its answer.
public sealed class KnowledgeItem : ITenantScoped, IHasTimestamps, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string WorkItemId { get; set; }
    public KnowledgeKind Kind { get; set; }
    public required string Text { get; set; }

    /// Only a question has one.
    public string? Answer { get; set; }
    public string? AnsweredBy { get; set; }
    public DateTime? AnsweredAt { get; set; }
    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class ArtifactConfiguration : IEntityTypeConfiguration<Artifact>
{
    public void Configure(EntityTypeBuilder<Artifact> b)
    {
        b.ToTable("artifacts");
        b.HasTenantKey();
        b.References<Artifact, Project>(x => x.ProjectId);
        b.Property(x => x.Type).HasMaxLength(ArtifactService.TypeLength);
        b.Property(x => x.Key).HasMaxLength(ArtifactService.KeyLength);
        b.Property(x => x.Title).HasMaxLength(ArtifactService.TitleLength);
        b.Property(x => x.Uri).HasMaxLength(ArtifactService.UriLength);
        b.Property(x => x.IntegrationRef).HasMaxLength(ArtifactService.IntegrationRefLength);
        b.Property(x => x.ContentSha256).HasMaxLength(64);
        b.Property(x => x.Encoding).HasMaxLength(32);
        b.Property(x => x.CreatedBy).HasMaxLength(40);
        b.HasIndex(x => new { x.TenantId, x.ProjectId, x.Type, x.Key }).IsUnique();
    }
}

internal sealed class ArtifactVersionConfiguration : IEntityTypeConfiguration<ArtifactVersion>
{
    public void Configure(EntityTypeBuilder<ArtifactVersion> b)
    {
        b.ToTable("artifact_versions");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.HasOne<Artifact>().WithMany().HasForeignKey(x => new { x.TenantId, x.ArtifactId }).OnDelete(DeleteBehavior.Cascade);
        b.Property(x => x.Title).HasMaxLength(ArtifactService.TitleLength);
        b.Property(x => x.Uri).HasMaxLength(ArtifactService.UriLength);
        b.Property(x => x.IntegrationRef).HasMaxLength(ArtifactService.IntegrationRefLength);
        b.Property(x => x.ContentSha256).HasMaxLength(64);
        b.Property(x => x.Encoding).HasMaxLength(32);
        b.Property(x => x.AuthorRef).HasMaxLength(40);
        b.HasIndex(x => new { x.TenantId, x.ArtifactId, x.Version }).IsUnique();
    }
}

internal sealed class ArtifactDependencyConfiguration : IEntityTypeConfiguration<ArtifactDependency>
{
    public void Configure(EntityTypeBuilder<ArtifactDependency> b)
    {
        b.ToTable("artifact_dependencies");
        b.HasKey(x => new { x.TenantId, x.ArtifactId, x.DependsOnId });
        b.HasOne<Artifact>().WithMany().HasForeignKey(x => new { x.TenantId, x.ArtifactId }).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Artifact>().WithMany().HasForeignKey(x => new { x.TenantId, x.DependsOnId }).OnDelete(DeleteBehavior.Cascade);

        // The impact of a change walks the edges backwards: who depends on this artifact.
        b.HasIndex(x => new { x.TenantId, x.DependsOnId });
    }
}

internal sealed class WorkItemArtifactConfiguration : IEntityTypeConfiguration<WorkItemArtifact>
{
    public void Configure(EntityTypeBuilder<WorkItemArtifact> b)
    {
        b.ToTable("work_item_artifacts");
        b.HasKey(x => new { x.TenantId, x.WorkItemId, x.ArtifactId });
        b.HasOne<WorkItem>().WithMany().HasForeignKey(x => new { x.TenantId, x.WorkItemId }).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Artifact>().WithMany().HasForeignKey(x => new { x.TenantId, x.ArtifactId }).OnDelete(DeleteBehavior.Cascade);
        b.Property(x => x.CreatedBy).HasMaxLength(40);
        b.HasIndex(x => new { x.TenantId, x.ArtifactId });
    }
}

internal sealed class KnowledgeItemConfiguration : IEntityTypeConfiguration<KnowledgeItem>
{
    public void Configure(EntityTypeBuilder<KnowledgeItem> b)
    {
        b.ToTable("knowledge_items");
        b.HasTenantKey();
        b.HasOne<WorkItem>().WithMany().HasForeignKey(x => new { x.TenantId, x.WorkItemId }).OnDelete(DeleteBehavior.Cascade);
        b.Property(x => x.Text).HasMaxLength(ArtifactService.KnowledgeTextLength);
        b.Property(x => x.Answer).HasMaxLength(ArtifactService.KnowledgeTextLength);
        b.Property(x => x.AnsweredBy).HasMaxLength(40);
        b.Property(x => x.CreatedBy).HasMaxLength(40);
        b.HasIndex(x => new { x.TenantId, x.WorkItemId, x.Id });
    }
}
