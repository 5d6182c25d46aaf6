using Bosun.Core.Data;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Dispatch;

/// The hand-written statements of what a claimed item comes with.
internal static class ContextStatements
{
    public const int RecentComments = 50;

    private static string LatestCommentsText(string ids) => $"""
        SELECT tenant_id, id, work_item_id, author_ref, author_name, body, created_at FROM (
            SELECT c.*, ROW_NUMBER() OVER (PARTITION BY c.work_item_id ORDER BY c.id DESC) AS recent
            FROM comments c
            WHERE c.tenant_id = @tenant AND c.work_item_id {ids}
        ) latest
        WHERE recent <= {RecentComments}
        """;

    /// The latest comments of each of several items, numbered per item newest first; EF does not translate a limit per group.
    public static readonly Statement LatestComments = new("context.latest_comments",
        LatestCommentsText("IN (SELECT value FROM json_each(@ids))"), LatestCommentsText("= ANY(@ids)"));

    public static Task<List<Comment>> LatestCommentsAsync(BosunDb db, string tenant, List<string> ids, CancellationToken ct)
    {
        object[] parameters = db.IsPostgres
            ? [new Npgsql.NpgsqlParameter("tenant", tenant), new Npgsql.NpgsqlParameter("ids", ids.ToArray())]
            : [new Microsoft.Data.Sqlite.SqliteParameter("@tenant", tenant), new Microsoft.Data.Sqlite.SqliteParameter("@ids", System.Text.Json.JsonSerializer.Serialize(ids))];
        return db.Comments.FromSqlRaw(LatestComments.For(db), parameters).AsNoTracking().ToListAsync(ct);
    }
}
