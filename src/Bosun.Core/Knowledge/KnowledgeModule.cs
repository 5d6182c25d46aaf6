using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Core.Knowledge;

public static class KnowledgeModule
{
    public static IServiceCollection AddKnowledge(this IServiceCollection services)
    {
        services.AddScoped<SearchService>();
        services.AddScoped<ArtifactService>();
        services.AddScoped<ContextService>();
        services.AddScoped<MemoryService>();
        services.AddScoped<SkillService>();
        return services;
    }
}
