using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Ledger;
using Bosun.Server.Http;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Ledger;

public sealed class EventTests
{
    private static readonly string[] Types = ["llm_request", "tool_use", "file_edit", "command", "error"];

    [Theory, BothStores]
    public async Task Hourly_rollups_equal_a_recomputation_from_raw_events_including_late_and_repeated_ones(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        var now = app.Clock!.GetUtcNow();
        var random = new Random(7);
        var events = Enumerable.Range(0, 3000).Select(i => new
        {
            id = $"ev-{i}",
            timestamp = now.AddMinutes(-random.Next(0, 6 * 60)).AddMilliseconds(random.Next(1000)),
            type = Types[random.Next(Types.Length)],
            agent = $"agent-{random.Next(4)}",
            session = $"s-{random.Next(12)}",
            project = random.Next(3) == 0 ? null : $"P{random.Next(2)}",
            metrics = new { input_tokens = random.Next(0, 500), output_tokens = random.Next(0, 100), cost_usd = random.Next(0, 50) / 1000m, duration_ms = random.Next(1, 900) },
            tags = new[] { "bench" },
        }).ToList();

        var first = await PostNdjsonAsync(acme.Owner, events.Take(2000));
        // A retry of part of the first batch, plus events that arrive late for hours already rolled up.
        var second = await acme.Owner.PostJsonAsync("/api/v1/events", events.Skip(1500).ToList());

        Assert.Equal(2000, first.GetProperty("inserted").GetInt32());
        Assert.Equal(1000, second.GetProperty("inserted").GetInt32());
        Assert.Equal(500, second.GetProperty("duplicates").GetInt32());
        var rollups = await acme.Owner.GetJsonAsync($"/api/v1/events/rollups?from={Uri.EscapeDataString(now.AddDays(-1).ToString("O"))}");
        var raw = await acme.AsTenantAsync((db, _) => db.Set<AgentEvent>().AsNoTracking().ToListAsync());
        Assert.Equal(3000, raw.Count);
        var expected = raw
            .GroupBy(e => (Hour: new DateTime(e.OccurredAt.Year, e.OccurredAt.Month, e.OccurredAt.Day, e.OccurredAt.Hour, 0, 0), Project: e.ProjectId, Agent: e.AgentId, e.Type))
            .Select(g => $"{g.Key.Hour:O}|{g.Key.Project}|{g.Key.Agent}|{g.Key.Type}|{g.Count()}|{g.Select(e => e.SessionId).Distinct().Count()}|{g.Sum(e => e.Tokens)}|{Money.ToUsd(g.Sum(e => e.CostMicros ?? 0))}|{Math.Round(g.Average(e => (double)e.DurationMs!), 1)}")
            .Order(StringComparer.Ordinal).ToList();
        var actual = rollups.EnumerateArray()
            .Select(r => $"{DateTime.SpecifyKind(r.GetProperty("hour").GetDateTime(), DateTimeKind.Unspecified):O}|{Null(r, "project_id")}|{Null(r, "agent_id")}|{r.Str("type")}|{r.GetProperty("events").GetInt64()}|{r.GetProperty("sessions").GetInt64()}|{r.GetProperty("tokens").GetInt64()}|{r.GetProperty("cost_usd").GetDecimal()}|{r.GetProperty("avg_duration_ms").GetDouble()}")
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, actual);
    }

    [Theory, BothStores]
    public async Task Retention_drops_old_raw_events_and_keeps_their_rollups(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        var now = app.Clock!.GetUtcNow();
        var old = Enumerable.Range(0, 50).Select(i => new { id = $"old-{i}", timestamp = now.AddDays(-10).AddMinutes(i), type = "command", session = "s1", metrics = new { tokens = 10 } });
        var recent = Enumerable.Range(0, 20).Select(i => new { id = $"new-{i}", timestamp = now.AddMinutes(-i - 1), type = "command", session = "s2", metrics = new { tokens = 1 } });
        await acme.Owner.PostJsonAsync("/api/v1/events", old.Concat<object>(recent).ToList());

        app.Clock.Advance(TimeSpan.FromDays(85));
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<EventService>().ApplyRetentionAsync(default);
        }

        var raw = await acme.AsTenantAsync((db, _) => db.Set<AgentEvent>().AsNoTracking().Select(e => e.Id).ToListAsync());
        Assert.Equal(20, raw.Count);
        Assert.All(raw, id => Assert.StartsWith("new-", id));
        var latest = await acme.Owner.GetJsonAsync("/api/v1/events?limit=3");
        Assert.Equal(["new-0", "new-1", "new-2"], latest.EnumerateArray().Select(e => e.Str("id")));
        Assert.Equal(1, latest[0].GetProperty("metrics").GetProperty("tokens").GetInt32());
        var rollups = await acme.Owner.GetJsonAsync($"/api/v1/events/rollups?from={Uri.EscapeDataString(now.AddDays(-30).ToString("O"))}&to={Uri.EscapeDataString(now.AddDays(90).ToString("O"))}");
        Assert.Equal(70, rollups.EnumerateArray().Sum(r => r.GetProperty("events").GetInt64()));
        Assert.Equal(520, rollups.EnumerateArray().Sum(r => r.GetProperty("tokens").GetInt64()));

        var tooOld = await acme.Owner.PostAsync("/api/v1/events", Json(new[] { new { id = "x", timestamp = app.Clock.GetUtcNow().AddDays(-100), type = "command" } }));
        Assert.Equal(HttpStatusCode.BadRequest, tooOld.StatusCode);
        Assert.True((await tooOld.ReadJsonAsync()).GetProperty("errors").TryGetProperty("[0].timestamp", out _));
    }

    [Theory, BothStores]
    public async Task Events_list_filters_by_project_id_or_key_tag_and_severities_within_the_tenant(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        var globex = await app.CreateTenantAsync();
        var web = (await acme.CreateProjectAsync("WEB")).Str("id");
        await globex.CreateProjectAsync("WEB");
        var now = app.Clock!.GetUtcNow();
        await acme.Owner.PostJsonAsync("/api/v1/events", new object[]
        {
            new { id = "by-key", timestamp = now.AddMinutes(-1), type = "command", project = "WEB", severity = "error", tags = new[] { "deploy", "ci" } },
            new { id = "by-id", timestamp = now.AddMinutes(-2), type = "command", project = web, severity = "warning", tags = new[] { "ci" } },
            new { id = "other", timestamp = now.AddMinutes(-3), type = "command", project = "API", severity = "error", tags = new[] { "deploy-preview", "x\"ci" } },
            new { id = "untagged", timestamp = now.AddMinutes(-4), type = "command", project = "WEB" },
        });
        await globex.Owner.PostJsonAsync("/api/v1/events", new[] { new { id = "theirs", timestamp = now.AddMinutes(-1), type = "command", project = "WEB", severity = "error", tags = new[] { "ci" } } });

        async Task<string[]> IdsAsync(TestTenant tenant, string query) =>
            (await tenant.Owner.GetJsonAsync($"/api/v1/events?{query}")).EnumerateArray().Select(e => e.Str("id")).ToArray();

        Assert.Equal(["by-key", "by-id", "untagged"], await IdsAsync(acme, "project=web"));
        Assert.Equal(["by-key", "by-id", "untagged"], await IdsAsync(acme, $"project={web}"));
        Assert.Equal(["by-key", "by-id"], await IdsAsync(acme, "tag=ci"));
        Assert.Equal(["by-key"], await IdsAsync(acme, "tag=deploy"));
        Assert.Equal(["by-key", "by-id", "other"], await IdsAsync(acme, "severity=error,%20WARNING"));
        Assert.Equal(["by-id"], await IdsAsync(acme, "project=WEB&tag=ci&severity=warning"));
        Assert.Equal(["theirs"], await IdsAsync(globex, "project=WEB&tag=ci"));
        var unknown = await acme.Owner.GetAsync("/api/v1/events?project=NOPE");
        var badSeverity = await acme.Owner.GetAsync("/api/v1/events?severity=error,loud");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.True((await unknown.ReadJsonAsync()).GetProperty("errors").TryGetProperty("project", out _));
        Assert.Equal(HttpStatusCode.BadRequest, badSeverity.StatusCode);
        Assert.True((await badSeverity.ReadJsonAsync()).GetProperty("errors").TryGetProperty("severity", out _));
    }

    [Theory, BothStores]
    public async Task Concurrent_retries_of_one_batch_store_each_event_once(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var now = DateTimeOffset.UtcNow;
        var batch = Enumerable.Range(0, 500).Select(i => new { id = $"r-{i}", timestamp = now.AddSeconds(-i), type = "tool_use", session = $"s{i % 7}", metrics = new { tokens = 2 } }).ToList();

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => acme.Owner.PostJsonAsync("/api/v1/events", batch)));

        Assert.Equal(500, results.Sum(r => r.GetProperty("inserted").GetInt32()));
        var rollups = await acme.Owner.GetJsonAsync($"/api/v1/events/rollups?from={Uri.EscapeDataString(now.AddDays(-1).ToString("O"))}");
        Assert.Equal(500, rollups.EnumerateArray().Sum(r => r.GetProperty("events").GetInt64()));
        Assert.Equal(1000, rollups.EnumerateArray().Sum(r => r.GetProperty("tokens").GetInt64()));
    }

    [Theory, BothStores]
    public async Task A_malformed_ndjson_line_is_refused_naming_its_line(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var body = "{\"id\":\"a\",\"timestamp\":\"2026-03-02T08:00:00Z\",\"type\":\"command\"}\n{\"id\":\"b\",\"timestamp\":\n";
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");

        var response = await acme.Owner.PostAsync("/api/v1/events", content);

        var unknown = await acme.Owner.PostAsync("/api/v1/events", Json(new object[]
        {
            new { id = "a", timestamp = "2026-03-02T08:00:00Z", type = "command" },
            new { id = "b", timestamp = "2026-03-02T08:00:00Z", type = "command", colour = "red" },
        }));
        var negative = await acme.Owner.PostAsync("/api/v1/events", Json(new[] { new { id = "c", timestamp = "2026-03-02T08:00:00Z", type = "command", metrics = new { tokens = -5 } } }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ReadJsonAsync();
        Assert.Contains(problem.GetProperty("errors").EnumerateObject(), e => e.Name.StartsWith("line 2", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.True((await unknown.ReadJsonAsync()).GetProperty("errors").TryGetProperty("[1].colour", out _));
        Assert.True((await negative.ReadJsonAsync()).GetProperty("errors").TryGetProperty("[0].metrics.tokens", out _));
        var stored = await acme.AsTenantAsync((db, _) => db.Set<AgentEvent>().CountAsync());
        Assert.Equal(0, stored);
    }

    [Theory, BothStores]
    public async Task Events_with_a_parent_related_events_and_an_agent_version_keep_them_in_their_context(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var at = DateTime.UtcNow.AddMinutes(-5);
        var body = $$$"""
            [
              {"id": "e-1", "timestamp": "{{{at:yyyy-MM-ddTHH:mm:ssZ}}}", "type": "file_write", "severity": "warning", "tags": ["refactor"],
               "parent_event_id": "e-0", "related_event_ids": ["e-7", "e-8"], "agent_version": "1.2.3",
               "context": {"file_path": "src/a.cs", "agent_version": "0.9"}},
              {"id": "e-2", "timestamp": "{{{at.AddSeconds(1):yyyy-MM-ddTHH:mm:ssZ}}}", "type": "llm_request", "agent_version": "1.2.3", "parent_event_id": null}
            ]
            """;

        var ingested = await (await acme.Owner.PostAsync("/api/v1/events", new StringContent(body, Encoding.UTF8, "application/json"))).ReadSuccessAsync();
        var wrongType = await acme.Owner.PostAsync("/api/v1/events", Json(new[] { new { id = "e-3", timestamp = at, type = "x", related_event_ids = "e-1" } }));

        Assert.Equal(2, ingested.GetProperty("inserted").GetInt32());
        var events = (await acme.Owner.GetJsonAsync($"/api/v1/events?from={at.AddMinutes(-1):yyyy-MM-ddTHH:mm:ssZ}")).EnumerateArray().ToDictionary(e => e.Str("id"));
        var first = events["e-1"];
        Assert.Equal(("warning", "refactor"), (first.Str("severity"), first.GetProperty("tags")[0].GetString()));
        var context = first.GetProperty("context");
        Assert.Equal(("src/a.cs", "e-0", "1.2.3"), (context.Str("file_path"), context.Str("parent_event_id"), context.Str("agent_version")));
        Assert.Equal(["e-7", "e-8"], context.GetProperty("related_event_ids").EnumerateArray().Select(i => i.GetString()));
        var second = events["e-2"].GetProperty("context");
        Assert.Equal("1.2.3", second.Str("agent_version"));
        Assert.False(second.TryGetProperty("parent_event_id", out _));
        Assert.True((await wrongType.ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("[0].related_event_ids", out _));
    }

    private static async Task<JsonElement> PostNdjsonAsync<T>(HttpClient client, IEnumerable<T> events)
    {
        var lines = string.Join('\n', events.Select(e => JsonSerializer.Serialize(e, BosunJson.Options)));
        var content = new StringContent(lines, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        return await (await client.PostAsync("/api/v1/events", content)).ReadSuccessAsync();
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body, BosunJson.Options), Encoding.UTF8, "application/json");

    private static string? Null(JsonElement e, string name) => e.GetProperty(name).ValueKind == JsonValueKind.Null ? null : e.GetProperty(name).GetString();
}
