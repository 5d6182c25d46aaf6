using Bosun.Core.Common;
using Bosun.Core.Data;

namespace Bosun.Core.Identity;

/// Guest: no tenant-wide role; a guest sees and does only what their project roles allow.
public enum PersonRole { Owner, Admin, Member, Reviewer, Guest }

public enum PersonStatus { Active, Deactivated }

/// Where a tenant stands with the instance operator. Suspended and cancelled tenants' tokens and sessions are refused.
/// Active comes first: it is the column's default for tenants made before there were statuses, and EF leaves a value
/// equal to the enum's default to the database's default.
public enum TenantStatus { Active, Trialing, Suspended, Cancelled }

public sealed class Tenant : IHasTimestamps, IAudited
{
    public string Id { get; set; } = Ids.New();
    public required string Name { get; set; }
    public required string Slug { get; set; }
    public string Plan { get; set; } = "self_hosted";
    public long? MonthlySpendCapMicros { get; set; }
    public bool StorePromptText { get; set; }

    /// The most agents' runs the tenant has active at once; claims beyond it are refused. None when null.
    public int? MaxConcurrentRuns { get; set; }
    public TenantStatus Status { get; set; } = TenantStatus.Active;
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// Suspended and cancelled tenants keep their data but cannot act on it.
    public static bool IsOpen(TenantStatus status) => status is TenantStatus.Active or TenantStatus.Trialing;
}

public sealed class User : ITenantScoped, IHasTimestamps, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string Email { get; set; }
    public required string Name { get; set; }
    public PersonRole Role { get; set; } = PersonRole.Member;
    public PersonStatus Status { get; set; } = PersonStatus.Active;
    public string? PasswordHash { get; set; }
    public int FailedSignIns { get; set; }
    public DateTime? LockedUntil { get; set; }
    public DateTime? LastSeenAt { get; set; }

    /// When the person opened a link sent to their email (a verification or a password reset): the address is theirs.
    public DateTime? EmailVerifiedAt { get; set; }

    /// Custom attributes policies can test, such as {"department": "engineering"}: a JSON object of strings, numbers
    /// and booleans.
    public string? AttributesJson { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public sealed class Invitation : ITenantScoped, IHasTimestamps, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string Email { get; set; }
    public PersonRole Role { get; set; } = PersonRole.Member;
    public required string TokenHash { get; set; }

    /// A role in one project the person gets on accepting, e.g. a client's reviewer invited as a guest.
    public string? ProjectId { get; set; }
    public string? ProjectRoleKey { get; set; }
    public string? InvitedByUserId { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? AcceptedAt { get; set; }
    public string? AcceptedUserId { get; set; }
    public DateTime? RevokedAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public sealed class Agent : ITenantScoped, IHasTimestamps, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string Name { get; set; }
    public required string Role { get; set; }
    public string Adapter { get; set; } = "http";
    public string? Model { get; set; }
    public string? Description { get; set; }
    public int MaxConcurrentRuns { get; set; } = 1;
    public int RunTimeoutSeconds { get; set; } = 3600;
    public long? MaxCostPerWorkItemMicros { get; set; }
    public int FailuresBeforeEscalation { get; set; } = 3;
    public bool Enabled { get; set; } = true;

    /// Set when the agent reported a provider's rate limit or quota: it claims nothing before this time (UTC), and
    /// claims again after it without anyone having to act. <see cref="PauseReason"/> says which limit.
    public DateTime? ClaimsPausedUntil { get; set; }
    public string? PauseReason { get; set; }
    public DateTime? LastHeartbeatAt { get; set; }

    /// Custom attributes policies can test, as on people.
    public string? AttributesJson { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// The projects an agent takes unassigned work from. An agent with none serves every project.
public sealed class AgentProject : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public required string AgentId { get; set; }
    public required string ProjectId { get; set; }
}

public sealed class ApiToken : ITenantScoped, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string Name { get; set; }
    public required string Prefix { get; set; }
    public required string TokenHash { get; set; }
    public string? UserId { get; set; }
    public string? AgentId { get; set; }
    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? ExpiresAt { get; set; }
    public DateTime? RevokedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
}

/// Someone who runs this Bosun instance: creates, suspends and cancels tenants, belongs to none of them and reads none
/// of their data. Operators and their tokens carry no tenant_id; a tenant's request never looks them up.
public sealed class Operator
{
    public string Id { get; set; } = Ids.New();
    public required string Email { get; set; }
    public required string Name { get; set; }
    public DateTime CreatedAt { get; set; }
}

public sealed class OperatorToken
{
    public string Id { get; set; } = Ids.New();
    public required string OperatorId { get; set; }
    public required string Prefix { get; set; }
    public required string TokenHash { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}
