using System.Data.Common;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Data.Sqlite;
using Bosun.Core.Identity;
using Bosun.Core.Planning;

namespace Bosun.Core.Dispatch;

/// What a claim needs to know before it picks: the agent's settings (with its pause), how many runs it holds, the project
/// it named (by id, or by key in any case, as ProjectLookup matches it), whether the tenant has any budget that stops
/// work, and the caps on concurrent runs: the tenant's, and whether any project has one.
internal sealed record AgentState(Agent Agent, int ActiveRuns, string? ProjectRef, string? ProjectId, bool AnyStopBudget, int? TenantCap, bool AnyProjectCap)
{
    public string? Project() =>
        ProjectRef is null ? null : ProjectId ?? throw ProblemException.Invalid("project", "no such project");

    public bool Capped => TenantCap is not null || AnyProjectCap;
}

/// The active agents' runs of the tenant, and of each project with a cap (by id: its key, its cap and its runs).
internal sealed record CapCounts(int TenantActive, IReadOnlyDictionary<string, (string Key, int Cap, int Active)> Projects);

/// The claim's hand-written statements.
internal static class ClaimStatements
{
    /// SQLite has one writer at a time, so there a claim or a completion holds the write lock only for what must be
    /// exact and reads the rest before or after it; PostgreSQL does it all in one transaction, which saves rounds of
    /// BEGIN and COMMIT.
    public static bool SingleWriter(BosunDb db) => !db.IsPostgres;

    private const string AnyProjectCap = "EXISTS (SELECT 1 FROM projects cp WHERE cp.tenant_id = a.tenant_id AND cp.max_concurrent_runs IS NOT NULL)";

    // Each of these was a round trip of its own, and on PostgreSQL a round trip costs more CPU than such small lookups do.
    // With a cap on concurrent runs, two claims on PostgreSQL could each count the runs before the other's commit and
    // together pass the cap; so a claim that will lease takes the tenant's claim lock here, and counts the runs in its
    // next statement, which sees every claim that held the lock before. Without a cap, nothing is locked.
    private static string AgentText(string project, bool postgres) => $"""
        SELECT a.name, a.role, a.enabled, a.max_concurrent_runs, a.run_timeout_seconds, a.max_cost_per_work_item_micros,
               (SELECT COUNT(*) FROM runs r WHERE r.tenant_id = a.tenant_id AND r.agent_id = a.id AND r.status = 'active'),
               {project},
               EXISTS (SELECT 1 FROM budgets b WHERE b.tenant_id = a.tenant_id AND b.action <> 'warn'),
               a.claims_paused_until, a.pause_reason, t.max_concurrent_runs, {AnyProjectCap}
               {(postgres ? $", CASE WHEN @lock AND (t.max_concurrent_runs IS NOT NULL OR {AnyProjectCap}) THEN (SELECT true FROM pg_advisory_xact_lock({ClaimLockClass}, hashtext(a.tenant_id)) l) END" : "")}
        FROM agents a JOIN tenants t ON t.id = a.tenant_id
        WHERE a.tenant_id = @tenant AND a.id = @agent
        """;

    /// The class of the tenants' claim locks among PostgreSQL's two-key advisory locks ("bocl" in ASCII); the
    /// migrations' lock has a single key, which PostgreSQL keeps apart from two-key ones.
    private const int ClaimLockClass = 0x626f636c;

    private static Statement AgentStatement(string name, string project) => new(name, AgentText(project, postgres: false), AgentText(project, postgres: true));

    public static readonly Statement Agent = AgentStatement("claim.agent", "NULL");

    public static readonly Statement AgentWithProject = AgentStatement("claim.agent_with_project",
        "(SELECT p.id FROM projects p WHERE p.tenant_id = a.tenant_id AND (p.id = @project OR p.key = @project_key) LIMIT 1)");

    /// The agent's state, or null when the agent no longer exists. With <paramref name="lockCaps"/> a claim about to lease
    /// takes the tenant's claim lock, on PostgreSQL and only when a cap is set.
    public static async Task<AgentState?> AgentAsync(BosunDb db, string tenant, string agentId, string? projectRef, bool lockCaps, CancellationToken ct)
    {
        await using var command = Sql.Command(db, (projectRef is null ? Agent : AgentWithProject).For(db));
        command.With("tenant", tenant);
        command.With("agent", agentId);
        if (db.IsPostgres)
        {
            command.With("lock", lockCaps);
        }

        if (projectRef is not null)
        {
            command.With("project", projectRef);
            command.With("project_key", projectRef.ToUpperInvariant());
        }

        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        var agent = new Agent
        {
            Id = agentId,
            TenantId = tenant,
            Name = reader.GetString(0),
            Role = reader.GetString(1),
            Enabled = reader.GetBoolean(2),
            MaxConcurrentRuns = reader.GetInt32(3),
            RunTimeoutSeconds = reader.GetInt32(4),
            MaxCostPerWorkItemMicros = reader.IsDBNull(5) ? null : reader.GetInt64(5),
            ClaimsPausedUntil = reader.IsDBNull(9) ? null : DateTime.SpecifyKind(reader.GetDateTime(9), DateTimeKind.Utc),
            PauseReason = reader.IsDBNull(10) ? null : reader.GetString(10),
        };
        return new AgentState(agent, Convert.ToInt32(reader.GetValue(6)), projectRef, reader.IsDBNull(7) ? null : reader.GetString(7),
            Convert.ToBoolean(reader.GetValue(8)), reader.IsDBNull(11) ? null : Convert.ToInt32(reader.GetValue(11)), Convert.ToBoolean(reader.GetValue(12)));
    }

    /// Read only when a cap is set. People's runs are not counted: a person who starts an item is never refused, and
    /// the caps are on what agents run at once.
    public static readonly Statement Caps = new("claim.caps", """
        SELECT NULL, NULL, NULL, (SELECT COUNT(*) FROM runs r WHERE r.tenant_id = @tenant AND r.status = 'active' AND r.agent_id IS NOT NULL)
        UNION ALL
        SELECT p.id, p.key, p.max_concurrent_runs,
               (SELECT COUNT(*) FROM runs r JOIN work_items w ON w.tenant_id = r.tenant_id AND w.id = r.work_item_id
                WHERE r.tenant_id = @tenant AND r.status = 'active' AND r.agent_id IS NOT NULL AND w.project_id = p.id)
        FROM projects p WHERE p.tenant_id = @tenant AND p.max_concurrent_runs IS NOT NULL
        """);

    public static async Task<CapCounts> CapsAsync(BosunDb db, string tenant, CancellationToken ct)
    {
        await using var command = Sql.Command(db, Caps.For(db));
        command.With("tenant", tenant);
        var (tenantActive, projects) = (0, new Dictionary<string, (string Key, int Cap, int Active)>());
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var active = Convert.ToInt32(reader.GetValue(3));
            if (reader.IsDBNull(0))
            {
                tenantActive = active;
            }
            else
            {
                projects[reader.GetString(0)] = (reader.GetString(1), Convert.ToInt32(reader.GetValue(2)), active);
            }
        }

        return new CapCounts(tenantActive, projects);
    }

    // The dependency check starts from the item's own dependency rows and reads each one's status by key, a
    // subquery neither planner can turn into a join. As a join, SQLite without statistics scanned every work item of
    // the tenant per candidate; as a nested EXISTS, PostgreSQL without statistics (items just imported) did the same,
    // walking every unfinished item of the tenant for each candidate: 2-10 s per claim with 5,000 ready items and 64
    // claimers, and past the command timeout on a loaded machine.
    // Archived items and items of projects that are not active (paused or archived) are never claimed.
    // Directly assigned items always; role-assigned and unassigned ones only in projects the agent serves
    // (an agent linked to no project serves all). Dependencies must all be done. Questions are for people to answer
    // (their role is a person's role), so no agent claims one.
    // SQLite's planner prefers the board's (project, status) index and then sorts every ready item of the project;
    // the claim-ordered partial indexes give the best item first, so SQLite is told to use them.
    // SQLite looks at a bound LIMIT while it plans, so a statement with `LIMIT @limit` was compiled again on every
    // run: 80-90 µs of each claim's hold on the single writer. There the limit is a constant and the reader stops
    // at `limit` rows; the index gives the rows in claim order, so the rest are never produced. PostgreSQL locks
    // every row its LIMIT lets through, so it keeps the exact limit.
    private static string CandidatesText(bool postgres, bool inProject, bool lockRows, int excludedProjects, int excludedItems) => $"""
        SELECT w.id, w.project_id FROM work_items w {(postgres ? "" : inProject ? "INDEXED BY ix_work_items_ready_by_project" : "INDEXED BY ix_work_items_ready")}
        JOIN projects p ON p.tenant_id = w.tenant_id AND p.id = w.project_id
        WHERE w.tenant_id = @tenant AND w.status = 'ready' AND w.archived_at IS NULL AND p.status = 'active' AND w.type <> 'question'
          {(inProject ? "AND w.project_id = @project" : "")}
          {NotIn("w.project_id", "bp", excludedProjects)}
          {NotIn("w.id", "bw", excludedItems)}
          AND (w.assignee_agent_id = @agent
               OR (w.assignee_agent_id IS NULL AND w.assignee_user_id IS NULL
                   AND (w.assignee_role IS NULL OR w.assignee_role = @role)
                   AND (NOT EXISTS (SELECT 1 FROM agent_projects ap WHERE ap.tenant_id = @tenant AND ap.agent_id = @agent)
                        OR EXISTS (SELECT 1 FROM agent_projects ap WHERE ap.tenant_id = @tenant AND ap.agent_id = @agent AND ap.project_id = w.project_id))))
          AND NOT EXISTS (
              SELECT 1 FROM work_item_dependencies d
              WHERE d.tenant_id = w.tenant_id AND d.work_item_id = w.id
                AND (SELECT dep.status FROM work_items dep WHERE dep.tenant_id = d.tenant_id AND dep.id = d.depends_on_id) <> 'done')
        ORDER BY w.priority DESC, w.id
        {(postgres ? "LIMIT @limit" : $"LIMIT {ClaimService.MaxBatch}")}
        {(lockRows && postgres ? "FOR UPDATE OF w SKIP LOCKED" : "")}
        """;

    private static Statement Candidates(string name, bool inProject, bool lockRows) =>
        new(name, CandidatesText(false, inProject, lockRows, 0, 0), CandidatesText(true, inProject, lockRows, 0, 0));

    public static readonly Statement Look = Candidates("claim.look", inProject: false, lockRows: false);
    public static readonly Statement LookInProject = Candidates("claim.look_in_project", inProject: true, lockRows: false);
    public static readonly Statement Pick = Candidates("claim.pick", inProject: false, lockRows: true);
    public static readonly Statement PickInProject = Candidates("claim.pick_in_project", inProject: true, lockRows: true);

    /// The ids of up to <paramref name="limit"/> items the agent may claim, best first, leaving out the items and
    /// projects a spent budget blocks (their lists make the text, so only the common case without them is kept whole),
    /// and taking no more of a project than <paramref name="projectRoom"/> has room for (it is counted down).
    public static async Task<List<string>> CandidatesAsync(BosunDb db, string tenant, Agent agent, string? projectId, int limit, bool lockRows,
        IReadOnlyCollection<string>? excludedProjects, IReadOnlyCollection<string>? excludedItems, Dictionary<string, int>? projectRoom, CancellationToken ct)
    {
        var (bp, bw) = (excludedProjects?.Count ?? 0, excludedItems?.Count ?? 0);
        var text = bp + bw > 0
            ? CandidatesText(db.IsPostgres, projectId is not null, lockRows, bp, bw)
            : (projectId is null ? lockRows ? Pick : Look : lockRows ? PickInProject : LookInProject).For(db);
        await using var command = Sql.Command(db, text);
        command.With("tenant", tenant);
        command.With("agent", agent.Id);
        command.With("role", agent.Role);
        if (db.IsPostgres)
        {
            command.With("limit", limit);
        }

        if (projectId is not null)
        {
            command.With("project", projectId);
        }

        AddList(command, "bp", excludedProjects);
        AddList(command, "bw", excludedItems);
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (ids.Count < limit && await reader.ReadAsync(ct))
        {
            if (projectRoom is not null && reader.GetString(1) is var project && projectRoom.TryGetValue(project, out var room))
            {
                if (room <= 0)
                {
                    continue;
                }

                projectRoom[project] = room - 1;
            }

            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// What a claim changes on each item it leases; the run, its token and the attempt come from the statement's rows.
    public static readonly RowChange<WorkItem> Leased = new("",
        new Column<WorkItem>("status", w => w.Status, (w, v) => w.Status = (WorkStatus)v!) { Sql = "'claimed'" },
        new Column<WorkItem>("active_run_id", w => w.ActiveRunId, (w, v) => w.ActiveRunId = (string?)v) { Sql = "v.run", AuditAs = "run", Gained = true },
        new Column<WorkItem>("attempts", w => w.Attempts, (w, v) => w.Attempts = (int)v!) { Sql = "attempts + 1", AuditAs = "attempt", Gained = true },
        new Column<WorkItem>("lease_token", w => w.LeaseToken, (w, v) => w.LeaseToken = (string?)v) { Sql = "v.lease", Hidden = true },
        new Column<WorkItem>("lease_expires_at", w => w.LeaseExpiresAt, (w, v) => w.LeaseExpiresAt = (DateTime?)v) { Sql = "@expires", Hidden = true },
        new Column<WorkItem>("updated_at", w => w.UpdatedAt, (w, v) => w.UpdatedAt = (DateTime)v!) { Sql = "@now", Hidden = true });

    /// Leases a batch in one statement, its rows read from one parameter (a JSON array on SQLite, arrays on PostgreSQL),
    /// so the statement's text is the same for any batch size and is prepared once.
    /// On SQLite the tenant travels in each row rather than as a parameter of its own: given `tenant_id = @tenant`, a
    /// database without statistics (SQLite gathers none by itself) guessed that a tenant has a handful of items, walked
    /// all of them and looked each up in the JSON: 15 ms for a single claim among 60,000 items. Matched to the row's
    /// tenant, an item can only be reached from its row, through the primary key (the index SQLite made for it is named
    /// after the table).
    public static readonly Statement Lease = new("claim.lease", LeaseText(postgres: false), LeaseText(postgres: true));

    private static string LeaseText(bool postgres) => $"""
        UPDATE work_items {(postgres ? "" : "INDEXED BY sqlite_autoindex_work_items_1")}
        SET {Leased.SetList}
        FROM {(postgres
            ? "unnest(@ids::text[], @runs::text[], @leases::text[]) AS v(id, run, lease)"
            : $"(SELECT value->>0 AS id, value->>1 AS run, value->>2 AS lease, value->>3 AS tenant FROM {SqliteRows.Source}) AS v")}
        WHERE work_items.tenant_id = {(postgres ? "@tenant" : "v.tenant")} AND work_items.id = v.id AND work_items.status = 'ready'
        RETURNING work_items.id, work_items.attempts, work_items.project_id, work_items.key
        """;

    /// Leases the items that are still ready and answers, per leased item, its attempt, project and key.
    public static async Task<Dictionary<string, (int Attempt, string ProjectId, string Key)>> LeaseAsync(BosunDb db, string tenant,
        IReadOnlyList<string> ids, IReadOnlyDictionary<string, (string RunId, string Token)> runs, DateTime expires, DateTime now, CancellationToken ct)
    {
        var leased = new Dictionary<string, (int Attempt, string ProjectId, string Key)>();
        await using var command = Sql.Command(db, Lease.For(db));
        command.With("expires", expires);
        command.With("now", now);
        if (db.IsPostgres)
        {
            command.With("tenant", tenant);
            command.With("ids", ids.ToArray());
            command.With("runs", ids.Select(id => runs[id].RunId).ToArray());
            command.With("leases", ids.Select(id => runs[id].Token).ToArray());
        }
        else
        {
            command.With("rows", SqliteRows.Json(ids.Select(id => new object?[] { id, runs[id].RunId, runs[id].Token, tenant }).ToList()));
        }

        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            leased[reader.GetString(0)] = (Convert.ToInt32(reader.GetValue(1)), reader.GetString(2), reader.GetString(3));
        }

        return leased;
    }

    private static readonly Col[] RunColumns =
    [
        new("tenant_id"), new("id"), new("work_item_id"), new("attempt", "integer"), new("agent_id"), new("status"), new("lease_token"),
        new("lease_expires_at", "timestamptz"), new("started_at", "timestamptz"), new("cost_micros", "bigint"),
    ];

    /// The runs of a batch's leases, active and without cost yet.
    public static Task InsertRunsAsync(BosunDb db, string tenant, string agentId, IReadOnlyList<Lease> leases, DateTime expires, DateTime now, CancellationToken ct) =>
        Sql.InsertRowsAsync(db, "runs", RunColumns, leases, l => [
            tenant, l.RunId, l.WorkItemId, l.Attempt, agentId, "active", l.LeaseToken, expires, now, 0L,
        ], "", null, ct);

    private static string NotIn(string column, string prefix, int count) =>
        count > 0 ? $"AND {column} NOT IN ({string.Join(", ", Enumerable.Range(0, count).Select(i => $"@{prefix}{i}"))})" : "";

    private static void AddList(DbCommand command, string prefix, IReadOnlyCollection<string>? values)
    {
        var i = 0;
        foreach (var value in values ?? [])
        {
            command.With($"{prefix}{i++}", value);
        }
    }
}
