using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Knowledge;

public sealed record ContextHit(
    string Kind, string Id, string WorkItemId, string WorkItemKey, string Title, WorkStatus Status, string ProjectId,
    string Field, string Snippet, string? Author, DateTime At);

public sealed record ContextResults(string Query, IReadOnlyList<ContextHit> Results);

/// Finds what a project already knows: work items (title, description, output) and comments whose text holds
/// every search term, newest first, leaving archived items out. An agent searches the projects it serves (all, if it serves none).
public sealed class ContextSearchService(BosunDb db, RequestContext context)
{
    public const int MaxResults = 50;
    private const int SnippetLength = 240;

    public async Task<ContextResults> SearchAsync(string? query, string? project, int? limit, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        var text = Check.Text(problem, "query", query, 500, required: true);
        var max = Check.Range(problem, "limit", limit, 1, MaxResults) ?? 10;
        problem.ThrowIfAny();
        var terms = text!.Replace("%", " ").Replace("_", " ").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => t.ToLowerInvariant()).Distinct().Take(8).ToList();
        if (terms.Count == 0)
        {
            throw ProblemException.Invalid("query", "must contain a word to search for");
        }

        var projects = await ProjectScopeAsync(project, ct);
        // Archived items are out of the way everywhere else, so what an agent learns from must not bring them back.
        var items = db.WorkItems.AsNoTracking().Where(w => w.ArchivedAt == null);
        var matchingComments = db.Comments.AsNoTracking();
        foreach (var term in terms)
        {
            var pattern = $"%{term}%";
            items = SearchStatements.Matching(db, items, pattern);
            matchingComments = SearchStatements.Matching(db, matchingComments, pattern);
        }

        var comments = matchingComments.Join(db.WorkItems.Where(w => w.ArchivedAt == null), c => c.WorkItemId, w => w.Id, (c, w) => new { Comment = c, Item = w });
        if (projects is not null)
        {
            items = items.Where(w => projects.Contains(w.ProjectId));
            comments = comments.Where(x => projects.Contains(x.Item.ProjectId));
        }

        var foundItems = await items.OrderByDescending(w => w.Id).Take(max).ToListAsync(ct);
        var foundComments = await comments.OrderByDescending(x => x.Comment.Id).Take(max).ToListAsync(ct);
        var hits = foundItems.Select(w =>
            {
                var (field, source) = new[] { ("title", w.Title), ("description", w.Description), ("output", w.OutputJson) }
                    .FirstOrDefault(f => f.Item2 is not null && terms.Any(t => f.Item2.Contains(t, StringComparison.OrdinalIgnoreCase)));
                return new ContextHit("work_item", w.Id, w.Id, w.Key, w.Title, w.Status, w.ProjectId, field ?? "title",
                    Snippet(source ?? w.Title, terms), null, w.UpdatedAt);
            })
            .Concat(foundComments.Select(x => new ContextHit("comment", x.Comment.Id, x.Item.Id, x.Item.Key, x.Item.Title, x.Item.Status,
                x.Item.ProjectId, "comment", Snippet(x.Comment.Body, terms), x.Comment.AuthorRef, x.Comment.CreatedAt)))
            .OrderByDescending(h => h.At)
            .Take(max)
            .ToList();
        return new ContextResults(text, hits);
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

    private static string Snippet(string text, IReadOnlyList<string> terms)
    {
        var at = terms.Select(t => text.IndexOf(t, StringComparison.OrdinalIgnoreCase)).Where(i => i >= 0).DefaultIfEmpty(0).Min();
        var start = Math.Max(0, at - SnippetLength / 3);
        var length = Math.Min(SnippetLength, text.Length - start);
        var snippet = text.Substring(start, length).ReplaceLineEndings(" ");
        return (start > 0 ? "…" : "") + snippet + (start + length < text.Length ? "…" : "");
    }
}
