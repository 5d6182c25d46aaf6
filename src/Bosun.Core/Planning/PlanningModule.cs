using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Core.Planning;

/// Planning needs an <see cref="IWorkQueue"/>, which the Dispatch module provides.
public static class PlanningModule
{
    /// <paramref name="backgroundJobs"/>: make deliverables' periods and their items in this process.
    public static IServiceCollection AddPlanning(this IServiceCollection services, bool backgroundJobs = false)
    {
        services.AddScoped<ProjectService>();
        services.AddScoped<GoalService>();
        services.AddScoped<ProjectPolicyService>();
        services.AddScoped<WorkItemService>();
        services.AddScoped<PlanService>();
        services.AddScoped<ITemplateSource, TenantTemplateSource>();
        services.AddScoped<DeliverableSchedule>();
        services.AddScoped<DeliverableService>();
        services.AddSingleton<DeliverablePeriodSweep>();
        if (backgroundJobs)
        {
            services.AddHostedService<DeliverablePeriodJob>();
        }

        services.AddScoped<TemplateService>();
        return services;
    }
}
