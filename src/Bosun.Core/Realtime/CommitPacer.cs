using Bosun.Core.Common;

namespace Bosun.Core.Realtime;

/// Paces a loop that works through newly committed events: it wakes at the next commit, or when the caller's timeout
/// runs out, but never sooner than the minimum gap after its previous pass began. Under load events commit hundreds of
/// times a second, and one pass then carries all that committed during the gap instead of one pass each.
public sealed class CommitPacer(Func<Task> nextCommit, TimeProvider clock, TimeSpan minimumGap)
{
    private long _passStarted;
    private Task? _nextCommit;

    /// Called as a pass begins; a commit from here on, even one made during the pass, wakes the next wait.
    public void PassStarting()
    {
        _passStarted = clock.GetTimestamp();
        _nextCommit = nextCommit();
    }

    /// Waits until the next pass is due: a commit since the pass began, or the timeout, and then the rest of the gap.
    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        await Wake.WaitAsync(_nextCommit ?? nextCommit(), timeout, clock, ct);
        var since = clock.GetElapsedTime(_passStarted);
        if (since < minimumGap)
        {
            await Task.Delay(minimumGap - since, clock, ct);
        }
    }
}
