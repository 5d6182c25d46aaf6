namespace Bosun.Core.Dispatch;

/// Wakes long-polling claimers in this process when work may have become claimable. Other processes
/// sharing the database are covered by the claimers' periodic re-check.
public sealed class WorkSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Pulse() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        var next = Volatile.Read(ref _next).Task;
        await Task.WhenAny(next, Task.Delay(timeout, ct));
        ct.ThrowIfCancellationRequested();
    }
}
