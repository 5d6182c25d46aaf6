using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Core.Planning;

namespace Bosun.Core.Dispatch;

/// Heartbeats: liveness, lease extension, and the stop a worker is told of.
public sealed partial class RunService
{
    /// A heartbeat is the most frequent call an agent makes, so it changes the run and the item with two plain
    /// statements in a short transaction of its own; only the first one, which moves the item to in_progress, is audited.
    public async Task<HeartbeatResponse> HeartbeatAsync(string runId, HeartbeatRequest request, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        var progress = Check.Text(problem, "progress", request.Progress, 4000);
        problem.ThrowIfAny();
        var checkpoint = Check.Json(request.Checkpoint);

        var ownTransaction = db.Database.CurrentTransaction is null;
        db.GenericPlans = true;
        return await db.InTransactionAsync(async c =>
        {
            var (run, item, agent) = await RunStatements.ForBeatAsync(db, context.RequireTenant(), runId, c) ?? throw ProblemException.NotFound("Run");
            CheckHolder(run, request.LeaseToken);
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
            DirectAudit.Changes changes;
            await using (var update = Sql.Command(db, RunStatements.BeatFor(db, seen, ownTransaction)))
            {
                RunStatements.RunBeat.Apply(run, update, now, progress, checkpoint, lease);
                changes = RunStatements.ItemBeat.Apply(item, update, status, checkpoint, lease, now);
                update.With("tenant", context.RequireTenant());
                update.With("run", run.Id);
                update.With("item", item.Id);
                if (seen)
                {
                    update.With("now", now);
                    update.With("agent", run.AgentId);
                }

                await update.ExecuteNonQueryAsync(c);
            }

            await new DirectAudit.Batch(db, now).Add("work_item", "updated", item.Id, changes, item.Id, item.ProjectId, item.Key).WriteAsync(c);
            return new HeartbeatResponse(stop is not null, stop, lease);
        }, write: true, ct);
    }
}
