using System.Data.Common;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Realtime;

namespace Bosun.Cli.Bench;

/// The dispatch benchmark's baseline: one claim → heartbeat → complete cycle in raw SQL that writes the rows a Bosun
/// cycle writes, in as many transactions (one per request), with no HTTP, no checks and no ORM:
/// - claim: pick the next ready item and lease it, insert its run, two audit rows (item claimed, run created) and two
///   stream events (item changed, run started);
/// - heartbeat: extend the run's lease with its progress, move the item to in progress, one audit row, one event;
/// - complete: finish the run with its output, mark the item done, two audit rows and two events.
/// Events are numbered as Bosun numbers them: on SQLite from the tenant's stream head in the same transaction, on
/// PostgreSQL with a provisional number that the server's sequencer replaces after the commit. The statements go one
/// by one, as plainly written raw SQL would. A test (DispatchBaselineTests) checks that a baseline cycle inserts the
/// same rows, table by table, as a Bosun cycle over HTTP, so the two cannot drift apart.
public static class DispatchBaseline
{
    public sealed record Agent(string TenantId, string ProjectId, string AgentId, string AgentName);

    /// Runs one cycle on an open connection; false when no item is ready. <paramref name="writer"/> (SQLite) lets one
    /// transaction write at a time, as Bosun's single writer does.
    public static async Task<bool> CycleAsync(DbConnection connection, bool postgres, Agent agent, SemaphoreSlim? writer, CancellationToken ct)
    {
        var runId = Ids.New();
        var lease = $"bsn_lease_{Ids.New()}";
        var actor = $"agent:{agent.AgentId}";
        var (id, key) = ("", "");
        var claimed = await InTransactionAsync(connection, writer, async tx =>
        {
            var now = DateTime.UtcNow;
            // SQLite is told which index to use, as Bosun's claim tells it: without this the baseline sometimes ran at a
            // twentieth of its usual rate, its plan walking the project's items on every claim.
            await using (var pick = Build(connection, tx, $"""
                SELECT id, key FROM work_items {(postgres ? "" : "INDEXED BY ix_work_items_ready_by_project")} WHERE tenant_id = @t AND project_id = @p AND status = 'ready'
                ORDER BY priority DESC, id LIMIT 1 {(postgres ? "FOR UPDATE SKIP LOCKED" : "")}
                """, ("t", agent.TenantId), ("p", agent.ProjectId)))
            await using (var row = await pick.ExecuteReaderAsync(ct))
            {
                if (!await row.ReadAsync(ct))
                {
                    return false;
                }

                (id, key) = (row.GetString(0), row.GetString(1));
            }

            await Exec(connection, tx, ct, """
                UPDATE work_items SET status = 'claimed', attempts = attempts + 1, active_run_id = @r, lease_token = @l, lease_expires_at = @e, updated_at = @n
                WHERE tenant_id = @t AND id = @i
                """, ("r", runId), ("l", lease), ("e", now.AddMinutes(5)), ("n", now), ("t", agent.TenantId), ("i", id));
            await Exec(connection, tx, ct, """
                INSERT INTO runs (tenant_id, id, work_item_id, attempt, agent_id, status, lease_token, lease_expires_at, started_at, cost_micros)
                VALUES (@t, @r, @i, 1, @a, 'active', @l, @e, @n, 0)
                """, ("t", agent.TenantId), ("r", runId), ("i", id), ("a", agent.AgentId), ("l", lease), ("e", now.AddMinutes(5)), ("n", now));
            var claim = Changes(new { status = new { before = "ready", after = "claimed" }, run = new { after = runId }, attempt = new { after = 1 } });
            var created = Changes(new { agent_id = new { after = agent.AgentId }, attempt = new { after = 1 }, cost_micros = new { after = 0 }, started_at = new { after = now }, status = new { after = "active" }, work_item_id = new { after = id } });
            await RecordAsync(connection, tx, postgres, agent, actor, id, key, now, ct,
                ("work_item.claimed", "work_item.changed", "work_item", id, claim), ("run.created", "run.started", "run", runId, created));
            return true;
        }, ct);
        if (!claimed)
        {
            return false;
        }

        await InTransactionAsync(connection, writer, async tx =>
        {
            var now = DateTime.UtcNow;
            await Exec(connection, tx, ct, "UPDATE runs SET heartbeat_at = @n, lease_expires_at = @e, progress = 'working' WHERE tenant_id = @t AND id = @r AND status = 'active'",
                ("n", now), ("e", now.AddMinutes(5)), ("t", agent.TenantId), ("r", runId));
            await Exec(connection, tx, ct, "UPDATE work_items SET status = 'in_progress', lease_expires_at = @e, updated_at = @n WHERE tenant_id = @t AND id = @i",
                ("e", now.AddMinutes(5)), ("n", now), ("t", agent.TenantId), ("i", id));
            await RecordAsync(connection, tx, postgres, agent, actor, id, key, now, ct,
                ("work_item.updated", "work_item.changed", "work_item", id, Changes(new { status = new { before = "claimed", after = "in_progress" } })));
            return true;
        }, ct);

        await InTransactionAsync(connection, writer, async tx =>
        {
            var now = DateTime.UtcNow;
            const string output = """{"ok":true}""";
            await Exec(connection, tx, ct, "UPDATE runs SET status = 'completed', ended_at = @n, output_json = @o WHERE tenant_id = @t AND id = @r AND status = 'active'",
                ("n", now), ("o", output), ("t", agent.TenantId), ("r", runId));
            await Exec(connection, tx, ct, """
                UPDATE work_items SET status = 'done', active_run_id = NULL, lease_token = NULL, lease_expires_at = NULL, output_json = @o, completed_at = @n, updated_at = @n
                WHERE tenant_id = @t AND id = @i
                """, ("o", output), ("n", now), ("t", agent.TenantId), ("i", id));
            var ended = Changes(new { status = new { before = "active", after = "completed" }, ended_at = new { before = (DateTime?)null, after = now }, output_json = new { before = (string?)null, after = output } });
            var done = Changes(new { status = new { before = "in_progress", after = "done" }, active_run_id = new { before = runId, after = (string?)null }, output_json = new { before = (string?)null, after = output }, completed_at = new { before = (DateTime?)null, after = now } });
            await RecordAsync(connection, tx, postgres, agent, actor, id, key, now, ct,
                ("run.updated", "run.ended", "run", runId, ended), ("work_item.updated", "work_item.changed", "work_item", id, done));
            return true;
        }, ct);
        return true;
    }

    /// The audit row and the stream event of each change, as Bosun writes them in the same transaction.
    private static async Task RecordAsync(DbConnection connection, DbTransaction tx, bool postgres, Agent agent, string actor, string itemId, string itemKey,
        DateTime now, CancellationToken ct, params (string Action, string Event, string EntityType, string EntityId, string Changes)[] changes)
    {
        foreach (var change in changes)
        {
            await Exec(connection, tx, ct, """
                INSERT INTO audit_entries (tenant_id, id, actor_ref, actor_name, action, entity_type, entity_id, changes_json, request_id, created_at)
                VALUES (@t, @id, @ar, @an, @ac, @et, @ei, @c, @rq, @n)
                """, ("t", agent.TenantId), ("id", Ids.New()), ("ar", actor), ("an", agent.AgentName), ("ac", change.Action), ("et", change.EntityType),
                ("ei", change.EntityId), ("c", change.Changes), ("rq", "baseline"), ("n", now));
        }

        long first = 0;
        if (!postgres)
        {
            var last = (long)(await Scalar(connection, tx, ct, """
                INSERT INTO stream_heads (tenant_id, last_seq) VALUES (@t, @k) ON CONFLICT (tenant_id) DO UPDATE SET last_seq = stream_heads.last_seq + excluded.last_seq
                RETURNING last_seq
                """, ("t", agent.TenantId), ("k", (long)changes.Length)))!;
            first = last - changes.Length + 1;
        }

        for (var i = 0; i < changes.Length; i++)
        {
            var seq = postgres ? $"nextval('stream_event_order') - {StreamSequencer.ProvisionalBase}" : "@s";
            await Exec(connection, tx, ct, $"""
                INSERT INTO stream_events (tenant_id, seq, type, entity_type, entity_id, project_id, work_item_id, work_item_key, actor_ref, actor_name, changes_json, created_at, depth)
                VALUES (@t, {seq}, @ty, @et, @ei, @p, @w, @wk, @ar, @an, @c, @n, 0)
                """, ("t", agent.TenantId), ("s", first + i), ("ty", changes[i].Event), ("et", changes[i].EntityType), ("ei", changes[i].EntityId),
                ("p", agent.ProjectId), ("w", itemId), ("wk", itemKey), ("ar", actor), ("an", agent.AgentName), ("c", changes[i].Changes), ("n", now));
        }
    }

    private static string Changes(object changes) => JsonSerializer.Serialize(changes);

    private static async Task<bool> InTransactionAsync(DbConnection connection, SemaphoreSlim? writer, Func<DbTransaction, Task<bool>> work, CancellationToken ct)
    {
        if (writer is not null)
        {
            await writer.WaitAsync(ct);
        }

        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            var result = await work(tx);
            await tx.CommitAsync(ct);
            return result;
        }
        finally
        {
            writer?.Release();
        }
    }

    private static async Task Exec(DbConnection connection, DbTransaction tx, CancellationToken ct, string sql, params (string Name, object Value)[] args)
    {
        await using var command = Build(connection, tx, sql, args);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<object?> Scalar(DbConnection connection, DbTransaction tx, CancellationToken ct, string sql, params (string Name, object Value)[] args)
    {
        await using var command = Build(connection, tx, sql, args);
        return await command.ExecuteScalarAsync(ct);
    }

    private static DbCommand Build(DbConnection connection, DbTransaction tx, string sql, params (string Name, object Value)[] args)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        foreach (var (name, value) in args)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            command.Parameters.Add(p);
        }

        return command;
    }
}
