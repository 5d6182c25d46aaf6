using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Core.Identity;

public static class IdentityModule
{
    public static IServiceCollection AddIdentity(this IServiceCollection services)
    {
        services.AddScoped<AuthService>();
        services.AddScoped<TenantService>();
        services.AddScoped<OperatorService>();
        services.AddScoped<PeopleService>();
        services.AddScoped<AgentService>();
        services.AddScoped<TokenService>();
        services.AddScoped<SignInService>();
        return services;
    }
}
