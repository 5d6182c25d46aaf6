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

    /// The change set of one entity, in the audit trail's shape: {"field": {"before": ..., "after": ...}}. The audit
    /// interceptor builds its rows with it too, so both write the same JSON. It is written with a JSON writer rather
    /// than serialised from objects: claims and completions write it while holding SQLite's single writer.
    public sealed class Changes
    {
        private readonly List<(string Field, bool HasBefore, object? Before, bool HasAfter, object? After)> _fields = [];

        public Changes Set(string field, object? before, object? after) =>
            Equals(before, after) ? this : Put(field, true, before, true, after);

        public Changes Added(string field, object? after) =>
            after is null ? this : Put(field, false, null, true, after);

        internal Changes Removed(string field, object? before) =>
            before is null ? this : Put(field, true, before, false, null);

        internal bool IsEmpty => _fields.Count == 0;

        private Changes Put(string field, bool hasBefore, object? before, bool hasAfter, object? after)
        {
            var change = (field, hasBefore, AuditInterceptor.Render(before), hasAfter, AuditInterceptor.Render(after));
            var at = _fields.FindIndex(f => f.Field == field);
            if (at >= 0)
            {
                _fields[at] = change;
            }
            else
            {
                _fields.Add(change);
            }

            return this;
        }

        internal string Json()
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(64 + 64 * _fields.Count);
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                foreach (var (field, hasBefore, before, hasAfter, after) in _fields)
                {
                    json.WriteStartObject(field);
                    if (hasBefore)
                    {
                        json.WritePropertyName("before");
                        Write(json, before);
                    }

                    if (hasAfter)
                    {
                        json.WritePropertyName("after");
                        Write(json, after);
                    }

                    json.WriteEndObject();
                }

                json.WriteEndObject();
            }

            return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        }

        private static void Write(Utf8JsonWriter json, object? value)
        {
            switch (value)
            {
                case null: json.WriteNullValue(); break;
                case string text: json.WriteStringValue(text); break;
                case bool flag: json.WriteBooleanValue(flag); break;
                case int number: json.WriteNumberValue(number); break;
                case long number: json.WriteNumberValue(number); break;
                case decimal number: json.WriteNumberValue(number); break;
                case double number: json.WriteNumberValue(number); break;
                default: JsonSerializer.Serialize(json, value, value.GetType()); break;
            }
        }
    }

    public sealed class Batch(BosunDb db, DateTime now)
    {
        private readonly List<Written> _rows = [];

        public Batch Add(string entityType, string verb, string entityId, Changes changes, string? workItemId, string? projectId, string? workItemKey)
        {
            if (verb != "updated" || !changes.IsEmpty)
            {
                _rows.Add(new Written(AuditWriter.EntityRow(db, entityType, verb, entityId, changes, now), workItemId, projectId, workItemKey));
            }

            return this;
        }

        public async Task WriteAsync(CancellationToken ct)
        {
            if (_rows.Count == 0)
            {
                return;
            }

            await AuditWriter.InsertAsync(db, _rows.Select(w => w.Audit).ToList(), ct);
            db.DirectAudits.AddRange(_rows);
            _rows.Clear();
        }
    }
}
