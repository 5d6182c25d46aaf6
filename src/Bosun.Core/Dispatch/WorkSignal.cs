namespace Bosun.Core.Dispatch;

/// Wakes long-polling claimers in this process when work may have become claimable. Other processes
/// sharing the database are covered by the claimers' periodic re-check.
public sealed class WorkSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Pulse() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// Completes at the next pulse after this call. A claimer takes it before it looks for work, so work that appears
    /// while it looks still wakes it.
    public Task Next() => Volatile.Read(ref _next).Task;
}
