using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bosun.Core.Ledger;

/// Hourly: creates the coming days' event partitions and drops raw events past the retention.
public sealed class LedgerMaintenance(IServiceProvider services, ILogger<LedgerMaintenance> logger, bool enabled) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromHours(1));
        do
        {
            try
            {
                await using var scope = services.CreateAsyncScope();
                var events = scope.ServiceProvider.GetRequiredService<EventService>();
                await events.EnsureUpcomingPartitionsAsync(7, stoppingToken);
                var dropped = await events.ApplyRetentionAsync(stoppingToken);
                if (dropped > 0)
                {
                    logger.LogInformation("Event retention dropped {Count} partitions or rows older than {Cutoff}", dropped, events.RetentionCutoff);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Ledger maintenance failed; retrying in an hour");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
