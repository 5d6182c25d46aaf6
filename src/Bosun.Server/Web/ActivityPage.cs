using Bosun.Core.Common;
using Bosun.Core.Governance;
using Bosun.Core.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Web;

/// The tenant's activity, newest first; a small script appends what happens next without a reload.
internal static class ActivityPage
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/activity", async (HttpContext http, AuditService audit, Bosun.Core.Realtime.StreamService stream, RequestContext request, AuditSubjectService subjects) =>
        {
            if (!Permissions.Has(request, Capability.ReadAudit))
            {
                var body = Html.Of($"""<h1>Activity</h1><p class="notice">Your role may not read the tenant's activity; owners and admins can.</p>""");
                return Layout.Page(http, "Activity", Nav.Activity, body);
            }

            var (recent, names, head) = await http.ReadAsync(async c =>
            {
                // The stream position is read before the history, so nothing that happens in between is missed.
                var position = await stream.HeadAsync(c);
                var page = await audit.ListAsync(new AuditFilter(null, null, null, null), new PageRequest(50, null), c);
                return (page, await subjects.NamesAsync(page.Items.Select(a => (a.EntityType, a.EntityId)), c), position);
            });
            var w = new HtmlWriter();
            w.Add($"""
                <div class="page-head"><h1>Activity</h1><span class="live" id="live-state" role="status" aria-live="polite">connecting…</span></div>
                <ol class="feed" id="feed" data-stream="/ui/stream" data-after="{head}" aria-label="Tenant activity, newest first">
                """);
            foreach (var entry in recent.Items)
            {
                Entry(w, ActivityStream.Describe(entry, names));
            }

            w.Add($"""
                </ol>
                {(recent.Items.Count == 0 ? Html.Raw("<p class=\"muted\" id=\"feed-empty\">Nothing has happened yet.</p>") : Html.Empty)}
                <script src="{Assets.Url("activity.js")}" defer></script>
                """);
            return Layout.Page(http, "Activity", Nav.Activity, w.ToHtml());
        });

    private static void Entry(HtmlWriter w, ActivityStream.ActivityEvent e) =>
        w.Add($"""<li data-id="{e.Id}"><time datetime="{e.At:O}">{Format.Time(e.At)}</time> <span class="actor">{e.ActorName}</span> <span class="action">{e.Text}</span>{(e.Subject.Length == 0 ? Html.Empty : e.Link is { } link ? Html.Of($" <a href=\"{link}\">{e.Subject}</a>") : Html.Of($" <span>{e.Subject}</span>"))}</li>""");
}
