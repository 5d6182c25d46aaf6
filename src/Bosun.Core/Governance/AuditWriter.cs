using Bosun.Core.Data;

namespace Bosun.Core.Governance;

/// The one place an audit row is made, whichever path saves it: the audit interceptor for tracked entities,
/// <see cref="AuditLog.Record"/> for changes without an entity of their own, and <see cref="DirectAudit"/> for the hot
/// paths that write plain SQL. The actor, the request and the tenant come from the unit of work in all three.
internal static class AuditWriter
{
    /// <paramref name="tenantId"/> when the row belongs to another tenant than the unit of work's (a tenant's own
    /// creation, whose row is saved before the unit of work has entered it).
    public static AuditEntry Row(BosunDb db, string entityType, string action, string entityId, string changesJson, DateTime now, string? tenantId = null)
    {
        var actor = db.Context.Actor;
        return new AuditEntry
        {
            TenantId = tenantId ?? db.Context.RequireTenant(),
            ActorRef = actor.Ref,
            ActorName = actor.Name,
            Action = action,
            EntityType = entityType,
            EntityId = entityId,
            ChangesJson = changesJson,
            RequestId = db.Context.RequestId,
            CreatedAt = now,
        };
    }

    /// A tracked entity's row: "<entity>.created", ".updated" or ".deleted".
    public static AuditEntry EntityRow(BosunDb db, string entityType, string verb, string entityId, DirectAudit.Changes changes, DateTime now, string? tenantId = null) =>
        Row(db, entityType, $"{entityType}.{verb}", entityId, changes.Json(), now, tenantId);

    private static readonly Col[] Columns =
    [
        new("tenant_id"), new("id"), new("actor_ref"), new("actor_name"), new("action"), new("entity_type"), new("entity_id"),
        new("changes_json"), new("request_id"), new("created_at", "timestamptz"),
    ];

    /// Inserts rows with plain SQL in the caller's transaction, for paths that change their rows the same way.
    public static Task InsertAsync(BosunDb db, IReadOnlyList<AuditEntry> rows, CancellationToken ct) =>
        Sql.InsertRowsAsync(db, "audit_entries", Columns, rows, a => [
            a.TenantId, a.Id, a.ActorRef, a.ActorName, a.Action, a.EntityType, a.EntityId, a.ChangesJson, a.RequestId, a.CreatedAt,
        ], "", null, ct);
}
