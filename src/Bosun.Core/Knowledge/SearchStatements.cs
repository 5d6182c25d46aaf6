using System.Text;
using Bosun.Core.Data;

namespace Bosun.Core.Knowledge;

/// One entry a search found, before it is joined to what it belongs to. The snippet and title carry the matched words
/// between \u0002 and \u0003, as both stores' highlighters are told to mark them.
internal sealed record FoundEntry(long Id, string Kind, string SourceId, string? WorkItemId, string? ProjectId, DateTime? At,
    double Score, string TitleMarked, string SnippetMarked);

/// What the search narrows to inside the index: the tenant always, and the kinds and projects when given.
internal sealed record SearchScope(string Tenant, IReadOnlyList<string>? Kinds, IReadOnlyList<string>? Projects);

/// Full-text search on each store: FTS5 on SQLite, tsvector and GIN on PostgreSQL, over the search_entries the
/// Search migrations keep current. A search ranks the newest <see cref="RankedAmong"/> matches and returns the best of
/// them: ranking every match of a word that half the items hold would read half the index on every keystroke.
internal static class SearchStatements
{
    public const int RankedAmong = 500;

    /// PostgreSQL: how many of the tenant's newest entries a search walks before it asks the GIN index for older ones.
    public const int RecentWindow = 20_000;
    public const char MarkStart = '\u0002';
    public const char MarkEnd = '\u0003';

    private const string Highlight = "StartSel=\u0002, StopSel=\u0003";

    /// bm25 weighs a match in the title four times one in the body; the scope column counts for nothing.
    /// The newest matches. PostgreSQL: bosun_search_ranked (migration 20261203073000_SearchAsOwner) ranks them with
    /// ts_rank_cd, the title weighted above the body; an empty kinds or projects array means any. It runs as the tables'
    /// owner, narrowed to the request's tenant (app.tenant_id) as row-level security would: under row-level security the
    /// planner may not use the GIN index for @@, whose function is not leakproof, and a rare word scanned the whole table.
    /// SQLite returns them with their titles' matched words marked, and <see cref="SqliteRankedAsync"/> ranks
    /// them: FTS5's bm25 counts every row of every phrase to weigh it, and the tenant's scope word is in every row of
    /// the tenant, so bm25 would cost a pass over the whole tenant on every search.
    public static readonly Statement Ranked = new("search.ranked",
        """
        SELECT rowid, highlight(search_fts, 1, char(2), char(3)) FROM search_fts
         WHERE search_fts MATCH @match ORDER BY rowid DESC LIMIT @among
        """,
        """
        SELECT id, score FROM bosun_search_ranked(@q, @kinds::text[], @projects::text[], @among, @limit, @window)
        """);

    /// The found entries with their matched words marked in the title and in a snippet of the body. PostgreSQL's
    /// headline drops what its parser reads as an HTML tag (`List<string>` would lose `<string>`), so the angle brackets
    /// go in as \u0001 and \u0004 and come back in <see cref="SearchService.Unmark"/>.
    public static readonly Statement Shown = new("search.shown",
        """
        SELECT f.rowid, e.kind, e.source_id, e.work_item_id, e.project_id, e.at,
               highlight(search_fts, 1, char(2), char(3)), snippet(search_fts, 2, char(2), char(3), '…', 40)
          FROM search_fts f JOIN search_entries e ON e.id = f.rowid
         WHERE search_fts MATCH @match AND f.rowid IN (SELECT value FROM json_each(@ids))
        """,
        $"""
        SELECT e.id, e.kind, e.source_id, e.work_item_id, e.project_id, e.at,
               ts_headline('english', translate(e.title, '<>', chr(1) || chr(4)), q.query, 'HighlightAll=true, {Highlight}'),
               ts_headline('english', translate(e.body, '<>', chr(1) || chr(4)), q.query, 'MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=" … ", {Highlight}')
          FROM search_entries e, websearch_to_tsquery('english', @q) AS q(query)
         WHERE e.tenant_id = @tenant AND e.id = ANY(@ids::bigint[])
        """);

    public static async Task<IReadOnlyList<FoundEntry>> FindAsync(BosunDb db, SearchScope scope, string text, SearchQuery query, int limit, CancellationToken ct)
    {
        var match = db.IsPostgres ? null : Fts5Match(scope, query);
        var ranked = db.IsPostgres ? await PostgresRankedAsync(db, scope, text, limit, ct) : await SqliteRankedAsync(db, match!, limit, ct);
        if (ranked.Count == 0)
        {
            return [];
        }

        var shown = new Dictionary<long, FoundEntry>();
        await using (var command = db.IsPostgres
                         ? Sql.Command(db, Shown).With(("tenant", scope.Tenant), ("q", text), ("ids", ranked.Select(r => r.Id).ToArray()))
                         : Sql.Command(db, Shown).With(("match", match), ("ids", "[" + string.Join(",", ranked.Select(r => r.Id)) + "]")))
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var id = reader.GetInt64(0);
                shown[id] = new FoundEntry(id, reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : DateTime.SpecifyKind(reader.GetDateTime(5), DateTimeKind.Utc),
                    0, reader.GetString(6), reader.GetString(7));
            }
        }

        return ranked.Where(r => shown.ContainsKey(r.Id)).Select(r => shown[r.Id] with { Score = r.Score }).ToList();
    }

    private static async Task<List<(long Id, double Score)>> PostgresRankedAsync(BosunDb db, SearchScope scope, string text, int limit, CancellationToken ct)
    {
        var ranked = new List<(long, double)>();
        await using var command = Sql.Command(db, Ranked).With(("q", text), ("kinds", (scope.Kinds ?? []).ToArray()),
            ("projects", (scope.Projects ?? []).ToArray()), ("among", RankedAmong), ("limit", limit), ("window", RecentWindow));
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            ranked.Add((reader.GetInt64(0), Convert.ToDouble(reader.GetValue(1))));
        }

        return ranked;
    }

    /// SQLite: entries whose title holds the words first, more so the more of a short title they are (1 + the share of
    /// the title's words that matched), then matches elsewhere (0.5); newest first among equals.
    private static async Task<List<(long Id, double Score)>> SqliteRankedAsync(BosunDb db, string match, int limit, CancellationToken ct)
    {
        var found = new List<(long Id, double Score)>();
        await using var command = Sql.Command(db, Ranked).With(("match", match), ("among", RankedAmong));
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var title = reader.GetString(1);
            var hits = title.Count(c => c == MarkStart);
            var words = title.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            found.Add((reader.GetInt64(0), hits == 0 ? 0.5 : 1 + Math.Min(1.0, (double)hits / Math.Max(1, words))));
        }

        return found.OrderByDescending(r => r.Score).ThenByDescending(r => r.Id).Take(limit).ToList();
    }

    /// The FTS5 expression: the scope words (tenant, kinds, projects, not archived) and the person's terms.
    internal static string Fts5Match(SearchScope scope, SearchQuery query)
    {
        var words = new List<string> { Quote(ScopeWord('t', scope.Tenant)) };
        if (scope.Kinds is not null)
        {
            words.Add("(" + string.Join(" OR ", scope.Kinds.Select(k => Quote(ScopeWord('k', k)))) + ")");
        }

        if (scope.Projects is not null)
        {
            words.Add("(" + string.Join(" OR ", scope.Projects.Select(p => Quote(ScopeWord('p', p)))) + ")");
        }

        return $"(scope : ({string.Join(" AND ", words)}) NOT scope : \"xarchivedx\") AND ({query.ToFts5()})";
    }

    /// The scope word the SQLite migration's generated column writes for a value: a letter, its UTF-8 bytes in
    /// lower-case hex, and an x.
    internal static string ScopeWord(char prefix, string value) => prefix + Convert.ToHexStringLower(Encoding.UTF8.GetBytes(value)) + "x";

    private static string Quote(string word) => "\"" + word + "\"";
}
