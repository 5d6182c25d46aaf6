using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Core.Integrations;

public static class IntegrationsModule
{
    /// <paramref name="backgroundJobs"/>: send webhook deliveries from this process.
    public static IServiceCollection AddIntegrations(this IServiceCollection services, bool backgroundJobs = false)
    {
        services.AddSingleton<SecretBox>();
        services.AddSingleton<WebhookTransport>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddScoped<WebhookService>();
        services.AddScoped<GitHubService>();
        services.AddScoped<GitHubWebhooks>();
        services.AddSingleton<SecretVault>();
        services.AddSingleton<SecretRotation>();
        services.AddScoped<SecretService>();
        if (backgroundJobs)
        {
            services.AddHostedService<WebhookDeliveryService>();
        }

        return services;
    }
}
