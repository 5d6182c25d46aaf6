using Bosun.Core.Common;
using Bosun.Core.Data;

namespace Bosun.Core.Planning;

public enum ProjectStatus { Active, Paused, Archived }

public enum GoalStatus { Active, Achieved, Missed, Abandoned }

/// Stored as its rank so the queue can order by it: urgent work is claimed first.
public enum Priority { Low = 0, Normal = 1, High = 2, Urgent = 3 }

public enum WorkStatus { Backlog, Ready, Claimed, InProgress, AwaitingApproval, Done, Blocked, Failed, Cancelled }

public sealed class Project : ITenantScoped, IHasTimestamps, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string Key { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public string? RepositoryUrl { get; set; }
    public string DefaultBranch { get; set; } = "main";
    public ProjectStatus Status { get; set; } = ProjectStatus.Active;
    public string? LeadUserId { get; set; }

    /// Next number for a work item key (WEB-42); bumped in the transaction that creates the item.
    public int NextItemNumber { get; set; } = 1;

    /// Set while the project is archived (its status is then archived too); cleared by a restore.
    public DateTime? ArchivedAt { get; set; }

    /// The most agents' runs on the project's items at once; claims beyond it are refused. None when null.
    public int? MaxConcurrentRuns { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public sealed class Goal : ITenantScoped, IHasTimestamps, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public string? ProjectId { get; set; }
    public required string Title { get; set; }
    public string? Description { get; set; }
    public string? MetricName { get; set; }
    public double? Baseline { get; set; }
    public double? Target { get; set; }
    public double? CurrentValue { get; set; }
    public DateTime? TargetDate { get; set; }
    public GoalStatus Status { get; set; } = GoalStatus.Active;
    public Priority Priority { get; set; } = Priority.Normal;

    /// Archived goals leave every list unless asked for; a restore brings them back.
    public DateTime? ArchivedAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// Share of the way from baseline to target, 0–100; null while either end is unknown.
    public double? ProgressPercent
    {
        get
        {
            if (Baseline is not { } from || Target is not { } to || from == to)
            {
                return null;
            }

            var now = CurrentValue ?? from;
            return Math.Round(Math.Clamp((now - from) / (to - from) * 100, 0, 100), 1);
        }
    }
}

public sealed class WorkItem : ITenantScoped, IHasTimestamps, IAudited
{
    /// A new item's position is its id: ids grow with time, so siblings stand in the order they were made until
    /// someone moves one, and a move writes only the moved item (see <see cref="Positions"/>).
    public WorkItem() => Position = Id;

    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string ProjectId { get; set; }
    public int Number { get; set; }
    public required string Key { get; set; }
    public string Type { get; set; } = "task";
    public required string Title { get; set; }
    public string? Description { get; set; }
    public WorkStatus Status { get; set; } = WorkStatus.Backlog;
    public Priority Priority { get; set; } = Priority.Normal;
    public string? AssigneeAgentId { get; set; }
    public string? AssigneeUserId { get; set; }
    public string? AssigneeRole { get; set; }
    public string? ParentId { get; set; }
    public string? GoalId { get; set; }
    public DateTime? DueAt { get; set; }
    public bool ApprovalRequired { get; set; }
    public string? InputJson { get; set; }
    public string? OutputJson { get; set; }

    /// Instructions from the last rejection or change request, handed to the next run.
    public string? RevisionNotes { get; set; }

    /// Counted when a run is claimed, so a worker that crashes still uses up its attempts.
    public int Attempts { get; set; }
    public string? ActiveRunId { get; set; }
    public string? LeaseToken { get; set; }
    public DateTime? LeaseExpiresAt { get; set; }

    /// Last checkpoint any run saved; a retry starts from it.
    public string? CheckpointJson { get; set; }

    /// The questions the item's runs asked people and their answers, oldest first: the next run receives them.
    public string? AnswersJson { get; set; }
    public string? CreatedBy { get; set; }
    public DateTime? CompletedAt { get; set; }

    /// Where the item stands among its siblings (and in its board column): compared as text, ordinal.
    public string Position { get; set; }

    /// The template (and its version) the item was made from, and the step it is; the pipeline's parent has no step.
    /// Global templates are named "global:KEY", so this is not a foreign key.
    public string? TemplateId { get; set; }
    public int? TemplateVersion { get; set; }
    public string? StepKey { get; set; }

    /// The plan whose approved version made this item, or whose backlog item it released.
    public string? PlanId { get; set; }

    /// The deliverable period this item counts towards (a pipeline's parent): done adds one to the period.
    public string? DeliverablePeriodId { get; set; }

    /// A pipeline's parent is done when its last child finishes (at least one of them done).
    public bool CloseWithChildren { get; set; }

    /// Archived items leave every list, board and claim unless asked for; a restore brings them back.
    public DateTime? ArchivedAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public sealed class WorkItemLabel : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public required string WorkItemId { get; set; }
    public required string Label { get; set; }
}

/// <see cref="WorkItemId"/> cannot start before <see cref="DependsOnId"/> is done.
public sealed class WorkItemDependency : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public required string WorkItemId { get; set; }
    public required string DependsOnId { get; set; }
}

public sealed class Comment : ITenantScoped, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string WorkItemId { get; set; }
    public required string AuthorRef { get; set; }
    public required string AuthorName { get; set; }
    public required string Body { get; set; }
    public DateTime CreatedAt { get; set; }
}
