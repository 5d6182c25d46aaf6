using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bosun.Core.Identity;
using Bosun.Server.Http;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Bosun.Cli.Bench;

/// Times the web UI's board for a project with many work items, signed in like a browser, against the same
/// items read as JSON from the API in the same run.
public static partial class UiBench
{
    private const string Password = "bench password 1";

    public static Command Command()
    {
        var store = BenchServer.StoreOption();
        var items = new Option<int>("--items") { Description = "Work items on the board", DefaultValueFactory = _ => 1000 };
        var requests = new Option<int>("--requests") { Description = "Timed requests of each kind", DefaultValueFactory = _ => 50 };
        var command = new Command("ui", "Board page render time for a project with many work items, with the same data as JSON for a baseline")
        {
            store, items, requests,
        };
        command.SetAction(async (result, ct) =>
        {
            return await BenchServer.RunToEndAsync(() => RunAsync(result.GetValue(store)!, Math.Max(1, result.GetValue(items)), Math.Max(1, result.GetValue(requests)), ct), ct);
        });
        return command;
    }

    private static async Task RunAsync(string store, int itemCount, int requestCount, CancellationToken ct)
    {
        await using var server = await BenchServer.StartAsync(store);
        var (_, api) = await server.CreateTenantAsync("bench");
        AnsiConsole.MarkupLineInterpolated($"Bosun at {server.Url} on {server.Store.Describe()}; {itemCount:N0} work items on one board");
        await using (var scope = server.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<SignInService>().SetPasswordAsync("bench", "owner@bench.test", Password, ct);
        }

        await BenchServer.PostAsync(api, "api/v1/projects", new { key = "BENCH", name = "Bench" }, ct);
        await BenchServer.PostAsync(api, "api/v1/agents", new { name = "coder", role = "backend" }, ct);
        var statuses = new[] { "backlog", "ready" };
        var labels = new[] { "frontend", "backend", "launch", "docs" };
        var load = Stopwatch.StartNew();
        for (var i = 0; i < itemCount; i++)
        {
            await BenchServer.PostAsync(api, "api/v1/work", new
            {
                project_id = "BENCH", title = $"Work item number {i} with a title of a usual length", status = statuses[i % 2],
                priority = (i % 7 == 0) ? "high" : "normal", labels = new[] { labels[i % labels.Length] },
                assignee = i % 3 == 0 ? "agent:coder" : null,
            }, ct);
        }

        AnsiConsole.MarkupLineInterpolated($"Created {itemCount:N0} items in {load.Elapsed.TotalSeconds:0.0} s");

        var cookies = new CookieContainer();
        using var browser = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = new Uri(server.Url + "/") };
        var signInPage = await browser.GetStringAsync("signin", ct);
        var token = FormToken().Match(signInPage).Groups[1].Value;
        var signedIn = await browser.PostAsync("signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_csrf"] = token, ["email"] = "owner@bench.test", ["password"] = Password,
        }), ct);
        if (signedIn.StatusCode != HttpStatusCode.SeeOther)
        {
            throw new InvalidOperationException($"Sign-in failed: {(int)signedIn.StatusCode}");
        }

        var boardServer = new List<double>();
        var boardClient = new List<double>();
        var jsonClient = new List<double>();
        long htmlBytes = 0, jsonBytes = 0;
        var cards = 0;
        for (var i = -5; i < requestCount; i++)
        {
            var watch = Stopwatch.StartNew();
            using var page = await browser.GetAsync("board?project=BENCH", ct);
            var html = await page.Content.ReadAsStringAsync(ct);
            var clientMs = watch.Elapsed.TotalMilliseconds;
            page.EnsureSuccessStatusCode();
            var serverMs = ServerTiming().Match(page.Headers.TryGetValues("Server-Timing", out var timing) ? timing.First() : "") is { Success: true } m
                ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)
                : double.NaN;

            watch.Restart();
            var read = 0;
            long bytes = 0;
            string? cursor = null;
            do
            {
                using var response = await api.GetAsync($"api/v1/work?project=BENCH&limit=500{(cursor is null ? "" : "&cursor=" + cursor)}", ct);
                var body = await response.Content.ReadAsByteArrayAsync(ct);
                response.EnsureSuccessStatusCode();
                bytes += body.Length;
                using var json = JsonDocument.Parse(body);
                read += json.RootElement.GetProperty("items").GetArrayLength();
                cursor = json.RootElement.GetProperty("next_cursor").GetString();
            }
            while (cursor is not null);

            if (i < 0)
            {
                continue;
            }

            jsonClient.Add(watch.Elapsed.TotalMilliseconds);
            boardServer.Add(serverMs);
            boardClient.Add(clientMs);
            htmlBytes = html.Length;
            jsonBytes = bytes;
            cards = CardCount().Count(html);
            if (read != itemCount || cards != itemCount)
            {
                throw new InvalidOperationException($"Expected {itemCount} items, the board showed {cards} and the API {read}.");
            }
        }

        var table = new Table().AddColumn("What").AddColumn("Median ms").AddColumn("p95 ms").AddColumn("Size");
        table.AddRow($"Board page, server side (Server-Timing, {cards} cards)", Median(boardServer), P95(boardServer), $"{htmlBytes / 1024:N0} KiB HTML");
        table.AddRow("Board page, request to last byte", Median(boardClient), P95(boardClient), "");
        table.AddRow($"Same items as JSON (GET /api/v1/work, {Math.Ceiling(itemCount / 500.0)} pages)", Median(jsonClient), P95(jsonClient), $"{jsonBytes / 1024:N0} KiB JSON");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"{requestCount} timed requests of each kind after 5 warm-up rounds.");
    }

    private static string Median(List<double> values) => Percentile(values, 0.5);

    private static string P95(List<double> values) => Percentile(values, 0.95);

    private static string Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)].ToString("0.0", CultureInfo.InvariantCulture);
    }

    [GeneratedRegex("name=\"_csrf\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();

    [GeneratedRegex(@"app;dur=([0-9.]+)")]
    private static partial Regex ServerTiming();

    [GeneratedRegex("<li class=\"card\"")]
    private static partial Regex CardCount();
}
