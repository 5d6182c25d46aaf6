using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Dispatch;

/// How a run ends: completed (with or without an approval gate), failed, released, or timed out by the reaper, and the
/// escalation that follows too many failures.
public sealed partial class RunService
{
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

        var report = QualityGate.Read(request.Artifacts, problem);
        problem.ThrowIfAny();
        if (context.Actor.Type == ActorType.Agent)
        {
            // As for claims: decided before the run's item is read, so a policy on `work:*` (or `*`) applies here.
            Permissions.Require(context, Capability.MoveWork, Governance.Access.WorkAccess.Queue);
        }

        var output = Check.Json(request.Output);
        var artifacts = Check.Json(request.Artifacts);
        db.GenericPlans = true;

        // SQLite has one writer at a time, so there the run and its item are read before the write lock is taken, and
        // under it only checked to be unchanged (as a claim reads the project first); the item's labels and
        // dependencies are read for the answer after the commit. PostgreSQL does it all in one transaction.
        var inside = !ClaimStatements.SingleWriter(db);
        var before = inside ? null : await db.InTransactionAsync(c => RunWithItem.For(db)(db, runId), write: false, ct);
        var (finished, endedRun, doneItem) = await db.InTransactionAsync<(RunOutcome?, RunView?, WorkItem?)>(async c =>
        {
            var (run, item, policy) = before is not null && await RunStatements.UnchangedAsync(db, context.RequireTenant(), before.Run, before.Item, c)
                ? (before.Run, before.Item, before.Policy)
                : await HoldAsync(runId, c);
            CheckHolder(run, request.LeaseToken);
            EnsureActive(run);
            EnsureHoldsLease(run, item);
            if (await ApplyQualityGateAsync(run, item, policy, report, output, summary, artifacts, c) is { } heldBack)
            {
                return (heldBack, null, null);
            }

            if (item.ApprovalRequired)
            {
                return (await CompleteGatedAsync(run, item, output, summary, artifacts, c), null, null);
            }

            var now = Now;
            DirectAudit.Changes runChanges, itemChanges;
            await using (var update = Sql.Command(db, RunStatements.Complete.For(db)))
            {
                runChanges = RunStatements.RunCompleted.Apply(run, update, RunStatus.Completed, now, output, summary, artifacts);
                itemChanges = RunStatements.ItemCompleted.Apply(item, update, WorkStatus.Done, null, null, null, output, now, null, now);
                update.With("tenant", context.RequireTenant());
                update.With("run", run.Id);
                update.With("item", item.Id);
                await update.ExecuteNonQueryAsync(c);
            }

            await new DirectAudit.Batch(db, now)
                .Add("run", "updated", run.Id, runChanges, item.Id, item.ProjectId, item.Key)
                .Add("work_item", "updated", item.Id, itemChanges, item.Id, item.ProjectId, item.Key)
                .WriteAsync(c);

            // Most items stand alone; a pipeline's step or a deliverable's item also moves its parent or its period.
            if ((item.ParentId is not null || item.DeliverablePeriodId is not null) && await ItemClosing.FinishedAsync(db, item, now, c))
            {
                await db.SaveChangesAsync(c);
            }

            // The answer shows the run as this completion wrote it; a stop asked for meanwhile is not its concern.
            var ended = RunView.From(run) with { Error = null, Retryable = null, StopReason = null };
            return inside
                ? (new RunOutcome(ended, await workItems.ViewAsync(item, c), null, null), null, null)
                : (null, ended, item);
        }, write: true, ct);
        var outcome = finished
                      ?? new RunOutcome(endedRun!, await db.InTransactionAsync(c => workItems.ViewAsync(doneItem!, c), write: false, ct), null, null);

        if (outcome.Item.Status == WorkStatus.Done)
        {
            signal.Pulse();
        }

        return outcome;
    }

    private async Task<RunOutcome> CompleteGatedAsync(Run run, WorkItem item, string? output, string? summary, string? artifacts, CancellationToken ct)
    {
        EndTracked(run, item, output, summary, artifacts);
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
        var limit = ProviderLimit.Read(problem, request, Now);
        problem.ThrowIfAny();
        run.Status = RunStatus.Failed;
        run.EndedAt = Now;
        run.Error = error;
        run.Retryable = request.Retryable ?? true;
        var escalation = limit is null ? await AfterFailureAsync(run, item, run.Retryable.Value, ct) : await PauseForLimitAsync(run, item, limit, ct);
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

    /// Runs a `fail` budget ends, in the transaction that crossed it: each fails without a retry, naming the budget, and
    /// is told to stop on its next heartbeat; its item fails and escalates as after any failure.
    internal async Task<int> FailForBudgetAsync(IReadOnlyList<string> runIds, string error, CancellationToken ct)
    {
        var failed = 0;
        foreach (var runId in runIds)
        {
            await RunStatements.LockItemOfRunAsync(db, context.RequireTenant(), runId, ct);
            var run = await db.Runs.FirstOrDefaultAsync(r => r.Id == runId, ct);
            if (run is not { Status: RunStatus.Active, EndedAt: null })
            {
                continue;
            }

            var item = await db.WorkItems.FirstAsync(w => w.Id == run.WorkItemId, ct);
            run.Status = RunStatus.Failed;
            run.EndedAt = Now;
            run.Error = error;
            run.Retryable = false;
            run.StopReason = "budget";
            await AfterFailureAsync(run, item, retryable: false, ct);
            failed++;
        }

        await db.SaveChangesAsync(ct);
        return failed;
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
    private async Task<(Run Run, WorkItem Item, ProjectPolicy? Policy)> HoldAsync(string runId, CancellationToken ct)
    {
        await RunStatements.LockItemOfRunAsync(db, context.RequireTenant(), runId, ct);
        var found = await RunWithItem.For(db)(db, runId) ?? throw ProblemException.NotFound("Run");
        return (found.Run, found.Item, found.Policy);
    }

    private sealed record RunAndItem(Run Run, WorkItem Item, ProjectPolicy? Policy);

    // Every completion starts here, so the query is compiled once rather than translated and looked up per call. The
    // project's policy comes along (null for most projects, which have none), so the quality gate costs no round trip.
    private static readonly Compiled<Func<BosunDb, string, Task<RunAndItem?>>> RunWithItem = new(() => EF.CompileAsyncQuery(
        (BosunDb db, string runId) => (from r in db.Runs.AsNoTracking()
                                       join w in db.WorkItems.AsNoTracking() on r.WorkItemId equals w.Id
                                       from p in db.ProjectPolicies.AsNoTracking().Where(p => p.ProjectId == w.ProjectId).DefaultIfEmpty()
                                       where r.Id == runId
                                       select new RunAndItem(r, w, p)).FirstOrDefault()));
}
