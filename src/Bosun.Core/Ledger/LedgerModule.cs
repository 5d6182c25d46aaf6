using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bosun.Core.Ledger;

public static class LedgerModule
{
    /// <paramref name="backgroundJobs"/>: the ledger's maintenance runs in this process.
    public static IServiceCollection AddLedger(this IServiceCollection services, bool backgroundJobs = false)
    {
        services.AddSingleton<LedgerOptions>();
        services.AddScoped<PriceService>();
        services.AddScoped<BudgetEnforcement>();
        services.AddScoped<BudgetService>();
        services.AddScoped<LedgerService>();
        services.AddScoped<EventService>();
        services.AddScoped<CostReportService>();
        services.AddScoped<UsageReports>();
        services.AddScoped<SessionImportService>();
        services.AddScoped<SessionService>();
        services.AddScoped<OtlpIngestService>();
        services.AddScoped<MachineService>();
        services.AddHostedService(sp => new LedgerMaintenance(sp, sp.GetRequiredService<ILogger<LedgerMaintenance>>(), backgroundJobs));
        return services;
    }
}
