using System.Net.Http.Headers;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Bosun.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using System.CommandLine;
using Npgsql;

namespace Bosun.Cli.Bench;

/// A Bosun server on a real Kestrel port over its own fresh database (SQLite in a temporary directory, or a
/// throwaway PostgreSQL with durable commits), with one tenant and its owner's token. It runs the background sweeps
/// (lease reaper, webhook delivery) as every server does, so their cost under load is measured too.
public sealed class BenchServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ThrowawayPostgres? _postgres;
    private readonly string? _dir;

    public StoreOptions Store { get; }
    public string Url { get; }
    public IServiceProvider Services => _app.Services;

    private BenchServer(WebApplication app, StoreOptions store, string url, ThrowawayPostgres? postgres, string? dir)
    {
        _app = app;
        Store = store;
        Url = url;
        _postgres = postgres;
        _dir = dir;
    }

    /// <paramref name="configure"/>: more for the host (configuration a benchmark's receivers need).
    public static async Task<BenchServer> StartAsync(string store, Action<WebApplicationBuilder>? configure = null)
    {
        ThrowawayPostgres? postgres = null;
        string? dir = null;
        StoreOptions options;
        if (store == "postgres")
        {
            postgres = await ThrowawayPostgres.StartAsync(durable: true);
            await using (var connection = new NpgsqlConnection(postgres.ConnectionString()))
            {
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand("CREATE DATABASE bosun", connection);
                await create.ExecuteNonQueryAsync();
            }

            options = StoreOptions.Postgres(postgres.ConnectionString("bosun"));
        }
        else
        {
            dir = Path.Combine(Path.GetTempPath(), $"bosun-bench-{Guid.NewGuid():N}");
            Directory.CreateDirectory(dir);
            options = StoreOptions.Sqlite(Path.Combine(dir, "bosun.db"));
        }

        // A web host answers Ctrl+C by stopping itself and keeping the process alive; here the benchmark answers it,
        // ending its phases and then stopping this server and removing its database (a throwaway PostgreSQL left
        // running otherwise). Everything else, logging included, is what `bosun serve` runs.
        var app = await BosunServer.StartAsync(new BosunServerOptions { Store = options, Urls = "http://127.0.0.1:0" },
            builder =>
            {
                builder.Services.AddSingleton<IHostLifetime, BenchLifetime>();
                configure?.Invoke(builder);
            });
        return new BenchServer(app, options, app.Urls.First(), postgres, dir);
    }

    /// A tenant and a client authenticated as its owner.
    public async Task<(string TenantId, HttpClient Client)> CreateTenantAsync(string slug)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var created = await scope.ServiceProvider.GetRequiredService<TenantService>().CreateAsync(slug, null, $"owner@{slug}.test", "Owner", CancellationToken.None);
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 }) { BaseAddress = new Uri(Url + "/"), Timeout = TimeSpan.FromMinutes(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.Token.Token);
        return (created.Tenant.Id, client);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_postgres is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await _postgres.DisposeAsync();
        }

        if (_dir is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// Runs a benchmark to its end, or until Ctrl+C: the benchmark then stops where it is, and leaving its
    /// `await using` scope has already stopped the server and removed its database.
    public static async Task<int> RunToEndAsync(Func<Task> benchmark, CancellationToken ct)
    {
        try
        {
            await benchmark();
            return 0;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Spectre.Console.AnsiConsole.MarkupLine("[yellow]Stopped; the benchmark's server and database are gone.[/]");
            return 130;
        }
    }

    private sealed class BenchLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// POSTs JSON and returns the answer's JSON; a refusal fails the benchmark, naming the request.
    public static async Task<System.Text.Json.JsonElement> PostAsync(HttpClient client, string path, object body, CancellationToken ct)
    {
        using var response = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(client, path, body, Bosun.Server.Http.BosunJson.Options, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path} failed: {(int)response.StatusCode} {text}");
        }

        return System.Text.Json.JsonDocument.Parse(text).RootElement.Clone();
    }

    /// The value below which a share <paramref name="p"/> of the sorted values lie (nearest rank).
    public static double Percentile(IReadOnlyList<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static Option<string> StoreOption() => new("--store")
    {
        Description = "sqlite or postgres (a throwaway PostgreSQL with durable commits)",
        DefaultValueFactory = _ => "sqlite",
    };
}
