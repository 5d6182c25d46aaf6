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
public sealed partial class RunService(BosunDb db, RequestContext context, TimeProvider clock, WorkSignal signal, WorkItemService workItems, DispatchContext contextBuilder)
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

    /// A person takes an item by hand. No lease expires for people, but the run is recorded all the same.
    public async Task<ClaimedWork> StartAsync(string idOrKey, CancellationToken ct)
    {
        if (context.Actor.Type != ActorType.Person)
        {
            throw ProblemException.Forbidden("Agents claim work with POST /api/v1/work/claim.");
        }

        var found = await workItems.FindAsync(idOrKey, ct);
        Permissions.Require(context, Capability.MoveWork, Governance.Access.WorkAccess.Of(found));
        await RowLock.LockAsync(db, "work_items", found.Id, ct);
        await db.Entry(found).ReloadAsync(ct);
        if (found.Status != WorkStatus.Ready)
        {
            throw WorkItemService.IllegalMove(found, WorkStatus.InProgress);
        }

        if (found.ArchivedAt is not null)
        {
            throw ProblemException.Conflict($"{found.Key} is archived: restore it before starting it.", "/problems/archived");
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
