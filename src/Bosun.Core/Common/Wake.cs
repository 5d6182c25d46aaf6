namespace Bosun.Core.Common;

/// Waiting for an in-process signal (new work, committed events) with a time limit.
public static class Wake
{
    /// Returns when the signal fires or the time runs out, whichever comes first; true when the signal fired. The
    /// timer is dropped as soon as the signal fires, so waiters woken many times a second leave no timers behind.
    public static async Task<bool> WaitAsync(Task signal, TimeSpan timeout, TimeProvider clock, CancellationToken ct)
    {
        if (timeout <= TimeSpan.Zero)
        {
            ct.ThrowIfCancellationRequested();
            return signal.IsCompleted;
        }

        try
        {
            await signal.WaitAsync(timeout, clock, ct);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public static Task<bool> WaitAsync(Task signal, TimeSpan timeout, CancellationToken ct) =>
        WaitAsync(signal, timeout, TimeProvider.System, ct);
}
