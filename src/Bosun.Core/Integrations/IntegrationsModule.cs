using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Core.Integrations;

public static class IntegrationsModule
{
    /// <paramref name="backgroundJobs"/>: send webhook deliveries and refresh connections' tokens from this process.
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
        services.AddSingleton<OAuthClient>();
        services.AddScoped<ConnectionService>();
        services.AddSingleton<ConnectionRefresh>();
        if (backgroundJobs)
        {
            services.AddHostedService<WebhookDeliveryService>();
            services.AddHostedService<ConnectionRefreshService>();
        }

        return services;
    }
}
