using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Server.Http;
using Spectre.Console;

namespace Bosun.Cli.Bench;

/// Makes the same pipelines (a parent item and one child per step, each step waiting for the one before) by
/// instantiating a template, and one POST /work an item at a time, with the same client in the same run, and compares
/// the rates in items per second.
public static class PlanBench
{
    private const double Goal = 10;
    private const int WarmUp = 20;

    public static Command Command()
    {
        var store = BenchServer.StoreOption();
        var pipelines = new Option<int>("--pipelines") { Description = "Pipelines to make each way", DefaultValueFactory = _ => 1000 };
        var steps = new Option<int>("--steps") { Description = "Steps of the template, 1 to 200", DefaultValueFactory = _ => 20 };
        var command = new Command("plan", "Pipeline creation: instantiating a template against one POST /work an item") { store, pipelines, steps };
        command.SetAction((result, ct) => BenchServer.RunToEndAsync(
            () => RunAsync(result.GetValue(store)!, Math.Max(1, result.GetValue(pipelines)), Math.Clamp(result.GetValue(steps), 1, 200), ct), ct));
        return command;
    }

    private static async Task RunAsync(string store, int count, int stepCount, CancellationToken ct)
    {
        await using var server = await BenchServer.StartAsync(store);
        var (_, client) = await server.CreateTenantAsync("plan");
        var items = count * (stepCount + 1);
        AnsiConsole.MarkupLineInterpolated(
            $"Bosun at {server.Url} on {server.Store.Describe()}; {count:N0} pipelines of {stepCount} steps each way ({items:N0} work items)");
        foreach (var (key, name) in new[] { ("WARM", "Warm-up"), ("ONE", "One at a time"), ("TPL", "From the template") })
        {
            await PostAsync(client, "api/v1/projects", new { key, name }, ct);
        }

        var template = await PostAsync(client, "api/v1/templates", Template(stepCount), ct);
        var id = template.GetProperty("id").GetString()!;

        // Both ways once before timing, so neither pays for compiling the server's code paths.
        for (var i = 0; i < WarmUp; i++)
        {
            await InstantiateAsync(client, id, "WARM", i, ct);
            await OneAtATimeAsync(client, "WARM", i, stepCount, ct);
        }

        var single = await TimeAsync(i => OneAtATimeAsync(client, "ONE", i, stepCount, ct), count);
        var instantiated = await TimeAsync(i => InstantiateAsync(client, id, "TPL", i, ct), count);
        var ratio = single.Elapsed / instantiated.Elapsed;
        var table = new Table().AddColumns("Way", "Items", "Seconds", "Items/s", "ms/pipeline", "CPU ms");
        foreach (var (way, phase) in new[] { ("one POST /work an item", single), ("instantiate", instantiated) })
        {
            table.AddRow(way, $"{items:N0}", $"{phase.Elapsed.TotalSeconds:N2}", $"{items / phase.Elapsed.TotalSeconds:N0}",
                $"{phase.Elapsed.TotalMilliseconds / count:N1}", $"{phase.CpuMs / count:N1}");
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"Instantiate is [bold]{ratio:N1}×[/] one at a time (goal ≥ {Goal:N0}×): {(ratio >= Goal ? "met" : "not met")}");
        AnsiConsole.MarkupLineInterpolated(
            $"[grey]CPU ms: this process's CPU time per pipeline (server, client{(server.Store.Kind == StoreKind.Sqlite ? " and SQLite" : "; PostgreSQL's own is not counted")}); instantiate uses {single.CpuMs / instantiated.CpuMs:N1}× less.[/]");
    }

    private static async Task<(TimeSpan Elapsed, double CpuMs)> TimeAsync(Func<int, Task> make, int count)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            await make(i);
        }

        return (clock.Elapsed, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds);
    }

    /// Steps in a chain, each with the placeholders, assignee and input a real template carries.
    private static object Template(int steps) => new
    {
        name = "Bench pipeline",
        kind = "bench",
        description = "A pipeline about {{topic}}",
        variables = new object[] { new { key = "topic", label = "Topic", type = "text", required = true } },
        steps = Enumerable.Range(1, steps).Select(i => new
        {
            key = $"s{i}",
            title = $"Step {i}: {{{{topic}}}}",
            description = $"Do step {i} of the pipeline about {{{{topic}}}}.",
            assignee = "role:writer",
            input = new { topic = "{{topic}}", step = i },
            after = i == 1 ? Array.Empty<string>() : [$"s{i - 1}"],
        }),
    };

    private static Task<JsonElement> InstantiateAsync(HttpClient client, string template, string project, int i, CancellationToken ct) =>
        PostAsync(client, $"api/v1/templates/{Uri.EscapeDataString(template)}/instantiate", new { project, variables = new { topic = $"Topic {i}" } }, ct);

    /// The same items as an instantiate makes: the parent, then each step under it waiting for the one before.
    private static async Task OneAtATimeAsync(HttpClient client, string project, int i, int steps, CancellationToken ct)
    {
        var topic = $"Topic {i}";
        var parent = await PostAsync(client, "api/v1/work", new { project_id = project, title = "Bench pipeline", type = "bench", description = $"A pipeline about {topic}", status = "ready" }, ct);
        var parentId = parent.GetProperty("id").GetString()!;
        string? previous = null;
        for (var s = 1; s <= steps; s++)
        {
            var step = await PostAsync(client, "api/v1/work", new
            {
                project_id = project, parent_id = parentId, title = $"Step {s}: {topic}", description = $"Do step {s} of the pipeline about {topic}.",
                status = "ready", assignee = "role:writer", input = new { topic, step = s }, depends_on = previous is null ? null : new[] { previous },
            }, ct);
            previous = step.GetProperty("id").GetString();
        }
    }

    private static async Task<JsonElement> PostAsync(HttpClient client, string url, object body, CancellationToken ct)
    {
        using var response = await client.PostAsJsonAsync(url, body, BosunJson.Options, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {url}: {(int)response.StatusCode} {text}");
        }

        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}
