using Bosun.Core.Common;
using Bosun.Core.Realtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bosun.Core.Automation;

public static class RulesModule
{
    /// <paramref name="backgroundJobs"/>: run rules in this process.
    public static IServiceCollection AddRules(this IServiceCollection services, bool backgroundJobs = false)
    {
        services.AddScoped<RuleService>();
        services.AddScoped<RuleActionRunner>();
        services.AddScoped<InboundTriggerService>();
        services.AddSingleton<RuleEngine>();
        if (backgroundJobs)
        {
            services.AddHostedService<RuleEngineService>();
        }

        return services;
    }
}

/// Runs rules soon after events commit in this process, and every second for the rest (events from other processes,
/// retries coming due, inbound calls); prunes old action rows hourly.
public sealed class RuleEngineService(RuleEngine engine, StreamSignal signal, TimeProvider clock, ILogger<RuleEngineService> logger)
    : CommitPacedJob(signal, clock, logger)
{
    protected override string Name => "Rule pass";

    protected override Task PassAsync(CancellationToken ct) => engine.RunOnceAsync(ct);

    protected override Task PruneAsync(CancellationToken ct) => engine.PruneAsync(ct);
}
