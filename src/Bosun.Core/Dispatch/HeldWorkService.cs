using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Dispatch;

public sealed record HeldRun(string RunId, int Attempt, DateTime? LeaseExpiresAt, string? StopReason, string WorkItem, string Title, WorkStatus Status);

public sealed record HeldWork(IReadOnlyList<HeldRun> Holding, IReadOnlyList<WorkItemView> Assigned);

/// The work the caller holds: the runs it holds now (each with its item) and the unfinished items assigned to it.
/// An agent starts here after a restart, a person to see what is on their plate.
public sealed class HeldWorkService(BosunDb db, RequestContext context, WorkItemService workItems)
{
    public const int Limit = 200;

    public async Task<HeldWork> MineAsync(CancellationToken ct)
    {
        var me = context.Actor.Id;
        var runs = context.Actor.Type switch
        {
            ActorType.Agent => db.Runs.Where(r => r.AgentId == me),
            ActorType.Person => db.Runs.Where(r => r.UserId == me),
            _ => db.Runs.Where(_ => false),
        };
        var holding = await (from r in runs.AsNoTracking()
                             join w in db.WorkItems.AsNoTracking() on r.WorkItemId equals w.Id
                             where r.Status == RunStatus.Active
                             orderby r.Id
                             select new HeldRun(r.Id, r.Attempt, r.LeaseExpiresAt, r.StopReason, w.Key, w.Title, w.Status)).Take(Limit).ToListAsync(ct);
        return new HeldWork(holding, await workItems.AssignedToMeAsync(Limit, ct));
    }
}
