using System.Net;
using System.Text;
using Bosun.Core.Common;
using Bosun.Core.Knowledge;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Web;

/// Search results: work items, comments, documents and session messages matching the words, best first, the words marked.
internal static class SearchPage
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/search", async (HttpContext http, SearchService search, string? q, string? kind, string? project) =>
        {
            if (string.IsNullOrWhiteSpace(q))
            {
                return Layout.Page(http, "Search", Nav.None, Render(q, kind, project, null, null));
            }

            try
            {
                var found = await http.ReadAsync(c => search.SearchAsync(q, kind, project, SearchService.MaxResults, c));
                return Layout.Page(http, $"Search: {q}", Nav.None, Render(q, kind, project, found, null));
            }
            catch (ProblemException problem) when (problem.Status == 400)
            {
                return Layout.Page(http, "Search", Nav.None, Render(q, kind, project, null, problem), 400);
            }
        });

    private static Html Render(string? q, string? kind, string? project, ContextResults? found, ProblemException? problem)
    {
        var w = new HtmlWriter();
        w.Add($"""
            <div class="page-head"><h1>Search</h1></div>
            <form class="filters" method="get" action="/search" role="search" aria-label="Search everything">
            <label>Words <input type="search" name="q" value="{q}" required maxlength="{SearchService.MaxQueryLength}" autofocus></label>
            <label>Kind <select name="kind">{Option("", "everything", kind)}{Option("work_item", "work items", kind)}{Option("comment", "comments", kind)}{Option("artifact", "artifacts", kind)}{Option("document", "documents", kind)}{Option("message", "session messages", kind)}{Option("memory", "memory", kind)}</select></label>
            <label>Project <input name="project" value="{project}" placeholder="key"></label>
            <button type="submit">Search</button>
            </form>
            <p class="muted">All words must match; <code>"quoted words"</code> match as a phrase, <code>OR</code> between two words matches either, <code>-word</code> leaves out what has it.</p>
            """);
        if (problem is not null)
        {
            w.Add($"""<p class="notice error" role="alert">{problem.Detail} {string.Join(" ", problem.Errors.SelectMany(e => e.Value))}</p>""");
        }

        if (found is null)
        {
            return w.ToHtml();
        }

        if (found.Results.Count == 0)
        {
            w.Add($"""<p class="muted" id="no-results">Nothing matches.</p>""");
            return w.ToHtml();
        }

        w.Add($"""<ol class="search-results" aria-label="Results">""");
        foreach (var hit in found.Results)
        {
            var href = hit.Kind == SearchService.MemoryKind ? "/memory" : hit.WorkItemKey is { } key ? $"/work/{key}" : hit.Kind == SearchService.ArtifactKind ? $"/artifacts/{hit.Id}" : $"/sessions/{hit.SessionId}";
            var where = hit.Kind == SearchService.MemoryKind ? "memory" : hit.WorkItemKey ?? (hit.Kind == SearchService.ArtifactKind ? "artifact" : "session");
            w.Add($"""
                <li class="search-hit" data-kind="{hit.Kind}">
                <p class="meta"><span class="status">{hit.Kind.Replace('_', ' ')}</span> <a href="{href}">{where}</a> {hit.Title}{(hit.Author is { } author ? Html.Of($" <span class=\"muted\">by {author}</span>") : Html.Empty)}</p>
                <p class="snippet">{Marked(hit.Snippet, hit.Highlights)}</p>
                </li>
                """);
        }

        w.Add($"""</ol>""");
        return w.ToHtml();
    }

    private static Html Option(string value, string label, string? selected) =>
        Html.Of($"""<option value="{value}"{(value == (selected ?? "") ? Html.Raw(" selected") : Html.Empty)}>{label}</option>""");

    /// The snippet encoded, with its matched words in mark elements.
    private static Html Marked(string snippet, IReadOnlyList<SearchHighlight> highlights)
    {
        var text = new StringBuilder();
        var at = 0;
        foreach (var h in highlights.Where(h => h.Start >= 0 && h.Start + h.Length <= snippet.Length).OrderBy(h => h.Start))
        {
            if (h.Start < at)
            {
                continue;
            }

            text.Append(WebUtility.HtmlEncode(snippet[at..h.Start])).Append("<mark>").Append(WebUtility.HtmlEncode(snippet.Substring(h.Start, h.Length))).Append("</mark>");
            at = h.Start + h.Length;
        }

        return Html.Raw(text.Append(WebUtility.HtmlEncode(snippet[at..])).ToString());
    }
}
