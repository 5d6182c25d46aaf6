using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Bosun.Core.Knowledge;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Web;

/// The memory browser: units by scope and kind, newest first, and for owners and admins the latest recalls with what
/// each returned.
internal static class MemoryPage
{
    private const int Shown = 200;
    private const int RecentRecalls = 50;

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/memory", async (HttpContext http, MemoryService memory, RequestContext request, string? scope, string? kind) =>
        {
            try
            {
                var admin = Permissions.Has(request, Capability.ReadAudit);
                var (units, recalls) = await http.ReadAsync(async c =>
                {
                    var page = await memory.ListAsync(FormPosts.Blank(scope), null, FormPosts.Blank(kind), new PageRequest(Shown, null), c);
                    var log = admin ? (await memory.RecallsAsync(new PageRequest(RecentRecalls, null), c)).Items : null;
                    return (page.Items, log);
                });
                return Layout.Page(http, "Memory", Nav.Memory, Render(units, recalls, scope, kind, null));
            }
            catch (ProblemException problem) when (problem.Status == 400)
            {
                return Layout.Page(http, "Memory", Nav.Memory, Render([], null, scope, kind, problem), 400);
            }
        });

    private static Html Render(IReadOnlyList<MemoryView> units, IReadOnlyList<RecallLogView>? recalls, string? scope, string? kind, ProblemException? problem)
    {
        var w = new HtmlWriter();
        w.Add($"""
            <div class="page-head"><h1>Memory</h1></div>
            <p class="muted">What agents and people asked Bosun to remember. Agents write it with the MCP tool <code>remember</code> and
            find it with <code>recall</code>; people with <code>bosun memory remember</code> and <code>bosun memory recall</code>.</p>
            <form class="filters" method="get" action="/memory" aria-label="Filter memory">
            <label>Scope <select name="scope">{Options(EnumNames<MemoryScope>.All, scope, "every scope")}</select></label>
            <label>Kind <select name="kind">{Options(EnumNames<MemoryKind>.All, kind, "every kind")}</select></label>
            <button type="submit">Show</button>
            </form>
            """);
        if (problem is not null)
        {
            w.Add($"""<p class="notice error" role="alert">{problem.Detail} {string.Join(" ", problem.Errors.SelectMany(e => e.Value))}</p>""");
        }

        if (units.Count == 0)
        {
            w.Add($"""<p class="muted" id="no-memory">Nothing remembered here yet.</p>""");
        }
        else
        {
            w.Add($"""<table class="memory-units" aria-label="Memory units"><thead><tr><th>Scope</th><th>Kind</th><th>Content</th><th>Source</th><th>Written</th><th>Expires</th></tr></thead><tbody>""");
            foreach (var u in units)
            {
                w.Add($"""
                    <tr data-memory="{u.Id}"><td>{u.Scope.Snake().Replace('_', ' ')}{(u.ScopeId is { } id ? Html.Of($" <code>{id}</code>") : Html.Empty)}</td>
                    <td><span class="status">{u.Kind.Snake()}</span></td><td>{u.Content}</td><td><code>{u.Source}</code></td>
                    <td>{Format.Time(u.CreatedAt)}</td><td>{(u.ExpiresAt is null ? "never" : Format.Time(u.ExpiresAt))}</td></tr>
                    """);
            }

            w.Add($"""</tbody></table>""");
        }

        if (recalls is null)
        {
            return w.ToHtml();
        }

        w.Add($"""<h2 id="recalls">Recent recalls</h2>""");
        if (recalls.Count == 0)
        {
            w.Add($"""<p class="muted">Nobody recalled anything yet.</p>""");
            return w.ToHtml();
        }

        w.Add($"""<table class="memory-recalls" aria-label="Recent recalls"><thead><tr><th>When</th><th>Asked by</th><th>Query</th><th>Scope</th><th>Units (score)</th><th>Took</th></tr></thead><tbody>""");
        foreach (var r in recalls)
        {
            var returned = r.Results.Count == 0 ? "none" : string.Join(", ", r.Results.Select(x => $"{x.Id} ({x.Score:0.###})"));
            w.Add($"""
                <tr data-recall="{r.Id}"><td>{Format.Time(r.At)}</td><td><code>{r.AskedBy}</code></td><td>{r.Query}</td>
                <td>{(r.Scope is { } s ? s.Snake().Replace('_', ' ') : "all")}{(r.ScopeId is { } sid ? Html.Of($" <code>{sid}</code>") : Html.Empty)}</td>
                <td>{returned}</td><td>{r.TookMs} ms</td></tr>
                """);
        }

        w.Add($"""</tbody></table>""");
        return w.ToHtml();
    }

    private static Html Options(IEnumerable<string> values, string? selected, string any)
    {
        var w = new HtmlWriter();
        w.Add($"""<option value="">{any}</option>""");
        foreach (var v in values)
        {
            w.Add($"""<option value="{v}"{(v == selected ? Html.Raw(" selected") : Html.Empty)}>{v.Replace('_', ' ')}</option>""");
        }

        return w.ToHtml();
    }
}
