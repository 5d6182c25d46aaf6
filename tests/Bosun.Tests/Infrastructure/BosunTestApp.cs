using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Data.Safety;
using Bosun.Core.Identity;
using Bosun.Server;
using Bosun.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Tests.Infrastructure;

/// The real Bosun HTTP app in-process over a real database, with helpers that read like the tests' intent.
public sealed class BosunTestApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _realServer;

    public StoreOptions Store { get; }
    public FakeTimeProvider? Clock { get; }
    public IServiceProvider Services => _app.Services;

    /// The address a real Kestrel server listens on (only with realServer: true), e.g. for a browser.
    public string Url => _realServer ? BaseUrl : throw new InvalidOperationException("Start the app with realServer: true to get a URL.");

    private BosunTestApp(WebApplication app, StoreOptions store, FakeTimeProvider? clock, bool realServer)
    {
        _app = app;
        _realServer = realServer;
        Store = store;
        Clock = clock;
    }

    /// <param name="logs">Receives every line the server logs, of any level.</param>
    public static async Task<BosunTestApp> StartAsync(StoreKind kind, bool fakeClock = false, BackupScheduleOptions? backups = null, ILoggerProvider? logs = null) =>
        await StartOnAsync(await TestDatabases.CreateAsync(kind), fakeClock ? new FakeTimeProvider(DateTimeOffset.Parse("2026-03-02T09:00:00Z")) : null, backups: backups, logs: logs);

    /// Starts (or restarts) the app on an existing database.
    /// <param name="configure">More for the host, such as configuration.</param>
    public static async Task<BosunTestApp> StartOnAsync(StoreOptions store, FakeTimeProvider? clock = null, bool realServer = false, BackupScheduleOptions? backups = null,
        ILoggerProvider? logs = null, Action<WebApplicationBuilder>? configure = null)
    {
        var options = new BosunServerOptions
        {
            Store = store,
            Clock = (TimeProvider?)clock ?? TimeProvider.System,
            RunBackgroundJobs = clock is null,
            Urls = "http://127.0.0.1:0",
            Backups = backups,
        };
        var app = BosunServer.Build(options, builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Logging.AddProvider(new ServerErrors());
            if (logs is not null)
            {
                builder.Logging.AddProvider(logs);
                builder.Services.Configure<LoggerFilterOptions>(o => o.Rules.Add(new LoggerFilterRule(logs.GetType().FullName, null, LogLevel.Trace, null)));
            }
            if (!realServer)
            {
                builder.WebHost.UseTestServer();
            }

            configure?.Invoke(builder);
        });
        await BosunServer.MigrateAsync(app.Services);
        await app.StartAsync();
        return new BosunTestApp(app, store, clock, realServer);
    }

    public HttpClient Anonymous() => _realServer ? new HttpClient { BaseAddress = new Uri(BaseUrl) } : _app.GetTestClient();

    /// Where a real server (realServer: true) listens, for clients in other processes.
    public string BaseUrl => _app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
        .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();

    /// A transport straight into the in-process server, for clients that build their own HttpClient (the CLI).
    public HttpMessageHandler CreateHandler() => _realServer ? new SocketsHttpHandler() : _app.GetTestServer().CreateHandler();

    public HttpClient ClientFor(string token)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// A new tenant with its owner, the way `bosun init` makes one.
    public async Task<TestTenant> CreateTenantAsync(string? slug = null)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var created = await scope.ServiceProvider.GetRequiredService<TenantService>()
            .CreateAsync(slug ?? $"t{Ids.New()[^8..].ToLowerInvariant()}", null, "owner@example.test", "Owner", CancellationToken.None);
        return new TestTenant(this, created.Tenant.Id, created.Tenant.Slug, created.Owner.Id, ClientFor(created.Token.Token), created.Token.Token);
    }

    /// Runs code against the database as the system, outside any tenant (for assertions on raw state).
    public async Task<T> WithDbAsync<T>(Func<BosunDb, Task<T>> work)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<BosunDb>());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();

        // Each test has its own database and so its own pool; idle connections left behind by finished tests
        // would otherwise add up past the server's connection limit while the suite runs in parallel.
        if (Store.Kind == StoreKind.Postgres)
        {
            Npgsql.NpgsqlConnection.ClearPool(new Npgsql.NpgsqlConnection(Store.ConnectionString));
        }
    }
}

public sealed record TestTenant(BosunTestApp App, string Id, string Slug, string OwnerId, HttpClient Owner, string OwnerToken)
{
    public async Task<JsonElement> CreateProjectAsync(string key = "WEB", string? name = null) =>
        await Owner.PostJsonAsync("/api/v1/projects", new { key, name = name ?? $"Project {key}" });

    public async Task<JsonElement> CreateWorkAsync(string project, string title, object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["project_id"] = project, ["title"] = title };
        if (extra is not null)
        {
            foreach (var property in JsonSerializer.SerializeToElement(extra, BosunJson.Options).EnumerateObject())
            {
                body[property.Name] = property.Value;
            }
        }

        return await Owner.PostJsonAsync("/api/v1/work", body);
    }

    /// Registers an agent and returns it with a client that authenticates as it.
    public async Task<(JsonElement Agent, HttpClient Client, string Token)> CreateAgentAsync(string name, string role = "backend", object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["name"] = name, ["role"] = role };
        if (extra is not null)
        {
            foreach (var property in JsonSerializer.SerializeToElement(extra, BosunJson.Options).EnumerateObject())
            {
                body[property.Name] = property.Value;
            }
        }

        var agent = await Owner.PostJsonAsync("/api/v1/agents", body);
        var token = await Owner.PostJsonAsync("/api/v1/tokens", new { name = $"{name} token", agent_id = agent.GetProperty("id").GetString() });
        var secret = token.GetProperty("token").GetString()!;
        return (agent, App.ClientFor(secret), secret);
    }
}

public static class HttpJson
{
    public static async Task<JsonElement> PostJsonAsync(this HttpClient client, string url, object body)
    {
        var response = await client.PostAsJsonAsync(url, body, BosunJson.Options);
        return await response.ReadSuccessAsync();
    }

    public static async Task<JsonElement> PatchJsonAsync(this HttpClient client, string url, object body)
    {
        var response = await client.PatchAsJsonAsync(url, body, BosunJson.Options);
        return await response.ReadSuccessAsync();
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string url) =>
        await (await client.GetAsync(url)).ReadSuccessAsync();

    public static async Task<JsonElement> ReadSuccessAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            var server = (int)response.StatusCode >= 500 ? $"\nserver log:\n{ServerErrors.For(response.RequestMessage?.RequestUri?.AbsolutePath)}" : "";
            throw new HttpRequestException($"{(int)response.StatusCode} {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {text}{server}");
        }

        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public static string Str(this JsonElement e, string name) => e.GetProperty(name).GetString()!;
}
