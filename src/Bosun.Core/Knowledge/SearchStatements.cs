using Bosun.Core.Data;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Knowledge;

/// How context search matches text on each store: SQLite's LIKE already ignores case, PostgreSQL's needs ILIKE.
internal static class SearchStatements
{
    /// Work items whose title, key, description or output matches the pattern.
    public static IQueryable<WorkItem> Matching(BosunDb db, IQueryable<WorkItem> items, string pattern) =>
        db.IsPostgres
            ? items.Where(w => EF.Functions.ILike(w.Title, pattern) || EF.Functions.ILike(w.Key, pattern)
                               || (w.Description != null && EF.Functions.ILike(w.Description, pattern))
                               || (w.OutputJson != null && EF.Functions.ILike(w.OutputJson, pattern)))
            : items.Where(w => EF.Functions.Like(w.Title, pattern) || EF.Functions.Like(w.Key, pattern)
                               || (w.Description != null && EF.Functions.Like(w.Description, pattern))
                               || (w.OutputJson != null && EF.Functions.Like(w.OutputJson, pattern)));

    /// Comments whose body matches the pattern.
    public static IQueryable<Comment> Matching(BosunDb db, IQueryable<Comment> comments, string pattern) =>
        db.IsPostgres
            ? comments.Where(c => EF.Functions.ILike(c.Body, pattern))
            : comments.Where(c => EF.Functions.Like(c.Body, pattern));
}
