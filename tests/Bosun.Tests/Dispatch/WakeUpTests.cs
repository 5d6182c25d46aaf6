using Bosun.Core.Common;
using Bosun.Core.Dispatch;
using Bosun.Core.Realtime;
using Microsoft.Extensions.Time.Testing;

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

        Assert.True(await Wake.WaitAsync(workAppeared, LongAfterTheTest, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Events_that_commit_while_a_stream_reads_wake_it_and_only_for_their_tenant()
    {
        var signal = new StreamSignal();
        var mine = signal.NextCommit("tenant-a");
        var theirs = signal.NextCommit("tenant-b");
        signal.Pulse("tenant-a");

        Assert.True(await Wake.WaitAsync(mine, LongAfterTheTest, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(theirs.IsCompleted);
    }

    [Fact]
    public async Task A_wait_that_runs_out_returns_without_an_error_and_a_spent_deadline_answers_at_once()
    {
        var clock = new FakeTimeProvider();
        var never = new TaskCompletionSource().Task;
        var wait = Wake.WaitAsync(never, TimeSpan.FromSeconds(1), clock, CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(await wait.WaitAsync(TimeSpan.FromSeconds(10)));

        // A long poll whose deadline passed while it looked asks for a wait below zero.
        Assert.False(await Wake.WaitAsync(never, TimeSpan.FromMilliseconds(-5), CancellationToken.None));
    }
}
