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

    /// Waits for the pulse (from <see cref="Next"/>) or the timeout, whichever comes first.
    public static async Task WaitAsync(Task next, TimeSpan timeout, CancellationToken ct)
    {
        await Task.WhenAny(next, Task.Delay(timeout, ct));
        ct.ThrowIfCancellationRequested();
    }
}
