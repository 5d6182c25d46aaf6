using Bosun.Core.Planning;

namespace Bosun.Core.Dispatch;

/// A run that asked a person a blocking question ends as waiting: the lease is given up, the attempt is not counted (the
/// work did not fail), the checkpoint stays on the item for the run after the answer, and the item is blocked until then.
public sealed partial class RunService
{
    /// The run and its item, locked, after checking the caller holds the run's lease and the run is still on.
    internal async Task<(Run Run, WorkItem Item)> HeldAsync(string runId, string? leaseToken, CancellationToken ct)
    {
        var (run, item) = await LoadLockedAsync(runId, leaseToken, ct);
        EnsureActive(run);
        EnsureHoldsLease(run, item);
        return (run, item);
    }

    internal void EndWaiting(Run run, WorkItem item, string summary, string? checkpointJson)
    {
        run.Status = RunStatus.Waiting;
        run.EndedAt = Now;
        run.Summary = summary;
        if (checkpointJson is not null)
        {
            run.CheckpointJson = checkpointJson;
            item.CheckpointJson = checkpointJson;
        }

        ClearLease(item);
        item.Status = WorkStatus.Blocked;
        item.Attempts = Math.Max(0, item.Attempts - 1);
    }
}
