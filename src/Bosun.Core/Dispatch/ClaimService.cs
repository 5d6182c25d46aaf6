using System.Data.Common;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Data.Sqlite;
using Bosun.Core.Identity;
using Bosun.Core.Ledger;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Dispatch;

/// Hands ready work to agents. The pick and the lease happen in one short transaction: on PostgreSQL the
/// candidates are locked with FOR UPDATE SKIP LOCKED so concurrent claimers never get the same item; on
/// SQLite the transaction starts with BEGIN IMMEDIATE, so claims are serialised by the single writer.
public sealed class ClaimService(BosunDb db, RequestContext context, TimeProvider clock, WorkSignal signal, DispatchContext contextBuilder, BudgetService budgets)
{
    public const int MaxBatch = 100;
    public const int MaxWaitSeconds = 60;
    private static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(1);

    private static readonly Col[] RunColumns =
    [
        new("tenant_id"), new("id"), new("work_item_id"), new("attempt", "integer"), new("agent_id"), new("status"), new("lease_token"),
        new("lease_expires_at", "timestamptz"), new("started_at", "timestamptz"), new("cost_micros", "bigint"),
    ];

    public async Task<ClaimResponse> ClaimAsync(ClaimRequest request, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        var max = Check.Range(problem, "max", request.Max, 1, MaxBatch) ?? 1;
        var wait = Check.Range(problem, "wait_seconds", request.WaitSeconds, 0, MaxWaitSeconds) ?? 0;
        problem.ThrowIfAny();
        if (context.Actor.Type != ActorType.Agent)
        {
            throw ProblemException.Forbidden("Only agents claim from the queue; people start an item with POST /api/v1/work/{id}/start.");
        }

        db.GenericPlans = true;
        var deadline = clock.GetUtcNow() + TimeSpan.FromSeconds(wait);
        for (var attempt = 0; ; attempt++)
        {
            var workAppeared = signal.Next();
            var claimed = await TryClaimAsync(max, request.Project is { Length: > 0 } project ? project : null, lookFirst: attempt > 0, ct);
            if (claimed.Count > 0 || clock.GetUtcNow() >= deadline)
            {
                return new ClaimResponse(claimed);
            }

            var left = deadline - clock.GetUtcNow();
            await Wake.WaitAsync(workAppeared, left < RecheckInterval ? left : RecheckInterval, ct);
        }
    }

    private async Task<IReadOnlyList<ClaimedWork>> TryClaimAsync(int max, string? projectRef, bool lookFirst, CancellationToken ct)
    {
        var agentId = context.Actor.Id!;

        // SQLite has one writer at a time, so there the claim holds the write lock only for what must be exact (the
        // agent's run count, the pick and the lease): the project and the spent budgets are read just before, and
        // the context after the commit. PostgreSQL does it all in one transaction, which saves rounds of BEGIN and COMMIT.
        // While long-polling, that read also looks for work first, so idle pollers never queue for SQLite's writer lock.
        var inside = db.IsPostgres;
        (string? ProjectId, BlockedScopes? Blocked)? before = null;
        if (lookFirst || !inside)
        {
            var look = await db.InTransactionAsync(async c =>
            {
                var state = await AgentAsync(agentId, projectRef, c);
                var found = state.Agent;
                if (lookFirst)
                {
                    CheckAgent(found, state.ActiveRuns);
                }

                var projectId = state.Project();
                var blocked = await BlockedAsync(state, projectId, c);
                return (projectId, blocked, Ready: !lookFirst || await AnyCandidateAsync(found, projectId, blocked, c));
            }, write: false, ct);
            if (!look.Ready)
            {
                return [];
            }

            before = inside ? null : (look.projectId, look.blocked);
        }

        var (leases, claimed) = await RetryTransientAsync(() => db.InTransactionAsync(async c =>
        {
            var state = await AgentAsync(agentId, before is null ? projectRef : null, c);
            var (fresh, active) = (state.Agent, state.ActiveRuns);
            CheckAgent(fresh, active);
            var projectId = before is { } known ? known.ProjectId : state.Project();
            var blocked = before is { } read ? read.Blocked : await BlockedAsync(state, projectId, c);
            var room = Math.Min(max, fresh.MaxConcurrentRuns - active);
            var ids = await SelectCandidatesAsync(fresh, projectId, room, lockRows: true, blocked, c);
            var made = await LeaseAsync(fresh, ids, c);
            return (made, inside && made.Count > 0 ? await contextBuilder.BuildAsync(made, c) : null);
        }, write: true, ct));

        if (leases.Count == 0)
        {
            return [];
        }

        return claimed ?? await db.InTransactionAsync(c => contextBuilder.BuildAsync(leases, c), write: false, ct);
    }

    /// What a claim needs to know before it picks, read in one statement: the agent's settings, how many runs it holds,
    /// the project it named (by id, or by key in any case, as ProjectLookup matches it), and whether the tenant has any
    /// budget that stops work. Each of these was a round trip of its own, and on PostgreSQL a round trip costs more CPU
    /// than such small lookups do.
    private sealed record AgentState(Agent Agent, int ActiveRuns, string? ProjectRef, string? ProjectId, bool AnyStopBudget)
    {
        public string? Project() =>
            ProjectRef is null ? null : ProjectId ?? throw ProblemException.Invalid("project", "no such project");
    }

    private async Task<AgentState> AgentAsync(string agentId, string? projectRef, CancellationToken ct)
    {
        var project = projectRef is null
            ? "NULL"
            : "(SELECT p.id FROM projects p WHERE p.tenant_id = a.tenant_id AND (p.id = @project OR p.key = @project_key) LIMIT 1)";
        await using var command = Sql.Command(db, $"""
            SELECT a.name, a.role, a.enabled, a.max_concurrent_runs, a.run_timeout_seconds, a.max_cost_per_work_item_micros,
                   (SELECT COUNT(*) FROM runs r WHERE r.tenant_id = a.tenant_id AND r.agent_id = a.id AND r.status = 'active'),
                   {project},
                   EXISTS (SELECT 1 FROM budgets b WHERE b.tenant_id = a.tenant_id AND b.action = 'stop')
            FROM agents a WHERE a.tenant_id = @tenant AND a.id = @agent
            """);
        command.With("tenant", context.RequireTenant());
        command.With("agent", agentId);
        if (projectRef is not null)
        {
            command.With("project", projectRef);
            command.With("project_key", projectRef.ToUpperInvariant());
        }

        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            throw ProblemException.Forbidden("This agent no longer exists.");
        }

        var agent = new Agent
        {
            Id = agentId,
            TenantId = context.RequireTenant(),
            Name = reader.GetString(0),
            Role = reader.GetString(1),
            Enabled = reader.GetBoolean(2),
            MaxConcurrentRuns = reader.GetInt32(3),
            RunTimeoutSeconds = reader.GetInt32(4),
            MaxCostPerWorkItemMicros = reader.IsDBNull(5) ? null : reader.GetInt64(5),
        };
        return new AgentState(agent, Convert.ToInt32(reader.GetValue(6)), projectRef, reader.IsDBNull(7) ? null : reader.GetString(7),
            Convert.ToBoolean(reader.GetValue(8)));
    }

    /// Many claimers lock rows at once; when PostgreSQL aborts one of them to break a deadlock or a serialization
    /// conflict, nothing was committed, so the claim is simply tried again.
    private async Task<T> RetryTransientAsync<T>(Func<Task<T>> claim)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await claim();
            }
            catch (Exception ex) when (attempt < 4 && IsTransient(ex))
            {
                db.ChangeTracker.Clear();
                await Task.Delay(TimeSpan.FromMilliseconds(20 * attempt));
            }
        }
    }

    private static bool IsTransient(Exception ex) => ex switch
    {
        Npgsql.PostgresException pg => pg.SqlState is Npgsql.PostgresErrorCodes.DeadlockDetected or Npgsql.PostgresErrorCodes.SerializationFailure,
        DbUpdateException { InnerException: { } inner } => IsTransient(inner),
        InvalidOperationException { InnerException: { } inner } => IsTransient(inner),
        _ => false,
    };

    private void CheckAgent(Agent agent, int activeRuns)
    {
        if (!agent.Enabled)
        {
            throw ProblemException.Forbidden($"Agent {agent.Name} is disabled.");
        }

        if (activeRuns >= agent.MaxConcurrentRuns)
        {
            var problem = new ProblemException(429, "Too many active runs",
                $"Agent {agent.Name} already holds {activeRuns} of its {agent.MaxConcurrentRuns} concurrent runs; finish or release one first.",
                "/problems/concurrency-limit");
            problem.Headers["Retry-After"] = "5";
            throw problem;
        }
    }

    private async Task<bool> AnyCandidateAsync(Agent agent, string? projectId, BlockedScopes? blocked, CancellationToken ct) =>
        (await SelectCandidatesAsync(agent, projectId, 1, lockRows: false, blocked, ct)).Count > 0;

    /// Scopes whose `stop` budget is spent. When they hold all the work this agent could take, the claim is
    /// refused with a problem naming the budget rather than answered with an empty queue.
    private async Task<BlockedScopes?> BlockedAsync(AgentState state, string? projectId, CancellationToken ct)
    {
        var agent = state.Agent;
        if (!state.AnyStopBudget && agent.MaxCostPerWorkItemMicros is null)
        {
            return null;
        }

        var blocked = await budgets.BlockedScopesAsync(agent.Id, agent.MaxCostPerWorkItemMicros, ct);
        var any = blocked.Tenant || blocked.ProjectIds.Count > 0 || blocked.AgentIds.Count > 0 || blocked.WorkItemIds.Count > 0 || blocked.AgentWorkItems.Count > 0;
        if (!any)
        {
            return null;
        }

        var next = await SelectCandidatesAsync(agent, projectId, 1, lockRows: false, null, ct);
        if (next.Count == 0)
        {
            return blocked;
        }

        var nextId = next[0];
        var item = await db.WorkItems.AsNoTracking().Where(w => w.Id == nextId).Select(w => new { w.Id, w.ProjectId }).SingleAsync(ct);
        if (blocked.Tenant || blocked.AgentIds.Contains(agent.Id))
        {
            throw (await budgets.FindBlockingBudgetAsync(agent.Id, item.ProjectId, item.Id, ct))?.ToProblem("Claim refused")
                  ?? throw new InvalidOperationException("A blocked scope without a blocking budget.");
        }

        if (blocked.Blocks(agent.Id, item.ProjectId, item.Id)
            && (await SelectCandidatesAsync(agent, projectId, 1, lockRows: false, blocked, ct)).Count == 0
            && await budgets.FindBlockingBudgetAsync(agent.Id, item.ProjectId, item.Id, ct) is { } block)
        {
            throw block.ToProblem("Claim refused");
        }

        return blocked;
    }

    private async Task<List<string>> SelectCandidatesAsync(Agent agent, string? projectId, int limit, bool lockRows, BlockedScopes? blocked, CancellationToken ct)
    {
        if (limit <= 0)
        {
            return [];
        }

        // The dependency check is written as nested EXISTS so that both planners start from the item's own
        // dependency rows; as a join, SQLite without statistics scanned every work item of the tenant per candidate.
        // Directly assigned items always; role-assigned and unassigned ones only in projects the agent serves
        // (an agent linked to no project serves all). Dependencies must all be done.
        // SQLite's planner prefers the board's (project, status) index and then sorts every ready item of the project;
        // the claim-ordered partial indexes give the best item first, so SQLite is told to use them.
        var index = db.IsPostgres ? "" : projectId is null ? "INDEXED BY ix_work_items_ready" : "INDEXED BY ix_work_items_ready_by_project";

        // SQLite looks at a bound LIMIT while it plans, so a statement with `LIMIT @limit` was compiled again on every
        // run: 80-90 µs of each claim's hold on the single writer. There the limit is a constant and the reader stops
        // at `limit` rows; the index gives the rows in claim order, so the rest are never produced. PostgreSQL locks
        // every row its LIMIT lets through, so it keeps the exact limit.
        var limitClause = db.IsPostgres ? "LIMIT @limit" : $"LIMIT {MaxBatch}";
        var sql = $"""
            SELECT w.id FROM work_items w {index}
            JOIN projects p ON p.tenant_id = w.tenant_id AND p.id = w.project_id
            WHERE w.tenant_id = @tenant AND w.status = 'ready' AND p.status = 'active'
              {(projectId is null ? "" : "AND w.project_id = @project")}
              {Exclude("w.project_id", "bp", blocked?.ProjectIds)}
              {Exclude("w.id", "bw", blocked?.WorkItemIds.Concat(blocked.AgentWorkItems.Where(p => p.AgentId == agent.Id).Select(p => p.WorkItemId)).ToHashSet())}
              AND (w.assignee_agent_id = @agent
                   OR (w.assignee_agent_id IS NULL AND w.assignee_user_id IS NULL
                       AND (w.assignee_role IS NULL OR w.assignee_role = @role)
                       AND (NOT EXISTS (SELECT 1 FROM agent_projects ap WHERE ap.tenant_id = @tenant AND ap.agent_id = @agent)
                            OR EXISTS (SELECT 1 FROM agent_projects ap WHERE ap.tenant_id = @tenant AND ap.agent_id = @agent AND ap.project_id = w.project_id))))
              AND NOT EXISTS (
                  SELECT 1 FROM work_item_dependencies d
                  WHERE d.tenant_id = w.tenant_id AND d.work_item_id = w.id
                    AND EXISTS (SELECT 1 FROM work_items dep WHERE dep.tenant_id = d.tenant_id AND dep.id = d.depends_on_id AND dep.status <> 'done'))
            ORDER BY w.priority DESC, w.id
            {limitClause}
            {(lockRows && db.IsPostgres ? "FOR UPDATE OF w SKIP LOCKED" : "")}
            """;
        await using var command = Sql.Command(db, sql);
        command.With("tenant", context.RequireTenant());
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

        AddList(command, "bp", blocked?.ProjectIds);
        AddList(command, "bw", blocked?.WorkItemIds.Concat(blocked.AgentWorkItems.Where(p => p.AgentId == agent.Id).Select(p => p.WorkItemId)).ToHashSet());

        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (ids.Count < limit && await reader.ReadAsync(ct))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// Leases the picked items with one UPDATE that re-checks their status (an item taken meanwhile is skipped), then
    /// writes the runs and the audit rows of the whole batch.
    private async Task<List<Lease>> LeaseAsync(Agent agent, List<string> ids, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var expires = RunService.LeaseUntil(now, agent, now);
        var tenant = context.RequireTenant();
        var leases = new List<Lease>(ids.Count);
        if (ids.Count == 0)
        {
            return leases;
        }

        var runs = ids.ToDictionary(id => id, _ => (RunId: Ids.New(), Token: Secrets.NewToken("lease")));
        var claimedNow = new Dictionary<string, (int Attempt, string ProjectId, string Key)>();

        await using (var command = Sql.Command(db, LeaseStatement(db.IsPostgres)))
        {
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
                claimedNow[reader.GetString(0)] = (Convert.ToInt32(reader.GetValue(1)), reader.GetString(2), reader.GetString(3));
            }
        }

        // In the order picked: the best item first.
        var audit = new Governance.DirectAudit.Batch(db, now);
        foreach (var id in ids.Where(claimedNow.ContainsKey))
        {
            var (attempt, projectId, key) = claimedNow[id];
            var (runId, token) = runs[id];
            audit.Add("work_item", "claimed", id, new Governance.DirectAudit.Changes()
                    .Set("status", WorkStatus.Ready, WorkStatus.Claimed).Added("run", runId).Added("attempt", attempt), id, projectId, key)
                .Add("run", "created", runId, new Governance.DirectAudit.Changes()
                    .Added("agent_id", agent.Id).Added("attempt", attempt).Added("cost_micros", 0L).Added("started_at", now)
                    .Added("status", RunStatus.Active).Added("work_item_id", id), id, projectId, key);
            leases.Add(new Lease(runId, attempt, token, expires) { WorkItemId = id });
        }

        if (leases.Count == 0)
        {
            return leases;
        }

        await Sql.InsertRowsAsync(db, "runs", RunColumns, leases, l => [
            tenant, l.RunId, l.WorkItemId, l.Attempt, agent.Id, "active", l.LeaseToken, expires, now, 0L,
        ], "", null, ct);
        await audit.WriteAsync(ct);
        return leases;
    }

    /// Leases a batch in one statement, its rows read from one parameter (a JSON array on SQLite, arrays on PostgreSQL),
    /// so the statement's text is the same for any batch size and is prepared once.
    /// On SQLite the tenant travels in each row rather than as a parameter of its own: given `tenant_id = @tenant`, a
    /// database without statistics (SQLite gathers none by itself) guessed that a tenant has a handful of items, walked
    /// all of them and looked each up in the JSON: 15 ms for a single claim among 60,000 items. Matched to the row's
    /// tenant, an item can only be reached from its row, through the primary key (the index SQLite made for it is named
    /// after the table).
    internal static string LeaseStatement(bool postgres) => postgres ? PostgresLease : SqliteLease;

    private static readonly string PostgresLease = BuildLease(postgres: true), SqliteLease = BuildLease(postgres: false);

    private static string BuildLease(bool postgres) => $"""
        UPDATE work_items {(postgres ? "" : "INDEXED BY sqlite_autoindex_work_items_1")}
        SET status = 'claimed', attempts = attempts + 1, active_run_id = v.run, lease_token = v.lease,
            lease_expires_at = @expires, updated_at = @now
        FROM {(postgres
            ? "unnest(@ids::text[], @runs::text[], @leases::text[]) AS v(id, run, lease)"
            : $"(SELECT value->>0 AS id, value->>1 AS run, value->>2 AS lease, value->>3 AS tenant FROM {SqliteRows.Source}) AS v")}
        WHERE work_items.tenant_id = {(postgres ? "@tenant" : "v.tenant")} AND work_items.id = v.id AND work_items.status = 'ready'
        RETURNING work_items.id, work_items.attempts, work_items.project_id, work_items.key
        """;

    private static string Exclude(string column, string prefix, IReadOnlyCollection<string>? values) =>
        values is { Count: > 0 } ? $"AND {column} NOT IN ({string.Join(", ", values.Select((_, i) => $"@{prefix}{i}"))})" : "";

    private static void AddList(DbCommand command, string prefix, IReadOnlyCollection<string>? values)
    {
        var i = 0;
        foreach (var value in values ?? [])
        {
            command.With($"{prefix}{i++}", value);
        }
    }
}
