using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace Bosun.Tests.Observability;

/// Bosun's own traces and metrics, sent over OTLP/HTTP to a collector when OTEL_EXPORTER_OTLP_ENDPOINT says where,
/// and nothing at all otherwise. The collector here is a plain HTTP receiver in the test process that keeps what it got.
public sealed class TelemetryExportTests
{
    private const string QuerySecret = "bsn_user_querysecret0042";
    private const string PathSecret = "bsn_invite_pathsecret0043";

    [Theory, BothStores]
    public async Task With_an_endpoint_requests_claims_and_queue_depth_reach_the_collector_without_secrets(StoreKind store)
    {
        await using var collector = await Collector.StartAsync();
        await using var app = await BosunTestApp.StartOnAsync(await TestDatabases.CreateAsync(store), configure: builder =>
        {
            builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Url;
            builder.Configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
            builder.Configuration["OTEL_BSP_SCHEDULE_DELAY"] = "200";
            builder.Configuration["OTEL_METRIC_EXPORT_INTERVAL"] = "500";
        });
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Claimed by the agent", new { status = "ready" });
        await acme.CreateWorkAsync("WEB", "Left in the queue", new { status = "ready" });
        var (_, coder, _) = await acme.CreateAgentAsync("coder");
        Assert.Single((await coder.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items").EnumerateArray());
        await acme.Owner.GetAsync($"/api/v1/projects?token={QuerySecret}");
        await acme.Owner.GetAsync($"/invite/{PathSecret}");

        var traces = await collector.WaitForAsync("/v1/traces", "bosun.claim", "/invite/***");
        Assert.Contains("service.name", traces);
        Assert.Contains("bosun", traces);
        Assert.Contains("POST /api/v1/work/claim", traces);
        var metrics = await collector.WaitForAsync("/v1/metrics", "bosun.claims", "bosun.queue.depth", acme.Id);
        Assert.Contains("bosun.claimed_items", metrics);
        Assert.Contains("http.server.request.duration", metrics);

        foreach (var body in collector.Bodies())
        {
            Assert.DoesNotContain(QuerySecret, body);
            Assert.DoesNotContain(PathSecret, body);
            Assert.DoesNotContain(acme.OwnerToken, body);
        }
    }

    [Fact]
    public async Task Without_an_endpoint_nothing_is_set_up()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        Assert.Null(app.Services.GetService<TracerProvider>());
    }

    /// An OTLP/HTTP receiver: answers 200 to every export and keeps each body (protobuf; the names and string values
    /// it carries are plain UTF-8 inside it). An HttpListener rather than ASP.NET Core, whose request spans Bosun's
    /// tracer in the same process would export again.
    private sealed class Collector : IAsyncDisposable
    {
        private readonly HttpListener _listener;
        private readonly ConcurrentQueue<(string Path, string Body)> _received = new();
        private readonly Task _loop;

        private Collector(HttpListener listener, string url)
        {
            _listener = listener;
            Url = url;
            _loop = Task.Run(ReceiveAsync);
        }

        public string Url { get; }

        public static Task<Collector> StartAsync()
        {
            for (var attempt = 0; ; attempt++)
            {
                var port = System.Net.Sockets.TcpListener.Create(0) is var probe && Start(probe) is var p ? p : 0;
                var listener = new HttpListener();
                listener.Prefixes.Add($"http://127.0.0.1:{port}/");
                try
                {
                    listener.Start();
                    return Task.FromResult(new Collector(listener, $"http://127.0.0.1:{port}"));
                }
                catch (HttpListenerException) when (attempt < 5)
                {
                    listener.Close();
                }
            }

            static int Start(System.Net.Sockets.TcpListener probe)
            {
                probe.Start();
                var port = ((IPEndPoint)probe.LocalEndpoint).Port;
                probe.Stop();
                return port;
            }
        }

        private async Task ReceiveAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception) when (!_listener.IsListening)
                {
                    return;
                }

                using var buffer = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(buffer);
                _received.Enqueue((context.Request.Url!.AbsolutePath, Encoding.UTF8.GetString(buffer.ToArray())));
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        }

        public IEnumerable<string> Bodies() => _received.Select(r => r.Body);

        /// Everything sent to the path so far, once all the texts are in it.
        public async Task<string> WaitForAsync(string path, params string[] texts)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            var all = "";
            while (DateTime.UtcNow < deadline)
            {
                all = string.Join("\n", _received.Where(r => r.Path == path).Select(r => r.Body));
                if (texts.All(t => all.Contains(t, StringComparison.Ordinal)))
                {
                    return all;
                }

                await Task.Delay(100);
            }

            throw new Xunit.Sdk.XunitException($"The collector got {_received.Count(r => r.Path == path)} exports on {path} without {string.Join(", ", texts.Where(t => !all.Contains(t, StringComparison.Ordinal)))}");
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            _listener.Close();
            await _loop.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
        }
    }
}
