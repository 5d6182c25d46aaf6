using Bosun.Core.Realtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bosun.Core.Integrations;

/// Sends webhook deliveries soon after events commit in this process, and every second for the rest (retries
/// coming due, events written by other processes); prunes old events and deliveries hourly. Passes woken by commits
/// are at least a tenth of a second apart: a pass per commit cost a busy server almost half its throughput.
public sealed class WebhookDeliveryService(WebhookDispatcher dispatcher, StreamSignal signal, TimeProvider clock, RealtimeOptions options, ILogger<WebhookDeliveryService> logger)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly CommitPacer _pacer = new(signal.NextCommit, clock, TimeSpan.FromMilliseconds(100));
    private static readonly TimeSpan PruneInterval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastPrune = DateTime.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                _pacer.PassStarting();
                await dispatcher.RunOnceAsync(stoppingToken);
                if (DateTime.UtcNow - lastPrune > PruneInterval)
                {
                    lastPrune = DateTime.UtcNow;
                    var (events, deliveries) = await dispatcher.PruneAsync(options.Retention, stoppingToken);
                    if (events + deliveries > 0)
                    {
                        logger.LogInformation("Pruned {Events} stream events and {Deliveries} finished webhook deliveries", events, deliveries);
                    }
                }

                await _pacer.WaitAsync(Interval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Webhook delivery pass failed; retrying shortly");
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
