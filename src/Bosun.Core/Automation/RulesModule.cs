using Bosun.Core.Common;
using Bosun.Core.Realtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
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
public sealed class RuleEngineService(RuleEngine engine, StreamSignal signal, TimeProvider clock, ILogger<RuleEngineService> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PruneInterval = TimeSpan.FromHours(1);
    private readonly CommitPacer _pacer = new(signal.NextCommit, clock, TimeSpan.FromMilliseconds(100));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastPrune = DateTime.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                _pacer.PassStarting();
                await engine.RunOnceAsync(stoppingToken);
                if (DateTime.UtcNow - lastPrune > PruneInterval)
                {
                    lastPrune = DateTime.UtcNow;
                    await engine.PruneAsync(stoppingToken);
                }

                await _pacer.WaitAsync(Interval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Rule pass failed; retrying shortly");
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
