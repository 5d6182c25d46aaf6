using System.Globalization;
using System.Text;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Realtime;
using Bosun.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Server.Api;

public static class RealtimeEndpoints
{
    /// A stream reads at most this often. Under load a tenant commits hundreds of times a second, and a read per commit
    /// for every open stream cost a third of the server's throughput with eight streams open; each read now carries
    /// everything committed since the last one.
    private static readonly TimeSpan MinimumGap = TimeSpan.FromMilliseconds(50);

    public static void MapRealtime(this IEndpointRouteBuilder api)
    {
        var options = api.ServiceProvider.GetRequiredService<RealtimeOptions>();
        api.MapGet("/stream", StreamAsync)
            .WithMetadata(new OwnsTransactionAttribute())
            .WithTags("Realtime")
            .WithSummary("Server-sent events of every change in your tenant; resume with Last-Event-ID")
            .WithDescription("Filter with ?project=KEY and ?types=work_item.*,run.ended. Without Last-Event-ID (or ?last_event_id=) the stream starts "
                             + "with the next change; with it, every event after that id is replayed first "
                             + $"(events are kept at least {Number(options.Retention.TotalHours)} hours). "
                             + $"A ': heartbeat' comment is sent every {Number(options.HeartbeatInterval.TotalSeconds)} seconds of quiet.");
    }

    private static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static async Task StreamAsync(HttpContext http, string? project, string? types, StreamService stream, StreamSignal signal,
        RealtimeOptions options, RequestContext request, CancellationToken ct)
    {
        var filter = StreamService.ParseTypes(types);
        var projectId = project is { Length: > 0 } p ? await stream.ResolveProjectAsync(p, ct) : null;
        var resume = ResumeFrom(http);
        var cursor = resume ?? await stream.HeadAsync(ct);
        var tenant = request.RequireTenant();

        var response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await WriteAsync(response, "retry: 2000\n\n", ct);

        if (resume is { } from && await stream.OldestAsync(ct) is { } oldest && oldest > from + 1)
        {
            // Some of what the client missed is past retention: say so rather than pretend the replay is whole.
            var gap = JsonSerializer.Serialize(new { last_event_id = from, oldest_available = oldest }, BosunJson.Options);
            await WriteAsync(response, $"event: stream.truncated\ndata: {gap}\n\n", ct);
        }

        var quietSince = DateTime.UtcNow;
        var pacer = new CommitPacer(() => signal.NextCommit(tenant), TimeProvider.System, MinimumGap);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                pacer.PassStarting();
                var batch = await stream.ReadAfterAsync(cursor, projectId, ct);
                if (batch.Count > 0)
                {
                    var text = new StringBuilder();
                    foreach (var e in batch)
                    {
                        cursor = e.Seq;
                        if (filter is null || filter.Any(f => StreamEvents.Matches(f, e.Type)))
                        {
                            Append(text, e);
                        }
                    }

                    if (text.Length > 0)
                    {
                        await WriteAsync(response, text.ToString(), ct);
                        quietSince = DateTime.UtcNow;
                    }

                    if (batch.Count == StreamService.BatchSize)
                    {
                        continue;
                    }
                }

                if (DateTime.UtcNow - quietSince >= options.HeartbeatInterval)
                {
                    await WriteAsync(response, ": heartbeat\n\n", ct);
                    quietSince = DateTime.UtcNow;
                }

                var untilHeartbeat = options.HeartbeatInterval - (DateTime.UtcNow - quietSince);
                var wait = untilHeartbeat < options.PollInterval ? untilHeartbeat : options.PollInterval;
                await pacer.WaitAsync(wait, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The subscriber went away.
        }
    }

    private static long? ResumeFrom(HttpContext http)
    {
        var value = http.Request.Headers["Last-Event-ID"].ToString();
        var field = "Last-Event-ID";
        if (value.Length == 0)
        {
            value = http.Request.Query["last_event_id"].ToString();
            field = "last_event_id";
        }

        if (value.Length == 0)
        {
            return null;
        }

        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw ProblemException.Invalid(field, "must be the id of an event this stream sent");
    }

    private static void Append(StringBuilder text, StreamEvent e)
    {
        text.Append("id: ").Append(e.Seq.ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append("event: ").Append(e.Type).Append('\n');
        text.Append("data: ").Append(JsonSerializer.Serialize(StreamEventView.From(e), BosunJson.Options)).Append("\n\n");
    }

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken ct)
    {
        await response.WriteAsync(text, ct);
        await response.Body.FlushAsync(ct);
    }
}
