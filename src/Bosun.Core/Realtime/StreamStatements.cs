using Bosun.Core.Data;
using Bosun.Core.Data.Sqlite;

namespace Bosun.Core.Realtime;

/// The stream's hand-written statements. Events are numbered as they are written on SQLite and after their commit on
/// PostgreSQL, so the sequencer's statements have no SQLite text.
internal static class StreamStatements
{
    private const string InsertColumns = """
        INSERT INTO stream_events (tenant_id, seq, type, entity_type, entity_id, project_id, work_item_id, work_item_key,
            actor_ref, actor_name, changes_json, created_at, depth)
        """;

    public const int EventColumns = 13;

    /// SQLite: a batch's events read from one JSON parameter (see <see cref="SqliteRows"/>).
    public static readonly Statement InsertMany = new("stream.insert_many", $"{InsertColumns} {SqliteRows.Select(EventColumns)}", "");

    /// SQLite: one event, for a batch with a value the JSON form does not write.
    public static readonly Statement InsertOne = new("stream.insert_one",
        $"{InsertColumns} VALUES ({string.Join(", ", Enumerable.Range(0, EventColumns).Select(i => $"@p{i}"))})", "");

    /// SQLite: the batch takes the numbers up to and including the head's new last number.
    public static readonly Statement AdvanceHead = new("stream.advance_head", """
        INSERT INTO stream_heads (tenant_id, last_seq) VALUES (@t, @n)
        ON CONFLICT (tenant_id) DO UPDATE SET last_seq = stream_heads.last_seq + excluded.last_seq
        RETURNING last_seq
        """, "");

    /// PostgreSQL: the events with provisional numbers, taken in array order from one sequence for all tenants.
    public static readonly Statement InsertProvisional = new("stream.insert_provisional", "", $"""
        {InsertColumns}
        SELECT @t, nextval('stream_event_order') - {StreamSequencer.ProvisionalBase}, e.type, e.entity_type, e.entity_id, e.project_id,
               e.work_item_id, e.work_item_key, e.actor_ref, e.actor_name, e.changes_json, e.created_at, e.depth
        FROM unnest(@ty::text[], @et::text[], @ei::text[], @p::text[], @w::text[], @wk::text[], @ar::text[], @an::text[],
                    @c::text[], @at::timestamptz[], @d::int[])
             AS e(type, entity_type, entity_id, project_id, work_item_id, work_item_key, actor_ref, actor_name, changes_json, created_at, depth)
        """);

    public static readonly Statement ProvisionalTenants = new("stream.provisional_tenants", "", "SELECT DISTINCT tenant_id FROM stream_events WHERE seq < 0");

    public static readonly Statement AnyProvisional = new("stream.any_provisional", "",
        "SELECT EXISTS (SELECT 1 FROM stream_events WHERE tenant_id = @t AND seq < 0)");

    /// The head lock is taken by a statement of its own, so the next statement's snapshot is taken while it is held and
    /// sees every number the previous holder gave.
    public static readonly Statement LockHead = new("stream.lock_head", "", """
        INSERT INTO stream_heads (tenant_id, last_seq) VALUES (@t, 0) ON CONFLICT (tenant_id) DO NOTHING;
        SELECT last_seq FROM stream_heads WHERE tenant_id = @t FOR UPDATE;
        """);

    /// Events numbered per statement; a larger backlog is numbered in several.
    public const int NumberBatch = 5000;

    // The picked rows are updated by their physical address (ctid), so the only plans left to the planner are a
    // lookup per picked row or one hash join, both linear. Joined on (tenant_id, seq) instead, a planner whose
    // statistics predate the tenant's burst (a new tenant, or one autovacuum had not analysed yet) estimated one
    // row on each side, walked the tenant's events and ran the pick again for every one of them: 7,000 waiting
    // events took 16 s, under the head lock, and a larger burst ran past the command timeout on every retry.
    public static readonly Statement Number = new("stream.number", "", $"""
        WITH picked AS (
            SELECT ctid AS row, row_number() OVER (ORDER BY seq) AS ord
            FROM stream_events WHERE tenant_id = @t AND seq < 0 ORDER BY seq LIMIT {NumberBatch}),
        moved AS (
            UPDATE stream_events e SET seq = @last + picked.ord FROM picked
            WHERE e.ctid = picked.row
            RETURNING 1)
        SELECT count(*) FROM moved
        """);

    public static readonly Statement SetHead = new("stream.set_head", "", "UPDATE stream_heads SET last_seq = @n WHERE tenant_id = @t");

    /// Budgets and work items an event batch names; the IN lists make the text.
    public static string BudgetsIn(int count) => $"SELECT id, scope, scope_id, action FROM budgets WHERE tenant_id = @t AND id IN ({List("b", count)})";

    public static string WorkItemsIn(int count) => $"SELECT id, project_id, key FROM work_items WHERE tenant_id = @t AND id IN ({List("w", count)})";

    /// The common case of each, so the preparing test sees the columns named.
    public static readonly Statement BudgetsOfEvents = new("stream.budgets_of_events", BudgetsIn(1));
    public static readonly Statement WorkItemsOfEvents = new("stream.work_items_of_events", WorkItemsIn(1));

    private static string List(string prefix, int count) => string.Join(", ", Enumerable.Range(0, count).Select(i => $"@{prefix}{i}"));
}
