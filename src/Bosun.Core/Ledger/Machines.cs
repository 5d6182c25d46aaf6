using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Ledger;

public enum MachineType { Local, Remote, Cloud, Ci }

/// A computer agents run on, as `bosun agent run` and transcript imports report it. Known by the id the reporter
/// gives (by default its host name, lower-cased), so a laptop's runs and its imported sessions land on one machine.
public sealed class Machine : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string MachineKey { get; set; }
    public required string Hostname { get; set; }
    public string? Os { get; set; }
    public string? OsVersion { get; set; }
    public string? UserName { get; set; }
    public MachineType Type { get; set; } = MachineType.Local;
    public DateTime FirstSeenAt { get; set; }
    public DateTime LastSeenAt { get; set; }
}

/// A folder on a machine where an agent works: usually a checkout of a project's repository, with the branch and
/// commit it was on when last seen.
public sealed class Workspace : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string MachineId { get; set; }
    public required string Path { get; set; }
    public string? ProjectId { get; set; }
    public string? GitBranch { get; set; }
    public string? GitCommit { get; set; }
    public DateTime FirstSeenAt { get; set; }
    public DateTime LastSeenAt { get; set; }
}

internal sealed class MachineConfiguration : IEntityTypeConfiguration<Machine>
{
    public void Configure(EntityTypeBuilder<Machine> b)
    {
        b.ToTable("machines");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.Property(x => x.MachineKey).HasMaxLength(200);
        b.Property(x => x.Hostname).HasMaxLength(200);
        b.Property(x => x.Os).HasMaxLength(50);
        b.Property(x => x.OsVersion).HasMaxLength(100);
        b.Property(x => x.UserName).HasMaxLength(200);
        b.HasIndex(x => new { x.TenantId, x.MachineKey }).IsUnique();
        b.HasIndex(x => new { x.TenantId, x.LastSeenAt });
    }
}

internal sealed class WorkspaceConfiguration : IEntityTypeConfiguration<Workspace>
{
    public void Configure(EntityTypeBuilder<Workspace> b)
    {
        b.ToTable("workspaces");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.Property(x => x.Path).HasMaxLength(1000);
        b.Property(x => x.GitBranch).HasMaxLength(200);
        b.Property(x => x.GitCommit).HasMaxLength(64);
        b.References<Workspace, Machine>(x => x.MachineId, DeleteBehavior.Cascade);
        b.References<Workspace, Planning.Project>(x => x.ProjectId);
        b.HasIndex(x => new { x.TenantId, x.MachineId, x.Path }).IsUnique();
        b.HasIndex(x => new { x.TenantId, x.ProjectId });
    }
}
