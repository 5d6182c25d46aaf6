namespace Bosun.Core.Planning;

/// The work item state machine. The happy path is backlog → ready → claimed → in_progress →
/// awaiting_approval → done; blocked, failed and cancelled step off it and (except done) back on.
public static class Workflow
{
    private static readonly Dictionary<WorkStatus, WorkStatus[]> Moves = new()
    {
        [WorkStatus.Backlog] = [WorkStatus.Ready, WorkStatus.Blocked, WorkStatus.Cancelled],
        [WorkStatus.Ready] = [WorkStatus.Backlog, WorkStatus.Claimed, WorkStatus.InProgress, WorkStatus.Blocked, WorkStatus.Cancelled],
        [WorkStatus.Claimed] = [WorkStatus.InProgress, WorkStatus.Ready, WorkStatus.AwaitingApproval, WorkStatus.Done, WorkStatus.Blocked, WorkStatus.Failed, WorkStatus.Cancelled],
        [WorkStatus.InProgress] = [WorkStatus.AwaitingApproval, WorkStatus.Done, WorkStatus.Ready, WorkStatus.Blocked, WorkStatus.Failed, WorkStatus.Cancelled],
        [WorkStatus.AwaitingApproval] = [WorkStatus.Done, WorkStatus.Ready, WorkStatus.InProgress, WorkStatus.Cancelled],
        [WorkStatus.Blocked] = [WorkStatus.Backlog, WorkStatus.Ready, WorkStatus.Cancelled],
        [WorkStatus.Failed] = [WorkStatus.Ready, WorkStatus.Backlog, WorkStatus.Cancelled],
        [WorkStatus.Done] = [],
        [WorkStatus.Cancelled] = [WorkStatus.Backlog],
    };

    public static IReadOnlyList<WorkStatus> AllowedFrom(WorkStatus status) => Moves[status];

    public static bool CanMove(WorkStatus from, WorkStatus to) => Moves[from].Contains(to);

    /// States in which someone is actively holding the item.
    public static bool IsActive(WorkStatus status) => status is WorkStatus.Claimed or WorkStatus.InProgress;

    public static bool IsFinished(WorkStatus status) => status is WorkStatus.Done or WorkStatus.Cancelled;
}
