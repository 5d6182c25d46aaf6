using Bosun.Core.Identity;
using Bosun.Core.Realtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bosun.Core.Notifications;

public static class NotificationsModule
{
    /// <paramref name="backgroundJobs"/>: turn events into notifications and send them from this process.
    public static IServiceCollection AddNotifications(this IServiceCollection services, bool backgroundJobs = false)
    {
        services.AddSingleton(sp => MailOptions.Load(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton<MailSender>();
        services.AddSingleton<NotificationRouter>();
        services.AddSingleton<NotificationSender>();
        services.AddScoped<NotificationService>();
        services.AddScoped<AccountEmails>();
        if (backgroundJobs)
        {
            services.AddHostedService<NotificationOutbox>();
        }

        return services;
    }
}

/// Turns new events into notifications soon after they commit and sends what is due (retries, digests); prunes hourly.
public sealed class NotificationOutbox(NotificationRouter router, NotificationSender sender, StreamSignal signal, TimeProvider clock, ILogger<NotificationOutbox> logger)
    : CommitPacedJob(signal, clock, logger)
{
    /// One pass, as the service makes it: what tests and the benchmark call to move things along.
    public static async Task<int> RunOnceAsync(NotificationRouter router, NotificationSender sender, CancellationToken ct, bool catchUp = true)
    {
        await router.FanOutAsync(ct, catchUp);
        return await sender.SendDueAsync(ct);
    }

    protected override string Name => "Notification pass";

    protected override Task PassAsync(CancellationToken ct) => RunOnceAsync(router, sender, ct, catchUp: false);

    protected override async Task PruneAsync(CancellationToken ct)
    {
        var (notifications, deliveries) = await sender.PruneAsync(ct);
        if (notifications + deliveries > 0)
        {
            logger.LogInformation("Pruned {Notifications} old read notifications and {Deliveries} finished notification deliveries", notifications, deliveries);
        }
    }
}
