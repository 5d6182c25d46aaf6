using System.Text.Json;
using Bosun.Core.Planning;

namespace Bosun.Core.Dispatch;

public sealed record ClaimRequest(int? Max, int? WaitSeconds, string? Project);

public sealed record RunView(
    string Id, string WorkItemId, int Attempt, string? AgentId, string? UserId, RunStatus Status, DateTime? LeaseExpiresAt,
    DateTime StartedAt, DateTime? HeartbeatAt, DateTime? EndedAt, string? Progress, JsonElement? Checkpoint, JsonElement? Output,
    string? Summary, JsonElement? Artifacts, string? Error, bool? Retryable, string? StopReason, long CostMicros)
{
    public static RunView From(Run r) => new(
        r.Id, r.WorkItemId, r.Attempt, r.AgentId, r.UserId, r.Status, r.LeaseExpiresAt, r.StartedAt, r.HeartbeatAt, r.EndedAt,
        r.Progress, WorkItemView.ParseJson(r.CheckpointJson), WorkItemView.ParseJson(r.OutputJson), r.Summary,
        WorkItemView.ParseJson(r.ArtifactsJson), r.Error, r.Retryable, r.StopReason, r.CostMicros);
}

/// The lease a worker holds: every later call about the run must carry <see cref="LeaseToken"/>.
public sealed record Lease(string RunId, int Attempt, string LeaseToken, DateTime? LeaseExpiresAt)
{
    /// Known to the claim that made the lease; not part of what the worker is sent.
    [System.Text.Json.Serialization.JsonIgnore]
    internal string? WorkItemId { get; init; }
}

public sealed record RelatedItem(string Id, string Key, string Title, string? Description, WorkStatus Status, JsonElement? Output);

public sealed record GoalSummary(string Id, string Title, string? MetricName, double? Baseline, double? Target, double? CurrentValue, double? ProgressPercent);

/// What a worker needs to start: the item, where it sits, what it waits on, what people said, and
/// what the previous attempt left behind.
public sealed record WorkContext(
    RelatedItem? Parent, GoalSummary? Goal, IReadOnlyList<RelatedItem> Dependencies, IReadOnlyList<CommentView> Comments,
    string? RevisionNotes, JsonElement? Checkpoint, JsonElement? PreviousOutput)
{
    /// The questions the item's runs asked people, with their answers once given (see the item's answers).
    public JsonElement? Answers { get; init; }
}

public sealed record ClaimedWork(WorkItemView Item, Lease Run, WorkContext Context)
{
    /// The context assembled under the agent's budget profile, when it has one (see docs/knowledge.md).
    public Knowledge.ContextBundle? Assembled { get; init; }
}

public sealed record ClaimResponse(IReadOnlyList<ClaimedWork> Items);

public sealed record HeartbeatRequest(string? LeaseToken, string? Progress, JsonElement? Checkpoint);

public sealed record HeartbeatResponse(bool Stop, string? Reason, DateTime? LeaseExpiresAt);

public sealed record Artifacts(IReadOnlyList<JsonElement>? Commits, IReadOnlyList<string>? PullRequests, IReadOnlyList<JsonElement>? Checks);

public sealed record CompleteRequest(string? LeaseToken, JsonElement? Output, string? Summary, JsonElement? Artifacts);

/// With <see cref="Limit"/> ("rate" or "quota") the failure reports a provider's limit: claims pause until the reset
/// (<see cref="RetryAfter"/> seconds from now, or <see cref="ResetAt"/>) and the item goes back without using an attempt.
public sealed record FailRequest(string? LeaseToken, string? Error, bool? Retryable, int? RetryAfter = null, DateTimeOffset? ResetAt = null, string? Limit = null);

public sealed record ReleaseRequest(string? LeaseToken, string? Reason);

/// <see cref="FailedChecks"/> names the checks that kept the item from being done (null when none did).
public sealed record RunOutcome(RunView Run, WorkItemView Item, string? ApprovalId, string? EscalationId, IReadOnlyList<FailedCheck>? FailedChecks = null);
