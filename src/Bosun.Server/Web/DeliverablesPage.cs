using System.Globalization;
using Bosun.Core.Data;
using Bosun.Core.Planning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Web;

/// Each deliverable's progress in the period holding a month, as a bar per deliverable, grouped by goal.
internal static class DeliverablesPage
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/deliverables", async (HttpContext http, string? period, DeliverableService deliverables) =>
        {
            var progress = await http.ReadAsync(c => deliverables.ProgressAsync(period is { Length: > 0 } ? period : null, null, c));
            return Layout.Page(http, $"Deliverables {progress.Period}", Nav.Deliverables, Render(progress));
        });

    private static Html Render(DeliverableProgress progress)
    {
        var month = progress.StartsAt;
        var w = new HtmlWriter();
        w.Add($"""
            <div class="page-head">
            <h1>Deliverables <span class="muted">{month.ToString("MMMM yyyy", CultureInfo.InvariantCulture)}</span></h1>
            <form method="get" action="/deliverables" class="inline">
            <a href="/deliverables{Html.Query(("period", Key(month.AddMonths(-1))))}" rel="prev">← {Key(month.AddMonths(-1))}</a>
            <label for="period">Month</label> <input id="period" name="period" type="month" value="{progress.Period}"> <button type="submit">Show</button>
            <a href="/deliverables{Html.Query(("period", Key(month.AddMonths(1))))}" rel="next">{Key(month.AddMonths(1))} →</a>
            </form>
            </div>
            """);
        if (progress.Items.Count == 0)
        {
            w.Add($"""<p class="muted">No deliverable has a period in {progress.Period}. Set one with <code>bosun deliverable create</code> or the API.</p>""");
            return w.ToHtml();
        }

        foreach (var goal in progress.Items.GroupBy(r => (r.GoalId, r.Goal)).OrderBy(g => g.Key.Goal, StringComparer.OrdinalIgnoreCase))
        {
            w.Add($"""<section class="panel" aria-labelledby="goal-{goal.Key.GoalId}"><h2 id="goal-{goal.Key.GoalId}">{goal.Key.Goal}</h2><ul class="goals">""");
            foreach (var row in goal)
            {
                var status = row.Status.Snake();
                var percent = row.Percent.ToString("0.#", CultureInfo.InvariantCulture);
                var fill = row.Status switch
                {
                    PeriodStatus.Completed => "fill done",
                    PeriodStatus.AtRisk => "fill warning",
                    PeriodStatus.Missed => "fill over",
                    _ => "fill",
                };
                w.Add($"""
                    <li class="deliverable" id="deliverable-{row.DeliverableId}" data-testid="deliverable-{row.DeliverableId}">
                    <div class="goal-head"><h3>{row.Deliverable}</h3><span class="status period-{status}" data-testid="period-status">{status.Replace('_', ' ')}</span></div>
                    <p class="muted">{row.Type} · {row.Period} ({row.StartsAt:yyyy-MM-dd} to {row.EndsAt.AddDays(-1):yyyy-MM-dd})</p>
                    <div class="progress">{Charts.Bar(row.Percent, $"{row.Completed} of {row.Target} done ({percent}%), {status.Replace('_', ' ')}", fill)}</div>
                    <p class="progress-text"><strong data-testid="period-count">{row.Completed} of {row.Target} done</strong> <span>{percent}%</span></p>
                    </li>
                    """);
            }

            w.Add($"</ul></section>");
        }

        return w.ToHtml();
    }

    private static string Key(DateTime month) => month.ToString("yyyy-MM", CultureInfo.InvariantCulture);
}
