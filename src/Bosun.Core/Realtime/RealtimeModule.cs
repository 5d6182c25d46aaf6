using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Core.Realtime;

public static class RealtimeModule
{
    /// The sequencer runs even when the other background jobs are turned off: streams and webhooks see nothing without it.
    /// Registered after the store, so the recorder sees the audit rows the audit interceptor adds.
    public static IServiceCollection AddRealtime(this IServiceCollection services)
    {
        services.AddSingleton<StreamSignal>();
        services.AddSingleton<RealtimeOptions>();
        services.AddSingleton<StreamSequencer>();
        services.AddHostedService<StreamSequencingService>();
        services.AddSingleton<StreamRecorder>();
        services.AddScoped<StreamService>();
        services.ConfigureDbContext<BosunDb>((sp, options) => options.AddInterceptors(sp.GetRequiredService<StreamRecorder>()), ServiceLifetime.Singleton);
        return services;
    }
}
