using Bosun.Core.Dispatch;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bosun.Server.Http;

/// Sweeps expired leases every few seconds in every Bosun process; the sweep itself is safe to run concurrently.
public sealed class LeaseReaperService(LeaseReaper reaper, ILogger<LeaseReaperService> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var reaped = await reaper.SweepAsync(stoppingToken);
                if (reaped > 0)
                {
                    logger.LogInformation("Returned {Count} work items with expired leases to the queue", reaped);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Lease sweep failed; retrying on the next tick");
            }
        }
    }
}
