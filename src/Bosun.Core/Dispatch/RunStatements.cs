using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Planning;

namespace Bosun.Core.Dispatch;

/// What a heartbeat needs of the agent: its timeout, and when it was last seen.
internal sealed record AgentTiming(int RunTimeoutSeconds, DateTime? LastHeartbeatAt);

/// The hand-written statements of a run's heartbeats and completion.
internal static class RunStatements
{
    private static Column<Run> RunColumn(string name, Func<Run, object?> get, Action<Run, object?> put) => new(name, get, put);

    private static Column<WorkItem> ItemColumn(string name, Func<WorkItem, object?> get, Action<WorkItem, object?> put) => new(name, get, put);

    private static readonly Func<object?, object?> RunStatusName = v => ((RunStatus)v!).Snake();
    private static readonly Func<object?, object?> WorkStatusName = v => ((WorkStatus)v!).Snake();

    /// A beat changes only liveness signals on the run, and the item's status the first time.
    public static readonly RowChange<Run> RunBeat = new("run_",
        RunColumn("heartbeat_at", r => r.HeartbeatAt, (r, v) => r.HeartbeatAt = (DateTime?)v) with { Hidden = true },
        RunColumn("progress", r => r.Progress, (r, v) => r.Progress = (string?)v) with { Hidden = true, NullKeeps = true },
        RunColumn("checkpoint_json", r => r.CheckpointJson, (r, v) => r.CheckpointJson = (string?)v) with { Hidden = true, NullKeeps = true },
        RunColumn("lease_expires_at", r => r.LeaseExpiresAt, (r, v) => r.LeaseExpiresAt = (DateTime?)v) with { Hidden = true });

    public static readonly RowChange<WorkItem> ItemBeat = new("item_",
        ItemColumn("status", w => w.Status, (w, v) => w.Status = (WorkStatus)v!) with { Bind = WorkStatusName },
        ItemColumn("checkpoint_json", w => w.CheckpointJson, (w, v) => w.CheckpointJson = (string?)v) with { Hidden = true, NullKeeps = true },
        ItemColumn("lease_expires_at", w => w.LeaseExpiresAt, (w, v) => w.LeaseExpiresAt = (DateTime?)v) with { Hidden = true },
        ItemColumn("updated_at", w => w.UpdatedAt, (w, v) => w.UpdatedAt = (DateTime)v!) with { Hidden = true });

    public static readonly RowChange<Run> RunCompleted = new("run_",
        RunColumn("status", r => r.Status, (r, v) => r.Status = (RunStatus)v!) with { Bind = RunStatusName },
        RunColumn("ended_at", r => r.EndedAt, (r, v) => r.EndedAt = (DateTime?)v),
        RunColumn("output_json", r => r.OutputJson, (r, v) => r.OutputJson = (string?)v),
        RunColumn("summary", r => r.Summary, (r, v) => r.Summary = (string?)v),
        RunColumn("artifacts_json", r => r.ArtifactsJson, (r, v) => r.ArtifactsJson = (string?)v));

    /// A completed item lets go of its run and lease; a run without output leaves the item's earlier output.
    public static readonly RowChange<WorkItem> ItemCompleted = new("item_",
        ItemColumn("status", w => w.Status, (w, v) => w.Status = (WorkStatus)v!) with { Bind = WorkStatusName },
        ItemColumn("active_run_id", w => w.ActiveRunId, (w, v) => w.ActiveRunId = (string?)v),
        ItemColumn("lease_token", w => w.LeaseToken, (w, v) => w.LeaseToken = (string?)v) with { Hidden = true },
        ItemColumn("lease_expires_at", w => w.LeaseExpiresAt, (w, v) => w.LeaseExpiresAt = (DateTime?)v) with { Hidden = true },
        ItemColumn("output_json", w => w.OutputJson, (w, v) => w.OutputJson = (string?)v) with { NullKeeps = true },
        ItemColumn("completed_at", w => w.CompletedAt, (w, v) => w.CompletedAt = (DateTime?)v),
        ItemColumn("revision_notes", w => w.RevisionNotes, (w, v) => w.RevisionNotes = (string?)v),
        ItemColumn("updated_at", w => w.UpdatedAt, (w, v) => w.UpdatedAt = (DateTime)v!) with { Hidden = true });

    private static string BeatText(bool seen) => $"""
        UPDATE runs SET {RunBeat.SetList} WHERE tenant_id = @tenant AND id = @run;
        UPDATE work_items SET {ItemBeat.SetList} WHERE tenant_id = @tenant AND id = @item;
        {(seen ? "UPDATE agents SET last_heartbeat_at = @now WHERE tenant_id = @tenant AND id = @agent;" : "")}
        """;

    // A heartbeat only proves liveness, so on PostgreSQL its own transaction does not wait for the WAL flush: a
    // crash can lose the last beats (the lease then ends a little sooner), never half of one.
    private const string Relaxed = "SET LOCAL synchronous_commit = off;\n";

    public static readonly Statement Beat = new("run.beat", BeatText(seen: false));
    public static readonly Statement BeatSeen = new("run.beat_seen", BeatText(seen: true));
    public static readonly Statement BeatRelaxed = new("run.beat_relaxed", BeatText(seen: false), Relaxed + BeatText(seen: false));
    public static readonly Statement BeatSeenRelaxed = new("run.beat_seen_relaxed", BeatText(seen: true), Relaxed + BeatText(seen: true));

    /// The beat's statement: `seen` also marks the agent seen; `ownTransaction` when the beat commits on its own.
    public static string BeatFor(BosunDb db, bool seen, bool ownTransaction) =>
        (ownTransaction ? seen ? BeatSeenRelaxed : BeatRelaxed : seen ? BeatSeen : Beat).For(db);

    public static readonly Statement Complete = new("run.complete", $"""
        UPDATE runs SET {RunCompleted.SetList} WHERE tenant_id = @tenant AND id = @run;
        UPDATE work_items SET {ItemCompleted.SetList} WHERE tenant_id = @tenant AND id = @item;
        """);

    /// Whether the run and item read before the write lock are still as they were: the run's status and lease, and the
    /// item's status, holder and last change (every change of an item sets it).
    public static readonly Statement Unchanged = new("run.unchanged", """
        SELECT r.status, r.lease_token, w.status, w.active_run_id, w.updated_at
        FROM runs r JOIN work_items w ON w.tenant_id = r.tenant_id AND w.id = r.work_item_id
        WHERE r.tenant_id = @tenant AND r.id = @run
        """);

    public static async Task<bool> UnchangedAsync(BosunDb db, string tenant, Run run, WorkItem item, CancellationToken ct)
    {
        await using var command = Sql.Command(db, Unchanged.For(db));
        command.With("tenant", tenant);
        command.With("run", run.Id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
               && reader.GetString(0) == run.Status.Snake()
               && reader.GetString(1) == run.LeaseToken
               && reader.GetString(2) == item.Status.Snake()
               && (reader.IsDBNull(3) ? null : reader.GetString(3)) == item.ActiveRunId
               && reader.GetDateTime(4).Ticks == item.UpdatedAt.Ticks;
    }

    /// Locks the run's item on PostgreSQL; SQLite's single writer already holds every row.
    public static readonly Statement LockItemOfRun = new("run.lock_item", "SELECT 1", """
        SELECT 1 FROM work_items w JOIN runs r ON r.tenant_id = w.tenant_id AND r.work_item_id = w.id
        WHERE r.tenant_id = @tenant AND r.id = @run FOR UPDATE OF w
        """);

    public static async Task LockItemOfRunAsync(BosunDb db, string tenant, string runId, CancellationToken ct)
    {
        if (db.IsPostgres)
        {
            await using var command = Sql.Command(db, LockItemOfRun.For(db));
            command.With("tenant", tenant);
            command.With("run", runId);
            // Not ExecuteScalar: Npgsql drops a timeout that strikes after the row was read, leaving the transaction
            // aborted with no error; reading the statement to its end reports it here.
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    private static string ForBeatText(bool postgres) => $"""
        SELECT r.status, r.agent_id, r.user_id, r.lease_token, r.stop_reason, r.started_at, r.lease_expires_at, r.work_item_id,
               w.status, w.active_run_id, w.project_id, w.key, a.run_timeout_seconds, a.last_heartbeat_at
        FROM runs r
        JOIN work_items w ON w.tenant_id = r.tenant_id AND w.id = r.work_item_id
        LEFT JOIN agents a ON a.tenant_id = r.tenant_id AND a.id = r.agent_id
        WHERE r.tenant_id = @tenant AND r.id = @run
        {(postgres ? "FOR UPDATE OF w" : "")}
        """;

    /// What a heartbeat needs, read and locked in one plain statement: the run's lease and timing, the item's
    /// status and the agent's timeout.
    public static readonly Statement ForBeat = new("run.for_beat", ForBeatText(postgres: false), ForBeatText(postgres: true));

    /// The run, its item and its agent's timing, with only these fields set; null when there is no such run.
    public static async Task<(Run Run, WorkItem Item, AgentTiming? Agent)?> ForBeatAsync(BosunDb db, string tenant, string runId, CancellationToken ct)
    {
        await using var command = Sql.Command(db, ForBeat.For(db));
        command.With("tenant", tenant);
        command.With("run", runId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        DateTime? Time(int i) => reader.IsDBNull(i) ? null : DateTime.SpecifyKind(reader.GetDateTime(i), DateTimeKind.Utc);
        var run = new Run
        {
            Id = runId,
            Status = EnumNames<RunStatus>.Parse(reader.GetString(0)),
            AgentId = Text(1),
            UserId = Text(2),
            LeaseToken = reader.GetString(3),
            StopReason = Text(4),
            StartedAt = Time(5)!.Value,
            LeaseExpiresAt = Time(6),
            WorkItemId = reader.GetString(7),
        };
        var item = new WorkItem
        {
            Id = run.WorkItemId,
            Status = EnumNames<WorkStatus>.Parse(reader.GetString(8)),
            ActiveRunId = Text(9),
            ProjectId = reader.GetString(10),
            Key = reader.GetString(11),
            Title = "",
        };
        var agent = reader.IsDBNull(12) ? null : new AgentTiming(reader.GetInt32(12), Time(13));
        return (run, item, agent);
    }

    private static readonly Col[] CheckColumns =
    [
        new("tenant_id"), new("id"), new("run_id"), new("work_item_id"), new("project_id"), new("name"), new("status"), new("url"),
        new("summary"), new("created_at", "timestamptz"), new("source"),
    ];

    /// The checks a completion reported, inserted in its transaction with one statement.
    public static Task InsertChecksAsync(BosunDb db, string tenant, Run run, WorkItem item, IReadOnlyList<ReportedCheck> checks, DateTime now, CancellationToken ct) =>
        Sql.InsertRowsAsync(db, "run_checks", CheckColumns, checks, c => [
            tenant, Ids.New(), run.Id, item.Id, item.ProjectId, c.Name, c.Status.Snake(), c.Url, c.Summary, now, "run",
        ], "", null, ct);
}
