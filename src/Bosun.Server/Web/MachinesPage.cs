using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Ledger;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Web;

/// What runs where right now: each machine agents checked in from, its workspaces, and the runs going on there.
internal static class MachinesPage
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/machines", async (HttpContext http, string? cursor, MachineService machines, TimeProvider clock) =>
        {
            var page = await http.ReadAsync(c => machines.ListAsync(PageRequest.From(50, cursor), c));
            return Layout.Page(http, "Machines", Nav.Machines, Render(page, clock.GetUtcNow().UtcDateTime));
        });

    private static Html Render(Page<MachineView> page, DateTime now)
    {
        var w = new HtmlWriter();
        w.Add($"""<div class="page-head"><h1>Machines</h1></div>""");
        if (page.Items.Count == 0)
        {
            w.Add($"""<p class="muted">No machine has checked in yet. <code>bosun agent run</code> checks in where it runs, and <code>bosun import</code> registers the machine of the transcripts it reads.</p>""");
            return w.ToHtml();
        }

        foreach (var m in page.Items)
        {
            w.Add($"""
                <section class="panel" aria-labelledby="machine-{m.Id}" data-testid="machine-{m.Id}">
                <h2 id="machine-{m.Id}">{m.Hostname} <small class="muted">{m.Type.Snake()} · {m.Os ?? "unknown OS"} {m.OsVersion ?? ""}{(m.User is null ? "" : $" · {m.User}")}</small></h2>
                <p class="muted">Last seen {Format.Ago(m.LastSeenAt, now)} · first seen {Format.Time(m.FirstSeenAt)} · <code>{m.MachineId}</code></p>
                """);
            if (m.ActiveRuns.Count > 0)
            {
                w.Add($"""<h3>Running now</h3><ul data-testid="active-runs">""");
                foreach (var r in m.ActiveRuns)
                {
                    var path = m.Workspaces.FirstOrDefault(x => x.Id == r.WorkspaceId)?.Path;
                    w.Add($"""<li><a href="/work/{Html.Segment(r.WorkItemKey)}">{r.WorkItemKey}</a> by {(r.Agent is null ? "a person" : $"agent:{r.Agent}")}{(path is null ? "" : $" in {path}")} <span class="muted">since {Format.Time(r.StartedAt)}</span></li>""");
                }

                w.Add($"</ul>");
            }
            else
            {
                w.Add($"""<p class="muted">Nothing running here now.</p>""");
            }

            if (m.Workspaces.Count > 0)
            {
                w.Add($"""<table class="grid"><caption>Workspaces</caption><thead><tr><th scope="col">Folder</th><th scope="col">Branch</th><th scope="col">Commit</th><th scope="col">Last seen</th></tr></thead><tbody>""");
                foreach (var ws in m.Workspaces)
                {
                    w.Add($"""<tr><td><code>{ws.Path}</code></td><td>{ws.GitBranch ?? "—"}</td><td>{(ws.GitCommit is { Length: >= 7 } c ? c[..7] : ws.GitCommit ?? "—")}</td><td>{Format.Ago(ws.LastSeenAt, now)}</td></tr>""");
                }

                w.Add($"</tbody></table>");
            }

            w.Add($"</section>");
        }

        if (page.NextCursor is { } next)
        {
            w.Add($"""<p><a href="/machines{Html.Query(("cursor", next))}" rel="next">More machines →</a></p>""");
        }

        return w.ToHtml();
    }
}
