using System.Collections.Concurrent;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Bosun.Core.Ledger;

/// PostgreSQL keeps raw events in one partition per day. These statements exist on PostgreSQL only, so they are
/// plain texts rather than <see cref="Statement"/>s, which hold a text for each store.
internal static partial class EventStatements
{
    private const string PartitionExists = "SELECT to_regclass(@name) IS NOT NULL";

    private const string EnsurePartition = "SELECT bosun_ensure_event_partition(@day)";

    /// The insert and both roll-up steps in one statement: the events that were new flow from the INSERT's RETURNING
    /// into the session set and the hourly buckets without a round trip. Rows are upserted in key order so concurrent
    /// ingests lock buckets in the same order. Built on first use: the columns are a static of the other part of this
    /// class, and the order in which the parts' statics start is not defined.
    private static string InsertWithRollups => _insertWithRollups ??= $"""
        WITH ins AS (
            INSERT INTO agent_events ({string.Join(", ", Columns.Select(c => c.Name))})
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
            {AddToRollup}
            RETURNING 1
        )
        SELECT count(*) FROM ins
        """;

    private static string? _insertWithRollups;

    private static readonly ConcurrentDictionary<(string Database, DateTime Day), bool> KnownPartitions = new();

    /// Creates the partitions for the coming days so ingest rarely creates one itself.
    public static async Task EnsureUpcomingPartitionsAsync(BosunDb db, DateTime today, int days, CancellationToken ct)
    {
        if (db.IsPostgres)
        {
            await db.InTransactionAsync(c => EnsurePartitionsAsync(db, Enumerable.Range(-1, days + 1).Select(d => today.AddDays(d)), c), write: true, ct);
        }
    }

    private static void ForgetPartitions() => KnownPartitions.Clear();

    private static async Task<EventIngestResult> StorePostgresAsync(BosunDb db, string tenant, List<AgentEvent> events, CancellationToken ct)
    {
        await EnsurePartitionsAsync(db, events.Select(e => e.OccurredAt.Date).Distinct(), ct);
        if (await CopyNewAsync(db, events, ct) is { } copied)
        {
            await RollUpAsync(db, tenant, copied, ct);
            return new EventIngestResult(events.Count, copied.Count, events.Count - copied.Count);
        }

        await using var command = Sql.Command(db, InsertWithRollups);
        Sql.WithArrays(command, Columns, events.Select(Values).ToList());
        var stored = (int)await command.ScalarLongAsync(ct);
        return new EventIngestResult(events.Count, stored, events.Count - stored);
    }

    private static async Task EnsurePartitionsAsync(BosunDb db, IEnumerable<DateTime> days, CancellationToken ct)
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
            await using var check = Sql.Command(db, PartitionExists).With("name", $"agent_events_{day:yyyyMMdd}");
            if (await check.ExecuteScalarAsync(ct) is true)
            {
                KnownPartitions[(database, day)] = true;
                continue;
            }

            await using var command = Sql.Command(db, EnsurePartition).With("day", DateOnly.FromDateTime(day));
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    /// The fast path: COPY the batch straight into its day partitions, which take inserts from the request role (the
    /// parent keeps row-level security for every read; the rows carry the tenant this request authenticated as).
    /// Repeats are rare (a client's retry), so they are not looked for first: if any event is already stored the COPY
    /// fails on the key, this rolls back to before it and returns null, and the caller takes the INSERT ... ON CONFLICT
    /// path, which skips the repeats.
    private static async Task<List<AgentEvent>?> CopyNewAsync(BosunDb db, List<AgentEvent> events, CancellationToken ct)
    {
        var fresh = events.DistinctBy(e => (e.Id, e.OccurredAt)).ToList();
        var transaction = (NpgsqlTransaction)db.Database.CurrentTransaction!.GetDbTransaction();
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
                    writer.Write(e.TenantId, NpgsqlDbType.Varchar);
                    writer.Write(e.OccurredAt, NpgsqlDbType.TimestampTz);
                    writer.Write(e.Id, NpgsqlDbType.Varchar);
                    writer.Write(e.Type, NpgsqlDbType.Varchar);
                    Write(writer, e.AgentId, NpgsqlDbType.Varchar);
                    Write(writer, e.SessionId, NpgsqlDbType.Varchar);
                    Write(writer, e.ProjectId, NpgsqlDbType.Varchar);
                    Write(writer, e.RunId, NpgsqlDbType.Varchar);
                    writer.Write(e.Severity, NpgsqlDbType.Varchar);
                    Write(writer, e.TagsJson, NpgsqlDbType.Text);
                    Write(writer, e.ContextJson, NpgsqlDbType.Text);
                    Write(writer, e.DataJson, NpgsqlDbType.Text);
                    Write(writer, e.MetricsJson, NpgsqlDbType.Text);
                    Write(writer, e.Tokens, NpgsqlDbType.Bigint);
                    Write(writer, e.CostMicros, NpgsqlDbType.Bigint);
                    Write(writer, e.DurationMs, NpgsqlDbType.Bigint);
                    writer.Write(e.ReceivedAt, NpgsqlDbType.TimestampTz);
                }

                await writer.CompleteAsync(ct);
            }

            await transaction.ReleaseAsync("event_copy", ct);
            return fresh;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await transaction.RollbackAsync("event_copy", ct);
            return null;
        }
    }

    private static void Write(NpgsqlBinaryImporter writer, string? value, NpgsqlDbType type)
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

    private static void Write(NpgsqlBinaryImporter writer, long? value, NpgsqlDbType type)
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
}
