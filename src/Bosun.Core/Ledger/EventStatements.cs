using System.Data.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Ledger;

/// Agent events' hand-written statements: storing a batch with its hourly roll-ups, and dropping raw events past the
/// retention. SQLite inserts the rows and rolls up the ones that were new; PostgreSQL's way is in EventStatements.Postgres.cs.
internal static partial class EventStatements
{
    /// Raw events before @cutoff: one tenant's along the (tenant, time) key on SQLite; on PostgreSQL every tenant's
    /// whole day partitions, answering how many were dropped.
    public static readonly Statement DropBefore = new("EventStatements.DropBefore",
        "DELETE FROM agent_events WHERE tenant_id = @t AND occurred_at < @cutoff",
        "SELECT bosun_drop_event_partitions(@cutoff) AS \"Value\"");

    private static readonly Col[] Columns =
    [
        new("tenant_id"), new("occurred_at", "timestamptz"), new("id"), new("type"), new("agent_id"), new("session_id"), new("project_id"),
        new("run_id"), new("severity"), new("tags_json"), new("context_json"), new("data_json"), new("metrics_json"), new("tokens", "bigint"),
        new("cost_micros", "bigint"), new("duration_ms", "bigint"), new("received_at", "timestamptz"),
    ];

    private static readonly Col[] SessionColumns = [new("tenant_id"), new("hour", "timestamptz"), new("project_id"), new("agent_id"), new("type"), new("session_id")];

    private static readonly Col[] RollupColumns =
    [
        new("tenant_id"), new("hour", "timestamptz"), new("project_id"), new("agent_id"), new("type"), new("events", "bigint"), new("sessions", "bigint"),
        new("tokens", "bigint"), new("cost_micros", "bigint"), new("duration_sum_ms", "bigint"), new("duration_count", "bigint"),
    ];

    private const string AddToRollup = """
        ON CONFLICT (tenant_id, hour, project_id, agent_id, type) DO UPDATE SET
            events = agent_event_rollups.events + excluded.events,
            sessions = agent_event_rollups.sessions + excluded.sessions,
            tokens = agent_event_rollups.tokens + excluded.tokens,
            cost_micros = agent_event_rollups.cost_micros + excluded.cost_micros,
            duration_sum_ms = agent_event_rollups.duration_sum_ms + excluded.duration_sum_ms,
            duration_count = agent_event_rollups.duration_count + excluded.duration_count
        """;

    /// Stores the events not stored before (by id and time) and adds those to their hourly buckets, in the unit of work's transaction.
    public static async Task<EventIngestResult> StoreAsync(BosunDb db, string tenant, List<AgentEvent> events, CancellationToken ct)
    {
        if (db.IsPostgres)
        {
            return await StorePostgresAsync(db, tenant, events, ct);
        }

        var flags = await Sql.InsertRowsAsync(db, "agent_events", Columns, events, Values, "ON CONFLICT DO NOTHING", [2, 1], ct);
        var inserted = events.Where((_, i) => flags[i]).ToList();
        await RollUpAsync(db, tenant, inserted, ct);
        return new EventIngestResult(events.Count, inserted.Count, events.Count - inserted.Count);
    }

    /// Drops every tenant's raw events before the cutoff, outside any unit of work; answers the partitions (PostgreSQL)
    /// or rows (SQLite) dropped.
    public static async Task<int> DropBeforeAsync(BosunDb db, DateTime cutoff, CancellationToken ct)
    {
        if (db.IsPostgres)
        {
            var dropped = await db.Database.SqlQueryRaw<int>(DropBefore.For(db), Parameter(db, "cutoff", cutoff)).ToListAsync(ct);
            ForgetPartitions();
            return dropped.Single();
        }

        var tenants = await db.Tenants.IgnoreQueryFilters().Select(t => t.Id).ToListAsync(ct);
        var deleted = 0;
        foreach (var tenant in tenants)
        {
            deleted += await db.Database.ExecuteSqlRawAsync(DropBefore.For(db), [Parameter(db, "t", tenant), Parameter(db, "cutoff", cutoff)], ct);
        }

        return deleted;
    }

    private static object?[] Values(AgentEvent e) =>
    [
        e.TenantId, e.OccurredAt, e.Id, e.Type, e.AgentId, e.SessionId, e.ProjectId, e.RunId, e.Severity, e.TagsJson,
        e.ContextJson, e.DataJson, e.MetricsJson, e.Tokens, e.CostMicros, e.DurationMs, e.ReceivedAt,
    ];

    /// Adds newly inserted events to their hourly buckets. Distinct sessions are kept as a set per bucket,
    /// so a late event of a session already counted does not count it twice.
    private static async Task RollUpAsync(BosunDb db, string tenant, IReadOnlyList<AgentEvent> events, CancellationToken ct)
    {
        if (events.Count == 0)
        {
            return;
        }

        static (DateTime Hour, string Project, string Agent, string Type) Bucket(AgentEvent e) =>
            (new DateTime(e.OccurredAt.Year, e.OccurredAt.Month, e.OccurredAt.Day, e.OccurredAt.Hour, 0, 0, DateTimeKind.Utc), e.ProjectId ?? "", e.AgentId ?? "", e.Type);

        var newSessions = new Dictionary<(DateTime Hour, string Project, string Agent, string Type), long>();
        var sessions = events.Where(e => e.SessionId is not null).Select(e => (Bucket: Bucket(e), Session: e.SessionId!)).Distinct()
            .OrderBy(s => s.Bucket).ThenBy(s => s.Session, StringComparer.Ordinal).ToList();
        var newFlags = await Sql.InsertRowsAsync(db, "agent_event_rollup_sessions", SessionColumns, sessions,
            s => [tenant, s.Bucket.Hour, s.Bucket.Project, s.Bucket.Agent, s.Bucket.Type, s.Session], "ON CONFLICT DO NOTHING", [0, 1, 2, 3, 4, 5], ct);
        for (var i = 0; i < sessions.Count; i++)
        {
            if (newFlags[i])
            {
                newSessions[sessions[i].Bucket] = newSessions.GetValueOrDefault(sessions[i].Bucket) + 1;
            }
        }

        var buckets = events.GroupBy(Bucket).OrderBy(g => g.Key).ToList();
        await Sql.InsertRowsAsync(db, "agent_event_rollups", RollupColumns, buckets, g => [
            tenant, g.Key.Hour, g.Key.Project, g.Key.Agent, g.Key.Type, (long)g.Count(), newSessions.GetValueOrDefault(g.Key),
            g.Sum(e => e.Tokens ?? 0), g.Sum(e => e.CostMicros ?? 0), g.Sum(e => e.DurationMs ?? 0), (long)g.Count(e => e.DurationMs is not null),
        ], AddToRollup, null, ct);
    }

    /// A parameter for a statement EF runs outside the unit of work's transaction.
    private static DbParameter Parameter(BosunDb db, string name, object value)
    {
        using var command = db.Database.GetDbConnection().CreateCommand();
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        return parameter;
    }
}
