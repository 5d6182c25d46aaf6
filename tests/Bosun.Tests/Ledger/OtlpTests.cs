using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Server.Otlp.Proto;
using Bosun.Tests.Infrastructure;
using Google.Protobuf;

namespace Bosun.Tests.Ledger;

public sealed class OtlpTests
{
    private const string Costs = "/api/v1/costs/summary?from=2026-03-01&to=2026-04-01";
    private static readonly DateTime At = new(2026, 3, 10, 9, 0, 0, DateTimeKind.Utc);

    [Theory, BothStores]
    public async Task Claude_code_api_requests_over_protobuf_land_as_llm_calls_with_tokens_and_cost_and_a_replay_adds_nothing(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var body = ClaudeExport("sess-1",
            ApiRequest("sess-1", "req_01", input: 12, output: 340, cacheRead: 20_000, cacheWrite: 1500, cost: "0.0123", seconds: 0),
            ApiRequest("sess-1", null, input: 3, output: 60, cacheRead: 21_500, cacheWrite: 0, cost: "0.0071", seconds: 5),
            Event("claude_code.tool_result", 6, ("tool_name", Str("Bash")), ("success", Str("true")), ("duration_ms", Int(840))));

        var budget = await acme.Owner.PostJsonAsync("/api/v1/budgets", new { scope = "tenant", amount_usd = 1, window = "lifetime", action = "warn" });

        using var first = await PostAsync(acme.Owner, "/otlp/v1/logs", body.ToByteArray(), "application/x-protobuf");
        using var replay = await PostAsync(acme.Owner, "/otlp/v1/logs", body.ToByteArray(), "application/x-protobuf");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("application/x-protobuf", first.Content.Headers.ContentType?.MediaType);
        var answer = ExportLogsServiceResponse.Parser.ParseFrom(await first.Content.ReadAsByteArrayAsync());
        Assert.Null(answer.PartialSuccess);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(new Totals(2, 15, 400, 41_500, 1500, 0.0194m), await TotalsAsync(acme.Owner));
        Assert.Equal(0.0194m, (await acme.Owner.GetJsonAsync($"/api/v1/budgets/{budget.Id()}")).Usd("spent_usd"));
    }

    [Theory, BothStores]
    public async Task Codex_response_events_over_json_land_as_llm_calls_other_events_are_acknowledged_and_a_gzipped_replay_adds_nothing(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        // The OTLP JSON encoding: lowerCamel names, 64-bit integers as strings, trace and span ids in hex.
        var nanos = ((At - DateTime.UnixEpoch).Ticks * 100).ToString();
        var json = $$$"""
        {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"codex_cli_rs"}}]},
          "scopeLogs":[{"scope":{"name":"codex_otel"},"logRecords":[
            {"timeUnixNano":"{{{nanos}}}","traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","severityNumber":9,
             "attributes":[{"key":"event.name","value":{"stringValue":"codex.sse_event"}},{"key":"event.kind","value":{"stringValue":"response.completed"}},
               {"key":"conversation.id","value":{"stringValue":"conv-7"}},{"key":"model","value":{"stringValue":"gpt-5-codex"}},
               {"key":"input_token_count","value":{"intValue":"1000"}},{"key":"cached_token_count","value":{"intValue":"400"}},
               {"key":"output_token_count","value":{"intValue":"200"}},{"key":"reasoning_token_count","value":{"intValue":"50"}}]},
            {"timeUnixNano":"{{{nanos}}}","attributes":[{"key":"event.name","value":{"stringValue":"codex.sse_event"}},
               {"key":"event.kind","value":{"stringValue":"response.output_text.delta"}},{"key":"conversation.id","value":{"stringValue":"conv-7"}}]},
            {"timeUnixNano":"{{{nanos}}}","attributes":[{"key":"event.name","value":{"stringValue":"codex.tool_result"}},
               {"key":"tool_name","value":{"stringValue":"shell"}},{"key":"success","value":{"stringValue":"true"}}]}
          ]}]}]}
        """;

        using var response = await PostAsync(acme.Owner, "/otlp/v1/logs", Encoding.UTF8.GetBytes(json), "application/json");
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(Encoding.UTF8.GetBytes(json));
        }

        var gzipped = new ByteArrayContent(compressed.ToArray());
        gzipped.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        gzipped.Headers.ContentEncoding.Add("gzip");
        using var replay = await acme.Owner.PostAsync("/otlp/v1/logs", gzipped);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(JsonValueKind.Object, (await response.ReadJsonAsync()).ValueKind);
        // OpenAI counts cached tokens inside the input; Bosun keeps them apart.
        var totals = await TotalsAsync(acme.Owner);
        Assert.Equal(new Totals(1, 600, 200, 400, 0, totals.CostUsd), totals);
        Assert.True(totals.CostUsd > 0, "priced from the catalog");
    }

    [Theory, BothStores]
    public async Task A_later_transcript_import_of_the_same_session_does_not_count_live_calls_twice(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var body = ClaudeExport("sess-9",
            ApiRequest("sess-9", null, input: 12, output: 340, cacheRead: 20_000, cacheWrite: 1500, cost: "0.0123", seconds: 0),
            ApiRequest("sess-9", null, input: 3, output: 60, cacheRead: 21_500, cacheWrite: 0, cost: "0.0071", seconds: 5));
        (await PostAsync(acme.Owner, "/otlp/v1/logs", body.ToByteArray(), "application/x-protobuf")).EnsureSuccessStatusCode();

        object Call(string id, long input, long output, long cacheRead, long cacheWrite, int seconds) => new
        {
            external_id = id, provider = "anthropic", model = "claude-sonnet-4-5-20250929", input_tokens = input, output_tokens = output,
            cache_read_tokens = cacheRead, cache_write_tokens = cacheWrite, billing_type = "api", called_at = At.AddSeconds(seconds),
        };
        var import = new
        {
            source = "claude_code", external_id = "sess-9",
            llm_calls = new[] { Call("msg_a", 12, 340, 20_000, 1500, 0), Call("msg_b", 3, 60, 21_500, 0, 5), Call("msg_c", 8, 90, 23_000, 0, 9) },
        };
        var first = await acme.Owner.PostJsonAsync("/api/v1/sessions/import", import);
        var again = await acme.Owner.PostJsonAsync("/api/v1/sessions/import", import);

        Assert.Equal((1, 2), (first.GetProperty("llm_calls_recorded").GetInt32(), first.GetProperty("llm_calls_already_known").GetInt32()));
        Assert.Equal((0, 3), (again.GetProperty("llm_calls_recorded").GetInt32(), again.GetProperty("llm_calls_already_known").GetInt32()));
        var totals = await TotalsAsync(acme.Owner);
        Assert.Equal((3L, 23L, 490L, 64_500L, 1500L), (totals.Calls, totals.Input, totals.Output, totals.CacheRead, totals.CacheWrite));
    }

    [Theory, BothStores]
    public async Task A_bad_token_is_401_and_malformed_payloads_are_400_with_nothing_stored(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var body = ClaudeExport("sess-1", ApiRequest("sess-1", "req_01", 1, 2, 0, 0, "0.01", 0)).ToByteArray();
        using var stranger = app.ClientFor("bosun_not-a-real-token");
        using var anonymous = app.Anonymous();

        using var badToken = await PostAsync(stranger, "/otlp/v1/logs", body, "application/x-protobuf");
        using var noToken = await PostAsync(anonymous, "/otlp/v1/metrics", body, "application/x-protobuf");
        using var truncated = await PostAsync(acme.Owner, "/otlp/v1/logs", body[..(body.Length - 7)], "application/x-protobuf");
        using var badJson = await PostAsync(acme.Owner, "/otlp/v1/logs", Encoding.UTF8.GetBytes("{\"resourceLogs\":[{"), "application/json");
        using var wrongType = await PostAsync(acme.Owner, "/otlp/v1/logs", body, "text/plain");

        Assert.Equal(HttpStatusCode.Unauthorized, badToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        foreach (var bad in new[] { truncated, badJson })
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
            Assert.True((await bad.ReadJsonAsync()).GetProperty("errors").TryGetProperty("body", out _));
        }

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        Assert.Equal(0, (await TotalsAsync(acme.Owner)).Calls);
    }

    [Theory, BothStores]
    public async Task Metrics_are_acknowledged_and_each_tenant_sees_only_its_own_calls(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync("acme");
        var globex = await app.CreateTenantAsync("globex");
        var (_, agent, _) = await acme.CreateAgentAsync("coder");
        var body = ClaudeExport("sess-1", ApiRequest("sess-1", "req_01", 10, 20, 0, 0, "0.5", 0)).ToByteArray();
        var metrics = new ExportMetricsServiceRequest();
        var metric = new Metric { Name = "claude_code.cost.usage", Unit = "USD", Sum = new Sum { IsMonotonic = true } };
        metric.Sum.DataPoints.Add(new NumberDataPoint { AsDouble = 0.5, TimeUnixNano = Nanos(At) });
        metrics.ResourceMetrics.Add(new ResourceMetrics { ScopeMetrics = { new ScopeMetrics { Metrics = { metric } } } });

        (await PostAsync(agent, "/otlp/v1/logs", body, "application/x-protobuf")).EnsureSuccessStatusCode();
        using var metricAnswer = await PostAsync(agent, "/otlp/v1/metrics", metrics.ToByteArray(), "application/x-protobuf");
        var before = (await TotalsAsync(globex.Owner)).Calls;
        (await PostAsync(globex.Owner, "/otlp/v1/logs", body, "application/x-protobuf")).EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.OK, metricAnswer.StatusCode);
        Assert.Null(ExportMetricsServiceResponse.Parser.ParseFrom(await metricAnswer.Content.ReadAsByteArrayAsync()).PartialSuccess);
        Assert.Equal(0, before);
        Assert.Equal(new Totals(1, 10, 20, 0, 0, 0.5m), await TotalsAsync(acme.Owner));
        Assert.Equal(new Totals(1, 10, 20, 0, 0, 0.5m), await TotalsAsync(globex.Owner));
    }

    [Theory, BothStores]
    public async Task A_record_the_ledger_refuses_is_reported_as_a_partial_success(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var body = ClaudeExport("sess-1",
            ApiRequest("sess-1", "req_ok", 10, 20, 0, 0, "0.01", 0),
            ApiRequest("sess-1", "req_bad", -5, 20, 0, 0, "0.01", 1));

        using var response = await PostAsync(acme.Owner, "/otlp/v1/logs", body.ToByteArray(), "application/x-protobuf");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var partial = ExportLogsServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync()).PartialSuccess;
        Assert.Equal(1, partial.RejectedLogRecords);
        Assert.Contains("input_tokens", partial.ErrorMessage);
        Assert.Equal(1, (await TotalsAsync(acme.Owner)).Calls);
    }

    private sealed record Totals(long Calls, long Input, long Output, long CacheRead, long CacheWrite, decimal? CostUsd);

    private static async Task<Totals> TotalsAsync(HttpClient client)
    {
        var t = (await client.GetJsonAsync(Costs)).GetProperty("total");
        long Count(string name) => t.GetProperty(name).GetInt64();
        return new Totals(Count("calls"), Count("input_tokens"), Count("output_tokens"), Count("cache_read_tokens"), Count("cache_write_tokens"), t.Usd("cost_usd"));
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string url, byte[] body, string type)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return await client.PostAsync(url, content);
    }

    private static ulong Nanos(DateTime at) => (ulong)(at - DateTime.UnixEpoch).Ticks * 100;

    private static AnyValue Str(string value) => new() { StringValue = value };

    private static AnyValue Int(long value) => new() { IntValue = value };

    private static LogRecord Event(string name, int seconds, params (string Key, AnyValue Value)[] attributes)
    {
        var record = new LogRecord { TimeUnixNano = Nanos(At.AddSeconds(seconds)), Body = Str(name) };
        record.Attributes.Add(new KeyValue { Key = "event.name", Value = Str(name) });
        record.Attributes.Add(attributes.Select(a => new KeyValue { Key = a.Key, Value = a.Value }));
        return record;
    }

    /// The shape Claude Code exports: numbers as strings, the session on every record.
    private static LogRecord ApiRequest(string session, string? requestId, long input, long output, long cacheRead, long cacheWrite, string cost, int seconds)
    {
        var attributes = new List<(string, AnyValue)>
        {
            ("session.id", Str(session)), ("model", Str("claude-sonnet-4-5-20250929")), ("input_tokens", Str(input.ToString())),
            ("output_tokens", Str(output.ToString())), ("cache_read_tokens", Str(cacheRead.ToString())),
            ("cache_creation_tokens", Str(cacheWrite.ToString())), ("cost_usd", Str(cost)), ("duration_ms", Str("2300")),
            ("event.timestamp", Str(At.AddSeconds(seconds).ToString("O"))),
        };
        if (requestId is not null)
        {
            attributes.Add(("request_id", Str(requestId)));
        }

        return Event("claude_code.api_request", seconds, [.. attributes]);
    }

    private static ExportLogsServiceRequest ClaudeExport(string session, params LogRecord[] records)
    {
        var resource = new Resource();
        resource.Attributes.Add(new KeyValue { Key = "service.name", Value = Str("claude-code") });
        var export = new ExportLogsServiceRequest();
        export.ResourceLogs.Add(new ResourceLogs
        {
            Resource = resource,
            ScopeLogs = { new ScopeLogs { Scope = new InstrumentationScope { Name = "com.anthropic.claude_code.events" }, LogRecords = { records } } },
        });
        return export;
    }
}
