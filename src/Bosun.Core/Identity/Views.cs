using Bosun.Core.Common;

namespace Bosun.Core.Identity;

public sealed record TenantView(
    string Id, string Name, string Slug, string Plan, TenantStatus Status, decimal? MonthlySpendCapUsd, bool StorePromptText, int? MaxConcurrentRuns,
    DateTime CreatedAt, DateTime UpdatedAt)
{
    public static TenantView From(Tenant t) =>
        new(t.Id, t.Name, t.Slug, t.Plan, t.Status, Money.ToUsd(t.MonthlySpendCapMicros), t.StorePromptText, t.MaxConcurrentRuns, t.CreatedAt, t.UpdatedAt);
}

/// A tenant as an instance operator sees it: who it is and where it stands, nothing of what it holds.
public sealed record OperatorTenantView(string Id, string Slug, string Name, string Plan, TenantStatus Status, DateTime CreatedAt)
{
    public static OperatorTenantView From(Tenant t) => new(t.Id, t.Slug, t.Name, t.Plan, t.Status, t.CreatedAt);
}

/// A tenant an operator created, with its first owner's token: shown once, for the operator to hand over.
public sealed record OperatorCreatedTenant(OperatorTenantView Tenant, string OwnerEmail, string OwnerToken);

public sealed record OperatorView(string Id, string Email, string Name, DateTime CreatedAt)
{
    public static OperatorView From(Operator o) => new(o.Id, o.Email, o.Name, o.CreatedAt);
}

/// An operator as created: <see cref="Token"/> is shown once and never stored.
public sealed record CreatedOperator(OperatorView Operator, string Token);

public sealed record UserView(string Id, string Email, string Name, PersonRole Role, PersonStatus Status, bool HasPassword, DateTime CreatedAt, DateTime? LastSeenAt,
    bool EmailVerified, IReadOnlyDictionary<string, object?> Attributes)
{
    public static UserView From(User u) => new(u.Id, u.Email, u.Name, u.Role, u.Status, u.PasswordHash is not null, u.CreatedAt, u.LastSeenAt,
        u.EmailVerifiedAt is not null, Governance.Access.Attributes.Parse(u.AttributesJson));
}

public sealed record InvitationView(string Id, string Email, PersonRole Role, string Status, DateTime ExpiresAt, DateTime CreatedAt, DateTime? AcceptedAt, string? AcceptedUserId,
    string? ProjectId = null, string? ProjectRole = null)
{
    public static InvitationView From(Invitation i, DateTime now) => new(
        i.Id, i.Email, i.Role,
        i.AcceptedAt is not null ? "accepted" : i.RevokedAt is not null ? "revoked" : i.ExpiresAt <= now ? "expired" : "pending",
        i.ExpiresAt, i.CreatedAt, i.AcceptedAt, i.AcceptedUserId, i.ProjectId, i.ProjectRoleKey);
}

/// An invitation as created: the link carries the secret and is shown only this once.
public sealed record IssuedInvitation(InvitationView Invitation, string Token, string AcceptPath);

public sealed record AgentView(
    string Id, string Name, string Role, string Adapter, string? Model, string? Description,
    int MaxConcurrentRuns, int RunTimeoutSeconds, decimal? MaxCostPerWorkItemUsd, int FailuresBeforeEscalation,
    bool Enabled, IReadOnlyList<string> ProjectIds, DateTime? ClaimsPausedUntil, string? PauseReason, DateTime? LastHeartbeatAt,
    DateTime CreatedAt, DateTime UpdatedAt, IReadOnlyDictionary<string, object?> Attributes)
{
    /// A pause whose time has passed is over: the agent claims again, so it is shown as not paused.
    public static AgentView From(Agent a, IReadOnlyList<string> projectIds, DateTime now)
    {
        var paused = a.ClaimsPausedUntil > now;
        return new(a.Id, a.Name, a.Role, a.Adapter, a.Model, a.Description, a.MaxConcurrentRuns, a.RunTimeoutSeconds,
            Money.ToUsd(a.MaxCostPerWorkItemMicros), a.FailuresBeforeEscalation, a.Enabled, projectIds,
            paused ? a.ClaimsPausedUntil : null, paused ? a.PauseReason : null, a.LastHeartbeatAt, a.CreatedAt, a.UpdatedAt,
            Governance.Access.Attributes.Parse(a.AttributesJson));
    }
}

public sealed record TokenView(string Id, string Name, string Prefix, string Principal, DateTime CreatedAt, DateTime? ExpiresAt, DateTime? RevokedAt, DateTime? LastUsedAt)
{
    public static TokenView From(ApiToken t) => new(
        t.Id, t.Name, t.Prefix, t.AgentId is not null ? $"agent:{t.AgentId}" : $"user:{t.UserId}", t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsedAt);
}

/// A token as created: the secret is in <see cref="Token"/> and is never shown again.
public sealed record IssuedToken(string Id, string Name, string Prefix, string Principal, DateTime? ExpiresAt, string Token);

/// The identity behind a bearer token, resolved before the tenant is known.
public sealed record Principal(string TenantId, Actor Actor, PersonRole? PersonRole, string? AgentRole, string TokenId, bool Enabled,
    TenantStatus TenantStatus);
