using Bosun.Core.Planning;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Core.Dispatch;

public static class DispatchModule
{
    /// <paramref name="backgroundJobs"/>: sweep expired leases in this process.
    public static IServiceCollection AddDispatch(this IServiceCollection services, bool backgroundJobs = false)
    {
        services.AddSingleton<WorkSignal>();
        services.AddSingleton<IWorkQueue, DispatchQueue>();
        services.AddSingleton<LeaseReaper>();
        services.AddScoped<DispatchContext>();
        services.AddScoped<ClaimService>();
        services.AddScoped<RunService>();
        services.AddScoped<RunCheckService>();
        services.AddScoped<HeldWorkService>();
        if (backgroundJobs)
        {
            services.AddHostedService<LeaseReaperService>();
        }

        return services;
    }
}
