using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Bosun.Core.Data;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bosun.Core.Common;

/// What Bosun reports about itself over OpenTelemetry: spans for claims, and counters for claims and budget decisions.
/// Recording is free when nothing listens, which is the default (the server turns an exporter on only when
/// OTEL_EXPORTER_OTLP_ENDPOINT is set). Tags carry ids and outcomes, never titles, tokens or secrets.
public static class BosunTelemetry
{
    public const string Name = "Bosun";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    /// Claim requests by result: `claimed`, `empty` (nothing ready in time), `paused` (a provider's limit),
    /// `refused` (a budget, a cap, a disabled agent) or `error`.
    public static readonly Counter<long> Claims = Meter.CreateCounter<long>("bosun.claims", "{request}", "Claim requests by result");

    public static readonly Counter<long> ClaimedItems = Meter.CreateCounter<long>("bosun.claimed_items", "{item}", "Work items handed to agents");

    /// Budget decisions: `warn`, `stop` and `fail` when spending crosses a mark, `refused` when usage or a claim meets a
    /// spent budget.
    public static readonly Counter<long> BudgetDecisions = Meter.CreateCounter<long>("bosun.budget.decisions", "{decision}", "Budget decisions by kind");

    public static void Claimed(int items)
    {
        Claims.Add(1, new KeyValuePair<string, object?>("result", items > 0 ? "claimed" : "empty"));
        if (items > 0)
        {
            ClaimedItems.Add(items);
        }
    }

    public static void BudgetDecision(string decision) => BudgetDecisions.Add(1, new KeyValuePair<string, object?>("decision", decision));
}

/// Ready work items per tenant, as the `bosun.queue.depth` gauge. Counting on every export would put a query per tenant
/// in the exporter's thread, so this counts at start and every 15 seconds, and the gauge reads the last count.
public sealed class QueueDepthSampler(IServiceProvider services, ILogger<QueueDepthSampler> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);
    private readonly ConcurrentDictionary<string, long> _ready = new(StringComparer.Ordinal);
    private ObservableGauge<long>? _gauge;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _gauge ??= BosunTelemetry.Meter.CreateObservableGauge("bosun.queue.depth",
            () => _ready.Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("tenant_id", kv.Key))),
            "{item}", "Ready work items per tenant");
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                await SampleAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Counting ready work for the queue depth gauge failed; retrying in {Interval}", Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task SampleAsync(CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        var counts = await db.WorkItems.IgnoreQueryFilters().AsNoTracking()
            .Where(w => w.Status == WorkStatus.Ready && w.ArchivedAt == null)
            .GroupBy(w => w.TenantId).Select(g => new { g.Key, Count = g.LongCount() })
            .ToListAsync(ct);
        foreach (var tenant in _ready.Keys.Except(counts.Select(c => c.Key)))
        {
            _ready[tenant] = 0;
        }

        foreach (var c in counts)
        {
            _ready[c.Key] = c.Count;
        }
    }
}
