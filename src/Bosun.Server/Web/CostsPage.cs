using System.Globalization;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Ledger;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Web;

/// Spend for a month: per day, model, agent and project, budgets against their warn and stop marks, and the
/// models Bosun has no price for.
internal static class CostsPage
{
    private sealed record Model(
        DateTime Month, CostSummary Days, CostSummary Models, CostSummary Agents, CostSummary Projects, IReadOnlyList<UnpricedModelView> Unpriced,
        UsagePeriodReport Daily, UsagePeriodReport Monthly, UsageSessionReport Sessions, UsageBlockReport Blocks);

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/costs", async (HttpContext http, string? month, CostReportService reports, UsageReports usage, PriceService prices, TimeProvider clock) =>
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var start = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
            if (month is { Length: > 0 } && !DateTime.TryParseExact(month, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out start))
            {
                var problem = new ProblemException(400, "Invalid request", "'month' must be a month such as 2026-03.", "/problems/validation");
                problem.Errors["month"] = ["must be a month such as 2026-03"];
                throw problem;
            }

            start = DateTime.SpecifyKind(start, DateTimeKind.Utc);
            var end = start.AddMonths(1);
            var range = new UsageFilter(start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), end.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), null, null);
            var model = await http.ReadAsync(async c => new Model(
                start,
                await reports.SummaryAsync(start, end, "day", 0, c),
                await reports.SummaryAsync(start, end, "model", 0, c),
                await reports.SummaryAsync(start, end, "agent", 0, c),
                await reports.SummaryAsync(start, end, "project", 0, c),
                await prices.UnpricedAsync(c),
                await usage.DailyAsync(range, c),
                await usage.MonthlyAsync(range with { Since = start.AddMonths(-11).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) }, c),
                await usage.SessionsAsync(range, c),
                await usage.BlocksAsync(range, c)));
            return Layout.Page(http, $"Costs {start:yyyy-MM}", Nav.Costs, Render(model));
        });

    private static Html Render(Model m)
    {
        var w = new HtmlWriter();
        var total = m.Days.Total;
        w.Add($"""
            <div class="page-head">
            <h1>Costs <span class="muted">{m.Month.ToString("MMMM yyyy", CultureInfo.InvariantCulture)}</span></h1>
            <form method="get" action="/costs" class="inline">
            <label for="month">Month</label> <input id="month" name="month" type="month" value="{m.Month.ToString("yyyy-MM", CultureInfo.InvariantCulture)}"> <button type="submit">Show</button>
            </form>
            </div>
            <dl class="totals">
            <div><dt>Spent</dt><dd data-testid="total-cost">{Format.Usd(total.CostUsd)}</dd></div>
            <div><dt>At list price</dt><dd>{Format.Usd(total.ListCostUsd)}</dd></div>
            <div><dt>LLM calls</dt><dd>{Format.Count(total.Calls)}</dd></div>
            <div><dt>Tokens in / out</dt><dd>{Format.Count(total.InputTokens + total.CacheReadTokens + total.CacheWriteTokens)} / {Format.Count(total.OutputTokens)}</dd></div>
            {(total.UnpricedCalls > 0 ? Html.Of($"<div><dt>Unpriced calls</dt><dd class=\"warn\">{Format.Count(total.UnpricedCalls)}</dd></div>") : Html.Empty)}
            </dl>
            <section aria-labelledby="daily-h"><h2 id="daily-h">Spend per day</h2>
            """);
        // Subscription usage is billed at $0, which would draw nothing: it is charted at list price instead.
        var byDay = m.Daily.Rows.ToDictionary(r => r.Period, r => Charted(r.Usage));
        var days = Enumerable.Range(0, (m.Month.AddMonths(1) - m.Month).Days)
            .Select(d => m.Month.AddDays(d).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
            .Select(day => (day, byDay.GetValueOrDefault(day)))
            .ToList();
        w.Add($"{Charts.Columns(days, Format.Usd, $"Spend per day in {m.Month:yyyy-MM}")}");
        if (m.Daily.Total.SubscriptionListCostUsd > 0)
        {
            w.Add($"""<p class="muted" data-testid="list-price-note">Subscription usage is drawn at list price ({Format.Usd(m.Daily.Total.SubscriptionListCostUsd)} this month): the subscription already paid for it, so it adds nothing to what was spent.</p>""");
        }
        w.Add($"""<details><summary>Show as a table</summary><table><thead><tr><th scope="col">Day</th><th scope="col" class="num">Cost</th></tr></thead><tbody>""");
        foreach (var (day, cost) in days.Where(d => d.Item2 != 0))
        {
            w.Add($"""<tr><td>{day}</td><td class="num">{Format.Usd(cost)}</td></tr>""");
        }

        w.Add($"</tbody></table></details></section><div class=\"grid3\">");
        Breakdown(w, "models-h", "Per model", m.Models.Rows, r => r.Key);
        Breakdown(w, "agents-h", "Per agent", m.Agents.Rows, r => r.Label ?? r.Key);
        Breakdown(w, "projects-h", "Per project", m.Projects.Rows, r => r.Label ?? r.Key);
        w.Add($"</div>");
        Usage(w, m);
        Budgets(w, m);
        Unpriced(w, m.Unpriced);
        return w.ToHtml();
    }

    private static void Breakdown(HtmlWriter w, string id, string title, IReadOnlyList<CostRow> rows, Func<CostRow, string> name)
    {
        w.Add($"""<section class="panel" aria-labelledby="{id}"><h2 id="{id}">{title}</h2>""");
        if (rows.Count == 0)
        {
            w.Add($"""<p class="muted">No spend this month.</p></section>""");
            return;
        }

        w.Add($"""<table data-testid="{id}"><thead><tr><th scope="col">Name</th><th scope="col" class="num">Calls</th><th scope="col" class="num">Cost</th></tr></thead><tbody>""");
        foreach (var row in rows)
        {
            w.Add($"""<tr><td>{name(row)}</td><td class="num">{Format.Count(row.Calls)}</td><td class="num">{Format.Usd(row.CostUsd)}{(row.UnpricedCalls > 0 ? Html.Of($" <small>+{row.UnpricedCalls} unpriced</small>") : Html.Empty)}</td></tr>""");
        }

        w.Add($"</tbody></table></section>");
    }

    private static void Budgets(HtmlWriter w, Model m)
    {
        var names = m.Agents.Rows.Concat(m.Projects.Rows).Where(r => r.Label is not null).GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.First().Label!);
        w.Add($"""<section aria-labelledby="budgets-h"><h2 id="budgets-h">Budgets</h2>""");
        if (m.Days.Budgets.Count == 0)
        {
            w.Add($"""<p class="muted">No budgets. Set one with <code>bosun budgets set</code>.</p></section>""");
            return;
        }

        w.Add($"<ul class=\"budgets\">");
        foreach (var budget in m.Days.Budgets)
        {
            var scope = budget.Scope.Snake() + (budget.ScopeId is { } sid ? " " + (names.GetValueOrDefault(sid) ?? sid) : "");
            var marks = new List<Charts.Mark> { new(budget.WarnPercent, "warn", $"warn at {budget.WarnPercent}%") };
            if (budget.Action != BudgetAction.Warn)
            {
                marks.Add(new Charts.Mark(100, "stop", budget.Action == BudgetAction.Fail ? "work fails here" : "work stops here"));
            }

            var caps = string.Join(" and ", new[] { budget.AmountUsd is { } a ? Format.Usd(a) : null, budget.MaxTokens is { } t ? $"{Tokens(t)} tokens" : null }.OfType<string>());
            w.Add($"""
                <li class="panel budget budget-{budget.State}">
                <div class="goal-head"><h3>{budget.Name}</h3><span class="status budget-state-{budget.State}">{budget.State}</span></div>
                <p class="muted">{scope} · {budget.Window.Snake()} · {caps} · {budget.Action.Snake()} at the cap · warns at {budget.WarnPercent}%</p>
                """);
            if (budget is { AmountUsd: { } amount, MoneyPercentUsed: { } moneyPercent })
            {
                var label = $"{budget.Name}: {Format.Usd(budget.SpentUsd)} of {Format.Usd(amount)} ({moneyPercent.ToString("0.#", CultureInfo.InvariantCulture)}%)";
                w.Add($"""
                    {Charts.Bar(moneyPercent, label, $"fill {budget.State}", [.. marks])}
                    <p class="progress-text"><strong>{Format.Usd(budget.SpentUsd)}</strong> of {Format.Usd(amount)} · {Format.Usd(budget.RemainingUsd ?? 0)} left</p>
                    """);
            }

            if (budget is { MaxTokens: { } max, TokensPercentUsed: { } tokensPercent })
            {
                var counted = budget.CountCacheReads ? "cache reads counted" : "cache reads not counted";
                var label = $"{budget.Name}: {Tokens(budget.SpentTokens)} of {Tokens(max)} tokens ({tokensPercent.ToString("0.#", CultureInfo.InvariantCulture)}%)";
                w.Add($"""
                    {Charts.Bar(tokensPercent, label, $"fill {budget.State}", [.. marks])}
                    <p class="progress-text budget-tokens"><strong>{Tokens(budget.SpentTokens)}</strong> of {Tokens(max)} tokens · {Tokens(budget.RemainingTokens ?? 0)} left · {counted}</p>
                    """);
            }

            w.Add($"</li>");
        }

        w.Add($"</ul></section>");
    }

    /// What a chart draws for spend: the billed cost, with subscription usage at its list price.
    private static decimal Charted(UsageTotals u) => u.CostUsd + u.SubscriptionListCostUsd;

    private static void Usage(HtmlWriter w, Model m)
    {
        w.Add($"""<section aria-labelledby="usage-h"><h2 id="usage-h">Usage</h2>""");
        var tokens = Enumerable.Range(0, (m.Month.AddMonths(1) - m.Month).Days)
            .Select(d => m.Month.AddDays(d).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
            .Select(day => (day, (decimal)(m.Daily.Rows.FirstOrDefault(r => r.Period == day)?.Usage.TotalTokens ?? 0)))
            .ToList();
        w.Add($"""<h3>Tokens per day</h3>{Charts.Columns(tokens, v => Format.Count((long)v), $"Tokens per day in {m.Month:yyyy-MM}")}""");
        var months = m.Monthly.Rows.Select(r => (r.Period, Charted(r.Usage))).ToList();
        w.Add($"""<h3>Spend per month</h3>{Charts.Columns(months, Format.Usd, "Spend per month, subscription usage at list price")}""");

        if (m.Blocks.ActiveBlock is { BurnRate: { } burn } active)
        {
            w.Add($"""
                <div class="panel" data-testid="active-block"><h3>Active five-hour block</h3>
                <p>{Format.Time(active.Start)} to {Format.Time(active.End)} · {Format.Count(active.Usage.TotalTokens)} tokens · {Format.Usd(active.Usage.ListCostUsd)} at list price ({Format.Usd(active.Usage.CostUsd)} billed)</p>
                <p>Burning {burn.TokensPerMinute.ToString("#,##0", CultureInfo.InvariantCulture)} tokens/min, {Format.Usd(burn.ListCostPerHourUsd)}/h at list price · projected by the block's end: {Format.Count(burn.ProjectedTokens)} tokens, {Format.Usd(burn.ProjectedListCostUsd)} at list price ({Format.Usd(burn.ProjectedCostUsd)} billed) · {burn.RemainingMinutes} min left</p>
                </div>
                """);
        }

        var blocks = m.Blocks.Blocks.TakeLast(40).Select(b => (b.Start.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), Charted(b.Usage))).ToList();
        w.Add($"""<h3>Five-hour blocks</h3>{Charts.Columns(blocks, Format.Usd, "Spend per five-hour block, subscription usage at list price", l => l[8..13])}""");

        w.Add($"""<div class="grid3"><section class="panel" aria-labelledby="usage-models-h"><h3 id="usage-models-h">Models</h3>""");
        w.Add($"""<table data-testid="usage-models"><thead><tr><th scope="col">Model</th><th scope="col" class="num">Tokens</th><th scope="col" class="num">Cache hit</th><th scope="col" class="num">List price</th></tr></thead><tbody>""");
        foreach (var model in m.Daily.Models)
        {
            var ratio = model.Usage.CacheHitRatio is { } r ? (r * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%" : "—";
            w.Add($"""<tr><td>{model.Model}</td><td class="num">{Format.Count(model.Usage.TotalTokens)}</td><td class="num">{ratio}</td><td class="num">{Format.Usd(model.Usage.ListCostUsd)}</td></tr>""");
        }

        w.Add($"""</tbody></table><p class="muted">Cache hit = cache reads / (input + cache reads + cache writes).</p></section>""");
        w.Add($"""<section class="panel" aria-labelledby="usage-sessions-h"><h3 id="usage-sessions-h">Sessions</h3>""");
        w.Add($"""<table data-testid="usage-sessions"><thead><tr><th scope="col">Session</th><th scope="col">Agent</th><th scope="col" class="num">Tokens</th><th scope="col" class="num">List price</th></tr></thead><tbody>""");
        foreach (var session in m.Sessions.Rows.Take(15))
        {
            w.Add($"""<tr><td>{session.Label}</td><td>{session.Agent ?? ""}</td><td class="num">{Format.Count(session.Usage.TotalTokens)}</td><td class="num">{Format.Usd(session.Usage.ListCostUsd)}</td></tr>""");
        }

        w.Add($"</tbody></table></section></div></section>");
    }

    /// Token counts in full, since a cap is read against the exact figure.
    private static string Tokens(long n) => n.ToString("#,##0", CultureInfo.InvariantCulture);

    private static void Unpriced(HtmlWriter w, IReadOnlyList<UnpricedModelView> unpriced)
    {
        w.Add($"""<section aria-labelledby="unpriced-h"><h2 id="unpriced-h">Models without a price</h2>""");
        if (unpriced.Count == 0)
        {
            w.Add($"""<p class="muted">Every recorded call has a price.</p></section>""");
            return;
        }

        w.Add($"""
            <p>Their calls are recorded without a cost, so the totals above leave them out. Add a price with <code>bosun prices import</code> or <code>POST /api/v1/prices</code>.</p>
            <table data-testid="unpriced"><thead><tr><th scope="col">Model</th><th scope="col" class="num">Calls</th><th scope="col" class="num">Tokens in / out</th><th scope="col">Last seen</th></tr></thead><tbody>
            """);
        foreach (var model in unpriced)
        {
            w.Add($"""<tr><td>{model.Provider}/{model.Model}</td><td class="num">{Format.Count(model.Calls)}</td><td class="num">{Format.Count(model.InputTokens)} / {Format.Count(model.OutputTokens)}</td><td>{Format.Time(model.LastSeen)}</td></tr>""");
        }

        w.Add($"</tbody></table></section>");
    }
}
