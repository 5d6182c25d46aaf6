using Bosun.Core.Ledger;
using Bosun.Server.Otlp;
using Bosun.Server.Otlp.Proto;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Api;

/// OTLP/HTTP receivers for coding agents' telemetry, at the paths OTLP exporters append to their endpoint.
public static class OtlpEndpoints
{
    public static void MapOtlp(this IEndpointRouteBuilder app)
    {
        var otlp = app.MapGroup("/otlp/v1").WithTags("OpenTelemetry");
        otlp.MapPost("/logs", async (HttpRequest request, OtlpIngestService s, CancellationToken ct) =>
        {
            var encoding = OtlpDecoder.EncodingOf(request);
            var export = await OtlpDecoder.ReadAsync(request, encoding, ExportLogsServiceRequest.Parser, ct);
            var result = await s.IngestLogsAsync(OtlpDecoder.Records(export), ct);
            var answer = new ExportLogsServiceResponse();
            if (result.Rejected > 0)
            {
                answer.PartialSuccess = new ExportLogsPartialSuccess { RejectedLogRecords = result.Rejected, ErrorMessage = result.ErrorMessage ?? "" };
            }

            return OtlpDecoder.Answer(answer, encoding);
        }).WithMetadata(new BodySizeLimit(32 << 20))
            .WithSummary("OTLP logs (protobuf or JSON): Claude Code's and Codex's API request events become LLM calls");

        otlp.MapPost("/metrics", async (HttpRequest request, CancellationToken ct) =>
        {
            // Token and cost counters repeat what the log events carry per request; they are read and acknowledged only.
            var encoding = OtlpDecoder.EncodingOf(request);
            await OtlpDecoder.ReadAsync(request, encoding, ExportMetricsServiceRequest.Parser, ct);
            return OtlpDecoder.Answer(new ExportMetricsServiceResponse(), encoding);
        }).WithMetadata(new BodySizeLimit(32 << 20))
            .WithSummary("OTLP metrics (protobuf or JSON): accepted and acknowledged; usage is taken from the logs");
    }
}
