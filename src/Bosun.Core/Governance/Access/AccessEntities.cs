using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Governance.Access;

/// A role a tenant defined: a named set of capabilities. The system roles are not rows (see <see cref="SystemRoles"/>).
public sealed class Role : ITenantScoped, IHasTimestamps, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string Key { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }

    /// JSON array of capability patterns (`work:create`, `work:*`).
    public string CapabilitiesJson { get; set; } = "[]";
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// A role held by one person or agent, for the whole tenant, one project or one resource (`work:ID`), until it expires.
public sealed class RoleAssignment : ITenantScoped, IHasTimestamps, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string RoleKey { get; set; }
    public string? UserId { get; set; }
    public string? AgentId { get; set; }
    public string? ProjectId { get; set; }

    /// `type:id` of the one resource the role is held on, e.g. `work:01J...`.
    public string? ResourceRef { get; set; }
    public DateTime? ExpiresAt { get; set; }
    public string? CreatedByRef { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public enum PolicyEffect { Allow, Deny }

/// An attribute policy: for the actions and resources it names, when every condition holds, it allows or denies.
/// A row whose <see cref="SystemKey"/> is set holds the tenant's setting of a built-in policy (only whether it is on).
public sealed class AccessPolicy : ITenantScoped, IHasTimestamps, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string Name { get; set; }
    public string? Description { get; set; }
    public PolicyEffect Effect { get; set; } = PolicyEffect.Allow;
    public string ActionsJson { get; set; } = "[]";
    public string ResourcesJson { get; set; } = "[]";
    public string ConditionsJson { get; set; } = "{}";
    public int Priority { get; set; }
    public bool Enabled { get; set; } = true;
    public string? SystemKey { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// One logged decision: every deny, and the allows of sensitive actions.
public sealed class PermissionDecision : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public DateTime At { get; set; }
    public required string PrincipalRef { get; set; }
    public required string Action { get; set; }
    public string? Resource { get; set; }
    public bool Allowed { get; set; }

    /// JSON: {"roles": [...], "policies": [...]} that decided it.
    public string MatchedJson { get; set; } = "{}";
    public double Microseconds { get; set; }
}

internal sealed class RoleConfiguration : IEntityTypeConfiguration<Role>
{
    public void Configure(EntityTypeBuilder<Role> b)
    {
        b.ToTable("roles");
        b.HasTenantKey();
        b.HasOne<Identity.Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.Property(x => x.Key).HasMaxLength(63);
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Description).HasMaxLength(2000);
        b.Property(x => x.CapabilitiesJson).HasMaxLength(10_000);
        b.HasIndex(x => new { x.TenantId, x.Key }).IsUnique();
    }
}

internal sealed class RoleAssignmentConfiguration : IEntityTypeConfiguration<RoleAssignment>
{
    public void Configure(EntityTypeBuilder<RoleAssignment> b)
    {
        b.ToTable("role_assignments");
        b.HasTenantKey();
        b.HasOne<Identity.Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.Property(x => x.RoleKey).HasMaxLength(63);
        b.Property(x => x.ResourceRef).HasMaxLength(100);
        b.Property(x => x.CreatedByRef).HasMaxLength(100);
        b.References<RoleAssignment, Identity.User>(x => x.UserId, DeleteBehavior.Cascade);
        b.References<RoleAssignment, Identity.Agent>(x => x.AgentId, DeleteBehavior.Cascade);
        b.References<RoleAssignment, Planning.Project>(x => x.ProjectId, DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.TenantId, x.UserId });
        b.HasIndex(x => new { x.TenantId, x.AgentId });
        b.HasIndex(x => new { x.TenantId, x.ProjectId });
    }
}

internal sealed class AccessPolicyConfiguration : IEntityTypeConfiguration<AccessPolicy>
{
    public void Configure(EntityTypeBuilder<AccessPolicy> b)
    {
        b.ToTable("access_policies");
        b.HasTenantKey();
        b.HasOne<Identity.Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Description).HasMaxLength(2000);
        b.Property(x => x.ActionsJson).HasMaxLength(10_000);
        b.Property(x => x.ResourcesJson).HasMaxLength(10_000);
        b.Property(x => x.ConditionsJson).HasMaxLength(20_000);
        b.Property(x => x.SystemKey).HasMaxLength(63);
        b.HasIndex(x => new { x.TenantId, x.Name }).IsUnique();
    }
}

internal sealed class PermissionDecisionConfiguration : IEntityTypeConfiguration<PermissionDecision>
{
    public void Configure(EntityTypeBuilder<PermissionDecision> b)
    {
        b.ToTable("permission_decisions");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.HasOne<Identity.Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.Property(x => x.PrincipalRef).HasMaxLength(100);
        b.Property(x => x.Action).HasMaxLength(63);
        b.Property(x => x.Resource).HasMaxLength(200);
        b.Property(x => x.MatchedJson).HasMaxLength(4000);
        b.HasIndex(x => new { x.TenantId, x.At });
    }
}
