using Bosun.Core.Realtime;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Tests.Agents;

/// The pacing of the webhook sender: how soon after commits its next pass runs. The clock is fake, so every
/// wake-up here is caused by a commit or by moving the clock, never by the machine's speed.
public sealed class CommitPacerTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Gap = TimeSpan.FromMilliseconds(100);

    private readonly FakeTimeProvider _clock = new();
    private readonly StreamSignal _signal = new();

    private CommitPacer NewPacer() => new(_signal.NextCommit, _clock, Gap);

    [Fact]
    public async Task A_burst_of_commits_during_a_pass_brings_one_more_pass_once_the_gap_has_passed()
    {
        var pacer = NewPacer();
        pacer.PassStarting();
        for (var i = 0; i < 50; i++)
        {
            _signal.Pulse("tenant");
        }

        var next = pacer.WaitAsync(Interval, CancellationToken.None);
        _clock.Advance(Gap - TimeSpan.FromMilliseconds(1));
        Assert.False(next.IsCompleted);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await next.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_commit_made_while_the_pass_ran_is_not_missed()
    {
        var pacer = NewPacer();
        pacer.PassStarting();
        _signal.Pulse("tenant");
        _clock.Advance(TimeSpan.FromMilliseconds(250));

        // The pass took longer than the gap, so the commit it did not see is taken up at once, not a second later.
        await pacer.WaitAsync(Interval, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_commit_after_the_gap_wakes_the_next_pass_at_once()
    {
        var pacer = NewPacer();
        pacer.PassStarting();
        _clock.Advance(TimeSpan.FromMilliseconds(150));
        var next = pacer.WaitAsync(Interval, CancellationToken.None);
        Assert.False(next.IsCompleted);

        _signal.Pulse("tenant");
        await next.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Without_commits_the_next_pass_comes_after_the_interval()
    {
        var pacer = NewPacer();
        pacer.PassStarting();
        var next = pacer.WaitAsync(Interval, CancellationToken.None);
        _clock.Advance(Interval - TimeSpan.FromMilliseconds(1));
        Assert.False(next.IsCompleted);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await next.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
