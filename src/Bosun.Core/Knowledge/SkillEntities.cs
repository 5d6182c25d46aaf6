using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Knowledge;

/// A tenant's named instruction bundle (Markdown). Its content lives in versions: an edit adds version N+1 and the
/// older ones stay readable. Global skills ship in code (<see cref="GlobalSkills"/>), not as rows.
public sealed class Skill : ITenantScoped, IHasTimestamps, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string Name { get; set; }
    public string? Description { get; set; }
    public int CurrentVersion { get; set; } = 1;
    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// One version of a skill: never changed once written.
public sealed class SkillVersion : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public required string SkillId { get; set; }
    public int Version { get; set; }
    public required string Content { get; set; }
    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
}

public enum SkillTarget { Agent, Role }

/// A skill handed to one agent, or to every agent of a role. <see cref="SkillId"/> is a tenant skill's id or a global
/// skill's "global:NAME".
public sealed class SkillAttachment : ITenantScoped, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string SkillId { get; set; }
    public SkillTarget Target { get; set; }

    /// The agent's id, or the role string.
    public required string TargetValue { get; set; }
    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class SkillConfiguration : IEntityTypeConfiguration<Skill>
{
    public void Configure(EntityTypeBuilder<Skill> b)
    {
        b.ToTable("skills");
        b.HasTenantKey();
        b.Property(x => x.Name).HasMaxLength(SkillService.MaxName);
        b.Property(x => x.Description).HasMaxLength(2000);
        b.Property(x => x.CreatedBy).HasMaxLength(40);
        b.HasIndex(x => new { x.TenantId, x.Name }).IsUnique();
    }
}

internal sealed class SkillVersionConfiguration : IEntityTypeConfiguration<SkillVersion>
{
    public void Configure(EntityTypeBuilder<SkillVersion> b)
    {
        b.ToTable("skill_versions");
        b.HasKey(x => new { x.TenantId, x.SkillId, x.Version });
        b.Property(x => x.Content).HasMaxLength(SkillService.MaxContent);
        b.Property(x => x.CreatedBy).HasMaxLength(40);
        b.References<SkillVersion, Skill>(x => x.SkillId, DeleteBehavior.Cascade);
    }
}

internal sealed class SkillAttachmentConfiguration : IEntityTypeConfiguration<SkillAttachment>
{
    public void Configure(EntityTypeBuilder<SkillAttachment> b)
    {
        b.ToTable("skill_attachments");
        b.HasTenantKey();
        b.Property(x => x.SkillId).HasMaxLength(SkillService.MaxName + 7);
        b.Property(x => x.TargetValue).HasMaxLength(100);
        b.Property(x => x.CreatedBy).HasMaxLength(40);
        b.HasIndex(x => new { x.TenantId, x.SkillId, x.Target, x.TargetValue }).IsUnique();
        b.HasIndex(x => new { x.TenantId, x.Target, x.TargetValue });
    }
}
