using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Integrations;

public enum ConnectionType { Oauth2, ApiKey, Basic, Custom }

/// Pending: created, never authorized. Connected: its token works as far as Bosun knows. Expired: a refresh failed, a
/// person must connect it again. Revoked: deleted; its tokens are erased. Error: the last authorization failed.
public enum ConnectionStatus { Pending, Connected, Expired, Revoked, Error }

/// An account at another service that the tenant connected, with the vault secrets it uses. An OAuth2 connection
/// keeps its client secret and its tokens as secrets of the vault (named NAME.client_secret, NAME.access_token,
/// NAME.refresh_token), so they are sealed, rotated, bound and their reads recorded like any secret.
public sealed class Connection : ITenantScoped, IHasTimestamps, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string Name { get; set; }
    public required string Provider { get; set; }
    public ConnectionType Type { get; set; }
    public ConnectionStatus Status { get; set; } = ConnectionStatus.Pending;
    public string? Description { get; set; }

    /// The project its alerts go to; null for the tenant's first project.
    public string? ProjectId { get; set; }

    /// Names of the vault secrets it uses, space-separated.
    public string SecretNames { get; set; } = "";

    /// Granted (or, before the first authorization, requested) scopes, space-separated.
    public string Scopes { get; set; } = "";
    public string? AuthorizeUrl { get; set; }
    public string? TokenUrl { get; set; }
    public string? ClientId { get; set; }

    /// client_secret_post or client_secret_basic.
    public string TokenAuth { get; set; } = ConnectionService.ClientSecretPost;
    public string? ExternalId { get; set; }
    public string? ExternalUrl { get; set; }

    /// When the access token stops working; null when the provider did not say.
    public DateTime? ExpiresAt { get; set; }

    /// The person who connected it: alerts about it are theirs.
    public string? OwnerUserId { get; set; }

    /// What went wrong last (the provider's error code, never a token).
    public string? LastError { get; set; }
    public DateTime? ConnectedAt { get; set; }
    public DateTime? RefreshedAt { get; set; }
    public DateTime? RevokedAt { get; set; }

    /// Set while one process refreshes the tokens, so no other refreshes them at the same time.
    [NotAudited]
    public DateTime? RefreshingUntil { get; set; }
    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// One authorization started from the web UI: its state is kept hashed and used once, its PKCE verifier sealed.
public sealed class ConnectionAuthorization : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string ConnectionId { get; set; }
    public required string StateHash { get; set; }
    public required string VerifierSealed { get; set; }
    public required string RedirectUri { get; set; }
    public required string UserId { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? UsedAt { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class ConnectionConfiguration : IEntityTypeConfiguration<Connection>
{
    public void Configure(EntityTypeBuilder<Connection> b)
    {
        b.ToTable("connections");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.HasOne<Identity.Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.References<Connection, Planning.Project>(x => x.ProjectId);
        b.Property(x => x.Name).HasMaxLength(ConnectionService.NameLength);
        b.Property(x => x.Provider).HasMaxLength(50);
        b.Property(x => x.Description).HasMaxLength(500);
        b.Property(x => x.SecretNames).HasMaxLength(2000);
        b.Property(x => x.Scopes).HasMaxLength(2000);
        b.Property(x => x.AuthorizeUrl).HasMaxLength(2000);
        b.Property(x => x.TokenUrl).HasMaxLength(2000);
        b.Property(x => x.ClientId).HasMaxLength(500);
        b.Property(x => x.TokenAuth).HasMaxLength(30);
        b.Property(x => x.ExternalId).HasMaxLength(200);
        b.Property(x => x.ExternalUrl).HasMaxLength(2000);
        b.Property(x => x.OwnerUserId).HasMaxLength(26);
        b.Property(x => x.LastError).HasMaxLength(500);
        b.Property(x => x.CreatedBy).HasMaxLength(40);

        // A name is taken once per tenant among the connections not revoked.
        b.HasIndex(x => new { x.TenantId, x.Name }).IsUnique()
            .HasDatabaseName("ux_connections_tenant_name")
            .HasFilter("revoked_at IS NULL");

        // The refresh job's scan: connected tokens by expiry.
        b.HasIndex(x => new { x.Status, x.ExpiresAt }).HasDatabaseName("ix_connections_expiry");
    }
}

internal sealed class ConnectionAuthorizationConfiguration : IEntityTypeConfiguration<ConnectionAuthorization>
{
    public void Configure(EntityTypeBuilder<ConnectionAuthorization> b)
    {
        b.ToTable("connection_authorizations");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.References<ConnectionAuthorization, Connection>(x => x.ConnectionId, DeleteBehavior.Cascade);
        b.Property(x => x.StateHash).HasMaxLength(64);
        b.Property(x => x.VerifierSealed).HasMaxLength(300);
        b.Property(x => x.RedirectUri).HasMaxLength(2000);
        b.Property(x => x.UserId).HasMaxLength(26);
        b.HasIndex(x => new { x.TenantId, x.StateHash }).IsUnique();
    }
}
