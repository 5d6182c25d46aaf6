using System.Data.Common;
using System.Text;
using System.Text.Json;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Bosun.Core.Governance;

/// Audit rows for the hot paths that change rows with plain SQL (claims, heartbeats, completions). They are the
/// rows the audit interceptor would write for the same change, inserted in one statement in the caller's
/// transaction; the stream learns of them at commit without looking anything up.
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

            var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
                              ?? throw new InvalidOperationException("Audit rows are written inside the change's transaction.");
            await using var command = transaction.Connection!.CreateCommand();
            command.Transaction = transaction;
            var sql = new StringBuilder("INSERT INTO audit_entries (tenant_id, id, actor_ref, actor_name, action, entity_type, entity_id, changes_json, request_id, created_at) VALUES ");
            for (var i = 0; i < _rows.Count; i++)
            {
                var a = _rows[i].Audit;
                sql.Append(i == 0 ? "" : ", ").Append($"(@t{i}, @i{i}, @ar{i}, @an{i}, @ac{i}, @et{i}, @ei{i}, @c{i}, @r{i}, @at{i})");
                Add(command, $"t{i}", a.TenantId);
                Add(command, $"i{i}", a.Id);
                Add(command, $"ar{i}", a.ActorRef);
                Add(command, $"an{i}", a.ActorName);
                Add(command, $"ac{i}", a.Action);
                Add(command, $"et{i}", a.EntityType);
                Add(command, $"ei{i}", a.EntityId);
                Add(command, $"c{i}", a.ChangesJson);
                Add(command, $"r{i}", a.RequestId);
                Add(command, $"at{i}", a.CreatedAt);
            }

            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync(ct);
            db.DirectAudits.AddRange(_rows);
            _rows.Clear();
        }

        private static void Add(DbCommand command, string name, object? value)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            command.Parameters.Add(p);
        }
    }
}
