using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Dispatch;

public sealed record RunFilter(string? WorkItem, string? Agent, RunStatus? Status);

/// The life of a run after its claim: heartbeats, completion, failure, release, and the escalation that
/// follows too many failures. Every call locks the work item row first and checks the lease token, so a
/// worker whose lease was lost (and whose item was re-claimed) changes nothing.
public sealed class RunService(BosunDb db, RequestContext context, TimeProvider clock, WorkSignal signal, WorkItemService workItems, DispatchContext contextBuilder)
{
    /// How long a lease lasts without a heartbeat (shorter if the agent's run timeout is shorter).
    public static readonly TimeSpan LeaseLength = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan AgentSeenResolution = TimeSpan.FromSeconds(10);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public static DateTime LeaseUntil(DateTime now, Agent agent, DateTime startedAt) => LeaseUntil(now, agent.RunTimeoutSeconds, startedAt);

    public static DateTime LeaseUntil(DateTime now, int runTimeoutSeconds, DateTime startedAt)
    {
        var lease = TimeSpan.FromSeconds(Math.Min(runTimeoutSeconds, LeaseLength.TotalSeconds));
        var hardStop = startedAt.AddSeconds(runTimeoutSeconds);
        var until = now + lease;
        return until < hardStop ? until : hardStop;
    }

    public async Task<RunView> GetAsync(string id, CancellationToken ct) =>
        RunView.From(await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct) ?? throw ProblemException.NotFound("Run"));

    public async Task<Page<RunView>> ListAsync(RunFilter filter, PageRequest page, CancellationToken ct)
    {
        var query = db.Runs.AsNoTracking().AsQueryable();
        if (filter.WorkItem is { Length: > 0 } itemRef)
        {
            var item = await workItems.FindAsync(itemRef, ct);
            query = query.Where(r => r.WorkItemId == item.Id);
        }

        if (filter.Agent is { Length: > 0 } agent)
        {
            query = query.Where(r => r.AgentId == agent);
        }

        if (filter.Status is { } status)
        {
            query = query.Where(r => r.Status == status);
        }

        if (page.Cursor is { } cursor)
        {
            query = query.Where(r => string.Compare(r.Id, cursor) > 0);
        }

        return await query.OrderBy(r => r.Id).ToPageAsync(page, r => r.Id, RunView.From, ct);
    }

    /// A heartbeat is the most frequent call an agent makes, so it changes the run and the item with two plain
    /// statements in a short transaction of its own; only the first one, which moves the item to in_progress, is audited.
    public async Task<HeartbeatResponse> HeartbeatAsync(string runId, HeartbeatRequest request, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        var progress = Check.Text(problem, "progress", request.Progress, 4000);
        problem.ThrowIfAny();
        var checkpoint = Check.Json(request.Checkpoint);

        // A heartbeat only proves liveness, so on PostgreSQL its own transaction does not wait for the WAL flush: a
        // crash can lose the last beats (the lease then ends a little sooner), never half of one.
        var relaxed = db.IsPostgres && db.Database.CurrentTransaction is null;
        db.GenericPlans = true;
        return await db.InTransactionAsync(async c =>
        {
            var (run, item, agent) = await HoldForBeatAsync(runId, request.LeaseToken, c);
            if (run.Status != RunStatus.Active)
            {
                // Ended by someone else (cancelled, stopped by a budget): tell the worker to stop rather than fail it.
                return run.StopReason is { } reason ? new HeartbeatResponse(true, reason, null) : throw Ended(run);
            }

            EnsureHoldsLease(run, item);
            var now = Now;
            var stop = run.StopReason;
            var lease = run.LeaseExpiresAt;
            var seen = false;
            if (agent is not null)
            {
                seen = agent.LastHeartbeatAt is null || now - agent.LastHeartbeatAt > AgentSeenResolution;
                if (now >= run.StartedAt.AddSeconds(agent.RunTimeoutSeconds))
                {
                    stop ??= "timeout";
                }
                else if (stop is null)
                {
                    lease = LeaseUntil(now, agent.RunTimeoutSeconds, run.StartedAt);
                }
            }

            var status = item.Status == WorkStatus.Claimed ? WorkStatus.InProgress : item.Status;
            await using (var update = Sql.Command(db, $"""
                {(relaxed ? "SET LOCAL synchronous_commit = off;" : "")}
                UPDATE runs SET heartbeat_at = @now, progress = COALESCE(@progress, progress),
                    checkpoint_json = COALESCE(@checkpoint, checkpoint_json), lease_expires_at = @lease
                WHERE tenant_id = @tenant AND id = @run;
                UPDATE work_items SET status = @status, checkpoint_json = COALESCE(@checkpoint, checkpoint_json),
                    lease_expires_at = @lease, updated_at = @now
                WHERE tenant_id = @tenant AND id = @item;
                {(seen ? "UPDATE agents SET last_heartbeat_at = @now WHERE tenant_id = @tenant AND id = @agent;" : "")}
                """))
            {
                update.With("now", now);
                update.With("progress", progress);
                update.With("checkpoint", checkpoint);
                update.With("lease", lease);
                update.With("tenant", context.RequireTenant());
                update.With("run", run.Id);
                update.With("status", status.Snake());
                update.With("item", item.Id);
                update.With("agent", run.AgentId);
                await update.ExecuteNonQueryAsync(c);
            }

            await new DirectAudit.Batch(db, now)
                .Add("work_item", "updated", item.Id, new DirectAudit.Changes().Set("status", item.Status, status), item.Id, item.ProjectId, item.Key)
                .WriteAsync(c);
            return new HeartbeatResponse(stop is not null, stop, lease);
        }, write: true, ct);
    }

    /// Completion of an item without an approval gate is the other half of every agent's loop: two plain
    /// statements and their audit rows. A gated item opens an approval, which goes through the tracked path.
    public async Task<RunOutcome> CompleteAsync(string runId, CompleteRequest request, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        var summary = Check.Text(problem, "summary", request.Summary, 20_000);
        if (request.Artifacts is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null or JsonValueKind.Undefined) })
        {
            problem.Add("artifacts", "must be an object such as {\"commits\": [...], \"pull_requests\": [...], \"checks\": [...]}");
        }

        problem.ThrowIfAny();
        var output = Check.Json(request.Output);
        var artifacts = Check.Json(request.Artifacts);
        db.GenericPlans = true;

        // SQLite has one writer at a time, so there the run and its item are read before the write lock is taken, and
        // under it only checked to be unchanged (as a claim reads the project first); the item's labels and
        // dependencies are read for the answer after the commit. PostgreSQL does it all in one transaction.
        var inside = db.IsPostgres;
        var before = inside ? null : await db.InTransactionAsync(c => RunWithItem.For(db)(db, runId), write: false, ct);
        var (finished, endedRun, doneItem) = await db.InTransactionAsync<(RunOutcome?, RunView?, WorkItem?)>(async c =>
        {
            var (run, item) = before is not null && await UnchangedAsync(before, c)
                ? (before.Run, before.Item)
                : await HoldAsync(runId, c);
            CheckHolder(run, request.LeaseToken);
            EnsureActive(run);
            EnsureHoldsLease(run, item);
            if (item.ApprovalRequired)
            {
                return (await CompleteGatedAsync(run, item, output, summary, artifacts, c), null, null);
            }

            var now = Now;
            var ended = new Run
            {
                Id = run.Id, WorkItemId = run.WorkItemId, Attempt = run.Attempt, AgentId = run.AgentId, UserId = run.UserId,
                Status = RunStatus.Completed, LeaseToken = run.LeaseToken, LeaseExpiresAt = run.LeaseExpiresAt, StartedAt = run.StartedAt,
                HeartbeatAt = run.HeartbeatAt, EndedAt = now, Progress = run.Progress, CheckpointJson = run.CheckpointJson,
                OutputJson = output, Summary = summary, ArtifactsJson = artifacts, CostMicros = run.CostMicros,
            };
            var audit = new DirectAudit.Batch(db, now)
                .Add("run", "updated", run.Id, new DirectAudit.Changes()
                    .Set("status", run.Status, ended.Status).Set("ended_at", run.EndedAt, now).Set("output_json", run.OutputJson, output)
                    .Set("summary", run.Summary, summary).Set("artifacts_json", run.ArtifactsJson, artifacts), item.Id, item.ProjectId, item.Key)
                .Add("work_item", "updated", item.Id, new DirectAudit.Changes()
                    .Set("status", item.Status, WorkStatus.Done).Set("active_run_id", item.ActiveRunId, null)
                    .Set("output_json", item.OutputJson, output ?? item.OutputJson).Set("completed_at", item.CompletedAt, now)
                    .Set("revision_notes", item.RevisionNotes, null), item.Id, item.ProjectId, item.Key);
            await using (var update = Sql.Command(db, """
                UPDATE runs SET status = 'completed', ended_at = @now, output_json = @output, summary = @summary, artifacts_json = @artifacts
                WHERE tenant_id = @tenant AND id = @run;
                UPDATE work_items SET status = 'done', active_run_id = NULL, lease_token = NULL, lease_expires_at = NULL,
                    output_json = COALESCE(@output, output_json), completed_at = @now, revision_notes = NULL, updated_at = @now
                WHERE tenant_id = @tenant AND id = @item;
                """))
            {
                update.With("now", now);
                update.With("output", output);
                update.With("summary", summary);
                update.With("artifacts", artifacts);
                update.With("tenant", context.RequireTenant());
                update.With("run", run.Id);
                update.With("item", item.Id);
                await update.ExecuteNonQueryAsync(c);
            }

            await audit.WriteAsync(c);
            item.Status = WorkStatus.Done;
            item.ActiveRunId = null;
            item.LeaseToken = null;
            item.LeaseExpiresAt = null;
            item.OutputJson = output ?? item.OutputJson;
            item.CompletedAt = now;
            item.RevisionNotes = null;
            item.UpdatedAt = now;
            return inside
                ? (new RunOutcome(RunView.From(ended), await workItems.ViewAsync(item, c), null, null), null, null)
                : (null, RunView.From(ended), item);
        }, write: true, ct);
        var outcome = finished
                      ?? new RunOutcome(endedRun!, await db.InTransactionAsync(c => workItems.ViewAsync(doneItem!, c), write: false, ct), null, null);

        if (outcome.Item.Status == WorkStatus.Done)
        {
            signal.Pulse();
        }

        return outcome;
    }

    /// Whether the run and item read before the write lock are still as they were: the run's status and lease, and the
    /// item's status, holder and last change (every change of an item sets it).
    private async Task<bool> UnchangedAsync(RunAndItem read, CancellationToken ct)
    {
        await using var command = Sql.Command(db, """
            SELECT r.status, r.lease_token, w.status, w.active_run_id, w.updated_at
            FROM runs r JOIN work_items w ON w.tenant_id = r.tenant_id AND w.id = r.work_item_id
            WHERE r.tenant_id = @tenant AND r.id = @run
            """);
        command.With("tenant", context.RequireTenant());
        command.With("run", read.Run.Id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
               && reader.GetString(0) == read.Run.Status.Snake()
               && reader.GetString(1) == read.Run.LeaseToken
               && reader.GetString(2) == read.Item.Status.Snake()
               && (reader.IsDBNull(3) ? null : reader.GetString(3)) == read.Item.ActiveRunId
               && reader.GetDateTime(4).Ticks == read.Item.UpdatedAt.Ticks;
    }

    private async Task<RunOutcome> CompleteGatedAsync(Run run, WorkItem item, string? output, string? summary, string? artifacts, CancellationToken ct)
    {
        // Already read, locked and checked: tracked from here, so the changes below are saved and audited.
        db.Runs.Attach(run);
        db.WorkItems.Attach(item);
        var now = Now;
        run.Status = RunStatus.Completed;
        run.EndedAt = now;
        run.OutputJson = output;
        run.Summary = summary;
        run.ArtifactsJson = artifacts;
        ClearLease(item);
        item.OutputJson = run.OutputJson ?? item.OutputJson;
        item.Status = WorkStatus.AwaitingApproval;
        var approval = new Approval
        {
            Kind = ApprovalKind.WorkOutput,
            Subject = $"Review {item.Key}: {item.Title}",
            WorkItemId = item.Id,
            RunId = run.Id,
            ProjectId = item.ProjectId,
            RequestedByRef = context.Actor.Ref,
            OutputJson = run.OutputJson,
            Summary = summary,
        };
        db.Approvals.Add(approval);
        await db.SaveChangesAsync(ct);
        return new RunOutcome(RunView.From(run), await workItems.ViewAsync(item, ct), approval.Id, null);
    }

    public async Task<RunOutcome> FailAsync(string runId, FailRequest request, CancellationToken ct)
    {
        var (run, item) = await LoadLockedAsync(runId, request.LeaseToken, ct);
        EnsureActive(run);
        EnsureHoldsLease(run, item);
        var problem = new ValidationProblem();
        var error = Check.Text(problem, "error", request.Error, 20_000, required: true);
        problem.ThrowIfAny();
        run.Status = RunStatus.Failed;
        run.EndedAt = Now;
        run.Error = error;
        run.Retryable = request.Retryable ?? true;
        var escalation = await AfterFailureAsync(run, item, run.Retryable.Value, ct);
        await db.SaveChangesAsync(ct);
        return new RunOutcome(RunView.From(run), await workItems.ViewAsync(item, ct), null, escalation);
    }

    public async Task<RunOutcome> ReleaseAsync(string runId, ReleaseRequest request, CancellationToken ct)
    {
        var (run, item) = await LoadLockedAsync(runId, request.LeaseToken, ct);
        EnsureActive(run);
        EnsureHoldsLease(run, item);
        run.Status = RunStatus.Released;
        run.EndedAt = Now;
        run.Summary = Check.Text(new ValidationProblem(), "reason", request.Reason, 4000);
        ClearLease(item);
        item.Status = WorkStatus.Ready;

        // The claim counted an attempt; giving the item back is not a failure, so it does not count.
        item.Attempts = Math.Max(0, item.Attempts - 1);
        await db.SaveChangesAsync(ct);
        signal.Pulse();
        return new RunOutcome(RunView.From(run), await workItems.ViewAsync(item, ct), null, null);
    }

    /// A person takes an item by hand. No lease expires for people, but the run is recorded all the same.
    public async Task<ClaimedWork> StartAsync(string idOrKey, CancellationToken ct)
    {
        if (context.Actor.Type != ActorType.Person)
        {
            throw ProblemException.Forbidden("Agents claim work with POST /api/v1/work/claim.");
        }

        Permissions.Require(context, Capability.EditWork);
        var found = await workItems.FindAsync(idOrKey, ct);
        await RowLock.LockAsync(db, "work_items", found.Id, ct);
        await db.Entry(found).ReloadAsync(ct);
        if (found.Status != WorkStatus.Ready)
        {
            throw WorkItemService.IllegalMove(found, WorkStatus.InProgress);
        }

        if (await workItems.UnfinishedDependenciesAsync(found.Id, ct) is { Count: > 0 } waiting)
        {
            throw new ProblemException(409, "Dependencies not done", $"{found.Key} waits for {string.Join(", ", waiting)}.", "/problems/dependencies-not-done");
        }

        var now = Now;
        found.Attempts += 1;
        var run = new Run
        {
            WorkItemId = found.Id,
            Attempt = found.Attempts,
            UserId = context.Actor.Id,
            LeaseToken = Secrets.NewToken("lease"),
            StartedAt = now,
        };
        db.Runs.Add(run);
        found.Status = WorkStatus.InProgress;
        found.ActiveRunId = run.Id;
        found.LeaseToken = run.LeaseToken;
        found.AssigneeUserId ??= found.AssigneeAgentId is null && found.AssigneeRole is null ? context.Actor.Id : null;
        await db.SaveChangesAsync(ct);
        return new ClaimedWork(await workItems.ViewAsync(found, ct), new Lease(run.Id, run.Attempt, run.LeaseToken, null), await contextBuilder.ContextOfAsync(found, ct));
    }

    /// Returns items whose lease expired to the queue (or fails and escalates them when out of attempts).
    /// Safe with several Bosun processes: each item is taken with SKIP LOCKED and its expiry re-checked under the lock.
    public async Task<int> ReapTenantAsync(IReadOnlyList<string> itemIds, CancellationToken ct)
    {
        var reaped = 0;
        foreach (var itemId in itemIds)
        {
            reaped += await db.InTransactionAsync(async c =>
            {
                if (!await RowLock.LockAsync(db, "work_items", itemId, c, skipLocked: true))
                {
                    return 0;
                }

                var now = Now;
                var item = await db.WorkItems.FirstOrDefaultAsync(w => w.Id == itemId, c);
                if (item is null || item.LeaseExpiresAt is not { } expiry || expiry > now || item.ActiveRunId is null)
                {
                    return 0;
                }

                var run = await db.Runs.FirstAsync(r => r.Id == item.ActiveRunId, c);
                run.Status = RunStatus.TimedOut;
                run.EndedAt = now;
                run.Error = "The lease expired without a heartbeat.";
                run.Retryable = true;
                await AfterFailureAsync(run, item, retryable: true, c);
                await db.SaveChangesAsync(c);
                return 1;
            }, write: true, ct);
        }

        if (reaped > 0)
        {
            signal.Pulse();
        }

        return reaped;
    }

    /// Back to the queue while attempts remain; otherwise failed, with an escalation to a person.
    private async Task<string?> AfterFailureAsync(Run run, WorkItem item, bool retryable, CancellationToken ct)
    {
        ClearLease(item);
        var limit = run.AgentId is { } agentId
            ? await db.Agents.Where(a => a.Id == agentId).Select(a => a.FailuresBeforeEscalation).FirstAsync(ct)
            : int.MaxValue;
        if (retryable && item.Attempts < limit)
        {
            item.Status = WorkStatus.Ready;
            signal.Pulse();
            return null;
        }

        item.Status = WorkStatus.Failed;
        return await EscalateAsync(item, run, ct);
    }

    private async Task<string> EscalateAsync(WorkItem item, Run lastRun, CancellationToken ct)
    {
        var runs = await db.Runs.AsNoTracking().Where(r => r.WorkItemId == item.Id).OrderBy(r => r.Id).Select(r => r.Id).ToListAsync(ct);
        if (!runs.Contains(lastRun.Id))
        {
            runs.Add(lastRun.Id);
        }

        var lead = await db.Projects.Where(p => p.Id == item.ProjectId).Select(p => p.LeadUserId).FirstOrDefaultAsync(ct)
                   ?? await db.Users.Where(u => u.Status == PersonStatus.Active && (u.Role == PersonRole.Admin || u.Role == PersonRole.Owner))
                       .OrderBy(u => u.Role == PersonRole.Admin ? 0 : 1).ThenBy(u => u.Id).Select(u => u.Id).FirstOrDefaultAsync(ct);
        var input = JsonSerializer.SerializeToElement(new { work_item = item.Key, work_item_id = item.Id, runs, last_error = lastRun.Error });
        var escalation = await workItems.CreateAsync(new CreateWorkItem(
            item.ProjectId, "escalation", $"Escalation: {item.Key} failed after {item.Attempts} attempt(s)",
            $"{item.Key} \"{item.Title}\" failed. Last error: {lastRun.Error}\nRuns: {string.Join(", ", runs)}",
            WorkStatus.Ready, Priority.High, lead is null ? null : $"user:{lead}", null, item.GoalId, null, ["escalation"], false, input, null), ct);
        return escalation.Id;
    }

    /// The run and its item, read untracked in one query after the item row is locked (on PostgreSQL; on SQLite the
    /// write lock is already held). The caller checks ownership and lease, as <see cref="LoadLockedAsync"/> does.
    private async Task<(Run Run, WorkItem Item)> HoldAsync(string runId, CancellationToken ct)
    {
        if (db.IsPostgres)
        {
            await using var lockItem = Sql.Command(db, """
                SELECT 1 FROM work_items w JOIN runs r ON r.tenant_id = w.tenant_id AND r.work_item_id = w.id
                WHERE r.tenant_id = @tenant AND r.id = @run FOR UPDATE OF w
                """);
            lockItem.With("tenant", context.RequireTenant());
            lockItem.With("run", runId);
            await lockItem.ExecuteScalarAsync(ct);
        }

        var found = await RunWithItem.For(db)(db, runId) ?? throw ProblemException.NotFound("Run");
        return (found.Run, found.Item);
    }

    private sealed record RunAndItem(Run Run, WorkItem Item);

    // Every completion starts here, so the query is compiled once rather than translated and looked up per call.
    private static readonly Compiled<Func<BosunDb, string, Task<RunAndItem?>>> RunWithItem = new(() => EF.CompileAsyncQuery(
        (BosunDb db, string runId) => (from r in db.Runs.AsNoTracking()
                                       join w in db.WorkItems.AsNoTracking() on r.WorkItemId equals w.Id
                                       where r.Id == runId
                                       select new RunAndItem(r, w)).FirstOrDefault()));

    private sealed record AgentTiming(int RunTimeoutSeconds, DateTime? LastHeartbeatAt);

    /// What a heartbeat needs, read and locked in one plain statement: the run's lease and timing, the item's
    /// status and the agent's timeout. The entities come back with only these fields set.
    private async Task<(Run Run, WorkItem Item, AgentTiming? Agent)> HoldForBeatAsync(string runId, string? leaseToken, CancellationToken ct)
    {
        await using var command = Sql.Command(db, $"""
            SELECT r.status, r.agent_id, r.user_id, r.lease_token, r.stop_reason, r.started_at, r.lease_expires_at, r.work_item_id,
                   w.status, w.active_run_id, w.project_id, w.key, a.run_timeout_seconds, a.last_heartbeat_at
            FROM runs r
            JOIN work_items w ON w.tenant_id = r.tenant_id AND w.id = r.work_item_id
            LEFT JOIN agents a ON a.tenant_id = r.tenant_id AND a.id = r.agent_id
            WHERE r.tenant_id = @tenant AND r.id = @run
            {(db.IsPostgres ? "FOR UPDATE OF w" : "")}
            """);
        command.With("tenant", context.RequireTenant());
        command.With("run", runId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            throw ProblemException.NotFound("Run");
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
        CheckHolder(run, leaseToken);
        return (run, item, agent);
    }



    private async Task<(Run Run, WorkItem Item)> LoadLockedAsync(string runId, string? leaseToken, CancellationToken ct)
    {
        var itemId = await db.Runs.Where(r => r.Id == runId).Select(r => r.WorkItemId).FirstOrDefaultAsync(ct)
                     ?? throw ProblemException.NotFound("Run");
        await RowLock.LockAsync(db, "work_items", itemId, ct);
        var run = await db.Runs.FirstAsync(r => r.Id == runId, ct);
        var item = await db.WorkItems.FirstAsync(w => w.Id == itemId, ct);
        CheckHolder(run, leaseToken);
        return (run, item);
    }

    private void CheckHolder(Run run, string? leaseToken)
    {
        var mine = context.Actor.Type switch
        {
            ActorType.Agent => run.AgentId == context.Actor.Id,
            ActorType.Person => run.UserId == context.Actor.Id,
            _ => true,
        };
        if (!mine)
        {
            throw ProblemException.Forbidden("This run belongs to another worker.");
        }

        // People's own runs need no token; a worker's call without the current token has lost its lease.
        var tokenRequired = context.Actor.Type != ActorType.Person;
        if (tokenRequired || leaseToken is not null)
        {
            if (string.IsNullOrEmpty(leaseToken))
            {
                throw ProblemException.Invalid("lease_token", "is required");
            }

            if (!string.Equals(leaseToken, run.LeaseToken, StringComparison.Ordinal))
            {
                throw StaleLease(run);
            }
        }
    }

    private static void EnsureActive(Run run)
    {
        if (run.Status != RunStatus.Active)
        {
            throw Ended(run);
        }
    }

    private static void EnsureHoldsLease(Run run, WorkItem item)
    {
        if (item.ActiveRunId != run.Id)
        {
            throw StaleLease(run);
        }
    }

    private static void ClearLease(WorkItem item)
    {
        item.ActiveRunId = null;
        item.LeaseToken = null;
        item.LeaseExpiresAt = null;
    }

    private static ProblemException Ended(Run run)
    {
        var problem = new ProblemException(409, "Run has ended", $"Run {run.Id} ended as {run.Status.Snake()}; nothing was changed.", "/problems/run-ended");
        problem.Extensions["run_status"] = run.Status.Snake();
        return problem;
    }

    private static ProblemException StaleLease(Run run) =>
        new(409, "Lease lost", $"The lease on run {run.Id} is no longer held (it expired or the item was re-claimed); nothing was changed.", "/problems/lease-lost");

    /// Ends the run that holds an item when a person moves the item out from under it (cancel, block, requeue).
    public static async Task EndActiveRunAsync(BosunDb db, WorkItem item, string reason, DateTime now, CancellationToken ct)
    {
        if (item.ActiveRunId is not { } runId)
        {
            return;
        }

        var run = await db.Runs.FirstOrDefaultAsync(r => r.Id == runId, ct);
        if (run is { Status: RunStatus.Active })
        {
            run.Status = reason == "cancelled" ? RunStatus.Cancelled : RunStatus.Stopped;
            run.StopReason = reason;
            run.EndedAt = now;
        }

        ClearLease(item);
    }
}
