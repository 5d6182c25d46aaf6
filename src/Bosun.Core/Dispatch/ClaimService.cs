using System.Data.Common;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Bosun.Core.Dispatch;

/// Hands ready work to agents. The pick and the lease happen in one short transaction: on PostgreSQL the
/// candidates are locked with FOR UPDATE SKIP LOCKED so concurrent claimers never get the same item; on
/// SQLite the transaction starts with BEGIN IMMEDIATE, so claims are serialised by the single writer.
public sealed class ClaimService(BosunDb db, RequestContext context, TimeProvider clock, WorkSignal signal, DispatchContext contextBuilder, Ledger.BudgetService budgets)
{
    public const int MaxBatch = 100;
    public const int MaxWaitSeconds = 60;
    private static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(1);

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

        string? projectId = null;
        if (request.Project is { Length: > 0 } projectRef)
        {
            projectId = await db.InTransactionAsync(c => db.Projects.IdOfAsync(projectRef, c), write: false, ct)
                        ?? throw ProblemException.Invalid("project", "no such project");
        }

        var deadline = clock.GetUtcNow() + TimeSpan.FromSeconds(wait);
        for (var attempt = 0; ; attempt++)
        {
            var claimed = await TryClaimAsync(max, projectId, lookFirst: attempt > 0, ct);
            if (claimed.Count > 0 || clock.GetUtcNow() >= deadline)
            {
                return new ClaimResponse(claimed);
            }

            var left = deadline - clock.GetUtcNow();
            await signal.WaitAsync(left < RecheckInterval ? left : RecheckInterval, ct);
        }
    }

    private async Task<IReadOnlyList<ClaimedWork>> TryClaimAsync(int max, string? projectId, bool lookFirst, CancellationToken ct)
    {
        var agentId = context.Actor.Id!;

        // While long-polling, a read-only look comes first, so idle pollers never queue for SQLite's writer lock.
        if (lookFirst && !await db.InTransactionAsync(async c =>
            {
                var found = await db.Agents.AsNoTracking().SingleAsync(a => a.Id == agentId, c);
                CheckAgent(found, await ActiveRunsAsync(agentId, c));
                return await AnyCandidateAsync(found, projectId, await BlockedAsync(found, projectId, c), c);
            }, write: false, ct))
        {
            return [];
        }

        var leases = await RetryTransientAsync(() => db.InTransactionAsync(async c =>
        {
            var fresh = await db.Agents.AsNoTracking().SingleAsync(a => a.Id == agentId, c);
            var active = await ActiveRunsAsync(agentId, c);
            CheckAgent(fresh, active);
            var room = Math.Min(max, fresh.MaxConcurrentRuns - active);
            var ids = await SelectCandidatesAsync(fresh, projectId, room, lockRows: true, await BlockedAsync(fresh, projectId, c), c);
            return await LeaseAsync(fresh, ids, c);
        }, write: true, ct));

        if (leases.Count == 0)
        {
            return [];
        }

        return await db.InTransactionAsync(c => contextBuilder.BuildAsync(leases, c), write: false, ct);
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

    private Task<int> ActiveRunsAsync(string agentId, CancellationToken ct) =>
        db.Runs.CountAsync(r => r.AgentId == agentId && r.Status == RunStatus.Active, ct);

    private async Task<bool> AnyCandidateAsync(Agent agent, string? projectId, Ledger.BlockedScopes? blocked, CancellationToken ct) =>
        (await SelectCandidatesAsync(agent, projectId, 1, lockRows: false, blocked, ct)).Count > 0;

    /// Scopes whose `stop` budget is spent. When they hold all the work this agent could take, the claim is
    /// refused with a problem naming the budget rather than answered with an empty queue.
    private async Task<Ledger.BlockedScopes?> BlockedAsync(Agent agent, string? projectId, CancellationToken ct)
    {
        var blocked = await budgets.BlockedScopesAsync(agent.Id, ct);
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

        var item = await db.WorkItems.AsNoTracking().Where(w => w.Id == next[0]).Select(w => new { w.Id, w.ProjectId }).SingleAsync(ct);
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

    private async Task<List<string>> SelectCandidatesAsync(Agent agent, string? projectId, int limit, bool lockRows, Ledger.BlockedScopes? blocked, CancellationToken ct)
    {
        if (limit <= 0)
        {
            return [];
        }

        // The dependency check is written as nested EXISTS so that both planners start from the item's own
        // dependency rows; as a join, SQLite without statistics scanned every work item of the tenant per candidate.
        // Directly assigned items always; role-assigned and unassigned ones only in projects the agent serves
        // (an agent linked to no project serves all). Dependencies must all be done.
        var sql = $"""
            SELECT w.id FROM work_items w
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
            LIMIT @limit
            {(lockRows && db.IsPostgres ? "FOR UPDATE OF w SKIP LOCKED" : "")}
            """;
        await using var command = Command(sql);
        Add(command, "tenant", context.RequireTenant());
        Add(command, "agent", agent.Id);
        Add(command, "role", agent.Role);
        Add(command, "limit", limit);
        if (projectId is not null)
        {
            Add(command, "project", projectId);
        }

        AddList(command, "bp", blocked?.ProjectIds);
        AddList(command, "bw", blocked?.WorkItemIds.Concat(blocked.AgentWorkItems.Where(p => p.AgentId == agent.Id).Select(p => p.WorkItemId)).ToHashSet());

        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private async Task<List<Lease>> LeaseAsync(Agent agent, List<string> ids, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var expires = RunService.LeaseUntil(now, agent, now);
        var leases = new List<Lease>(ids.Count);
        foreach (var id in ids)
        {
            var runId = Ids.New();
            var token = Secrets.NewToken("lease");
            await using var command = Command("""
                UPDATE work_items
                SET status = 'claimed', attempts = attempts + 1, active_run_id = @run, lease_token = @token,
                    lease_expires_at = @expires, updated_at = @now
                WHERE tenant_id = @tenant AND id = @id AND status = 'ready'
                RETURNING attempts
                """);
            Add(command, "tenant", context.RequireTenant());
            Add(command, "id", id);
            Add(command, "run", runId);
            Add(command, "token", token);
            Add(command, "expires", expires);
            Add(command, "now", now);
            var attempt = await command.ExecuteScalarAsync(ct);
            if (attempt is null)
            {
                continue;
            }

            var number = Convert.ToInt32(attempt);
            db.Runs.Add(new Run
            {
                Id = runId,
                WorkItemId = id,
                Attempt = number,
                AgentId = agent.Id,
                LeaseToken = token,
                LeaseExpiresAt = expires,
                StartedAt = now,
            });
            Governance.AuditLog.Record(db, "work_item.claimed", "work_item", id,
                new { status = new { before = "ready", after = "claimed" }, run = new { after = runId }, attempt = new { after = number } }, now);
            leases.Add(new Lease(runId, number, token, expires));
        }

        await db.SaveChangesAsync(ct);
        return leases;
    }

    private DbCommand Command(string sql)
    {
        var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        return command;
    }

    private static string Exclude(string column, string prefix, IReadOnlyCollection<string>? values) =>
        values is { Count: > 0 } ? $"AND {column} NOT IN ({string.Join(", ", values.Select((_, i) => $"@{prefix}{i}"))})" : "";

    private static void AddList(DbCommand command, string prefix, IReadOnlyCollection<string>? values)
    {
        var i = 0;
        foreach (var value in values ?? [])
        {
            Add(command, $"{prefix}{i++}", value);
        }
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }
}
