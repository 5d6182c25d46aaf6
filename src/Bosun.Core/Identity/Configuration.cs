using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Identity;

internal sealed class TenantConfiguration : IEntityTypeConfiguration<Tenant>
{
    public void Configure(EntityTypeBuilder<Tenant> b)
    {
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasMaxLength(26);
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Slug).HasMaxLength(63);
        b.Property(x => x.Plan).HasMaxLength(50);
        b.Property(x => x.Status).HasDefaultValue(TenantStatus.Active);
        b.HasIndex(x => x.Slug).IsUnique();
    }
}

internal sealed class OperatorConfiguration : IEntityTypeConfiguration<Operator>
{
    public void Configure(EntityTypeBuilder<Operator> b)
    {
        b.ToTable("operators");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasMaxLength(26);
        b.Property(x => x.Email).HasMaxLength(320);
        b.Property(x => x.Name).HasMaxLength(200);
        b.HasIndex(x => x.Email).IsUnique();
    }
}

internal sealed class OperatorTokenConfiguration : IEntityTypeConfiguration<OperatorToken>
{
    public void Configure(EntityTypeBuilder<OperatorToken> b)
    {
        b.ToTable("operator_tokens");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasMaxLength(26);
        b.Property(x => x.Prefix).HasMaxLength(32);
        b.Property(x => x.TokenHash).HasMaxLength(64);
        b.HasIndex(x => x.TokenHash).IsUnique();
        b.HasOne<Operator>().WithMany().HasForeignKey(x => x.OperatorId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> b)
    {
        b.HasTenantKey();
        b.HasOne<Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.Property(x => x.Email).HasMaxLength(320);
        b.Property(x => x.Name).HasMaxLength(200);
        b.HasIndex(x => new { x.TenantId, x.Email }).IsUnique();
        // Sign-in looks a person up by email before the tenant is known.
        b.HasIndex(x => x.Email);
    }
}

internal sealed class InvitationConfiguration : IEntityTypeConfiguration<Invitation>
{
    public void Configure(EntityTypeBuilder<Invitation> b)
    {
        b.HasTenantKey();
        b.HasOne<Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.Property(x => x.Email).HasMaxLength(320);
        b.Property(x => x.TokenHash).HasMaxLength(64);
        b.HasIndex(x => x.TokenHash);
        b.References<Invitation, User>(x => x.InvitedByUserId);
        b.References<Invitation, User>(x => x.AcceptedUserId);
    }
}

internal sealed class AgentConfiguration : IEntityTypeConfiguration<Agent>
{
    public void Configure(EntityTypeBuilder<Agent> b)
    {
        b.HasTenantKey();
        b.HasOne<Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.Property(x => x.Name).HasMaxLength(100);
        b.Property(x => x.Role).HasMaxLength(100);
        b.Property(x => x.Adapter).HasMaxLength(50);
        b.Property(x => x.Model).HasMaxLength(200);
        b.Property(x => x.PauseReason).HasMaxLength(20);
        b.HasIndex(x => new { x.TenantId, x.Name }).IsUnique();
        b.HasIndex(x => new { x.TenantId, x.Role, x.Enabled });
    }
}

internal sealed class AgentProjectConfiguration : IEntityTypeConfiguration<AgentProject>
{
    public void Configure(EntityTypeBuilder<AgentProject> b)
    {
        b.HasKey(x => new { x.TenantId, x.AgentId, x.ProjectId });
        b.References<AgentProject, Agent>(x => x.AgentId, DeleteBehavior.Cascade);
        b.References<AgentProject, Planning.Project>(x => x.ProjectId, DeleteBehavior.Cascade);
    }
}

internal sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> b)
    {
        b.HasTenantKey();
        b.HasOne<Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Prefix).HasMaxLength(32);
        b.Property(x => x.TokenHash).HasMaxLength(64);
        // Authentication finds a token by its hash before the tenant is known.
        b.HasIndex(x => x.TokenHash);
        b.References<ApiToken, User>(x => x.UserId);
        b.References<ApiToken, Agent>(x => x.AgentId);
    }
}
