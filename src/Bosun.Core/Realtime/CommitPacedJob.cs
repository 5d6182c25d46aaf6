using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bosun.Core.Realtime;

/// A background loop over what commits: a pass soon after this process commits events, and every second for the rest
/// (events of other processes, retries coming due), passes woken by commits at least a tenth of a second apart (a pass
/// per commit cost a busy server almost half its throughput); a prune hourly. A failed pass is logged and retried.
public abstract class CommitPacedJob(StreamSignal signal, TimeProvider clock, ILogger logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PruneInterval = TimeSpan.FromHours(1);
    private readonly CommitPacer _pacer = new(signal.NextCommit, clock, TimeSpan.FromMilliseconds(100));

    /// What the log calls a pass ("Webhook delivery pass").
    protected abstract string Name { get; }

    protected abstract Task PassAsync(CancellationToken ct);

    protected virtual Task PruneAsync(CancellationToken ct) => Task.CompletedTask;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastPrune = DateTime.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                _pacer.PassStarting();
                await PassAsync(stoppingToken);
                if (DateTime.UtcNow - lastPrune > PruneInterval)
                {
                    lastPrune = DateTime.UtcNow;
                    await PruneAsync(stoppingToken);
                }

                await _pacer.WaitAsync(Interval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "{Job} failed; retrying shortly", Name);
                try
                {
                    await Task.Delay(Interval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
