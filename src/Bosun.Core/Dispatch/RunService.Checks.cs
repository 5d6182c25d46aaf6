using Bosun.Core.Governance;
using Bosun.Core.Planning;

namespace Bosun.Core.Dispatch;

/// The quality gate of a completion: the checks a run reports are stored, and when they fail the project's policy the
/// run still completes (it did its work) but its item is blocked, or waits for a person who may accept it anyway.
public sealed partial class RunService
{
    /// Stores the reported checks and answers the completed run with its item held back when they fail the gate; null
    /// when the completion goes on as usual. A run that reports nothing in a project without a gate costs nothing here.
    private async Task<RunOutcome?> ApplyQualityGateAsync(
        Run run, WorkItem item, ProjectPolicy? policy, CheckReport report, string? output, string? summary, string? artifacts, CancellationToken ct)
    {
        if (report.IsEmpty && !QualityGate.Applies(policy))
        {
            return null;
        }

        var rows = QualityGate.PathsCheck(policy, report) is { } paths ? [.. report.Checks, paths] : report.Checks;
        await RunStatements.InsertChecksAsync(db, context.RequireTenant(), run, item, rows, Now, ct);

        var failed = QualityGate.Judge(policy, report);
        return failed.Count == 0 ? null : await HoldBackAsync(run, item, policy!, failed, output, summary, artifacts, ct);
    }

    /// The run completes; the item is blocked, or awaits approval with the failing checks in the approval's summary.
    /// Approving that approval accepts the output despite them (the item is done); rejecting it or asking for changes
    /// sends the item back to ready with the reviewer's note, as for any approval of work.
    private async Task<RunOutcome> HoldBackAsync(
        Run run, WorkItem item, ProjectPolicy policy, IReadOnlyList<FailedCheck> failed, string? output, string? summary, string? artifacts, CancellationToken ct)
    {
        var now = EndTracked(run, item, output, summary, artifacts);
        var notes = QualityGate.Notes(failed);
        item.RevisionNotes = notes;
        Approval? approval = null;
        if (policy.OnFailure == FailedChecks.Approval)
        {
            item.Status = WorkStatus.AwaitingApproval;
            var subject = $"Checks failed on {item.Key}: {QualityGate.Describe(failed)}";
            approval = new Approval
            {
                Kind = ApprovalKind.WorkOutput,
                Subject = subject.Length <= 500 ? subject : subject[..499] + "…",
                WorkItemId = item.Id,
                RunId = run.Id,
                ProjectId = item.ProjectId,
                RequestedByRef = context.Actor.Ref,
                OutputJson = run.OutputJson,
                Summary = summary is null ? notes : $"{notes}\n\n{summary}",
            };
            db.Approvals.Add(approval);
        }
        else
        {
            item.Status = WorkStatus.Blocked;
        }

        AuditLog.Record(db, "work_item.checks_failed", "work_item", item.Id, new
        {
            run_id = new { after = run.Id },
            failed_checks = new { after = failed.Select(f => new { name = f.Name, reason = f.Reason, summary = f.Summary }) },
        }, now);
        await db.SaveChangesAsync(ct);
        return new RunOutcome(RunView.From(run), await workItems.ViewAsync(item, ct), approval?.Id, null, failed);
    }

    /// Ends the run as completed and lets go of its item. Both were already read, locked and checked; they are tracked
    /// from here, so the changes are saved and audited.
    private DateTime EndTracked(Run run, WorkItem item, string? output, string? summary, string? artifacts)
    {
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
        return now;
    }
}
