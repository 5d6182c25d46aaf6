using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Knowledge;

/// One revision of a file uploaded to a work item. The bytes live in the <see cref="DocumentStore"/> under their
/// SHA-256, so revisions and documents holding the same bytes share one file.
public sealed class Document : ITenantScoped, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string WorkItemId { get; set; }

    /// The file name; uploading the same name again to the same item makes the next <see cref="Revision"/>.
    public required string Name { get; set; }

    /// The type the uploader declared (or the one its extension names), served on download.
    public required string MimeType { get; set; }

    /// The type the first bytes show, checked against <see cref="MimeType"/> on upload.
    public required string SniffedType { get; set; }
    public long Size { get; set; }
    public required string Sha256 { get; set; }
    public int Revision { get; set; }
    public required string UploadedBy { get; set; }
    public required string UploadedByName { get; set; }

    /// Text documents (plain text, Markdown, JSON, source code) keep their text, at most <see cref="DocumentService.MaxTextChars"/>
    /// characters, for search and for agents to read; null for any other file.
    [NotAudited]
    public string? Text { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class DocumentConfiguration : IEntityTypeConfiguration<Document>
{
    public void Configure(EntityTypeBuilder<Document> b)
    {
        b.ToTable("documents");
        b.HasTenantKey();
        b.References<Document, WorkItem>(x => x.WorkItemId, DeleteBehavior.Cascade);
        b.Property(x => x.Name).HasMaxLength(DocumentService.MaxNameLength);
        b.Property(x => x.MimeType).HasMaxLength(200);
        b.Property(x => x.SniffedType).HasMaxLength(100);
        b.Property(x => x.Sha256).HasMaxLength(64);
        b.Property(x => x.UploadedBy).HasMaxLength(40);
        b.Property(x => x.UploadedByName).HasMaxLength(200);
        b.HasIndex(x => new { x.TenantId, x.WorkItemId, x.Name, x.Revision }).IsUnique();
        b.HasIndex(x => new { x.TenantId, x.Sha256 });
    }
}
