using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Dispatch;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Governance;

public sealed record ApprovalView(
    string Id, ApprovalKind Kind, string Subject, string? WorkItemId, string? WorkItemKey, string? RunId, string? ProjectId,
    string RequestedBy, JsonElement? Output, string? Summary, ApprovalStatus Status, string? DecidedBy, string? DecisionNote,
    DateTime? DecidedAt, DateTime CreatedAt)
{
    public static ApprovalView From(Approval a, string? itemKey) => new(
        a.Id, a.Kind, a.Subject, a.WorkItemId, itemKey, a.RunId, a.ProjectId, a.RequestedByRef, WorkItemView.ParseJson(a.OutputJson),
        a.Summary, a.Status, a.DecidedByUserId is { } u ? $"user:{u}" : null, a.DecisionNote, a.DecidedAt, a.CreatedAt);

    /// The plan and version a plan approval decides.
    public string? PlanId { get; init; }
    public int? PlanVersion { get; init; }
}

public sealed record RequestApproval(string? WorkItemId, string? Subject, string? Summary, JsonElement? Output);

public sealed record Decision(string? Note);

public sealed record ApprovalDecided(ApprovalView Approval, WorkItemView? Item)
{
    /// For a plan approval, the plan as the decision left it (active and applied, or waiting for a re-plan).
    public PlanView? Plan { get; init; }
}

public sealed record Inbox(IReadOnlyList<ApprovalView> Approvals, IReadOnlyList<WorkItemView> Work);

public enum Verdict { Approve, Reject, RequestChanges }

/// Human gates. A gated item's completed output waits here; a reviewer's decision either finishes the item
/// or sends it back to the queue with the reviewer's note as the next run's revision instructions.
public sealed class ApprovalService(BosunDb db, RequestContext context, TimeProvider clock, WorkSignal signal, WorkItemService workItems, PlanService plans)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<Page<ApprovalView>> ListAsync(ApprovalStatus? status, string? workItem, PageRequest page, CancellationToken ct)
    {
        var query = db.Approvals.AsNoTracking().AsQueryable();
        if (status is { } s)
        {
            query = query.Where(a => a.Status == s);
        }

        if (workItem is { Length: > 0 } itemRef)
        {
            var item = await workItems.FindAsync(itemRef, ct);
            query = query.Where(a => a.WorkItemId == item.Id);
        }

        if (page.Cursor is { } cursor)
        {
            query = query.Where(a => string.Compare(a.Id, cursor) > 0);
        }

        var rows = await query.OrderBy(a => a.Id).ToPageAsync(page, a => a.Id, a => a, ct);
        return new Page<ApprovalView>(await ViewsAsync(rows.Items, ct), rows.NextCursor);
    }

    public async Task<ApprovalView> GetAsync(string id, CancellationToken ct)
    {
        var approval = await db.Approvals.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct) ?? throw ProblemException.NotFound("Approval");
        return (await ViewsAsync([approval], ct))[0];
    }

    /// What waits for the caller: approvals they may decide and work items assigned to them.
    public async Task<Inbox> InboxAsync(CancellationToken ct)
    {
        // A person who decides approvals in some projects only (a project role) sees those projects' approvals.
        var projects = Permissions.Has(context, Capability.DecideApprovals) ? null
            : (context.VisibleProjectIds ?? []).Where(p => Permissions.Has(context, Capability.DecideApprovals, Access.AccessResource.Project(p))).ToArray();
        var pending = db.Approvals.AsNoTracking().Where(a => a.Status == ApprovalStatus.Pending);
        var approvals = projects is { Length: 0 } ? []
            : await (projects is null ? pending : pending.Where(a => a.ProjectId != null && projects.Contains(a.ProjectId))).OrderBy(a => a.Id).Take(200).ToListAsync(ct);
        return new Inbox(await ViewsAsync(approvals, ct), await workItems.AssignedToMeAsync(200, ct));
    }

    /// An agent or person asks a human to look at something; it does not change the item.
    public async Task<ApprovalView> RequestAsync(RequestApproval request, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        var subject = Check.Text(problem, "subject", request.Subject, 500, required: true);
        var summary = Check.Text(problem, "summary", request.Summary, 20_000);
        problem.ThrowIfAny();
        WorkItem? item = request.WorkItemId is { Length: > 0 } itemRef ? await workItems.FindAsync(itemRef, ct) : null;
        var approval = Open(db, context, ApprovalKind.Custom, subject!, summary, item?.ProjectId, item, item?.ActiveRunId, Check.Json(request.Output));
        await db.SaveChangesAsync(ct);
        return ApprovalView.From(approval, item?.Key);
    }

    /// A pending approval added to the unit of work, requested by the caller: what people are asked to decide is opened
    /// here, whoever asks (a request, a plan submitted for approval).
    internal static Approval Open(BosunDb db, RequestContext context, ApprovalKind kind, string subject, string? summary, string? projectId,
        WorkItem? item, string? runId = null, string? outputJson = null)
    {
        var approval = new Approval
        {
            Kind = kind,
            Subject = subject,
            Summary = summary,
            WorkItemId = item?.Id,
            ProjectId = projectId,
            RunId = runId,
            RequestedByRef = context.Actor.Ref,
            OutputJson = outputJson,
        };
        db.Approvals.Add(approval);
        return approval;
    }

    public async Task<ApprovalDecided> DecideAsync(string id, Verdict verdict, Decision decision, CancellationToken ct)
    {
        var approval = await db.Approvals.FirstOrDefaultAsync(a => a.Id == id, ct) ?? throw ProblemException.NotFound("Approval");
        Permissions.Require(context, Capability.DecideApprovals, new Access.AccessResource("approval", approval.Id, approval.ProjectId,
            new Dictionary<string, object?> { ["type"] = Data.EnumNames<ApprovalKind>.ToName(approval.Kind) }));
        if (context.Actor.Type != ActorType.Person)
        {
            throw ProblemException.Forbidden("Approvals are decided by people.");
        }

        var problem = new ValidationProblem();
        var note = Check.Text(problem, "note", decision.Note, 20_000, required: verdict != Verdict.Approve);
        problem.ThrowIfAny();

        if (approval.WorkItemId is { } lockedItem)
        {
            await RowLock.LockAsync(db, "work_items", lockedItem, ct);
        }

        await RowLock.LockAsync(db, "approvals", approval.Id, ct);
        await db.Entry(approval).ReloadAsync(ct);
        if (approval.Status != ApprovalStatus.Pending)
        {
            var conflict = ProblemException.Conflict($"The approval was already decided ({approval.Status.Snake()}).", "/problems/already-decided");
            conflict.Extensions["approval_status"] = approval.Status.Snake();
            throw conflict;
        }

        var now = Now;
        approval.Status = verdict switch
        {
            Verdict.Approve => ApprovalStatus.Approved,
            Verdict.Reject => ApprovalStatus.Rejected,
            _ => ApprovalStatus.ChangesRequested,
        };
        approval.DecidedByUserId = context.Actor.Id;
        approval.DecisionNote = note;
        approval.DecidedAt = now;

        WorkItem? item = null;
        if (approval.Kind == ApprovalKind.WorkOutput && approval.WorkItemId is { } itemId)
        {
            item = await db.WorkItems.FirstAsync(w => w.Id == itemId, ct);
            if (item.Status == WorkStatus.AwaitingApproval)
            {
                if (verdict == Verdict.Approve)
                {
                    item.Status = WorkStatus.Done;
                    item.CompletedAt = now;
                    item.RevisionNotes = null;
                    await ItemClosing.FinishedAsync(db, item, now, ct);
                }
                else
                {
                    // Back to the queue for a new round: the note tells the next run what to change. A rejection
                    // discards the output; a change request keeps it for the next run to revise.
                    item.Status = WorkStatus.Ready;
                    item.RevisionNotes = note;
                    item.Attempts = 0;
                    if (verdict == Verdict.Reject)
                    {
                        item.OutputJson = null;
                    }
                }
            }
        }

        PlanView? plan = null;
        if (approval.Kind == ApprovalKind.Plan && approval.PlanVersionId is not null)
        {
            // What a decision does to a plan is the plan service's rule; an approval applies the version in this transaction.
            plan = await plans.DecidedAsync(approval, verdict == Verdict.Approve, note, now, ct);
        }

        await db.SaveChangesAsync(ct);
        if (item is not null)
        {
            signal.Pulse();
        }

        var view = (await ViewsAsync([approval], ct))[0];
        return new ApprovalDecided(view, item is null ? null : await workItems.ViewAsync(item, ct)) { Plan = plan };
    }

    private async Task<IReadOnlyList<ApprovalView>> ViewsAsync(IReadOnlyList<Approval> approvals, CancellationToken ct)
    {
        var itemIds = approvals.Where(a => a.WorkItemId is not null).Select(a => a.WorkItemId!).Distinct().ToList();
        var keys = await db.WorkItems.AsNoTracking().Where(w => itemIds.Contains(w.Id)).ToDictionaryAsync(w => w.Id, w => w.Key, ct);
        var versionIds = approvals.Select(a => a.PlanVersionId).OfType<string>().Distinct().ToList();
        var versions = versionIds.Count == 0
            ? []
            : await db.PlanVersions.AsNoTracking().WhereIn(v => v.Id, versionIds).ToDictionaryAsync(v => v.Id, v => (v.PlanId, v.Version), ct);
        return approvals.Select(a => ApprovalView.From(a, a.WorkItemId is { } w ? keys.GetValueOrDefault(w) : null) with
        {
            PlanId = a.PlanVersionId is { } pv && versions.TryGetValue(pv, out var version) ? version.PlanId : null,
            PlanVersion = a.PlanVersionId is { } pv2 && versions.TryGetValue(pv2, out var version2) ? version2.Version : null,
        }).ToList();
    }
}
