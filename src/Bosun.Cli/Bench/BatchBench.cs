using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Json;
using Bosun.Server.Http;
using Spectre.Console;

namespace Bosun.Cli.Bench;

/// Creates the same number of work items one POST /work at a time and through POST /work/batch, with the same client
/// in the same run, and compares the rates.
public static class BatchBench
{
    private const double Goal = 10;

    public static Command Command()
    {
        var store = BenchServer.StoreOption();
        var items = new Option<int>("--items") { Description = "Work items to create each way", DefaultValueFactory = _ => 20_000 };
        var command = new Command("batch", "Work item creation: one request an item against batches of 1,000") { store, items };
        command.SetAction((result, ct) => BenchServer.RunToEndAsync(() => RunAsync(result.GetValue(store)!, Math.Max(1, result.GetValue(items)), ct), ct));
        return command;
    }

    private static async Task RunAsync(string store, int count, CancellationToken ct)
    {
        await using var server = await BenchServer.StartAsync(store);
        var (_, client) = await server.CreateTenantAsync("batch");
        AnsiConsole.MarkupLineInterpolated($"Bosun at {server.Url} on {server.Store.Describe()}; {count:N0} work items each way");
        await PostAsync(client, "api/v1/projects", new { key = "ONE", name = "One at a time" }, ct);
        await PostAsync(client, "api/v1/projects", new { key = "BAT", name = "In batches" }, ct);

        var single = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            await PostAsync(client, "api/v1/work", new { project_id = "ONE", title = $"Task {i}", labels = new[] { "bench" } }, ct);
        }

        single.Stop();
        var batched = Stopwatch.StartNew();
        foreach (var chunk in Enumerable.Range(0, count).Chunk(1000))
        {
            var body = new { items = chunk.Select(i => new { @ref = $"t{i}", project_id = "BAT", title = $"Task {i}", labels = new[] { "bench" } }) };
            await PostAsync(client, "api/v1/work/batch", body, ct);
        }

        batched.Stop();
        var singleRate = count / single.Elapsed.TotalSeconds;
        var batchRate = count / batched.Elapsed.TotalSeconds;
        var ratio = batchRate / singleRate;
        var table = new Table().AddColumns("Way", "Items", "Seconds", "Items/s");
        table.AddRow("POST /work, one a request", $"{count:N0}", $"{single.Elapsed.TotalSeconds:N2}", $"{singleRate:N0}");
        table.AddRow("POST /work/batch, 1,000 a request", $"{count:N0}", $"{batched.Elapsed.TotalSeconds:N2}", $"{batchRate:N0}");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"Batch is [bold]{ratio:N1}×[/] one at a time (goal ≥ {Goal:N0}×): {(ratio >= Goal ? "met" : "not met")}");
    }

    private static async Task PostAsync(HttpClient client, string url, object body, CancellationToken ct)
    {
        using var response = await client.PostAsJsonAsync(url, body, BosunJson.Options, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }
    }
}
