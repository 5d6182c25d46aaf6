using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Dispatch;
using Bosun.Core.Governance;
using Bosun.Core.Identity;
using Bosun.Core.Integrations;
using Bosun.Core.Knowledge;
using Bosun.Core.Ledger;
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
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<TimeProvider>(new MicrosecondClock(options.Clock));
        builder.Services.AddBosunStore(options.Store);
        AddFeatures(builder.Services, options.RunBackgroundJobs);
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

        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseMiddleware<ProblemMiddleware>();
        app.UseRouting();
        app.UseMiddleware<BodyLimitMiddleware>();
        app.UseMiddleware<AuthenticationMiddleware>();
        app.UseMiddleware<WebSessionMiddleware>();
        app.UseMiddleware<UnitOfWorkMiddleware>();

        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" })).WithTags("Health").ExcludeFromDescription();
        app.MapOpenApi();
        var api = app.MapGroup("/api/v1");
        api.MapIdentity();
        api.MapPlanning();
        api.MapGovernance();
        api.MapDispatch();
        api.MapLedger();
        api.MapRealtime();
        api.MapWebhooks();
        app.MapBosunMcp();
        app.MapWebUi();
        return app;
    }

    /// Every module's services; <paramref name="backgroundJobs"/> adds the sweeps that run in the background.
    public static void AddFeatures(IServiceCollection services, bool backgroundJobs = false)
    {
        services.AddIdentity();
        services.AddPlanning();
        services.AddDispatch(backgroundJobs);
        services.AddGovernance(backgroundJobs);
        services.AddLedger(backgroundJobs);
        services.AddKnowledge();
        services.AddRealtime();
        services.AddIntegrations(backgroundJobs);
    }

    /// Applies pending migrations; Bosun refuses to serve on a schema older than its code.
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        await Migrator.MigrateAsync(scope.ServiceProvider.GetRequiredService<BosunDb>(), ct);
    }
}
