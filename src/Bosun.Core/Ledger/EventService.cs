using System.Collections.Concurrent;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Bosun.Core.Ledger;

public sealed class LedgerOptions
{
    /// Raw agent events older than this many days are dropped; their hourly roll-ups stay.
    public int EventRetentionDays { get; set; } = int.TryParse(Environment.GetEnvironmentVariable("BOSUN_EVENT_RETENTION_DAYS"), out var d) && d > 0 ? d : 90;
}

/// The time series of what agents do. Ingest is idempotent by event id (and time) and maintains the hourly
/// roll-ups in the same transaction, counting only events that were new; retention drops raw events by
/// whole days and never touches the roll-ups.
public sealed class EventService(BosunDb db, RequestContext context, TimeProvider clock, LedgerOptions options)
{
    public const int MaxBatch = 10_000;
    private static readonly ConcurrentDictionary<(string Database, DateTime Day), bool> KnownPartitions = new();
    private static readonly HashSet<string> Severities = ["debug", "info", "warning", "error", "critical"];

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

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public DateTime RetentionCutoff => Now.Date.AddDays(-options.EventRetentionDays);

    public async Task<EventIngestResult> IngestAsync(IReadOnlyList<RawEvent> inputs, CancellationToken ct)
    {
        if (inputs.Count > MaxBatch)
        {
            throw ProblemException.Invalid("body", $"must hold at most {MaxBatch} events per request");
        }

        var tenant = context.RequireTenant();
        var now = Now;
        var cutoff = RetentionCutoff;
        var problem = new ValidationProblem();
        var events = new List<AgentEvent>(inputs.Count);
        for (var i = 0; i < inputs.Count; i++)
        {
            var e = inputs[i];
            var index = i;
            string Field(string name) => $"[{index}].{name}";

            // PostgreSQL keeps microseconds: truncate so the key read back matches the key sent.
            var at = e.Timestamp?.UtcDateTime is { } t ? new DateTime(t.Ticks - t.Ticks % 10, DateTimeKind.Utc) : (DateTime?)null;
            if (at is null)
            {
                problem.Add(Field("timestamp"), "is required");
            }
            else if (at < cutoff)
            {
                problem.Add(Field("timestamp"), $"is older than the event retention ({options.EventRetentionDays} days)");
            }
            else if (at > now.AddDays(1))
            {
                problem.Add(Field("timestamp"), "is more than a day in the future");
            }

            var severity = e.Severity is null ? "info" : e.Severity.ToLowerInvariant();
            if (!Severities.Contains(severity))
            {
                problem.Add(Field("severity"), $"must be one of: {string.Join(", ", Severities)}");
            }

            if (e.Tags is { Count: > 50 } || e.Tags?.Any(t => t.Length > 100) == true)
            {
                problem.Add(Field("tags"), "must be at most 50 tags of at most 100 characters");
            }

            if (string.IsNullOrWhiteSpace(e.Type))
            {
                problem.Add(Field("type"), "is required");
            }

            events.Add(new AgentEvent
            {
                TenantId = tenant,
                OccurredAt = at ?? now,
                Id = Text(problem, index, "id", e.Id, 100) ?? Ids.New(),
                Type = Text(problem, index, "type", e.Type, 50) ?? "",
                AgentId = Text(problem, index, "agent", e.Agent, 100),
                SessionId = Text(problem, index, "session", e.Session, 100),
                ProjectId = Text(problem, index, "project", e.Project, 100),
                RunId = Text(problem, index, "run", e.Run, 100),
                Severity = severity,
                TagsJson = e.Tags is { Count: > 0 } tags ? TagsJson(tags) : null,
                ContextJson = e.ContextJson,
                DataJson = e.DataJson,
                MetricsJson = e.MetricsJson,
                Tokens = e.Tokens,
                CostMicros = e.CostUsd is { } usd && usd >= 0 ? Money.ToMicros(usd) : null,
                DurationMs = e.DurationMs is { } ms && ms >= 0 ? (long)ms : null,
                ReceivedAt = now,
            });
        }

        problem.ThrowIfAny();

        // The endpoint parses and validates before any transaction, so SQLite's single writer lock is held
        // only for the inserts themselves.
        return await db.InTransactionAsync(c => StoreAsync(events, c), write: true, ct);
    }

    private async Task<EventIngestResult> StoreAsync(List<AgentEvent> events, CancellationToken ct)
    {
        if (db.IsPostgres)
        {
            await EnsurePartitionsAsync(events.Select(e => e.OccurredAt.Date).Distinct(), ct);
        }

        object?[] Values(AgentEvent e) =>
        [
            e.TenantId, e.OccurredAt, e.Id, e.Type, e.AgentId, e.SessionId, e.ProjectId, e.RunId, e.Severity, e.TagsJson,
            e.ContextJson, e.DataJson, e.MetricsJson, e.Tokens, e.CostMicros, e.DurationMs, e.ReceivedAt,
        ];

        if (db.IsPostgres)
        {
            if (await CopyNewAsync(events, ct) is { } copied)
            {
                await RollUpAsync(copied, ct);
                return new EventIngestResult(events.Count, copied.Count, events.Count - copied.Count);
            }

            var stored = await StorePostgresAsync(events.Select(Values).ToList(), ct);
            return new EventIngestResult(events.Count, stored, events.Count - stored);
        }

        var flags = await Sql.InsertRowsAsync(db, "agent_events", Columns, events, Values, "ON CONFLICT DO NOTHING", [2, 1], ct);
        var inserted = events.Where((_, i) => flags[i]).ToList();
        await RollUpAsync(inserted, ct);
        return new EventIngestResult(events.Count, inserted.Count, events.Count - inserted.Count);
    }

    public async Task<IReadOnlyList<EventRollupView>> RollupsAsync(DateTime? from, DateTime? to, string? project, string? agent, string? type, CancellationToken ct)
    {
        var start = from ?? Now.Date.AddDays(-1);
        var end = to ?? Now.AddHours(1);
        var query = db.Set<AgentEventRollup>().AsNoTracking().Where(r => r.Hour >= start && r.Hour < end);
        if (project is not null)
        {
            query = query.Where(r => r.ProjectId == project);
        }

        if (agent is not null)
        {
            query = query.Where(r => r.AgentId == agent);
        }

        if (type is not null)
        {
            query = query.Where(r => r.Type == type);
        }

        var rows = await query.OrderBy(r => r.Hour).ThenBy(r => r.ProjectId).ThenBy(r => r.AgentId).ThenBy(r => r.Type).Take(10_000).ToListAsync(ct);
        return rows.Select(r => new EventRollupView(
            r.Hour, Blank(r.ProjectId), Blank(r.AgentId), r.Type, r.Events, r.Sessions, r.Tokens, Money.ToUsd(r.CostMicros),
            r.DurationCount == 0 ? null : Math.Round((double)r.DurationSumMs / r.DurationCount, 1))).ToList();
    }

    public async Task<IReadOnlyList<EventView>> RecentAsync(DateTime? from, DateTime? to, string? type, string? agent, string? session, int limit, CancellationToken ct)
    {
        var query = db.Set<AgentEvent>().AsNoTracking().AsQueryable();
        if (from is { } f)
        {
            query = query.Where(e => e.OccurredAt >= f);
        }

        if (to is { } t)
        {
            query = query.Where(e => e.OccurredAt < t);
        }

        if (type is not null)
        {
            query = query.Where(e => e.Type == type);
        }

        if (agent is not null)
        {
            query = query.Where(e => e.AgentId == agent);
        }

        if (session is not null)
        {
            query = query.Where(e => e.SessionId == session);
        }

        var rows = await query.OrderByDescending(e => e.OccurredAt).ThenByDescending(e => e.Id).Take(Math.Clamp(limit, 1, 1000)).ToListAsync(ct);
        return rows.Select(EventView.From).ToList();
    }

    /// Drops raw events older than the retention, for every tenant: whole partitions on PostgreSQL, per-tenant
    /// key ranges on SQLite. Runs as the system (maintenance), never inside a tenant's request.
    public async Task<int> ApplyRetentionAsync(CancellationToken ct)
    {
        if (context.HasTenant)
        {
            throw new InvalidOperationException("Retention runs for all tenants, outside any tenant's unit of work.");
        }

        var cutoff = RetentionCutoff;
        if (db.IsPostgres)
        {
            var dropped = await db.Database.SqlQueryRaw<int>("SELECT bosun_drop_event_partitions({0}) AS \"Value\"", cutoff).ToListAsync(ct);
            KnownPartitions.Clear();
            return dropped.Single();
        }

        var tenants = await db.Tenants.IgnoreQueryFilters().Select(t => t.Id).ToListAsync(ct);
        var deleted = 0;
        foreach (var tenant in tenants)
        {
            deleted += await db.Database.ExecuteSqlRawAsync("DELETE FROM agent_events WHERE tenant_id = {0} AND occurred_at < {1}", [tenant, cutoff], ct);
        }

        return deleted;
    }

    /// Creates the partitions for the coming days so ingest rarely creates one itself.
    public async Task EnsureUpcomingPartitionsAsync(int days, CancellationToken ct)
    {
        if (db.IsPostgres)
        {
            await db.InTransactionAsync(c => EnsurePartitionsAsync(Enumerable.Range(-1, days + 1).Select(d => Now.Date.AddDays(d)), c), write: true, ct);
        }
    }

    private async Task EnsurePartitionsAsync(IEnumerable<DateTime> days, CancellationToken ct)
    {
        var database = db.Database.GetDbConnection().Database;
        foreach (var day in days.Order())
        {
            if (KnownPartitions.ContainsKey((database, day)))
            {
                continue;
            }

            // Remembered only once seen committed: a partition this transaction creates stays invisible to concurrent
            // requests until the commit, and one that skipped the check would then write to a table it cannot see.
            await using var check = Sql.Command(db, "SELECT to_regclass(@name) IS NOT NULL").With("name", $"agent_events_{day:yyyyMMdd}");
            if (await check.ExecuteScalarAsync(ct) is true)
            {
                KnownPartitions[(database, day)] = true;
                continue;
            }

            await using var command = Sql.Command(db, "SELECT bosun_ensure_event_partition(@day)").With("day", DateOnly.FromDateTime(day));
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    /// PostgreSQL's fast path: COPY the batch straight into its day partitions, which take inserts from the
    /// request role (the parent keeps row-level security for every read; the rows carry the tenant this
    /// request authenticated as). Repeats are rare (a client's retry), so they are not looked for first: if
    /// any event is already stored the COPY fails on the key, this rolls back to before it and returns null,
    /// and the caller takes the INSERT ... ON CONFLICT path, which skips the repeats.
    private async Task<List<AgentEvent>?> CopyNewAsync(List<AgentEvent> events, CancellationToken ct)
    {
        var fresh = events.DistinctBy(e => (e.Id, e.OccurredAt)).ToList();
        var transaction = (Npgsql.NpgsqlTransaction)db.Database.CurrentTransaction!.GetDbTransaction();
        var connection = transaction.Connection!;
        await transaction.SaveAsync("event_copy", ct);
        try
        {
            var names = string.Join(", ", Columns.Select(c => c.Name));
            foreach (var day in fresh.GroupBy(e => e.OccurredAt.Date).OrderBy(g => g.Key))
            {
                await using var writer = await connection.BeginBinaryImportAsync(
                    $"COPY agent_events_{day.Key:yyyyMMdd} ({names}) FROM STDIN (FORMAT BINARY)", ct);
                // Synchronous writes fill Npgsql's buffer without a task per field; it flushes to the socket when full.
                foreach (var e in day)
                {
                    writer.StartRow();
                    writer.Write(e.TenantId, NpgsqlTypes.NpgsqlDbType.Varchar);
                    writer.Write(e.OccurredAt, NpgsqlTypes.NpgsqlDbType.TimestampTz);
                    writer.Write(e.Id, NpgsqlTypes.NpgsqlDbType.Varchar);
                    writer.Write(e.Type, NpgsqlTypes.NpgsqlDbType.Varchar);
                    Write(writer, e.AgentId, NpgsqlTypes.NpgsqlDbType.Varchar);
                    Write(writer, e.SessionId, NpgsqlTypes.NpgsqlDbType.Varchar);
                    Write(writer, e.ProjectId, NpgsqlTypes.NpgsqlDbType.Varchar);
                    Write(writer, e.RunId, NpgsqlTypes.NpgsqlDbType.Varchar);
                    writer.Write(e.Severity, NpgsqlTypes.NpgsqlDbType.Varchar);
                    Write(writer, e.TagsJson, NpgsqlTypes.NpgsqlDbType.Text);
                    Write(writer, e.ContextJson, NpgsqlTypes.NpgsqlDbType.Text);
                    Write(writer, e.DataJson, NpgsqlTypes.NpgsqlDbType.Text);
                    Write(writer, e.MetricsJson, NpgsqlTypes.NpgsqlDbType.Text);
                    Write(writer, e.Tokens, NpgsqlTypes.NpgsqlDbType.Bigint);
                    Write(writer, e.CostMicros, NpgsqlTypes.NpgsqlDbType.Bigint);
                    Write(writer, e.DurationMs, NpgsqlTypes.NpgsqlDbType.Bigint);
                    writer.Write(e.ReceivedAt, NpgsqlTypes.NpgsqlDbType.TimestampTz);
                }

                await writer.CompleteAsync(ct);
            }

            await transaction.ReleaseAsync("event_copy", ct);
            return fresh;
        }
        catch (Npgsql.PostgresException ex) when (ex.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation)
        {
            await transaction.RollbackAsync("event_copy", ct);
            return null;
        }
    }

    private static void Write(Npgsql.NpgsqlBinaryImporter writer, string? value, NpgsqlTypes.NpgsqlDbType type)
    {
        if (value is null)
        {
            writer.WriteNull();
        }
        else
        {
            writer.Write(value, type);
        }
    }

    private static void Write(Npgsql.NpgsqlBinaryImporter writer, long? value, NpgsqlTypes.NpgsqlDbType type)
    {
        if (value is { } v)
        {
            writer.Write(v, type);
        }
        else
        {
            writer.WriteNull();
        }
    }

    /// PostgreSQL does the insert and both roll-up steps in one statement: the events that were new flow from
    /// the INSERT's RETURNING into the session set and the hourly buckets without a round trip. Rows are
    /// upserted in key order so concurrent ingests lock buckets in the same order.
    private async Task<int> StorePostgresAsync(List<object?[]> rows, CancellationToken ct)
    {
        var names = string.Join(", ", Columns.Select(c => c.Name));
        await using var command = Sql.Command(db, $"""
            WITH ins AS (
                INSERT INTO agent_events ({names})
                SELECT * FROM {Sql.Unnest(Columns)}
                ON CONFLICT DO NOTHING
                RETURNING tenant_id, date_trunc('hour', occurred_at, 'UTC') AS hour, coalesce(project_id, '') AS project_id,
                    coalesce(agent_id, '') AS agent_id, type, session_id, tokens, cost_micros, duration_ms
            ),
            sess AS (
                INSERT INTO agent_event_rollup_sessions (tenant_id, hour, project_id, agent_id, type, session_id)
                SELECT DISTINCT tenant_id, hour, project_id, agent_id, type, session_id FROM ins WHERE session_id IS NOT NULL
                ORDER BY hour, project_id, agent_id, type, session_id
                ON CONFLICT DO NOTHING
                RETURNING tenant_id, hour, project_id, agent_id, type
            ),
            fresh AS (
                SELECT tenant_id, hour, project_id, agent_id, type, count(*) AS sessions FROM sess GROUP BY 1, 2, 3, 4, 5
            ),
            buckets AS (
                SELECT tenant_id, hour, project_id, agent_id, type, count(*) AS events, coalesce(sum(tokens), 0) AS tokens,
                    coalesce(sum(cost_micros), 0) AS cost_micros, coalesce(sum(duration_ms), 0) AS duration_sum_ms, count(duration_ms) AS duration_count
                FROM ins GROUP BY 1, 2, 3, 4, 5
            ),
            rolled AS (
                INSERT INTO agent_event_rollups (tenant_id, hour, project_id, agent_id, type, events, sessions, tokens, cost_micros, duration_sum_ms, duration_count)
                SELECT b.tenant_id, b.hour, b.project_id, b.agent_id, b.type, b.events, coalesce(f.sessions, 0), b.tokens, b.cost_micros, b.duration_sum_ms, b.duration_count
                FROM buckets b LEFT JOIN fresh f USING (tenant_id, hour, project_id, agent_id, type)
                ORDER BY b.hour, b.project_id, b.agent_id, b.type
                ON CONFLICT (tenant_id, hour, project_id, agent_id, type) DO UPDATE SET
                    events = agent_event_rollups.events + excluded.events,
                    sessions = agent_event_rollups.sessions + excluded.sessions,
                    tokens = agent_event_rollups.tokens + excluded.tokens,
                    cost_micros = agent_event_rollups.cost_micros + excluded.cost_micros,
                    duration_sum_ms = agent_event_rollups.duration_sum_ms + excluded.duration_sum_ms,
                    duration_count = agent_event_rollups.duration_count + excluded.duration_count
                RETURNING 1
            )
            SELECT count(*) FROM ins
            """);
        Sql.WithArrays(command, Columns, rows);
        return (int)await command.ScalarLongAsync(ct);
    }

    /// Adds newly inserted events to their hourly buckets. Distinct sessions are kept as a set per bucket,
    /// so a late event of a session already counted does not count it twice.
    private async Task RollUpAsync(IReadOnlyList<AgentEvent> events, CancellationToken ct)
    {
        if (events.Count == 0)
        {
            return;
        }

        var tenant = context.RequireTenant();
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
        ], """
            ON CONFLICT (tenant_id, hour, project_id, agent_id, type) DO UPDATE SET
                events = agent_event_rollups.events + excluded.events,
                sessions = agent_event_rollups.sessions + excluded.sessions,
                tokens = agent_event_rollups.tokens + excluded.tokens,
                cost_micros = agent_event_rollups.cost_micros + excluded.cost_micros,
                duration_sum_ms = agent_event_rollups.duration_sum_ms + excluded.duration_sum_ms,
                duration_count = agent_event_rollups.duration_count + excluded.duration_count
            """, null, ct);
    }

    /// Like Check.Text, but builds the field name ("[12].agent") only for an error: ingest checks millions of fields.
    private static string? Text(ValidationProblem problem, int index, string name, string? value, int max)
    {
        if (value is null)
        {
            return null;
        }

        var trimmed = value.Length > 0 && (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1])) ? value.Trim() : value;
        if (trimmed.Length == 0)
        {
            return null;
        }

        if (trimmed.Length > max)
        {
            problem.Add($"[{index}].{name}", $"must be at most {max} characters");
        }

        return trimmed;
    }

    /// Most tags are plain words: write those directly, and let the serializer escape the rest.
    private static string TagsJson(List<string> tags)
    {
        foreach (var tag in tags)
        {
            foreach (var c in tag)
            {
                if (c < ' ' || c > '~' || c is '"' or '\\' or '<' or '>' or '&' or '\'' or '+')
                {
                    return JsonSerializer.Serialize(tags);
                }
            }
        }

        return tags.Count == 1 ? $"[\"{tags[0]}\"]" : "[\"" + string.Join("\",\"", tags) + "\"]";
    }

    private static string? Blank(string value) => value.Length == 0 ? null : value;
}
