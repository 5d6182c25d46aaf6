using System.CommandLine;
using System.Diagnostics;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Bosun.Cli.Bench;

/// Makes many cron schedules due in the same minute and lets the server's own schedule loop fire them, then prints the
/// firings per second and the lag from each fire time to its item's creation. The baseline, in the same run: the same
/// number of items made by plain POST /work with the same client.
public static class ScheduleBench
{
    private static readonly TimeSpan Goal = TimeSpan.FromSeconds(2);

    public static Command Command()
    {
        var store = BenchServer.StoreOption();
        var count = new Option<int>("--schedules") { Description = "Schedules due in the same minute", DefaultValueFactory = _ => 10_000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight while setting up", DefaultValueFactory = _ => 4 };
        var command = new Command("schedules", "Schedule firing: many schedules due in one minute against plain POST /work") { store, count, concurrency };
        command.SetAction((result, ct) => BenchServer.RunToEndAsync(
            () => RunAsync(result.GetValue(store)!, Math.Max(1, result.GetValue(count)), Math.Max(1, result.GetValue(concurrency)), ct), ct));
        return command;
    }

    private static async Task RunAsync(string store, int count, int concurrency, CancellationToken ct)
    {
        await using var server = await BenchServer.StartAsync(store);
        var (tenant, client) = await server.CreateTenantAsync("schedules");
        AnsiConsole.MarkupLineInterpolated($"Bosun at {server.Url} on {server.Store.Describe()}; {count:N0} schedules due in one minute");
        foreach (var (key, name) in new[] { ("WARM", "Warm-up"), ("POST", "Plain POST /work"), ("SCH", "Scheduled") })
        {
            await BenchServer.PostAsync(client, "api/v1/projects", new { key, name }, ct);
        }

        for (var i = 0; i < 20; i++)
        {
            await BenchServer.PostAsync(client, "api/v1/work", new { project_id = "WARM", type = "task", title = $"Warm-up {i}" }, ct);
        }

        var baseline = Stopwatch.StartNew();
        await ManyAsync(count, concurrency, i => BenchServer.PostAsync(client, "api/v1/work", new { project_id = "POST", type = "task", title = $"Item {i}" }, ct));
        baseline.Stop();
        var baselineRate = count / baseline.Elapsed.TotalSeconds;

        // The minute they are all due in: far enough ahead that setting them up (at about the baseline's rate) ends first.
        var setUp = TimeSpan.FromSeconds(count / baselineRate * 2 + 10);
        var due = DateTime.UtcNow + setUp;
        due = new DateTime(due.Year, due.Month, due.Day, due.Hour, due.Minute, 0, DateTimeKind.Utc).AddMinutes(1);
        var cron = $"{due.Minute} {due.Hour} * * *";
        await ManyAsync(count, concurrency, i => BenchServer.PostAsync(client, "api/v1/schedules",
            new { name = $"Bench {i}", cron, time_zone = "UTC", project = "SCH", title = $"S{i} {{{{fire_time}}}}" }, ct));
        if (DateTime.UtcNow >= due)
        {
            throw new InvalidOperationException($"Setting up the schedules ran past {due:HH:mm}; run with fewer --schedules.");
        }

        AnsiConsole.MarkupLineInterpolated($"{count:N0} schedules set for {due:HH:mm} UTC; waiting for them to fire");
        List<DateTime> made;
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            await using var scope = server.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            made = await db.ScheduleFirings.IgnoreQueryFilters().AsNoTracking()
                .Where(f => f.TenantId == tenant && f.FireTime == due && f.MadeAt != null).Select(f => f.MadeAt!.Value).ToListAsync(ct);
            if (made.Count >= count)
            {
                break;
            }

            if (DateTime.UtcNow > due.AddMinutes(10))
            {
                throw new InvalidOperationException($"Only {made.Count:N0} of {count:N0} schedules fired within ten minutes of {due:HH:mm}.");
            }
        }

        var lags = made.Select(m => (m - due).TotalSeconds).Order().ToList();
        var span = Math.Max(lags[^1], 0.001);
        var rate = count / span;
        var table = new Table { Title = new TableTitle($"Schedule firing, {server.Store.Kind}") }.AddColumns("Way", "Items", "Seconds", "Items/s");
        table.AddRow("plain POST /api/v1/work (baseline)", $"{count:N0}", $"{baseline.Elapsed.TotalSeconds:N2}", $"{baselineRate:N0}");
        table.AddRow("schedule loop: fire time to the last item", $"{count:N0}", $"{span:N2}", $"{rate:N0}");
        AnsiConsole.Write(table);
        var p99 = Percentile(lags, 0.99);
        AnsiConsole.MarkupLineInterpolated($"Lag from fire time to item created: p50 {Percentile(lags, 0.50):N2} s, p99 {p99:N2} s, max {lags[^1]:N2} s (goal p99 < {Goal.TotalSeconds:N0} s: {(p99 < Goal.TotalSeconds ? "met" : "not met")})");
        AnsiConsole.MarkupLineInterpolated($"Ratio firings/s to POST /work items/s: [bold]{rate / baselineRate:N2}[/]");
    }

    private static async Task ManyAsync(int count, int concurrency, Func<int, Task> make)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await make(i);
            }
        }));
    }

    private static double Percentile(List<double> sorted, double p) => BenchServer.Percentile(sorted, p);
}
