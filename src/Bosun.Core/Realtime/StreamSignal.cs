using System.Collections.Concurrent;

namespace Bosun.Core.Realtime;

/// Wakes this process's streams and webhook sender when a tenant's events commit. Other processes sharing
/// the database are covered by polling.
public sealed class StreamSignal
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _tenants = new(StringComparer.Ordinal);
    private TaskCompletionSource _any = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Pulse(string tenantId)
    {
        if (_tenants.TryRemove(tenantId, out var waiting))
        {
            waiting.TrySetResult();
        }

        Interlocked.Exchange(ref _any, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// Completes at the next commit of the tenant's events after this call. A reader takes it before it reads, so
    /// events that commit while it reads still wake it.
    public Task NextCommit(string tenantId) =>
        _tenants.GetOrAdd(tenantId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// Completes at the next commit of any tenant's events after this call.
    public Task NextCommit() => Volatile.Read(ref _any).Task;
}
