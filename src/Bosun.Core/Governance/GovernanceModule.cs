using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Core.Governance;

public static class GovernanceModule
{
    /// <paramref name="backgroundJobs"/>: prune expired idempotency records in this process.
    public static IServiceCollection AddGovernance(this IServiceCollection services, bool backgroundJobs = false)
    {
        services.AddScoped<AuditService>();
        services.AddScoped<AuditSubjectService>();
        services.AddScoped<ApprovalService>();
        services.AddSingleton<IdempotencyJanitor>();
        services.AddScoped<Access.AccessLoader>();
        services.AddScoped<Access.AccessService>();
        services.AddSingleton<Access.DecisionLog>();
        if (backgroundJobs)
        {
            services.AddHostedService<IdempotencyPruningService>();
            services.AddHostedService<Access.DecisionLogWriter>();
        }

        return services;
    }
}
