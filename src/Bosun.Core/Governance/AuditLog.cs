using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Governance;

public sealed record AuditView(
    string Id, string Actor, string ActorName, string Action, string EntityType, string EntityId,
    JsonElement Changes, string? RequestId, DateTime CreatedAt)
{
    public static AuditView From(AuditEntry a) => new(
        a.Id, a.ActorRef, a.ActorName, a.Action, a.EntityType, a.EntityId,
        Planning.WorkItemView.ParseJson(a.ChangesJson) ?? default, a.RequestId, a.CreatedAt);
}

public sealed record AuditFilter(string? EntityType, string? EntityId, string? Actor, string? Action);

public static class AuditLog
{
    /// For mutations that have no entity of their own to track (links, bulk statements, claims in raw SQL);
    /// saved with the caller's next SaveChanges, in its transaction.
    public static void Record(BosunDb db, string action, string entityType, string entityId, object changes, DateTime now)
    {
        db.AuditEntries.Add(AuditWriter.Row(db, entityType, action, entityId, JsonSerializer.Serialize(changes), now));
    }
}

public sealed class AuditService(BosunDb db, RequestContext context)
{
    /// Newest first: the cursor walks back in time.
    public Task<Page<AuditView>> ListAsync(AuditFilter filter, PageRequest page, CancellationToken ct)
    {
        Identity.Permissions.Require(context, Identity.Capability.ReadAudit);
        var query = db.AuditEntries.AsNoTracking().AsQueryable();
        if (filter.EntityType is { Length: > 0 } type)
        {
            query = query.Where(a => a.EntityType == type);
        }

        if (filter.EntityId is { Length: > 0 } id)
        {
            query = query.Where(a => a.EntityId == id);
        }

        if (filter.Actor is { Length: > 0 } actor)
        {
            query = query.Where(a => a.ActorRef == actor);
        }

        if (filter.Action is { Length: > 0 } action)
        {
            query = query.Where(a => a.Action == action);
        }

        if (page.Cursor is { } cursor)
        {
            query = query.Where(a => string.Compare(a.Id, cursor) < 0);
        }

        return query.OrderByDescending(a => a.Id).ToPageAsync(page, a => a.Id, AuditView.From, ct);
    }
}
