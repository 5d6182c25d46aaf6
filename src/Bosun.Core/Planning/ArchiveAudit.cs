using Bosun.Core.Data;

namespace Bosun.Core.Planning;

/// The audit row that names an archive or a restore ("work_item.archived", "project.restored"): the trail is read for
/// these moves, and the entity's own "updated" row beside it holds the changed archived_at.
public static class ArchiveAudit
{
    public static void Record(BosunDb db, string entityType, string id, bool archived, object details, DateTime now) =>
        Governance.AuditLog.Record(db, $"{entityType}.{(archived ? "archived" : "restored")}", entityType, id, details, now);
}
