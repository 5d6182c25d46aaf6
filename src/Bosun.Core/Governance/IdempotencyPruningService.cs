using Bosun.Core.Common;
using Microsoft.Extensions.Logging;

namespace Bosun.Core.Governance;

/// Prunes expired idempotency records every ten minutes; several processes may prune at once.
public sealed class IdempotencyPruningService(IdempotencyJanitor janitor, ILogger<IdempotencyPruningService> logger) : PeriodicJob(TimeSpan.FromMinutes(10), logger)
{
    protected override string Name => "Idempotency pruning";

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        var pruned = await janitor.PruneAsync(ct);
        if (pruned > 0)
        {
            logger.LogInformation("Pruned {Count} expired idempotency records", pruned);
        }
    }
}
