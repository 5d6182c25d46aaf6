using Bosun.Core.Common;
using Bosun.Core.Data;

namespace Bosun.Core.Dispatch;

/// Waiting: the run asked a person a blocking question and ended; the item is claimed again once it is answered.
public enum RunStatus { Active, Completed, Failed, Released, TimedOut, Cancelled, Stopped, Waiting }

/// One attempt at a work item by an agent or a person. Immutable once ended (the database refuses it).
public sealed class Run : ITenantScoped, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string WorkItemId { get; set; }
    public int Attempt { get; set; }
    public string? AgentId { get; set; }
    public string? UserId { get; set; }
    public RunStatus Status { get; set; } = RunStatus.Active;
    public required string LeaseToken { get; set; }
    public DateTime? LeaseExpiresAt { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime? HeartbeatAt { get; set; }
    public DateTime? EndedAt { get; set; }
    public string? Progress { get; set; }
    public string? CheckpointJson { get; set; }
    public string? OutputJson { get; set; }
    public string? Summary { get; set; }
    public string? ArtifactsJson { get; set; }
    public string? Error { get; set; }
    public bool? Retryable { get; set; }

    /// Why the run was told to stop (cancelled, budget); answered on its next heartbeat.
    public string? StopReason { get; set; }
    public long CostMicros { get; set; }

    /// Where the run happens, once its agent checked in (POST /machines/check-in with the run).
    public string? MachineId { get; set; }
    public string? WorkspaceId { get; set; }
}

public enum CheckStatus { Passed, Failed, Pending, Skipped }

/// Who reported a check: a run in its artifacts, or GitHub for a pull request's head commit.
public enum CheckSource { Run, Github }

/// A check a run reported in its artifacts (tests, lint, build), or one GitHub reported for the head commit of an item's
/// pull request, kept as a row so it can be asked for per item and per project. A run's checks never change; GitHub's
/// are one row per pull request, commit and name, updated as GitHub reports progress.
public sealed class RunCheck : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();

    /// Null for a check GitHub reported.
    public string? RunId { get; set; }
    public CheckSource Source { get; set; } = CheckSource.Run;
    public string? PullRequestId { get; set; }
    public string? HeadSha { get; set; }
    public required string WorkItemId { get; set; }
    public required string ProjectId { get; set; }
    public required string Name { get; set; }
    public CheckStatus Status { get; set; }
    public string? Url { get; set; }
    public string? Summary { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? UpdatedAt { get; set; }
}
