using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bosun.Core.Common;

/// A background job run on a fixed interval in every Bosun process; a failed run is logged and tried again on the next tick.
public abstract class PeriodicJob(TimeSpan interval, ILogger logger) : BackgroundService
{
    protected abstract string Name { get; }

    protected abstract Task RunOnceAsync(CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "{Job} failed; retrying on the next tick", Name);
            }
        }
    }
}
