using Bosun.Core.Realtime;
using Microsoft.Extensions.Logging;

namespace Bosun.Core.Integrations;

/// Sends webhook deliveries soon after events commit, and prunes old events and deliveries hourly.
public sealed class WebhookDeliveryService(WebhookDispatcher dispatcher, StreamSignal signal, TimeProvider clock, RealtimeOptions options, ILogger<WebhookDeliveryService> logger)
    : CommitPacedJob(signal, clock, logger)
{
    protected override string Name => "Webhook delivery pass";

    protected override Task PassAsync(CancellationToken ct) => dispatcher.RunOnceAsync(ct);

    protected override async Task PruneAsync(CancellationToken ct)
    {
        var (events, deliveries) = await dispatcher.PruneAsync(options.Retention, ct);
        if (events + deliveries > 0)
        {
            logger.LogInformation("Pruned {Events} stream events and {Deliveries} finished webhook deliveries", events, deliveries);
        }
    }
}
