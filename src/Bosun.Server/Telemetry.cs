using System.Reflection;
using Bosun.Core.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Bosun.Server;

/// Bosun's own traces and metrics over OTLP, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set (the exporter then reads
/// the other standard OTEL_* variables: protocol, headers, intervals). Requests become spans named by their route, with
/// the path masked the way the request log masks it and no query string, since either can carry a token.
public static class Telemetry
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static bool Enabled(WebApplicationBuilder builder) => !string.IsNullOrWhiteSpace(builder.Configuration[EndpointVariable]);

    public static void AddBosunTelemetry(this WebApplicationBuilder builder)
    {
        if (!Enabled(builder))
        {
            return;
        }

        var version = typeof(Telemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        builder.Services.AddHostedService<QueueDepthSampler>();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : "bosun", serviceVersion: version))
            .WithTracing(t => t
                .AddAspNetCoreInstrumentation(o =>
                {
                    o.Filter = http => !http.Request.Path.StartsWithSegments("/healthz") && !http.Request.Path.StartsWithSegments("/assets");
                    o.EnrichWithHttpRequest = (activity, request) =>
                    {
                        activity.SetTag("url.path", RequestLogMiddleware.MaskedPath(request.HttpContext));
                        activity.SetTag("url.query", null);
                    };
                    o.EnrichWithHttpResponse = (activity, response) => activity.SetTag("url.path", RequestLogMiddleware.MaskedPath(response.HttpContext));
                })
                .AddSource(BosunTelemetry.Name)
                .AddOtlpExporter())
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddMeter(BosunTelemetry.Name)
                .AddOtlpExporter());
    }
}
