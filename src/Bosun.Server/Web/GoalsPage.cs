using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Planning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using System.Globalization;

namespace Bosun.Server.Web;

/// Goals with their progress from baseline to target.
internal static class GoalsPage
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/goals", async (HttpContext http, GoalService goals, ProjectService projects) =>
        {
            var (list, keys) = await http.ReadAsync(async c =>
            {
                var all = new List<GoalView>();
                for (string? cursor = null; ;)
                {
                    var page = await goals.ListAsync(null, null, false, new PageRequest(PageRequest.MaxLimit, cursor), c);
                    all.AddRange(page.Items);
                    if ((cursor = page.NextCursor) is null)
                    {
                        break;
                    }
                }

                var projectKeys = await projects.KeysAsync(c);
                return (all, projectKeys);
            });
            return Layout.Page(http, "Goals", Nav.Goals, Render(list, keys));
        });

    private static Html Render(IReadOnlyList<GoalView> goals, IReadOnlyDictionary<string, string> projectKeys)
    {
        var w = new HtmlWriter();
        w.Add($"<h1>Goals</h1>");
        if (goals.Count == 0)
        {
            w.Add($"""<p class="muted">No goals yet. Create them with <code>bosun goal create</code> or the API.</p>""");
            return w.ToHtml();
        }

        w.Add($"<ul class=\"goals\">");
        foreach (var goal in goals.OrderBy(g => g.Status).ThenByDescending(g => g.Priority).ThenBy(g => g.Title, StringComparer.OrdinalIgnoreCase))
        {
            var metric = goal.MetricName ?? "value";
            w.Add($"""
                <li class="panel goal" id="goal-{goal.Id}">
                <div class="goal-head"><h2>{goal.Title}</h2><span class="status goal-{goal.Status.Snake()}">{goal.Status.Snake()}</span></div>
                <p class="muted">{(goal.ProjectId is { } p ? projectKeys.GetValueOrDefault(p) ?? "" : "all projects")} · {goal.Priority.Snake()} priority{(goal.TargetDate is { } due ? $" · due {due:yyyy-MM-dd}" : "")}</p>
                """);
            if (goal.ProgressPercent is { } percent)
            {
                var label = $"{percent.ToString("0.#", CultureInfo.InvariantCulture)}% of the way from {Number(goal.Baseline)} to {Number(goal.Target)} {metric}";
                w.Add($"""
                    <div class="progress">{Charts.Bar(percent, label, percent >= 100 ? "fill done" : "fill")}</div>
                    <p class="progress-text"><span>{Number(goal.Baseline)}</span> <strong data-testid="goal-current">{Number(goal.CurrentValue ?? goal.Baseline)} {metric} ({percent.ToString("0.#", CultureInfo.InvariantCulture)}%)</strong> <span>{Number(goal.Target)}</span></p>
                    """);
            }
            else
            {
                w.Add($"""<p class="muted">No baseline and target yet{(goal.CurrentValue is { } v ? $"; current {Number(v)} {metric}" : "")}.</p>""");
            }

            if (goal.Description is { Length: > 0 } description)
            {
                w.Add($"""<div class="prose">{description}</div>""");
            }

            w.Add($"""<p><a href="/board{Html.Query(("project", goal.ProjectId is { } pid ? projectKeys.GetValueOrDefault(pid) : null), ("goal", goal.Id))}">Work toward this goal</a></p></li>""");
        }

        w.Add($"</ul>");
        return w.ToHtml();
    }

    private static string Number(double? value) => value?.ToString("#,##0.##", CultureInfo.InvariantCulture) ?? "?";
}
