using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Knowledge;
using Bosun.Core.Planning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Web;

/// A project's artifacts with their versions and dependencies, and one artifact with its content, its history and what a
/// change to it reaches.
internal static class ArtifactsPage
{
    private sealed record ListModel(
        IReadOnlyList<ArtifactSummary> Artifacts, IReadOnlyDictionary<string, List<ArtifactEdge>> Dependencies, Dictionary<string, string> ProjectKeys,
        string? Project, string? Type);

    private sealed record Model(ArtifactView Artifact, string ProjectKey, IReadOnlyList<ArtifactVersionSummary> Versions, ArtifactVersionView? Shown, ArtifactImpact Impact);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/artifacts", async (HttpContext http, ArtifactService artifacts, ProjectService projects) =>
        {
            var (project, type) = (BoardPage.Optional(http.Request.Query["project"]), BoardPage.Optional(http.Request.Query["type"]));
            var model = await http.ReadAsync(async c =>
            {
                var all = new List<ArtifactSummary>();
                for (string? cursor = null; ;)
                {
                    var page = await artifacts.ListAsync(project, type, null, new PageRequest(PageRequest.MaxLimit, cursor), c);
                    all.AddRange(page.Items);
                    if ((cursor = page.NextCursor) is null)
                    {
                        break;
                    }
                }

                var ordered = all.OrderBy(a => a.Type, StringComparer.Ordinal).ThenBy(a => a.Key, StringComparer.Ordinal).ToList();
                return new ListModel(ordered, await artifacts.DependenciesOfAsync(all.Select(a => a.Id).ToList(), c), await projects.KeysAsync(c), project, type);
            });
            return Layout.Page(http, "Artifacts", Nav.Artifacts, RenderList(model));
        });

        app.MapGet("/artifacts/{id}", async (string id, int? version, HttpContext http, ArtifactService artifacts, ProjectService projects) =>
        {
            var model = await http.ReadAsync(async c =>
            {
                var artifact = await artifacts.GetAsync(id, c);
                var shown = version is { } v && v != artifact.Version ? await artifacts.GetVersionAsync(id, v, c) : null;
                var keys = await projects.KeysAsync(c);
                return new Model(artifact, keys.GetValueOrDefault(artifact.ProjectId) ?? "", await artifacts.ListVersionsAsync(id, c), shown,
                    await artifacts.ImpactAsync(id, c));
            });
            return Layout.Page(http, $"{model.Artifact.Type}/{model.Artifact.Key}", Nav.Artifacts, Render(model));
        });
    }

    private static Html RenderList(ListModel m)
    {
        var types = ArtifactService.DefaultTypes.Concat(m.Artifacts.Select(a => a.Type)).Append(m.Type ?? "").Where(t => t.Length > 0).Distinct().Order();
        var w = new HtmlWriter();
        w.Add($"""
            <h1>Artifacts</h1>
            <p class="muted">What a project keeps for its agents and people to read: specs, code, docs, schemas, tests, plans, research.
            Write them with <code>bosun artifact put</code>, <code>PUT /api/v1/artifacts</code> or the MCP tool <code>put_artifact</code>.</p>
            <form method="get" action="/artifacts" class="filters" role="search">
            {Field.Select(FormState.Empty, "project", "Project", new[] { ("", "All projects") }.Concat(m.ProjectKeys.Values.Order().Select(k => (k, k))), m.Project ?? "")}
            {Field.Select(FormState.Empty, "type", "Type", new[] { ("", "Any type") }.Concat(types.Select(t => (t, t))), m.Type ?? "")}
            <div class="actions"><button type="submit">Show</button></div>
            </form>
            """);
        if (m.Artifacts.Count == 0)
        {
            w.Add($"""<p class="muted">No artifacts here yet.</p>""");
            return w.ToHtml();
        }

        w.Add($"""
            <div class="table-wrap"><table class="artifacts">
            <thead><tr><th scope="col">Artifact</th><th scope="col">Title</th><th scope="col">Project</th><th scope="col" class="num">Version</th><th scope="col" class="num">Tokens</th><th scope="col">Depends on</th><th scope="col">Updated</th></tr></thead>
            <tbody>
            """);
        foreach (var a in m.Artifacts)
        {
            var edges = m.Dependencies.GetValueOrDefault(a.Id) ?? [];
            w.Add($"""
                <tr data-artifact="{a.Id}"><td><a href="/artifacts/{a.Id}"><code>{a.Type}/{a.Key}</code></a></td><td>{a.Title}</td>
                <td>{m.ProjectKeys.GetValueOrDefault(a.ProjectId) ?? ""}</td><td class="num">{a.Version}</td>
                <td class="num" title="{a.Encoding}">{a.TokenCount}</td><td>{Edges(edges)}</td><td>{Format.Time(a.UpdatedAt)}</td></tr>
                """);
        }

        w.Add($"</tbody></table></div>");
        return w.ToHtml();
    }

    private static Html Render(Model m)
    {
        var a = m.Artifact;
        var w = new HtmlWriter();
        w.Add($"""
            <p class="muted"><a href="/artifacts{Html.Query(("project", m.ProjectKey))}">Artifacts of {m.ProjectKey}</a></p>
            <div class="page-head"><h1>{a.Title}</h1><span class="status">v{a.Version}</span></div>
            <p class="meta"><span><code>{a.Type}/{a.Key}</code></span><span>{m.ProjectKey}</span><span>{a.TokenCount} tokens ({a.Encoding})</span>
            <span>{a.SizeBytes} bytes</span>{(a.ContentSha256 is { } sha ? Html.Of($"<span title=\"SHA-256\"><code>{sha[..12]}</code></span>") : Html.Empty)}<span>updated {Format.Time(a.UpdatedAt)}</span></p>
            """);
        if (a.Uri is { } uri)
        {
            w.Add($"""<p>Lives at {SafeUrl.Link(uri, uri)}</p>""");
        }

        if (a.IntegrationRef is { } reference)
        {
            w.Add($"""<p>From <code>{reference}</code></p>""");
        }

        var shown = m.Shown;
        w.Add($"""<section class="panel"><h2>{(shown is null ? "Content" : $"Content of version {shown.Version}")}</h2>""");
        if ((shown is null ? a.Content : shown.Content) is { } content)
        {
            w.Add($"""<pre class="artifact-content">{content}</pre>""");
        }
        else
        {
            w.Add($"""<p class="muted">No content kept in Bosun.</p>""");
        }

        w.Add($"""</section><section class="panel"><h2>Dependencies</h2><h3>Depends on</h3>{Edges(a.DependsOn, empty: "Nothing.")}<h3>Depended on by</h3>{Edges(a.DependedOnBy, empty: "Nothing.")}</section>""");

        w.Add($"""<section class="panel"><h2>What a change reaches</h2>""");
        if (m.Impact.Artifacts.Count == 0 && m.Impact.WorkItems.Count == 0)
        {
            w.Add($"""<p class="muted">No other artifact depends on it and no open work item is linked to it.</p>""");
        }
        else
        {
            w.Add($"""<ul class="impact">""");
            foreach (var reached in m.Impact.Artifacts)
            {
                w.Add($"""<li data-impacted="{reached.Id}"><a href="/artifacts/{reached.Id}"><code>{reached.Type}/{reached.Key}</code></a> <span class="muted">{reached.Kind.Snake()} {reached.Via} · depth {reached.Depth}</span></li>""");
            }

            foreach (var item in m.Impact.WorkItems)
            {
                w.Add($"""<li data-work-item="{item.Key}"><a href="/work/{item.Key}">{item.Key}</a> {item.Title} <span class="status">{item.Status.Snake()}</span></li>""");
            }

            w.Add($"</ul>");
        }

        w.Add($"""
            </section><section class="panel"><h2>Versions</h2>
            <div class="table-wrap"><table class="artifact-versions"><thead><tr><th scope="col" class="num">Version</th><th scope="col">SHA-256</th><th scope="col" class="num">Tokens</th><th scope="col" class="num">Bytes</th><th scope="col">By</th><th scope="col">When</th></tr></thead><tbody>
            """);
        foreach (var v in m.Versions)
        {
            w.Add($"""
                <tr data-version="{v.Version}"><td class="num"><a href="/artifacts/{a.Id}{(v.Version == a.Version ? "" : $"?version={v.Version}")}">v{v.Version}</a></td>
                <td><code>{v.ContentSha256?[..12] ?? "—"}</code></td><td class="num">{v.TokenCount}</td><td class="num">{v.SizeBytes}</td><td>{v.AuthorRef ?? ""}</td><td>{Format.Time(v.CreatedAt)}</td></tr>
                """);
        }

        w.Add($"</tbody></table></div></section>");
        return w.ToHtml();
    }

    private static Html Edges(IReadOnlyList<ArtifactEdge> edges, string empty = "")
    {
        if (edges.Count == 0)
        {
            return empty.Length == 0 ? Html.Empty : Html.Of($"""<p class="muted">{empty}</p>""");
        }

        var w = new HtmlWriter();
        w.Add($"""<ul class="artifact-edges">""");
        foreach (var e in edges.OrderBy(e => e.Type, StringComparer.Ordinal).ThenBy(e => e.Key, StringComparer.Ordinal))
        {
            w.Add($"""<li><a href="/artifacts/{e.Id}"><code>{e.Type}/{e.Key}</code></a> <span class="muted">{e.Kind.Snake()}</span></li>""");
        }

        w.Add($"</ul>");
        return w.ToHtml();
    }
}
