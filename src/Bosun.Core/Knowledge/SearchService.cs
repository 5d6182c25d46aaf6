using System.Text;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Ledger;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Knowledge;

/// A matched word in a snippet or title: where it starts and how long it is, in UTF-16 code units.
public sealed record SearchHighlight(int Start, int Length);

/// One thing a search found. Work items, comments and documents carry their item; messages carry their session.
/// <param name="Id">The work item's, comment's, document's or message's id (a message's is "session/seq").</param>
/// <param name="Title">The item's title; a document's file name; a message's session title.</param>
/// <param name="Field">Where the words matched: title, description (a work item's key, description and output),
/// content (an artifact's type/key, uri and content), comment, document (its name or text), memory or message.</param>
/// <param name="Snippet">The matching part of that field, plain text, with <paramref name="Highlights"/> marking the words.</param>
public sealed record ContextHit(
    string Kind, string Id, string? WorkItemId, string? WorkItemKey, string Title, WorkStatus? Status, string? ProjectId,
    string? SessionId, string Field, string Snippet, IReadOnlyList<SearchHighlight> Highlights, IReadOnlyList<SearchHighlight> TitleHighlights,
    double Score, string? Author, DateTime? At);

public sealed record ContextResults(string Query, IReadOnlyList<ContextHit> Results);

/// One search over what a tenant knows: work items (title, key, description, output), comments, artifacts, documents' text,
/// memory and imported session messages, ranked by relevance, with the matched words highlighted. Archived items (and their comments) stay out.
/// An agent searches the projects it serves (everything, if it serves none); people search the whole tenant.
public sealed class SearchService(BosunDb db, RequestContext context, MemoryService memory)
{
    public const int MaxResults = 50;
    public const int MaxQueryLength = 500;

    public const string WorkItemKind = "work_item";
    public const string CommentKind = "comment";
    public const string MessageKind = "message";
    public const string ArtifactKind = "artifact";
    public const string MemoryKind = "memory";
    public const string DocumentKind = "document";
    public static readonly IReadOnlyList<string> Kinds = [WorkItemKind, CommentKind, DocumentKind, MessageKind, ArtifactKind, MemoryKind];

    /// <param name="queryField">The name the caller gave the text (q over REST, query over MCP), for the 400 that names it.</param>
    public async Task<ContextResults> SearchAsync(string? query, string? kinds, string? project, int? limit, CancellationToken ct, string queryField = "q")
    {
        var problem = new ValidationProblem();
        var text = Check.Text(problem, queryField, query, MaxQueryLength, required: true);
        var max = Check.Range(problem, "limit", limit, 1, MaxResults) ?? 10;
        var kindList = KindsOf(problem, kinds);
        problem.ThrowIfAny();
        var parsed = SearchQuery.Parse(text!);
        if (!parsed.HasTerms)
        {
            throw ProblemException.Invalid(queryField, "must contain a word to search for (a minus only leaves words out)");
        }

        var projects = await ProjectScopeAsync(project, ct);
        if (projects is { Count: 0 })
        {
            return new ContextResults(text!, []);
        }

        if (projects is not null && kindList is null)
        {
            // Messages belong to no project, so a search narrowed to projects finds the rest.
            kindList = Kinds.Where(k => k != MessageKind).ToList();
        }
        else if (projects is not null)
        {
            kindList = kindList!.Where(k => k != MessageKind).ToList();
            if (kindList.Count == 0)
            {
                return new ContextResults(text!, []);
            }
        }

        var found = await SearchStatements.FindAsync(db, new SearchScope(context.RequireTenant(), kindList, projects), text!, parsed, max, ct);
        return new ContextResults(text!, await HitsAsync(found, ct));
    }

    private static List<string>? KindsOf(ValidationProblem problem, string? kinds)
    {
        if (kinds is not { Length: > 0 })
        {
            return null;
        }

        var list = kinds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
        var unknown = list.Where(k => !Kinds.Contains(k)).ToList();
        if (unknown.Count > 0 || list.Count == 0)
        {
            problem.Add("kind", $"must be one or more of {string.Join(", ", Kinds)}, separated by commas; got {kinds}");
            return null;
        }

        return list;
    }

    private async Task<List<ContextHit>> HitsAsync(IReadOnlyList<FoundEntry> found, CancellationToken ct)
    {
        var itemIds = found.Where(f => f.WorkItemId is not null).Select(f => f.WorkItemId!).Distinct().ToList();
        var items = itemIds.Count == 0
            ? []
            : await db.WorkItems.AsNoTracking().Where(w => itemIds.Contains(w.Id))
                .Select(w => new { w.Id, w.Key, w.Title, w.Status, w.ProjectId }).ToDictionaryAsync(w => w.Id, ct);
        var commentIds = found.Where(f => f.Kind == CommentKind).Select(f => f.SourceId).ToList();
        var authors = commentIds.Count == 0
            ? []
            : await db.Comments.AsNoTracking().Where(c => commentIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.AuthorName, ct);
        var documentIds = found.Where(f => f.Kind == DocumentKind).Select(f => f.SourceId).ToList();
        var uploaders = documentIds.Count == 0
            ? []
            : await db.Set<Document>().AsNoTracking().Where(d => documentIds.Contains(d.Id)).ToDictionaryAsync(d => d.Id, d => d.UploadedByName, ct);
        var sessionIds = found.Where(f => f.Kind == MessageKind).Select(f => SessionOf(f.SourceId)).Distinct().ToList();
        var sessions = sessionIds.Count == 0
            ? []
            : await db.Set<AgentSession>().AsNoTracking().Where(s => sessionIds.Contains(s.Id))
                .Select(s => new { s.Id, s.Title, s.ExternalId }).ToDictionaryAsync(s => s.Id, ct);
        var memoryIds = found.Where(f => f.Kind == MemoryKind).Select(f => f.SourceId).ToList();
        var units = memoryIds.Count == 0 ? [] : await memory.ReadableAsync(memoryIds, ct);

        var hits = new List<ContextHit>();
        foreach (var f in found)
        {
            var (snippet, highlights) = Unmark(f.SnippetMarked);
            var (title, titleHighlights) = Unmark(f.TitleMarked);
            var inTitle = titleHighlights.Count > 0 && highlights.Count == 0;
            if (f.Kind == MessageKind)
            {
                var session = sessions.GetValueOrDefault(SessionOf(f.SourceId));
                hits.Add(new ContextHit(f.Kind, f.SourceId, null, null, session?.Title ?? session?.ExternalId ?? "session", null, null,
                    SessionOf(f.SourceId), "message", snippet, highlights, [], f.Score, null, f.At));
                continue;
            }

            if (f.Kind == ArtifactKind)
            {
                hits.Add(new ContextHit(f.Kind, f.SourceId, null, null, title, null, f.ProjectId, null,
                    inTitle ? "title" : "content", inTitle ? title : snippet, inTitle ? titleHighlights : highlights, titleHighlights, f.Score, null, f.At));
                continue;
            }

            if (f.Kind == MemoryKind)
            {
                // Memory another agent may not read, or that has expired, is not found.
                if (units.TryGetValue(f.SourceId, out var unit))
                {
                    hits.Add(new ContextHit(f.Kind, unit.Id, unit.Scope == MemoryScope.WorkItem ? unit.ScopeId : null, null,
                        $"{unit.Kind.Snake()} ({unit.Scope.Snake()} memory)", null, f.ProjectId, null, "memory", snippet, highlights, [],
                        f.Score, unit.Source, unit.CreatedAt));
                }

                continue;
            }

            // An entry whose item went away between the two reads is left out rather than shown half.
            if (f.WorkItemId is null || !items.TryGetValue(f.WorkItemId, out var item))
            {
                continue;
            }

            if (f.Kind == WorkItemKind)
            {
                hits.Add(new ContextHit(f.Kind, item.Id, item.Id, item.Key, title, item.Status, item.ProjectId, null,
                    inTitle ? "title" : "description", inTitle ? title : snippet, inTitle ? titleHighlights : highlights, titleHighlights,
                    f.Score, null, f.At));
            }
            else if (f.Kind == DocumentKind)
            {
                hits.Add(new ContextHit(f.Kind, f.SourceId, item.Id, item.Key, title, item.Status, item.ProjectId, null,
                    "document", highlights.Count == 0 && titleHighlights.Count > 0 ? title : snippet,
                    highlights.Count == 0 && titleHighlights.Count > 0 ? titleHighlights : highlights, titleHighlights,
                    f.Score, uploaders.GetValueOrDefault(f.SourceId), f.At));
            }
            else
            {
                hits.Add(new ContextHit(f.Kind, f.SourceId, item.Id, item.Key, item.Title, item.Status, item.ProjectId, null,
                    "comment", snippet, highlights, [], f.Score, authors.GetValueOrDefault(f.SourceId), f.At));
            }
        }

        return hits;
    }

    private static string SessionOf(string messageId) => messageId[..messageId.LastIndexOf('/')];

    /// The stores' highlighters mark words between \u0002 and \u0003; the answer carries plain text and offsets, so no
    /// caller has to trust markup that came from someone's text.
    internal static (string Text, IReadOnlyList<SearchHighlight> Highlights) Unmark(string marked)
    {
        var text = new StringBuilder(marked.Length);
        var highlights = new List<SearchHighlight>();
        var start = -1;
        foreach (var c in marked)
        {
            if (c == SearchStatements.MarkStart)
            {
                start = text.Length;
            }
            else if (c == SearchStatements.MarkEnd)
            {
                if (start >= 0 && text.Length > start)
                {
                    highlights.Add(new SearchHighlight(start, text.Length - start));
                }

                start = -1;
            }
            else
            {
                text.Append(c switch { '\r' or '\n' or '\t' => ' ', '\u0001' => '<', '\u0004' => '>', _ => c });
            }
        }

        return (text.ToString(), highlights);
    }

    private async Task<List<string>?> ProjectScopeAsync(string? project, CancellationToken ct)
    {
        List<string>? served = null;
        if (context.Actor.Type == ActorType.Agent)
        {
            var agentId = context.Actor.Id;
            served = await db.AgentProjects.AsNoTracking().Where(p => p.AgentId == agentId).Select(p => p.ProjectId).ToListAsync(ct);
            if (served.Count == 0)
            {
                served = null;
            }
        }

        // A guest searches only the projects a role was given in.
        if (context.VisibleProjectIds is { } visible)
        {
            served = served is null ? [.. visible] : [.. served.Intersect(visible)];
        }

        if (project is not { Length: > 0 })
        {
            return served;
        }

        var id = await db.ProjectIdOfAsync(project, ct);
        if (id is null || (served is not null && !served.Contains(id)))
        {
            throw ProblemException.Invalid("project", served is null ? "no such project" : "no such project among those this agent serves");
        }

        return [id];
    }
}
