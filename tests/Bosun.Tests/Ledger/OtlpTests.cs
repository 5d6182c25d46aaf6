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

    [Theory, BothStores]
    public async Task Telemetry_naming_a_run_is_booked_to_the_run_with_its_tool_events_as_tool_calls_and_links_the_session(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Landing page", new { status = "ready" });
        await acme.CreateWorkAsync("WEB", "Pricing page", new { status = "ready" });
        var (_, coder, _) = await acme.CreateAgentAsync("coder");
        var (_, other, _) = await acme.CreateAgentAsync("reviewer");
        var runId = (await coder.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0].GetProperty("run").Str("run_id");
        var otherRun = (await other.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0].GetProperty("run").Str("run_id");
        var budget = await acme.Owner.PostJsonAsync("/api/v1/budgets", new { name = "WEB", scope = "project", scope_id = "WEB", amount_usd = 1, window = "lifetime", action = "warn" });

        // As `bosun agent run` starts the agent: OTEL_RESOURCE_ATTRIBUTES=bosun.run_id=<run>.
        var named = ClaudeExport("sess-run", [("bosun.run_id", runId)],
            ApiRequest("sess-run", "req_1", input: 10, output: 200, cacheRead: 5000, cacheWrite: 0, cost: "0.02", seconds: 0),
            Event("claude_code.tool_result", 1, ("session.id", Str("sess-run")), ("tool_name", Str("Bash")), ("success", Str("true")), ("duration_ms", Int(840))),
            Event("claude_code.tool_result", 2, ("session.id", Str("sess-run")), ("tool_name", Str("Edit")), ("success", Str("false")), ("error", Str("file changed on disk"))));
        // Later records of the same session without the attribute still belong to the run.
        var later = ClaudeExport("sess-run", ApiRequest("sess-run", "req_2", input: 4, output: 50, cacheRead: 5200, cacheWrite: 0, cost: "0.01", seconds: 9));
        var wrong = ClaudeExport("sess-x", [("bosun.run_id", otherRun)], ApiRequest("sess-x", "req_9", 1, 1, 0, 0, "0.01", 0));
        var unknown = ClaudeExport("sess-y", [("bosun.run_id", "01JZZZZZZZZZZZZZZZZZZZZZZZ")], ApiRequest("sess-y", "req_8", 1, 1, 0, 0, "0.01", 0));
        var noRun = ClaudeExport("sess-free", Event("claude_code.tool_result", 1, ("session.id", Str("sess-free")), ("tool_name", Str("Bash")), ("success", Str("true"))));

        (await PostAsync(coder, "/otlp/v1/logs", named.ToByteArray(), "application/x-protobuf")).EnsureSuccessStatusCode();
        (await PostAsync(coder, "/otlp/v1/logs", named.ToByteArray(), "application/x-protobuf")).EnsureSuccessStatusCode();
        (await PostAsync(coder, "/otlp/v1/logs", later.ToByteArray(), "application/x-protobuf")).EnsureSuccessStatusCode();
        using var wrongAnswer = await PostAsync(coder, "/otlp/v1/logs", wrong.ToByteArray(), "application/x-protobuf");
        using var unknownAnswer = await PostAsync(coder, "/otlp/v1/logs", unknown.ToByteArray(), "application/x-protobuf");
        (await PostAsync(coder, "/otlp/v1/logs", noRun.ToByteArray(), "application/x-protobuf")).EnsureSuccessStatusCode();

        var calls = await acme.Owner.ListAllAsync($"/api/v1/runs/{runId}/llm-calls");
        Assert.Equal([10L, 4L], calls.Select(c => c.GetProperty("input_tokens").GetInt64()));
        var tools = await acme.Owner.ListAllAsync($"/api/v1/runs/{runId}/tool-calls");
        Assert.Equal([("Bash", "ok", (string?)null), ("Edit", "error", "file changed on disk")], tools.Select(t => (t.Str("tool_name"), t.Str("status"), t.GetProperty("error").GetString())));
        Assert.Equal(840, tools[0].GetProperty("duration_ms").GetInt64());
        Assert.Equal(0.03m, (await acme.Owner.GetJsonAsync($"/api/v1/runs/{runId}/cost")).Usd("cost_usd"));
        Assert.Equal(0.03m, (await acme.Owner.GetJsonAsync($"/api/v1/budgets/{budget.Id()}")).Usd("spent_usd"));
        var session = Assert.Single(await acme.Owner.ListAllAsync($"/api/v1/runs/{runId}/sessions"));
        Assert.Equal(("claude_code", "sess-run", runId), (session.Str("source"), session.Str("external_id"), session.Str("run_id")));
        Assert.Equal(2, (await acme.Owner.GetJsonAsync($"/api/v1/sessions/{session.Str("id")}")).GetProperty("usage").GetProperty("calls").GetInt64());

        // A run of another agent, or of no one, is refused record by record; nothing of them is stored.
        foreach (var (answer, words) in new[] { (wrongAnswer, "another agent"), (unknownAnswer, "no run") })
        {
            var partial = ExportLogsServiceResponse.Parser.ParseFrom(await answer.Content.ReadAsByteArrayAsync()).PartialSuccess;
            Assert.Equal(1, partial.RejectedLogRecords);
            Assert.Contains(words, partial.ErrorMessage);
        }

        Assert.Empty(await acme.Owner.ListAllAsync($"/api/v1/runs/{otherRun}/llm-calls"));
        Assert.Equal(2, (await TotalsAsync(acme.Owner)).Calls);
    }

    [Theory, BothStores]
    public async Task Telemetry_arriving_after_its_transcript_was_imported_is_not_counted_twice(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        object Call(string id, long input, long output, long cacheRead, int seconds) => new
        {
            external_id = id, provider = "anthropic", model = "claude-sonnet-4-5-20250929", input_tokens = input, output_tokens = output,
            cache_read_tokens = cacheRead, cache_write_tokens = 0, billing_type = "api", called_at = At.AddSeconds(seconds),
        };
        await acme.Owner.PostJsonAsync("/api/v1/sessions/import", new
        {
            source = "claude_code", external_id = "sess-late",
            messages = new[] { new { role = "user", text = "hi" } },
            llm_calls = new[] { Call("msg_a", 12, 340, 20_000, 0), Call("msg_b", 3, 60, 21_500, 5) },
        });
        await acme.Owner.PostJsonAsync("/api/v1/sessions/import", new
        {
            source = "claude_code", external_id = "sess-late/agent-1", parent_external_id = "sess-late",
            messages = new[] { new { role = "user", text = "sub" } },
            llm_calls = new[] { Call("msg_s", 7, 70, 700, 6) },
        });

        // The exporter was late: the same three calls (the sub-agent's under its root session) and one the transcript has not yet.
        var body = ClaudeExport("sess-late",
            ApiRequest("sess-late", null, input: 12, output: 340, cacheRead: 20_000, cacheWrite: 0, cost: "0.01", seconds: 0),
            ApiRequest("sess-late", null, input: 3, output: 60, cacheRead: 21_500, cacheWrite: 0, cost: "0.01", seconds: 5),
            ApiRequest("sess-late", null, input: 7, output: 70, cacheRead: 700, cacheWrite: 0, cost: "0.01", seconds: 6),
            ApiRequest("sess-late", null, input: 8, output: 90, cacheRead: 23_000, cacheWrite: 0, cost: "0.01", seconds: 9));
        (await PostAsync(acme.Owner, "/otlp/v1/logs", body.ToByteArray(), "application/x-protobuf")).EnsureSuccessStatusCode();
        (await PostAsync(acme.Owner, "/otlp/v1/logs", body.ToByteArray(), "application/x-protobuf")).EnsureSuccessStatusCode();

        var totals = await TotalsAsync(acme.Owner);
        Assert.Equal((4L, 30L, 560L), (totals.Calls, totals.Input, totals.Output));
    }

    [Theory, BothStores]
    public async Task A_session_linked_to_a_run_brings_its_imported_calls_to_the_run_and_bad_links_are_refused(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var globex = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Landing page", new { status = "ready" });
        await acme.CreateWorkAsync("WEB", "Pricing page", new { status = "ready" });
        var (_, coder, _) = await acme.CreateAgentAsync("coder");
        var (_, reviewer, _) = await acme.CreateAgentAsync("reviewer");
        var runId = (await coder.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0].GetProperty("run").Str("run_id");
        var otherRun = (await reviewer.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0].GetProperty("run").Str("run_id");

        var linked = await coder.PostJsonAsync($"/api/v1/runs/{runId}/session", new { source = "codex", session_id = "rollout-77" });
        var again = await coder.PostJsonAsync($"/api/v1/runs/{runId}/session", new { source = "codex", session_id = "rollout-77" });
        await acme.Owner.PostJsonAsync("/api/v1/sessions/import", new
        {
            source = "codex", external_id = "rollout-77", title = "Landing page",
            messages = new[] { new { role = "user", text = "build it" } },
            llm_calls = new[] { new { external_id = "r1", provider = "openai", model = "gpt-5-codex", input_tokens = 100, output_tokens = 20, billing_type = "api", called_at = At } },
        });

        Assert.Equal((linked.Str("id"), runId), (again.Str("id"), again.Str("run_id")));
        var session = await acme.Owner.GetJsonAsync($"/api/v1/sessions/{linked.Str("id")}");
        Assert.Equal(("Landing page", runId), (session.GetProperty("session").Str("title"), session.GetProperty("session").Str("run_id")));
        Assert.Equal([100L], (await acme.Owner.ListAllAsync($"/api/v1/runs/{runId}/llm-calls")).Select(c => c.GetProperty("input_tokens").GetInt64()));
        Assert.Single(await acme.Owner.ListAllAsync($"/api/v1/sessions?run={runId}"));

        var taken = await acme.Owner.PostRawAsync($"/api/v1/runs/{otherRun}/session", """{"source":"codex","session_id":"rollout-77"}""");
        await taken.ProblemAsync(System.Net.HttpStatusCode.Conflict);
        var notHis = await reviewer.PostRawAsync($"/api/v1/runs/{runId}/session", """{"source":"codex","session_id":"rollout-78"}""");
        await notHis.ProblemAsync(System.Net.HttpStatusCode.Forbidden);
        foreach (var (json, field) in new[] { ("""{"session_id":"s"}""", "source"), ("""{"source":"codex"}""", "session_id") })
        {
            var bad = await coder.PostRawAsync($"/api/v1/runs/{runId}/session", json);
            Assert.NotEmpty((await bad.ProblemAsync(System.Net.HttpStatusCode.BadRequest)).FieldErrors(field));
        }

        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await globex.Owner.PostRawAsync($"/api/v1/runs/{runId}/session", """{"source":"codex","session_id":"s"}""")).StatusCode);
        Assert.Single(await acme.Owner.ListAllAsync("/api/v1/sessions"));
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

    private static ExportLogsServiceRequest ClaudeExport(string session, params LogRecord[] records) => ClaudeExport(session, [], records);

    private static ExportLogsServiceRequest ClaudeExport(string session, (string Key, string Value)[] resourceAttributes, params LogRecord[] records)
    {
        var resource = new Resource();
        resource.Attributes.Add(new KeyValue { Key = "service.name", Value = Str("claude-code") });
        resource.Attributes.Add(resourceAttributes.Select(a => new KeyValue { Key = a.Key, Value = Str(a.Value) }));
        var export = new ExportLogsServiceRequest();
        export.ResourceLogs.Add(new ResourceLogs
        {
            Resource = resource,
            ScopeLogs = { new ScopeLogs { Scope = new InstrumentationScope { Name = "com.anthropic.claude_code.events" }, LogRecords = { records } } },
        });
        return export;
    }
}
