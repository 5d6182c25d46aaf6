using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Core.Planning;

/// Planning needs an <see cref="IWorkQueue"/>, which the Dispatch module provides.
public static class PlanningModule
{
    public static IServiceCollection AddPlanning(this IServiceCollection services)
    {
        services.AddScoped<ProjectService>();
        services.AddScoped<GoalService>();
        services.AddScoped<WorkItemService>();
        services.AddScoped<PlanService>();
        services.AddScoped<TemplateService>();
        return services;
    }
}
