using Bosun.Core.Automation;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Web;

/// The tenant's schedules: when each fires next, how its last firings went and the items they made; pause, resume or
/// fire one now.
internal static class SchedulesPage
{
    private const int PageSize = 50;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/schedules", async (HttpContext http, string? cursor, ScheduleService schedules) =>
        {
            var (page, shown) = await http.ReadAsync(async c =>
            {
                var listed = await schedules.ListAsync(null, PageRequest.From(PageSize, cursor), c);
                var detailed = new List<ScheduleView>(listed.Items.Count);
                foreach (var s in listed.Items)
                {
                    detailed.Add(await schedules.GetAsync(s.Id, c));
                }

                return (listed, detailed);
            });
            return Layout.Page(http, "Schedules", Nav.Schedules, Render(http, shown, page.NextCursor));
        });

        app.MapPost("/schedules/{id}/pause", (string id, HttpContext http, ScheduleService schedules) =>
            ActAsync(http, async c => $"{(await schedules.SetActiveAsync(id, false, c)).Name} is paused: it fires only when run by hand."));
        app.MapPost("/schedules/{id}/resume", (string id, HttpContext http, ScheduleService schedules) =>
            ActAsync(http, async c => $"{(await schedules.SetActiveAsync(id, true, c)).Name} is active again, from its next time."));
        app.MapPost("/schedules/{id}/run", (string id, HttpContext http, ScheduleService schedules, RequestContext context) =>
            ActAsync(http, async c =>
            {
                var firing = await schedules.RunNowAsync(id, null, context.Actor.Ref, c);
                return firing.Status == FiringStatus.Fired
                    ? $"Fired now: made {string.Join(", ", firing.Items.Select(i => i.Key))}."
                    : $"The firing failed: {firing.Error}";
            }));
    }

    /// A form's action: done, it goes back to the list with what happened; refused, the list shows why.
    private static async Task<IResult> ActAsync(HttpContext http, Func<CancellationToken, Task<string>> action)
    {
        await http.Request.ReadFormAsync(http.RequestAborted);
        try
        {
            Layout.SetFlash(http, await http.WriteAsync(action));
        }
        catch (ProblemException problem) when (problem.Status != 404)
        {
            Layout.SetFlash(http, problem.Errors.Count > 0 ? string.Join(" ", problem.Errors.SelectMany(e => e.Value.Select(m => $"{e.Key} {m}"))) : problem.Detail ?? problem.Title);
        }

        return new SeeOther("/schedules");
    }

    private static Html Render(HttpContext http, IReadOnlyList<ScheduleView> schedules, string? next)
    {
        var w = new HtmlWriter();
        w.Add($"""
            <div class="page-head"><h1>Schedules</h1></div>
            <p class="muted">A schedule makes an item or a template's pipeline at its times, exactly once per time. Create one with
            <code>bosun schedule create</code> or <code>POST /api/v1/schedules</code>.</p>
            """);
        if (schedules.Count == 0)
        {
            w.Add($"""<p class="muted">No schedules yet.</p>""");
            return w.ToHtml();
        }

        foreach (var s in schedules)
        {
            var trigger = s.Trigger switch
            {
                ScheduleTrigger.Cron => $"cron {s.Cron} ({s.TimeZone})",
                ScheduleTrigger.Interval => $"every {Format.Duration(TimeSpan.FromSeconds(s.IntervalSeconds ?? 0))}",
                _ => "manual: only when run",
            };
            var makes = s.Makes == ScheduleMakes.Template ? $"template {s.TemplateId}" : $"item “{s.Title}”";
            w.Add($"""
                <article class="panel schedule" id="schedule-{s.Id}" data-testid="schedule-{s.Id}">
                <div class="goal-head"><h2>{s.Name}</h2><span class="status">{(s.Active ? "active" : "paused")}</span></div>
                <p class="meta"><span>{trigger}</span><span>makes {makes}</span><span>catch-up {s.CatchUp.Snake()}, overlap {s.Overlap.Snake()}</span><span><code>{s.Id}</code></span></p>
                """);
            if (s.LastStatus == FiringStatus.Failed)
            {
                w.Add($"""<p class="notice error" role="alert">The last firing failed: {s.LastError}</p>""");
            }

            if (s.NextFireTimes.Count > 0)
            {
                w.Add($"""<p data-testid="next-times">Next{(s.Active ? "" : " (when resumed)")}: """);
                foreach (var (t, i) in s.NextFireTimes.Select((t, i) => (t, i)))
                {
                    w.Add($"""{(i > 0 ? ", " : "")}<time datetime="{t.At:O}">{t.Local:yyyy-MM-dd HH:mm zzz}</time>""");
                }

                w.Add($"</p>");
            }

            w.Add($"""
                <form method="post" action="/schedules/{s.Id}/run" class="inline">{Layout.Token(http)}<button type="submit">Run now</button></form>
                <form method="post" action="/schedules/{s.Id}/{(s.Active ? "pause" : "resume")}" class="inline">{Layout.Token(http)}<button type="submit">{(s.Active ? "Pause" : "Resume")}</button></form>
                """);
            if (s.LastFirings is { Count: > 0 } firings)
            {
                w.Add($"""<table class="grid" data-testid="firings"><caption>Last firings</caption><thead><tr><th scope="col">Fire time</th><th scope="col">How</th><th scope="col">Result</th><th scope="col">Items</th></tr></thead><tbody>""");
                foreach (var f in firings)
                {
                    w.Add($"""<tr><td>{f.LocalFireTime:yyyy-MM-dd HH:mm:ss zzz}</td><td>{f.Trigger.Snake()}</td><td>{f.Status.Snake()}{(f.Error is null ? "" : $": {f.Error}")}</td><td>""");
                    foreach (var (item, i) in f.Items.Select((item, i) => (item, i)))
                    {
                        w.Add($"""{(i > 0 ? ", " : "")}<a href="/work/{Html.Segment(item.Key)}">{item.Key}</a> <small class="muted">{item.Status.Snake()}</small>""");
                    }

                    w.Add($"</td></tr>");
                }

                w.Add($"</tbody></table>");
            }
            else
            {
                w.Add($"""<p class="muted">It has not fired yet.</p>""");
            }

            w.Add($"</article>");
        }

        if (next is not null)
        {
            w.Add($"""<p><a href="/schedules{Html.Query(("cursor", next))}" rel="next">More schedules →</a></p>""");
        }

        return w.ToHtml();
    }
}
