using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Integrations;

public enum SecretType { ApiKey, Oauth2, Basic, Custom }

/// Active: in use. Failing: the last check said it no longer works. Archived: deleted; its value is gone, its
/// name free again, its access events kept.
public enum SecretStatus { Active, Failing, Archived }

/// A credential agents use while they hold a run. Its value is sealed with a data key of its own, and the data key
/// with the vault's key (<see cref="SecretVault"/>): neither ever leaves Bosun except to the agent of a bound run.
public sealed class Secret : ITenantScoped, IHasTimestamps, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string Name { get; set; }

    /// Null for a tenant-wide secret; otherwise the project whose runs may read it.
    public string? ProjectId { get; set; }
    public SecretType Type { get; set; }
    public string? Description { get; set; }

    /// The value under the data key (AES-256-GCM); null once archived. Never audited, never answered.
    public string? ValueSealed { get; set; }

    /// The data key sealed with <see cref="SecretBox"/>; null once archived. Never audited, never answered.
    public string? DataKeySealed { get; set; }

    /// The id of the vault key that wraps the data key (which reveals nothing of it).
    public string? KeyId { get; set; }

    /// Counts the values set, so a person can tell which one an agent read.
    public int Version { get; set; } = 1;
    public SecretStatus Status { get; set; } = SecretStatus.Active;
    public DateTime? ExpiresAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
    public DateTime? LastCheckedAt { get; set; }
    public DateTime? ValueSetAt { get; set; }
    public DateTime? ArchivedAt { get; set; }
    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// Who may read a secret: one agent ("agent:ID") or every agent of a role ("role:NAME").
public sealed class SecretBinding : ITenantScoped, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string SecretId { get; set; }
    public required string SubjectRef { get; set; }
    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// One read of a secret's value: who read it, in which run, through which front end, when. Written in the
/// transaction that reads the value, so no value leaves without its record.
public sealed class SecretAccess : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string SecretId { get; set; }
    public required string SecretName { get; set; }
    public int Version { get; set; }
    public required string ActorRef { get; set; }
    public required string ActorName { get; set; }
    public required string RunId { get; set; }
    public required string WorkItemId { get; set; }

    /// "rest" or "mcp".
    public required string Via { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class SecretConfiguration : IEntityTypeConfiguration<Secret>
{
    public void Configure(EntityTypeBuilder<Secret> b)
    {
        b.ToTable("secrets");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.HasOne<Identity.Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.References<Secret, Planning.Project>(x => x.ProjectId);
        b.Property(x => x.Name).HasMaxLength(SecretService.NameLength);
        b.Property(x => x.Description).HasMaxLength(500);
        b.Property(x => x.ValueSealed).HasMaxLength(SecretService.SealedLength);
        b.Property(x => x.DataKeySealed).HasMaxLength(200);
        b.Property(x => x.KeyId).HasMaxLength(20);
        b.Property(x => x.CreatedBy).HasMaxLength(40);

        // A name is taken once per scope among the secrets not archived.
        b.HasIndex(x => new { x.TenantId, x.Name }).IsUnique()
            .HasDatabaseName("ux_secrets_tenant_name")
            .HasFilter("project_id IS NULL AND archived_at IS NULL");
        b.HasIndex(x => new { x.TenantId, x.ProjectId, x.Name }).IsUnique()
            .HasDatabaseName("ux_secrets_project_name")
            .HasFilter("project_id IS NOT NULL AND archived_at IS NULL");
        b.HasIndex(x => new { x.KeyId, x.TenantId, x.Id }).HasDatabaseName("ix_secrets_key");
    }
}

internal sealed class SecretBindingConfiguration : IEntityTypeConfiguration<SecretBinding>
{
    public void Configure(EntityTypeBuilder<SecretBinding> b)
    {
        b.ToTable("secret_bindings");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.References<SecretBinding, Secret>(x => x.SecretId, DeleteBehavior.Cascade);
        b.Property(x => x.SubjectRef).HasMaxLength(100);
        b.Property(x => x.CreatedBy).HasMaxLength(40);
        b.HasIndex(x => new { x.TenantId, x.SecretId, x.SubjectRef }).IsUnique();
    }
}

internal sealed class SecretAccessConfiguration : IEntityTypeConfiguration<SecretAccess>
{
    public void Configure(EntityTypeBuilder<SecretAccess> b)
    {
        b.ToTable("secret_accesses");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.References<SecretAccess, Secret>(x => x.SecretId);
        b.Property(x => x.SecretName).HasMaxLength(SecretService.NameLength);
        b.Property(x => x.ActorRef).HasMaxLength(40);
        b.Property(x => x.ActorName).HasMaxLength(200);
        b.Property(x => x.RunId).HasMaxLength(26);
        b.Property(x => x.WorkItemId).HasMaxLength(26);
        b.Property(x => x.Via).HasMaxLength(10);
        b.HasIndex(x => new { x.TenantId, x.SecretId, x.Id });
        b.HasIndex(x => new { x.TenantId, x.RunId });
    }
}
