using Bosun.Core.Dispatch;
using Bosun.Core.Realtime;

namespace Bosun.Tests.Dispatch;

/// Long-polling claimers and live streams take their wake-up before they look for work or read events; a pulse
/// that comes while they look must still wake them, not leave them asleep until their next re-check.
public sealed class WakeUpTests
{
    private static readonly TimeSpan LongAfterTheTest = TimeSpan.FromHours(1);

    [Fact]
    public async Task Work_that_appears_while_a_claimer_looks_wakes_it()
    {
        var signal = new WorkSignal();
        var workAppeared = signal.Next();
        signal.Pulse();

        await WorkSignal.WaitAsync(workAppeared, LongAfterTheTest, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Events_that_commit_while_a_stream_reads_wake_it_and_only_for_their_tenant()
    {
        var signal = new StreamSignal();
        var mine = signal.NextCommit("tenant-a");
        var theirs = signal.NextCommit("tenant-b");
        signal.Pulse("tenant-a");

        await StreamSignal.WaitAsync(mine, LongAfterTheTest, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(theirs.IsCompleted);
    }
}
