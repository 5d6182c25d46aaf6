using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Identity;

/// A person signed in to the web UI. The browser holds the secret in an HttpOnly cookie; Bosun keeps only
/// its hash, so every Bosun process sharing the database honours the session and signing out ends it everywhere.
public sealed class WebSession : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string UserId { get; set; }
    public required string TokenHash { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
}

internal sealed class WebSessionConfiguration : IEntityTypeConfiguration<WebSession>
{
    public void Configure(EntityTypeBuilder<WebSession> b)
    {
        b.ToTable("web_sessions");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.Property(x => x.TokenHash).HasMaxLength(64);
        // A request finds its session by the cookie's hash before the tenant is known.
        b.HasIndex(x => x.TokenHash);
        b.References<WebSession, User>(x => x.UserId, DeleteBehavior.Cascade);
    }
}
