using System.Text.Json;
using Bosun.Core.Data;

namespace Bosun.Core.Governance;

/// Audit rows for the hot paths that change rows with plain SQL (claims, heartbeats, completions). They are the
/// rows the audit interceptor would write for the same change, inserted together in the caller's transaction;
/// the stream learns of them at commit without looking anything up.
public static class DirectAudit
{
    /// One audited change and the work item it belongs to.
    public sealed record Written(AuditEntry Audit, string? WorkItemId, string? ProjectId, string? WorkItemKey);

    /// The change set of one entity, in the audit trail's shape: {"field": {"before": ..., "after": ...}}.
    public sealed class Changes
    {
        private readonly Dictionary<string, object?> _fields = [];

        public Changes Set(string field, object? before, object? after)
        {
            if (!Equals(before, after))
            {
                _fields[field] = new { before = AuditInterceptor.Render(before), after = AuditInterceptor.Render(after) };
            }

            return this;
        }

        public Changes Added(string field, object? after)
        {
            if (after is not null)
            {
                _fields[field] = new { after = AuditInterceptor.Render(after) };
            }

            return this;
        }

        internal bool IsEmpty => _fields.Count == 0;

        internal string Json() => JsonSerializer.Serialize(_fields);
    }

    private static readonly Col[] Columns =
    [
        new("tenant_id"), new("id"), new("actor_ref"), new("actor_name"), new("action"), new("entity_type"), new("entity_id"),
        new("changes_json"), new("request_id"), new("created_at", "timestamptz"),
    ];

    public sealed class Batch(BosunDb db, DateTime now)
    {
        private readonly List<Written> _rows = [];

        public Batch Add(string entityType, string verb, string entityId, Changes changes, string? workItemId, string? projectId, string? workItemKey)
        {
            if (verb != "updated" || !changes.IsEmpty)
            {
                var actor = db.Context.Actor;
                _rows.Add(new Written(new AuditEntry
                {
                    TenantId = db.Context.RequireTenant(),
                    ActorRef = actor.Ref,
                    ActorName = actor.Name,
                    Action = $"{entityType}.{verb}",
                    EntityType = entityType,
                    EntityId = entityId,
                    ChangesJson = changes.Json(),
                    RequestId = db.Context.RequestId,
                    CreatedAt = now,
                }, workItemId, projectId, workItemKey));
            }

            return this;
        }

        public async Task WriteAsync(CancellationToken ct)
        {
            if (_rows.Count == 0)
            {
                return;
            }

            await Sql.InsertRowsAsync(db, "audit_entries", Columns, _rows, w => [
                w.Audit.TenantId, w.Audit.Id, w.Audit.ActorRef, w.Audit.ActorName, w.Audit.Action, w.Audit.EntityType,
                w.Audit.EntityId, w.Audit.ChangesJson, w.Audit.RequestId, w.Audit.CreatedAt,
            ], "", null, ct);
            db.DirectAudits.AddRange(_rows);
            _rows.Clear();
        }
    }
}
