using System.Net;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Tests.Cli;
using Bosun.Tests.Infrastructure;
using Bosun.Tests.Web;

namespace Bosun.Tests.Ledger;

/// A team reads its usage per day, month, session and five-hour block, as ccusage prints it; the clock is fixed at
/// 2026-03-02 09:00 UTC.
[Collection("CLI")]
public sealed class UsageReportTests
{
    private sealed record Seeded(string Run, string Agent, DateTime At, string Model, long Input, long Output, long CacheRead, long CacheWrite, bool Subscription)
    {
        public decimal Cost { get; set; }
        public decimal List { get; set; }
        public long Tokens => Input + Output + CacheRead + CacheWrite;
    }

    private static async Task<(TestTenant Tenant, List<Seeded> Calls)> SeedAsync(BosunTestApp app, bool subscriptionOnly = false)
    {
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateProjectAsync("API");
        var (coder, coderClient, _) = await acme.CreateAgentAsync("coder");
        var (reviewer, reviewerClient, _) = await acme.CreateAgentAsync("reviewer");
        var webRun = await acme.StartRunAsync((await acme.CreateWorkAsync("WEB", "Build it")).Id(), coder.Id());
        var apiRun = await acme.StartRunAsync((await acme.CreateWorkAsync("API", "Review it")).Id(), reviewer.Id());
        DateTime T(string s) => DateTime.Parse(s, null, System.Globalization.DateTimeStyles.AdjustToUniversal);
        var calls = new List<Seeded>
        {
            new(webRun, "coder", T("2026-02-27T10:10:00Z"), "claude-sonnet-4-5", 1000, 500, 8000, 2000, subscriptionOnly),
            new(webRun, "coder", T("2026-02-27T12:30:00Z"), "claude-sonnet-4-5", 2000, 700, 16000, 1000, subscriptionOnly),
            // More than five hours after the previous call: a new block.
            new(apiRun, "reviewer", T("2026-02-27T18:00:00Z"), "claude-haiku-4-5", 3000, 300, 0, 0, true),
            new(apiRun, "reviewer", T("2026-02-28T23:50:00Z"), "claude-haiku-4-5", 500, 100, 4000, 500, true),
            // The next UTC day, but the same block (23:00 to 04:00).
            new(webRun, "coder", T("2026-03-01T00:20:00Z"), "claude-sonnet-4-5", 1500, 900, 0, 3000, subscriptionOnly),
            // The active block: 08:00 to 13:00, now 09:00.
            new(webRun, "coder", T("2026-03-02T08:10:00Z"), "claude-sonnet-4-5", 4000, 1000, 20000, 0, subscriptionOnly),
            new(apiRun, "reviewer", T("2026-03-02T08:40:00Z"), "claude-haiku-4-5", 1000, 200, 1000, 1000, true),
        };
        foreach (var call in calls)
        {
            var client = call.Agent == "coder" ? coderClient : reviewerClient;
            var recorded = await client.PostJsonAsync($"/api/v1/runs/{call.Run}/llm-calls", new
            {
                provider = "anthropic", model = call.Model, input_tokens = call.Input, output_tokens = call.Output, cache_read_tokens = call.CacheRead,
                cache_write_tokens = call.CacheWrite, billing_type = call.Subscription ? "subscription" : "api", called_at = call.At,
            });
            var stored = recorded.GetProperty("calls")[0];
            call.Cost = stored.Usd("cost_usd") ?? 0;
            call.List = stored.Usd("list_cost_usd") ?? 0;
        }

        return (acme, calls);
    }

    private static void AssertUsage(IEnumerable<Seeded> expected, JsonElement usage)
    {
        var calls = expected.ToList();
        Assert.Equal(
            (calls.Count, calls.Sum(c => c.Input), calls.Sum(c => c.Output), calls.Sum(c => c.CacheRead), calls.Sum(c => c.CacheWrite), calls.Sum(c => c.Tokens), calls.Sum(c => c.Cost), calls.Sum(c => c.List)),
            (usage.GetProperty("calls").GetInt32(), usage.GetProperty("input_tokens").GetInt64(), usage.GetProperty("output_tokens").GetInt64(),
                usage.GetProperty("cache_read_tokens").GetInt64(), usage.GetProperty("cache_write_tokens").GetInt64(), usage.GetProperty("total_tokens").GetInt64(),
                usage.Usd("cost_usd"), usage.Usd("list_cost_usd")));
    }

    [Theory, BothStores]
    public async Task Daily_monthly_and_session_reports_add_up_to_the_calls_recorded(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var (acme, calls) = await SeedAsync(app);
        Assert.Contains(calls, c => c.Cost > 0);

        var daily = await acme.Owner.GetJsonAsync("/api/v1/usage/daily?since=2026-02-27&until=20260302");
        var days = calls.GroupBy(c => c.At.ToString("yyyy-MM-dd")).OrderBy(g => g.Key).ToList();
        Assert.Equal(days.Select(d => d.Key), daily.GetProperty("rows").EnumerateArray().Select(r => r.Str("period")));
        foreach (var (day, row) in days.Zip(daily.GetProperty("rows").EnumerateArray()))
        {
            AssertUsage(day, row.GetProperty("usage"));
            Assert.Equal(day.Select(c => c.Model).Distinct().Order(), row.GetProperty("models").EnumerateArray().Select(m => m.Str("model")).Order());
        }

        AssertUsage(calls, daily.GetProperty("total"));
        var sonnet = daily.GetProperty("models").EnumerateArray().Single(m => m.Str("model") == "claude-sonnet-4-5").GetProperty("usage");
        var s = calls.Where(c => c.Model == "claude-sonnet-4-5").ToList();
        var ratio = (double)s.Sum(c => c.CacheRead) / (s.Sum(c => c.Input) + s.Sum(c => c.CacheRead) + s.Sum(c => c.CacheWrite));
        Assert.Equal(Math.Round(ratio, 4), sonnet.GetProperty("cache_hit_ratio").GetDouble(), 4);

        var monthly = await acme.Owner.GetJsonAsync("/api/v1/usage/monthly?since=2026-02-01&until=2026-03-31");
        Assert.Equal(["2026-02", "2026-03"], monthly.GetProperty("rows").EnumerateArray().Select(r => r.Str("period")));
        AssertUsage(calls.Where(c => c.At.Month == 2), monthly.GetProperty("rows")[0].GetProperty("usage"));
        AssertUsage(calls.Where(c => c.At.Month == 3), monthly.GetProperty("rows")[1].GetProperty("usage"));

        var sessions = await acme.Owner.GetJsonAsync("/api/v1/usage/sessions?since=2026-02-27&until=2026-03-02");
        Assert.Equal(2, sessions.GetProperty("rows").GetArrayLength());
        foreach (var row in sessions.GetProperty("rows").EnumerateArray())
        {
            var mine = calls.Where(c => c.Run == row.Str("run_id")).ToList();
            AssertUsage(mine, row.GetProperty("usage"));
            Assert.Equal(mine[0].Agent, row.Str("agent"));
            Assert.Equal(mine.Max(c => c.At), row.GetProperty("last_call_at").GetDateTime().ToUniversalTime());
        }

        // Filters by agent name and project key; bad input names the field.
        var reviewer = await acme.Owner.GetJsonAsync("/api/v1/usage/daily?since=2026-02-27&until=2026-03-02&agent=reviewer");
        AssertUsage(calls.Where(c => c.Agent == "reviewer"), reviewer.GetProperty("total"));
        var web = await acme.Owner.GetJsonAsync("/api/v1/usage/sessions?since=2026-02-27&until=2026-03-02&project=web");
        AssertUsage(calls.Where(c => c.Agent == "coder"), web.GetProperty("total"));
        Assert.NotEmpty((await (await acme.Owner.GetAsync("/api/v1/usage/daily?since=yesterday")).ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("since"));
        Assert.NotEmpty((await (await acme.Owner.GetAsync("/api/v1/usage/blocks?agent=nobody")).ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("agent"));
        Assert.NotEmpty((await (await acme.Owner.GetAsync("/api/v1/usage/monthly?since=2026-03-01&until=2026-02-01")).ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("until"));

        // Another tenant sees none of it.
        var other = await app.CreateTenantAsync();
        Assert.Equal(0, (await other.Owner.GetJsonAsync("/api/v1/usage/daily?since=2026-02-27&until=2026-03-02")).GetProperty("rows").GetArrayLength());
    }

    [Theory, BothStores]
    public async Task Blocks_start_after_a_gap_of_more_than_five_hours_and_the_active_one_projects_its_spend(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var (acme, calls) = await SeedAsync(app);

        var report = await acme.Owner.GetJsonAsync("/api/v1/usage/blocks?since=2026-02-27&until=2026-03-02");
        var blocks = report.GetProperty("blocks").EnumerateArray().ToList();
        Assert.Equal(["2026-02-27T10:00", "2026-02-27T18:00", "2026-02-28T23:00", "2026-03-02T08:00"],
            blocks.Select(b => b.GetProperty("start").GetDateTime().ToUniversalTime().ToString("yyyy-MM-ddTHH:mm")));
        Assert.Equal([false, false, false, true], blocks.Select(b => b.GetProperty("active").GetBoolean()));
        AssertUsage(calls.Take(2), blocks[0].GetProperty("usage"));
        AssertUsage(calls.Skip(3).Take(2), blocks[2].GetProperty("usage"));

        var active = report.GetProperty("active_block");
        var current = calls.Skip(5).ToList();
        AssertUsage(current, active.GetProperty("usage"));
        Assert.Equal(new DateTime(2026, 3, 2, 13, 0, 0), active.GetProperty("end").GetDateTime().ToUniversalTime());
        // 50 minutes since the block's first call at 08:10, 240 minutes to its end at 13:00.
        var burn = active.GetProperty("burn_rate");
        var tokens = current.Sum(c => c.Tokens);
        Assert.Equal(Math.Round(tokens / 50.0, 2), burn.GetProperty("tokens_per_minute").GetDouble(), 2);
        Assert.Equal(tokens + (long)Math.Round(tokens / 50.0 * 240), burn.GetProperty("projected_tokens").GetInt64());
        var list = current.Sum(c => c.List);
        Assert.Equal(Math.Round(list / 50m * 60, 6), burn.Usd("list_cost_per_hour_usd"));
        Assert.Equal(Math.Round(list + list / 50m * 240, 6), burn.Usd("projected_list_cost_usd"));
        Assert.Equal(240, burn.GetProperty("remaining_minutes").GetInt32());

        // Six hours later the block has ended and nothing is active.
        app.Clock!.Advance(TimeSpan.FromHours(6));
        var later = await acme.Owner.GetJsonAsync("/api/v1/usage/blocks?since=2026-02-27&until=2026-03-02");
        Assert.Equal(JsonValueKind.Null, later.GetProperty("active_block").ValueKind);
    }

    [Fact]
    public async Task Bosun_usage_prints_tables_and_the_same_rows_as_json()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite, fakeClock: true);
        var (acme, calls) = await SeedAsync(app);
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);

        var json = (await cli.OkAsync("usage", "daily", "--since", "2026-02-27", "--until", "2026-03-02", "--agent", "coder", "--json")).Json();
        AssertUsage(calls.Where(c => c.Agent == "coder"), json.GetProperty("total"));
        Assert.Equal(["2026-02-27", "2026-03-01", "2026-03-02"], json.GetProperty("rows").EnumerateArray().Select(r => r.Str("period")));

        var sessions = await cli.OkAsync("usage", "session", "--since", "2026-02-27", "--until", "2026-03-02", "--project", "API");
        Assert.Contains("reviewer / API", sessions.Output);
        Assert.DoesNotContain("coder", sessions.Output);
        var blocks = await cli.OkAsync("usage", "blocks", "--since", "2026-02-27", "--until", "2026-03-02");
        Assert.Contains("(active)", blocks.Output);
        Assert.Contains("tokens/min", blocks.Output);
        Assert.Equal(4, (await cli.OkAsync("usage", "blocks", "--since", "2026-02-27", "--until", "2026-03-02", "--json")).Json().GetProperty("blocks").GetArrayLength());
        Assert.Equal(2, (await cli.OkAsync("usage", "monthly", "--since", "2026-02-01", "--json")).Json().GetProperty("rows").GetArrayLength());
        var bad = await cli.RunAsync("usage", "daily", "--since", "soon");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("since", bad.Error);
    }

    [Theory, BothStores]
    public async Task The_costs_page_charts_subscription_usage_at_list_price(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var (acme, calls) = await SeedAsync(app, subscriptionOnly: true);
        Assert.All(calls, c => Assert.Equal(0m, c.Cost));
        await acme.SetOwnerPasswordAsync();
        using var web = new Bosun.Tests.Web.WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password);

        var page = await web.GetAsync("/costs?month=2026-03");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("data-testid=\"list-price-note\"", page.Html);
        var march = calls.Where(c => c.At.Month == 3).GroupBy(c => c.At.Day).ToDictionary(g => g.Key, g => g.Sum(c => c.List));
        var bars = System.Text.RegularExpressions.Regex.Matches(page.Html[..page.Html.IndexOf("Tokens per day", StringComparison.Ordinal)], "class=\"column-bar\"[^>]*height=\"([0-9.]+)\"><title>2026-03-(\\d\\d): ([^<]*)</title>");
        var drawn = bars.Where(b => double.Parse(b.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0).Select(b => int.Parse(b.Groups[2].Value)).ToList();
        Assert.Equal(march.Keys.Order(), drawn.Distinct().Order());
        Assert.Contains("claude-haiku-4-5", page.Html);
    }
}
