using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Dispatch;
using Bosun.Core.Identity;
using Bosun.Server.Http;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Bosun.Cli.Bench;

/// Loads LLM calls for one tenant through the ledger API, then times the cost summary of a month by day and by agent.
public static class CostsBench
{
    private static readonly (string Provider, string Model)[] Models =
    [
        ("anthropic", "claude-sonnet-4-5-20250929"), ("anthropic", "claude-haiku-4-5"), ("anthropic", "claude-opus-4-5"),
        ("openai", "gpt-5"), ("openai", "gpt-4.1-mini"), ("google", "gemini-2.5-pro"),
    ];

    public static Command Command()
    {
        var store = BenchServer.StoreOption();
        var calls = new Option<int>("--calls") { Description = "How many LLM calls to load", DefaultValueFactory = _ => 1_000_000 };
        var items = new Option<int>("--work-items") { Description = "Work items (one run each) the calls spread over", DefaultValueFactory = _ => 2000 };
        var queries = new Option<int>("--queries") { Description = "Timed requests per summary", DefaultValueFactory = _ => 200 };
        var budgets = new Option<bool>("--budgets") { Description = "Set a tenant budget and one per project first (warn only, never reached), so every call charges two budgets" };
        var command = new Command("costs", "Cost summary latency over a tenant with many LLM calls") { store, calls, items, queries, budgets };
        command.SetAction(async (result, ct) =>
        {
            return await BenchServer.RunToEndAsync(() => RunAsync(result.GetValue(store)!, result.GetValue(calls), Math.Max(1, result.GetValue(items)),
                Math.Max(1, result.GetValue(queries)), result.GetValue(budgets), ct), ct);
        });
        return command;
    }

    private static async Task RunAsync(string store, int callCount, int itemCount, int queryCount, bool withBudgets, CancellationToken ct)
    {
        await using var server = await BenchServer.StartAsync(store);
        var (tenantId, client) = await server.CreateTenantAsync("costs");
        AnsiConsole.MarkupLineInterpolated($"Bosun at {server.Url} on {server.Store.Describe()}; {callCount:N0} LLM calls over {itemCount:N0} work items{(withBudgets ? ", charging a tenant and a project budget" : "")}");

        var projects = new List<string>();
        for (var p = 0; p < 5; p++)
        {
            projects.Add((await Post(client, "api/v1/projects", new { key = $"P{p}", name = $"Project {p}" }, ct)).GetProperty("id").GetString()!);
        }

        if (withBudgets)
        {
            await Post(client, "api/v1/budgets", new { scope = "tenant", amount_usd = 1_000_000_000m, action = "warn" }, ct);
            foreach (var project in projects)
            {
                await Post(client, "api/v1/budgets", new { scope = "project", scope_id = project, amount_usd = 1_000_000_000m, action = "warn" }, ct);
            }
        }

        var agents = new List<string>();
        for (var a = 0; a < 20; a++)
        {
            agents.Add((await Post(client, "api/v1/agents", new { name = $"agent-{a}", role = "coder" }, ct)).GetProperty("id").GetString()!);
        }

        var items = new List<(string Item, string Agent)>();
        for (var i = 0; i < itemCount; i++)
        {
            var item = await Post(client, "api/v1/work", new { project_id = projects[i % projects.Count], title = $"Task {i}" }, ct);
            items.Add((item.GetProperty("id").GetString()!, agents[i % agents.Count]));
        }

        var runs = await CreateRunsAsync(server, tenantId, items, ct);
        var now = DateTime.UtcNow;
        var month = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(-1);
        var days = DateTime.DaysInMonth(month.Year, month.Month);
        var perRun = callCount / runs.Count;
        var load = Stopwatch.StartNew();
        var next = -1;
        long loaded = 0;
        await Task.WhenAll(Enumerable.Range(0, 2).Select(async _ =>
        {
            int r;
            while ((r = Interlocked.Increment(ref next)) < runs.Count)
            {
                var count = perRun + (r < callCount % runs.Count ? 1 : 0);
                var begin = month.AddDays(r % days).AddHours(r % 12);
                foreach (var chunk in Enumerable.Range(0, count).Chunk(1000))
                {
                    var body = chunk.Select(c =>
                    {
                        var (provider, model) = Models[(r + c % 2) % Models.Length];
                        return new
                        {
                            provider, model, input_tokens = 2000 + (c * 37) % 5000, output_tokens = 100 + (c * 13) % 900,
                            cache_read_tokens = provider == "anthropic" ? (c * 101) % 20_000 : 0, called_at = begin.AddSeconds(c * 45),
                        };
                    }).ToList();
                    var recorded = await Post(client, $"api/v1/runs/{runs[r]}/llm-calls", body, ct);
                    Interlocked.Add(ref loaded, recorded.GetProperty("recorded").GetInt64());
                }
            }
        }));
        load.Stop();
        AnsiConsole.MarkupLineInterpolated($"Loaded {loaded:N0} calls through POST /api/v1/runs/{{id}}/llm-calls in {load.Elapsed.TotalSeconds:N1} s ({loaded / load.Elapsed.TotalSeconds:N0} calls/s)");

        var table = new Table { Title = new TableTitle($"GET /api/v1/costs/summary for {month:yyyy-MM}, {server.Store.Kind}") }
            .AddColumns("Summary", "Requests", "p50 ms", "p99 ms", "Max ms", "Rows", "Total cost");
        foreach (var by in new[] { "day", "agent" })
        {
            var url = $"api/v1/costs/summary?from={month:yyyy-MM-dd}&to={month.AddMonths(1):yyyy-MM-dd}&by={by}";
            JsonElement last = default;
            for (var w = 0; w < 10; w++)
            {
                last = await Get(client, url, ct);
            }

            var times = new List<double>(queryCount);
            for (var q = 0; q < queryCount; q++)
            {
                var watch = Stopwatch.StartNew();
                last = await Get(client, url, ct);
                times.Add(watch.Elapsed.TotalMilliseconds);
            }

            times.Sort();
            table.AddRow($"by {by}", $"{queryCount}", $"{Percentile(times, 0.50):N1}", $"{Percentile(times, 0.99):N1}", $"{times[^1]:N1}",
                $"{last.GetProperty("rows").GetArrayLength()}", $"${last.GetProperty("total").GetProperty("cost_usd").GetDecimal():N2}");
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("Goal: p99 < 100 ms.");
    }

    private static async Task<List<string>> CreateRunsAsync(BenchServer server, string tenantId, List<(string Item, string Agent)> items, CancellationToken ct)
    {
        await using var scope = server.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(tenantId, Actor.System);
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        var runs = items.Select(i => new Run { WorkItemId = i.Item, AgentId = i.Agent, Attempt = 1, LeaseToken = Ids.New(), StartedAt = DateTime.UtcNow }).ToList();
        await db.InTransactionAsync(async c =>
        {
            db.Runs.AddRange(runs);
            await db.SaveChangesAsync(c);
        }, write: true, ct);
        return runs.Select(r => r.Id).ToList();
    }

    private static double Percentile(List<double> sorted, double p) => BenchServer.Percentile(sorted, p);

    private static async Task<JsonElement> Post(HttpClient client, string url, object body, CancellationToken ct)
    {
        using var response = await client.PostAsJsonAsync(url, body, BosunJson.Options, ct);
        return await Read(response, ct);
    }

    private static async Task<JsonElement> Get(HttpClient client, string url, CancellationToken ct)
    {
        using var response = await client.GetAsync(url, ct);
        return await Read(response, ct);
    }

    private static async Task<JsonElement> Read(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode} {response.RequestMessage?.RequestUri}: {text}");
        }

        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
