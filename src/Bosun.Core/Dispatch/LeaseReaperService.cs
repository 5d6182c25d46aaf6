using Bosun.Core.Common;
using Microsoft.Extensions.Logging;

namespace Bosun.Core.Dispatch;

/// Sweeps expired leases every few seconds in every Bosun process; the sweep itself is safe to run concurrently.
public sealed class LeaseReaperService(LeaseReaper reaper, ILogger<LeaseReaperService> logger) : PeriodicJob(TimeSpan.FromSeconds(5), logger)
{
    protected override string Name => "Lease sweep";

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        var reaped = await reaper.SweepAsync(ct);
        if (reaped > 0)
        {
            logger.LogInformation("Returned {Count} work items with expired leases to the queue", reaped);
        }
    }
}
