using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Planning;

/// Status changes by hand, and which of them a person may make from where an item stands.
public sealed partial class WorkItemService
{
    /// A status change by hand. Claims, completions and approval decisions go through their own services,
    /// which know about runs and reviewers; this only enforces the state machine and the dependency rule.
    private async Task MoveAsync(WorkItem item, WorkStatus to, CancellationToken ct)
    {
        if (RefuseByHand(item, to) is { } refused)
        {
            throw refused;
        }

        if (item.Status == WorkStatus.AwaitingApproval)
        {
            var now = Now;
            // The item's own output waited for review; a plan of the item waits on, as the plan is not the item's output.
            await db.Approvals.Where(a => a.WorkItemId == item.Id && a.Status == Governance.ApprovalStatus.Pending && a.Kind != Governance.ApprovalKind.Plan)
                .ForEachAsync(a => { a.Status = Governance.ApprovalStatus.Expired; a.DecidedAt = now; a.DecisionNote = "The item was cancelled."; }, ct);
        }

        if (Workflow.IsActive(item.Status) && !Workflow.IsActive(to))
        {
            // The worker holding it learns on its next heartbeat ("stop": true).
            await queue.ItemLeftRunAsync(db, item, to == WorkStatus.Cancelled ? "cancelled" : "moved", Now, ct);
        }

        if (item.Status == WorkStatus.Failed && to == WorkStatus.Ready)
        {
            // A person re-queued a failed item: it gets a fresh set of attempts.
            item.Attempts = 0;
        }

        item.Status = to;
        item.CompletedAt = to == WorkStatus.Done ? Now : item.CompletedAt;
        if (Workflow.IsFinished(to))
        {
            await ItemClosing.FinishedAsync(db, item, Now, ct);
        }
        _pulseAfterSave |= to is WorkStatus.Ready or WorkStatus.Done;
    }

    private bool _pulseAfterSave;

    /// Done is final for the workflow; a person who finds the work was not done after all re-opens it on purpose, with
    /// a reason the next run receives. Its deliverable period counts one less, and a pipeline it had closed is open again.
    public async Task<WorkItemView> ReopenAsync(string idOrKey, string? reason, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        if (context.Actor.Type != ActorType.Person)
        {
            throw ProblemException.Forbidden("Done work is re-opened by people.");
        }

        var problem = new ValidationProblem();
        var why = Check.Text(problem, "reason", reason, 20_000, required: true);
        problem.ThrowIfAny();
        var item = await FindAsync(idOrKey, ct);
        await RowLock.LockAsync(db, "work_items", item.Id, ct);
        await db.Entry(item).ReloadAsync(ct);
        if (item.Status != WorkStatus.Done)
        {
            throw ProblemException.Conflict($"{item.Key} is {item.Status.Snake()}, not done.", "/problems/not-done");
        }

        // A pipeline's parent is never claimed itself: re-opened, it is underway again.
        item.Status = item.CloseWithChildren ? WorkStatus.InProgress : WorkStatus.Ready;
        item.CompletedAt = null;
        item.Attempts = 0;
        item.RevisionNotes = why;
        await ItemClosing.ReopenedAsync(db, item, ct);
        Governance.AuditLog.Record(db, "work_item.reopened", "work_item", item.Id, new { reason = why }, Now);
        await db.SaveChangesAsync(ct);
        queue.Changed();
        return await ViewAsync(item, ct);
    }

    /// The statuses a person may move an item to from where it stands: the state machine's moves less those that only
    /// claims, starts and reviewers make.
    public static IReadOnlyList<WorkStatus> ManualMoves(WorkStatus from, bool approvalRequired) =>
        Workflow.AllowedFrom(from).Where(to => Refusal(from, approvalRequired, to) is ByHand.Allowed).ToList();

    private enum ByHand { Allowed, NotInWorkflow, TakenWithRun, AwaitsReviewer, Gated }

    private static ByHand Refusal(WorkStatus from, bool approvalRequired, WorkStatus to) =>
        !Workflow.CanMove(from, to) ? ByHand.NotInWorkflow
        : to is WorkStatus.Claimed or WorkStatus.InProgress ? ByHand.TakenWithRun
        : from == WorkStatus.AwaitingApproval && to != WorkStatus.Cancelled ? ByHand.AwaitsReviewer
        : to == WorkStatus.Done && approvalRequired ? ByHand.Gated
        : ByHand.Allowed;

    private static ProblemException? RefuseByHand(WorkItem item, WorkStatus to) => Refusal(item.Status, item.ApprovalRequired, to) switch
    {
        ByHand.NotInWorkflow => IllegalMove(item, to),
        ByHand.TakenWithRun => new ProblemException(409, "Illegal transition",
            $"{item.Key} is taken with POST /api/v1/work/claim (agents) or POST /api/v1/work/{item.Key}/start (people), which record a run.",
            "/problems/illegal-transition"),
        ByHand.AwaitsReviewer => new ProblemException(409, "Awaiting approval",
            $"{item.Key} waits for a reviewer: approve, reject or request changes through /api/v1/approvals.", "/problems/awaiting-approval"),
        ByHand.Gated => new ProblemException(409, "Approval required",
            $"{item.Key} has an approval gate: it is done when a reviewer approves its output.", "/problems/approval-required"),
        _ => null,
    };

    public static ProblemException IllegalMove(WorkItem item, WorkStatus to)
    {
        var allowed = Workflow.AllowedFrom(item.Status).Select(s => s.Snake()).ToList();
        var problem = new ProblemException(409, "Illegal transition",
            $"{item.Key} cannot move from {item.Status.Snake()} to {to.Snake()}. Allowed: {(allowed.Count == 0 ? "none" : string.Join(", ", allowed))}.",
            "/problems/illegal-transition");
        problem.Extensions["from"] = item.Status.Snake();
        problem.Extensions["to"] = to.Snake();
        problem.Extensions["allowed"] = allowed;
        return problem;
    }
}
