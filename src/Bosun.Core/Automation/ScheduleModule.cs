using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Core.Automation;

public static class ScheduleModule
{
    /// <paramref name="backgroundJobs"/>: fire due schedules in this process.
    public static IServiceCollection AddSchedules(this IServiceCollection services, bool backgroundJobs = false)
    {
        services.AddScoped<ScheduleFirer>();
        services.AddScoped<ScheduleService>();
        services.AddScoped<IScheduleTrigger, ScheduleInboundTrigger>();
        services.AddSingleton<ScheduleLoop>();
        if (backgroundJobs)
        {
            services.AddHostedService<ScheduleLoopJob>();
        }

        return services;
    }
}
