using Bosun.Core.Common;
using Bosun.Core.Dispatch;
using Bosun.Core.Governance;
using Bosun.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Api;

public static class DispatchEndpoints
{
    public static void MapDispatch(this IEndpointRouteBuilder api)
    {
        api.MapPost("/work/claim", (ClaimRequest? body, ClaimService s, CancellationToken ct) => s.ClaimAsync(body ?? new ClaimRequest(null, null, null), ct))
            .WithMetadata(Transactions.Claim)
            .WithTags("Dispatch")
            .WithSummary("Claim the best ready work this agent may take (optionally wait up to 60 s, or take up to `max` items)");
        api.MapGet("/work/mine", (HeldWorkService s, CancellationToken ct) => s.MineAsync(ct))
            .WithTags("Dispatch").WithSummary("Work you hold: your active runs (with their items) and the unfinished items assigned to you");
        api.MapPost("/work/{id}/start", (string id, RunService s, CancellationToken ct) => s.StartAsync(id, ct))
            .WithTags("Dispatch").WithSummary("A person starts a ready item; a run is recorded");

        var runs = api.MapGroup("/runs").WithTags("Runs");
        runs.MapGet("", ([Microsoft.AspNetCore.Mvc.FromQuery(Name = "work_item")] string? workItem, string? agent, string? status,
                int? limit, string? cursor, RunService s, CancellationToken ct) =>
            s.ListAsync(new RunFilter(workItem, agent, Check.OneOf<RunStatus>("status", status)), PageRequest.From(limit, cursor), ct)).WithSummary("List runs");
        runs.MapGet("/{id}", (string id, RunService s, CancellationToken ct) => s.GetAsync(id, ct)).WithSummary("Read a run");
        runs.MapPost("/{id}/heartbeat", (string id, HeartbeatRequest body, RunService s, CancellationToken ct) => s.HeartbeatAsync(id, body, ct))
            .WithMetadata(Transactions.AgentLoop)
            .WithSummary("Extend the lease, report progress, save a checkpoint; answers stop=true when the work must stop");
        runs.MapPost("/{id}/complete", (string id, CompleteRequest body, RunService s, CancellationToken ct) => s.CompleteAsync(id, body, ct))
            .WithMetadata(Transactions.AgentLoop)
            .WithSummary("Finish the run with its output; a gated item waits for approval");
        runs.MapPost("/{id}/fail", (string id, FailRequest body, RunService s, CancellationToken ct) => s.FailAsync(id, body, ct))
            .WithSummary("Report a failure; retryable failures go back to the queue until attempts run out");
        runs.MapPost("/{id}/release", (string id, ReleaseRequest body, RunService s, CancellationToken ct) => s.ReleaseAsync(id, body, ct))
            .WithSummary("Give the item back without counting a failure");

        var approvals = api.MapGroup("/approvals").WithTags("Approvals");
        approvals.MapGet("", (string? status, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "work_item")] string? workItem,
                int? limit, string? cursor, ApprovalService s, CancellationToken ct) =>
            s.ListAsync(Check.OneOf<ApprovalStatus>("status", status), workItem, PageRequest.From(limit, cursor), ct)).WithSummary("List approvals; ?status=pending is the reviewers' inbox");
        approvals.MapPost("", (RequestApproval body, ApprovalService s, CancellationToken ct) => s.RequestAsync(body, ct))
            .WithSummary("Ask a person to look at something");
        approvals.MapGet("/{id}", (string id, ApprovalService s, CancellationToken ct) => s.GetAsync(id, ct)).WithSummary("Read an approval");
        approvals.MapPost("/{id}/approve", (string id, Decision? body, ApprovalService s, CancellationToken ct) =>
            s.DecideAsync(id, Verdict.Approve, body ?? new Decision(null), ct)).WithSummary("Approve: a gated item becomes done");
        approvals.MapPost("/{id}/reject", (string id, Decision body, ApprovalService s, CancellationToken ct) =>
            s.DecideAsync(id, Verdict.Reject, body, ct)).WithSummary("Reject with a note: the item goes back to ready with the note as revision instructions");
        approvals.MapPost("/{id}/request-changes", (string id, Decision body, ApprovalService s, CancellationToken ct) =>
            s.DecideAsync(id, Verdict.RequestChanges, body, ct)).WithSummary("Ask for changes: back to ready, keeping the output for revision");

        api.MapGet("/inbox", (ApprovalService s, CancellationToken ct) => s.InboxAsync(ct))
            .WithTags("Approvals").WithSummary("Approvals you may decide and items assigned to you");
    }
}
