using Bosun.Core.Data;

namespace Bosun.Core.Planning;

/// What planning tells the queue that hands work out when items change. Dispatch implements it, so Dispatch depends
/// on Planning and Planning on nothing of Dispatch.
public interface IWorkQueue
{
    /// Work may have become claimable: waiting claimers look again.
    void Changed();

    /// A person moved an item out from under its run (cancel, block, requeue): the run ends and the item lets go of its
    /// lease, saved with the caller's changes. The worker learns on its next heartbeat.
    Task ItemLeftRunAsync(BosunDb db, WorkItem item, string reason, DateTime now, CancellationToken ct);

    /// Whether the agent holds an active run on the item (the item an agent may split into sub-items).
    Task<bool> HoldsAsync(BosunDb db, string agentId, string itemId, CancellationToken ct);
}
