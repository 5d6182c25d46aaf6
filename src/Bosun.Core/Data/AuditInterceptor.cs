using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Governance;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Bosun.Core.Data;

/// Stamps tenant and timestamps on what is saved, and writes one audit row per changed entity in the
/// same SaveChanges, so a mutation and its audit trail commit or roll back together.
public sealed class AuditInterceptor(TimeProvider clock) : SaveChangesInterceptor
{
    // Secrets never reach the audit log, not even as hashes.
    private static readonly HashSet<string> Hidden =
        ["PasswordHash", "TokenHash", "LeaseToken", "NextItemNumber", "FailedSignIns", "ValueSealed", "DataKeySealed", "SecretSealed"];

    // Liveness signals (heartbeats, lease extensions, progress notes) change constantly and are kept on the run itself.
    private static readonly HashSet<string> Liveness = ["LeaseExpiresAt", "HeartbeatAt", "Progress", "CheckpointJson", "LastHeartbeatAt", "LastUsedAt"];

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Prepare(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Prepare(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private void Prepare(DbContext? context)
    {
        if (context is not BosunDb db)
        {
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var audits = new List<AuditEntry>();
        foreach (var entry in db.ChangeTracker.Entries().ToList())
        {
            if (entry.State is EntityState.Unchanged or EntityState.Detached)
            {
                continue;
            }

            StampTenant(db, entry);
            if (entry.Entity is IHasTimestamps stamped)
            {
                if (entry.State == EntityState.Added)
                {
                    stamped.CreatedAt = stamped.CreatedAt == default ? now : stamped.CreatedAt;
                    stamped.UpdatedAt = now;
                }
                else if (entry.State == EntityState.Modified)
                {
                    stamped.UpdatedAt = now;
                }
            }
            else if (entry.State == EntityState.Added && entry.Metadata.FindProperty("CreatedAt") is { } created
                     && entry.Property(created.Name).CurrentValue is DateTime d && d == default)
            {
                entry.Property(created.Name).CurrentValue = now;
            }

            if (entry.Entity is IAudited audited && BuildAudit(db, entry, audited, now) is { } audit)
            {
                audits.Add(audit);
            }
        }

        db.AuditEntries.AddRange(audits);
    }

    private static void StampTenant(BosunDb db, EntityEntry entry)
    {
        if (entry.Entity is not ITenantScoped scoped)
        {
            return;
        }

        var tenant = db.Context.TenantId;
        if (entry.State == EntityState.Added && string.IsNullOrEmpty(scoped.TenantId))
        {
            scoped.TenantId = tenant ?? throw new InvalidOperationException($"{entry.Metadata.ClrType.Name} saved without a tenant.");
        }
        else if (tenant is not null && scoped.TenantId != tenant)
        {
            throw new InvalidOperationException($"{entry.Metadata.ClrType.Name} belongs to another tenant than this unit of work.");
        }
    }

    private static AuditEntry? BuildAudit(BosunDb db, EntityEntry entry, IAudited audited, DateTime now)
    {
        var changes = new Governance.DirectAudit.Changes();
        foreach (var property in entry.Properties)
        {
            var name = property.Metadata.Name;
            if (Hidden.Contains(name) || Liveness.Contains(name) || name is "TenantId" or "Id" or "CreatedAt" or "UpdatedAt"
                || property.Metadata.PropertyInfo?.IsDefined(typeof(NotAuditedAttribute), false) == true)
            {
                continue;
            }

            switch (entry.State)
            {
                case EntityState.Added:
                    changes.Added(ToSnake(name), property.CurrentValue);
                    break;
                case EntityState.Modified when property.IsModified:
                    changes.Set(ToSnake(name), property.OriginalValue, property.CurrentValue);
                    break;
                case EntityState.Deleted:
                    changes.Removed(ToSnake(name), property.OriginalValue);
                    break;
            }
        }

        if (entry.State == EntityState.Modified && changes.IsEmpty)
        {
            return null;
        }

        var entityType = ToSnake(entry.Metadata.ClrType.Name);
        var verb = entry.State switch
        {
            EntityState.Added => "created",
            EntityState.Deleted => "deleted",
            _ => "updated",
        };
        var tenantId = entry.Entity is ITenantScoped scoped ? scoped.TenantId : audited.Id;
        return AuditWriter.EntityRow(db, entityType, verb, audited.Id, changes, now, tenantId);
    }

    internal static object? Render(object? value) => value switch
    {
        Enum e => ToSnake(e.ToString()),
        DateTime d => DateTime.SpecifyKind(d, DateTimeKind.Utc).ToString("O"),
        _ => value,
    };

    internal static string ToSnake(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
}
