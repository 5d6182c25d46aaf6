using Bosun.Core.Common;
using Bosun.Core.Data;

namespace Bosun.Core.Governance;

/// Append-only: the database refuses UPDATE and DELETE on this table.
public sealed class AuditEntry : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string ActorRef { get; set; }
    public required string ActorName { get; set; }
    public required string Action { get; set; }
    public required string EntityType { get; set; }
    public required string EntityId { get; set; }

    /// {"field": {"before": ..., "after": ...}} for the fields the mutation changed.
    public required string ChangesJson { get; set; }
    public string? RequestId { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// The first response to a mutation sent with an Idempotency-Key, replayed for retries.
public sealed class IdempotencyRecord : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public required string Key { get; set; }
    public required string RequestHash { get; set; }
    public int StatusCode { get; set; }
    public string? ContentType { get; set; }
    public byte[] ResponseBody { get; set; } = [];
    public string? Location { get; set; }
    public DateTime CreatedAt { get; set; }
}

public enum ApprovalStatus { Pending, Approved, Rejected, ChangesRequested, Expired }

public enum ApprovalKind { WorkOutput, BudgetRaise, Custom, Plan }

public sealed class Approval : ITenantScoped, IHasTimestamps, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public ApprovalKind Kind { get; set; } = ApprovalKind.WorkOutput;
    public required string Subject { get; set; }
    public string? WorkItemId { get; set; }
    public string? RunId { get; set; }
    public string? ProjectId { get; set; }

    /// The plan version a plan approval decides.
    public string? PlanVersionId { get; set; }
    public required string RequestedByRef { get; set; }
    public string? OutputJson { get; set; }
    public string? Summary { get; set; }
    public ApprovalStatus Status { get; set; } = ApprovalStatus.Pending;
    public string? DecidedByUserId { get; set; }
    public string? DecisionNote { get; set; }
    public DateTime? DecidedAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}
