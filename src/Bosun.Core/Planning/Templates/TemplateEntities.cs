using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Planning;

/// A tenant's pipeline template. Its variables and steps live in versions: an edit adds version N+1, and items
/// keep the version they came from. Global templates ship in code (<see cref="GlobalTemplates"/>), not as rows.
public sealed class Template : ITenantScoped, IHasTimestamps, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string Name { get; set; }
    public required string Kind { get; set; }
    public string? Description { get; set; }
    public int CurrentVersion { get; set; } = 1;

    /// The template this one was copied from ("global:KEY" or a tenant template's id), and that template's version.
    public string? SourceTemplateId { get; set; }
    public int? SourceVersion { get; set; }
    public string? CreatedBy { get; set; }
    public DateTime? ArchivedAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// One version of a template: never changed once written.
public sealed class TemplateVersion : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public required string TemplateId { get; set; }
    public int Version { get; set; }

    /// [{key, label, type, required, default}] and [{key, title, description, type, assignee, priority,
    /// approval_required, input, after}], as the API takes them.
    public required string VariablesJson { get; set; }
    public required string StepsJson { get; set; }
    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class TemplateConfiguration : IEntityTypeConfiguration<Template>
{
    public void Configure(EntityTypeBuilder<Template> b)
    {
        b.HasTenantKey();
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Kind).HasMaxLength(50);
        b.Property(x => x.SourceTemplateId).HasMaxLength(100);
        b.Property(x => x.CreatedBy).HasMaxLength(40);
        b.HasIndex(x => new { x.TenantId, x.Kind, x.Id });
    }
}

internal sealed class TemplateVersionConfiguration : IEntityTypeConfiguration<TemplateVersion>
{
    public void Configure(EntityTypeBuilder<TemplateVersion> b)
    {
        b.HasKey(x => new { x.TenantId, x.TemplateId, x.Version });
        b.Property(x => x.CreatedBy).HasMaxLength(40);
        b.References<TemplateVersion, Template>(x => x.TemplateId, DeleteBehavior.Cascade);
    }
}
