using Bosun.Core.Data;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Dispatch;

/// Dispatch's side of <see cref="IWorkQueue"/>: wakes long-polling claimers and ends runs whose item a person moved.
internal sealed class DispatchQueue(WorkSignal signal) : IWorkQueue
{
    public void Changed() => signal.Pulse();

    public Task ItemLeftRunAsync(BosunDb db, WorkItem item, string reason, DateTime now, CancellationToken ct) =>
        RunService.EndActiveRunAsync(db, item, reason, now, ct);

    public Task<bool> HoldsAsync(BosunDb db, string agentId, string itemId, CancellationToken ct) =>
        db.Runs.AnyAsync(r => r.AgentId == agentId && r.WorkItemId == itemId && r.Status == RunStatus.Active, ct);
}
