using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Bosun.Server.Otlp.Proto;
using Google.Protobuf;
using Spectre.Console;

namespace Bosun.Cli.Bench;

/// Posts Claude Code's API request events over OTLP/HTTP (protobuf) and, in the same run on another tenant, the
/// same rows as agent events to the event ingest, then prints both rates and their ratio.
public static class OtlpBench
{
    public static Command Command()
    {
        var store = BenchServer.StoreOption();
        var count = new Option<int>("--records") { Description = "How many log records", DefaultValueFactory = _ => 1_000_000 };
        var batch = new Option<int>("--batch") { Description = "Records per request", DefaultValueFactory = _ => 1000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight", DefaultValueFactory = _ => 3 };
        var command = new Command("otlp", "OTLP log ingest over HTTP against the agent event ingest of the same rows") { store, count, batch, concurrency };
        command.SetAction(async (result, ct) =>
            await BenchServer.RunToEndAsync(() => RunAsync(result.GetValue(store)!, Math.Max(1, result.GetValue(count)), Math.Clamp(result.GetValue(batch), 1, 10_000),
                Math.Max(1, result.GetValue(concurrency)), ct), ct));
        return command;
    }

    private sealed record Row(string Id, DateTime At, string Session, long Input, long Output, long CacheRead, long CacheWrite, decimal Cost, long DurationMs);

    private static async Task RunAsync(string store, int count, int batchSize, int concurrency, CancellationToken ct)
    {
        await using var server = await BenchServer.StartAsync(store);
        var (_, otlp) = await server.CreateTenantAsync("otlp");
        var (_, events) = await server.CreateTenantAsync("events");
        var (_, warmup) = await server.CreateTenantAsync("warmup");
        AnsiConsole.MarkupLineInterpolated($"Bosun at {server.Url} on {server.Store.Describe()}; {count:N0} records, {batchSize:N0} per request, {concurrency} in flight");

        var start = DateTime.UtcNow.AddHours(-20);
        var warm = Generate(Math.Min(count, 10_000), start, "warm").Chunk(batchSize).ToList();
        foreach (var rows in warm)
        {
            (await warmup.PostAsync("otlp/v1/logs", Content(ToOtlp(rows), "application/x-protobuf"), ct)).EnsureSuccessStatusCode();
            (await warmup.PostAsync("api/v1/events", Content(ToNdjson(rows), "application/x-ndjson"), ct)).EnsureSuccessStatusCode();
        }

        var chunks = Generate(count, start, "run").Chunk(batchSize).ToList();
        var otlpBodies = chunks.Select(ToOtlp).ToList();
        var eventBodies = chunks.Select(ToNdjson).ToList();
        chunks.Clear();
        GC.Collect();
        var otlpTime = await PostAllAsync(otlp, "otlp/v1/logs", "application/x-protobuf", otlpBodies, concurrency, ct);
        otlpBodies.Clear();
        GC.Collect();
        var eventTime = await PostAllAsync(events, "api/v1/events", "application/x-ndjson", eventBodies, concurrency, ct);

        var recorded = (await otlp.GetFromJsonElementAsync("api/v1/costs/summary", ct)).GetProperty("total").GetProperty("calls").GetInt64();
        if (recorded != count)
        {
            throw new InvalidOperationException($"Expected {count} LLM calls recorded from OTLP, the ledger holds {recorded}.");
        }

        var otlpRate = count / otlpTime.TotalSeconds;
        var eventRate = count / eventTime.TotalSeconds;
        var table = new Table { Title = new TableTitle($"OTLP ingest, {server.Store.Kind}") }.AddColumns("Path", "Records", "Seconds", "Records/s");
        table.AddRow("HTTP POST /otlp/v1/logs (protobuf, LLM calls priced, budgets and roll-ups maintained)", $"{count:N0}", $"{otlpTime.TotalSeconds:N2}", $"{otlpRate:N0}");
        table.AddRow("HTTP POST /api/v1/events (NDJSON, the same rows as agent events)", $"{count:N0}", $"{eventTime.TotalSeconds:N2}", $"{eventRate:N0}");
        AnsiConsole.Write(table);
        var ratio = otlpRate / eventRate;
        AnsiConsole.MarkupLineInterpolated($"Ratio OTLP / event ingest: [bold]{ratio:N2}[/] (goal ≥ 0.5: {(ratio >= 0.5 ? "met" : "not met")})");
    }

    private static async Task<TimeSpan> PostAllAsync(HttpClient client, string url, string type, List<byte[]> bodies, int concurrency, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < bodies.Count)
            {
                using var response = await client.PostAsync(url, Content(bodies[index], type), ct);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"POST {url} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
                }
            }
        }));
        return clock.Elapsed;
    }

    private static async Task<JsonElement> GetFromJsonElementAsync(this HttpClient client, string url, CancellationToken ct)
    {
        using var response = await client.GetAsync(url, ct);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.Clone();
    }

    private static ByteArrayContent Content(byte[] body, string type)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return content;
    }

    private static Row[] Generate(int count, DateTime start, string prefix)
    {
        var random = new Random(42);
        var rows = new Row[count];
        for (var i = 0; i < count; i++)
        {
            // 40 sessions at a time, as in the event ingest benchmark.
            var session = i / 20_000 * 40 + i % 40;
            rows[i] = new Row($"{prefix}-req-{i:D8}", start.AddMilliseconds(i * (72_000_000.0 / count)), $"{prefix}-session-{session}",
                random.Next(0, 4000), random.Next(0, 800), random.Next(0, 40_000), random.Next(0, 2000), random.Next(0, 20_000) / 1_000_000m, random.Next(5, 5000));
        }

        return rows;
    }

    private static byte[] ToOtlp(Row[] rows)
    {
        static KeyValue Attribute(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };
        var scope = new ScopeLogs { Scope = new InstrumentationScope { Name = "com.anthropic.claude_code.events" } };
        foreach (var r in rows)
        {
            var record = new LogRecord { TimeUnixNano = (ulong)(r.At - DateTime.UnixEpoch).Ticks * 100, Body = new AnyValue { StringValue = "claude_code.api_request" } };
            record.Attributes.Add([
                Attribute("event.name", "claude_code.api_request"), Attribute("session.id", r.Session), Attribute("request_id", r.Id),
                Attribute("model", "claude-sonnet-4-5-20250929"), Attribute("input_tokens", r.Input.ToString(CultureInfo.InvariantCulture)),
                Attribute("output_tokens", r.Output.ToString(CultureInfo.InvariantCulture)), Attribute("cache_read_tokens", r.CacheRead.ToString(CultureInfo.InvariantCulture)),
                Attribute("cache_creation_tokens", r.CacheWrite.ToString(CultureInfo.InvariantCulture)), Attribute("cost_usd", r.Cost.ToString(CultureInfo.InvariantCulture)),
                Attribute("duration_ms", r.DurationMs.ToString(CultureInfo.InvariantCulture)), Attribute("event.timestamp", r.At.ToString("O")),
            ]);
            scope.LogRecords.Add(record);
        }

        var resource = new Resource { Attributes = { Attribute("service.name", "claude-code") } };
        return new ExportLogsServiceRequest { ResourceLogs = { new ResourceLogs { Resource = resource, ScopeLogs = { scope } } } }.ToByteArray();
    }

    private static byte[] ToNdjson(Row[] rows)
    {
        var text = new StringBuilder(rows.Length * 330);
        foreach (var r in rows)
        {
            text.Append("{\"id\":\"").Append(r.Id).Append("\",\"timestamp\":\"").Append(r.At.ToString("O")).Append("\",\"type\":\"llm_request\",\"agent\":\"claude-code\",\"session\":\"")
                .Append(r.Session).Append("\",\"metrics\":{\"input_tokens\":").Append(r.Input).Append(",\"output_tokens\":").Append(r.Output)
                .Append(",\"cost_usd\":").Append(r.Cost.ToString(CultureInfo.InvariantCulture)).Append(",\"duration_ms\":").Append(r.DurationMs).Append("}}\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
