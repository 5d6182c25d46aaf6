using Bosun.Core.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

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
        services.TryAddSingleton(sp => DocumentOptions.FromConfiguration(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<StoreOptions>()));
        services.AddSingleton<DocumentStore>();
        services.AddScoped<DocumentService>();
        return services;
    }
}
