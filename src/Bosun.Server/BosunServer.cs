using Bosun.Core.Automation;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Data.Safety;
using Bosun.Core.Data.Sqlite;
using Bosun.Core.Dispatch;
using Bosun.Core.Governance;
using Bosun.Core.HumanInput;
using Bosun.Core.Identity;
using Bosun.Core.Integrations;
using Bosun.Core.Knowledge;
using Bosun.Core.Ledger;
using Bosun.Core.Notifications;
using Bosun.Core.Planning;
using Bosun.Core.Realtime;
using Bosun.Server.Api;
using Bosun.Server.Http;
using Bosun.Server.Mcp;
using Bosun.Server.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bosun.Server;

public sealed class BosunServerOptions
{
    public required StoreOptions Store { get; init; }
    public string Urls { get; init; } = "http://127.0.0.1:5080";
    public long MaxRequestBodyBytes { get; init; } = 1 << 20;
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// Background sweeps (lease reaper, webhook delivery). Tests that drive time by hand turn them off.
    public bool RunBackgroundJobs { get; init; } = true;

    /// Warnings and errors unless asked for more; `Information` adds one line per request.
    public LogLevel LogLevel { get; init; } = LogLevel.Warning;
    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    /// Where backups go and how often the server makes one; null reads BOSUN_BACKUP_EVERY, BOSUN_BACKUP_DIR and BOSUN_BACKUP_KEEP.
    public BackupScheduleOptions? Backups { get; init; }

    /// Where uploaded documents go and how large one may be; null reads BOSUN_DOCUMENTS_DIR and BOSUN_MAX_UPLOAD_MB.
    public DocumentOptions? Documents { get; init; }
}

public static class BosunServer
{
    public static WebApplication Build(BosunServerOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        // Configuration comes from the environment, and nothing watches files for changes: a watch on the content
        // root (the working directory, which holds ./bosun-data by default) woke the server for every write SQLite
        // made to its database and log, about 6 % of the server's CPU under the dispatch benchmark.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "Bosun", Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.WebHost.UseUrls(options.Urls);
        builder.Logging.AddBosunLogging(options);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<TimeProvider>(new MicrosecondClock(options.Clock));
        builder.Services.AddBosunStore(options.Store);
        if (options.Documents is { } documents)
        {
            builder.Services.AddSingleton(documents);
        }

        AddFeatures(builder.Services, options.RunBackgroundJobs);
        AddBackups(builder.Services, options.Backups ?? BackupScheduleOptions.FromConfiguration(builder.Configuration, options.Store), options.RunBackgroundJobs);
        builder.Services.AddBosunMcp();
        builder.Services.ConfigureHttpJsonOptions(json => BosunJson.Configure(json.SerializerOptions));
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Bosun API";
            document.Info.Description = "Control plane for teams of AI agents and people. Authenticate with 'Authorization: Bearer <token>'.";
            return Task.CompletedTask;
        }));
        builder.Services.AddSqliteSharedCommits(options.Store);
        if (options.RunBackgroundJobs && options.Store.Kind == StoreKind.Sqlite)
        {
            builder.Services.AddHostedService<SqliteStatisticsJob>();
        }

        configure?.Invoke(builder);
        builder.AddBosunTelemetry();

        var app = builder.Build();
        app.UseMiddleware<RequestLogMiddleware>();
        app.UseMiddleware<ProblemMiddleware>();
        app.UseRouting();
        app.UseMiddleware<BodyLimitMiddleware>();
        app.UseMiddleware<AuthenticationMiddleware>();
        app.UseMiddleware<WebSessionMiddleware>();
        app.UseMiddleware<UnitOfWorkMiddleware>();

        app.MapGet("/healthz", (BackupMonitor backups) =>
        {
            var backup = backups.Health();
            return TypedResults.Ok(new { status = backup.Warnings.Count > 0 ? "warning" : "ok", backup });
        }).WithTags("Health").ExcludeFromDescription();
        app.MapOpenApi();
        var api = app.MapGroup("/api/v1");
        api.MapIdentity();
        api.MapOperator();
        api.MapPlanning();
        api.MapPlans();
        api.MapQualityGate();
        api.MapGovernance();
        api.MapAccess();
        api.MapDispatch();
        api.MapHumanInput();
        api.MapSchedules();
        api.MapLedger();
        api.MapRealtime();
        api.MapWebhooks();
        api.MapGitHub();
        api.MapSecrets();
        api.MapNotifications();
        api.MapConnections();
        api.MapRules();
        api.MapSearch();
        api.MapContext();
        api.MapArtifacts();
        api.MapMemory();
        api.MapSkills();
        api.MapDocuments();
        app.MapOtlp();
        app.MapBosunMcp();
        app.MapWebUi();
        return app;
    }

    /// Every module's services; <paramref name="backgroundJobs"/> adds the sweeps that run in the background.
    public static void AddFeatures(IServiceCollection services, bool backgroundJobs = false)
    {
        services.AddIdentity();
        services.AddPlanning(backgroundJobs);
        services.AddDispatch(backgroundJobs);
        services.AddHumanInput(backgroundJobs);
        services.AddSchedules(backgroundJobs);
        services.AddGovernance(backgroundJobs);
        services.AddLedger(backgroundJobs);
        services.AddKnowledge();
        services.AddRealtime();
        services.AddIntegrations(backgroundJobs);
        services.AddNotifications(backgroundJobs);
        services.AddRules(backgroundJobs);
    }

    /// The backup monitor /healthz reports from, and with a schedule the job that backs the server up.
    private static void AddBackups(IServiceCollection services, BackupScheduleOptions backups, bool backgroundJobs)
    {
        services.AddSingleton(backups);
        services.AddSingleton<BackupMonitor>();
        if (backups.Every is not null)
        {
            services.AddSingleton<BackupScheduler>();
            if (backgroundJobs)
            {
                services.AddHostedService(sp => sp.GetRequiredService<BackupScheduler>());
            }
        }
    }

    /// Starts a server the way `bosun serve` does, so the benchmarks measure what people run: builds it, brings the
    /// schema up to date and starts listening, saying where, on which store and which migrations it applied.
    public static async Task<WebApplication> StartAsync(BosunServerOptions options, Action<WebApplicationBuilder>? configure = null, CancellationToken ct = default)
    {
        var app = Build(options, configure);
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(ServerLogging.StartupCategory);
        log.LogInformation("Bosun is using {Store}", options.Store.Describe());
        _ = app.Services.GetRequiredService<Bosun.Core.Governance.Access.DecisionLog>();  // a wrong BOSUN_LOGGED_ALLOWS stops the start here
        IReadOnlyList<string> pending;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            pending = (await Migrator.StatusAsync(db, ct)).Pending;
            await Migrator.MigrateAsync(db, ct);
        }

        log.LogInformation("Migrations applied: {Applied}", pending.Count == 0 ? "none pending" : string.Join(", ", pending));
        await app.StartAsync(ct);
        log.LogInformation("Listening on {Urls} (web UI at /, API at /api/v1)", string.Join(", ", app.Urls));
        return app;
    }

    /// Applies pending migrations; Bosun refuses to serve on a schema older than its code.
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        await Migrator.MigrateAsync(scope.ServiceProvider.GetRequiredService<BosunDb>(), ct);
    }
}
