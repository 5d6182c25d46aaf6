using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Core.HumanInput;

public static class HumanInputModule
{
    /// <paramref name="backgroundJobs"/>: expire unanswered questions in this process.
    public static IServiceCollection AddHumanInput(this IServiceCollection services, bool backgroundJobs = false)
    {
        services.AddScoped<HumanInputService>();
        services.AddSingleton<QuestionExpiry>();
        if (backgroundJobs)
        {
            services.AddHostedService<QuestionExpiryService>();
        }

        return services;
    }
}
