using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Core.Integrations;

public sealed record RotationProgress(int Done, int Total, int Batches);

/// <param name="Rewrapped">Data keys sealed again under <see cref="KeyId"/>.</param>
/// <param name="Skipped">Changed while the rotation ran (a new value, already under the newest key), left as they are.</param>
/// <param name="Remaining">Still under another key afterwards: run the rotation again.</param>
public sealed record RotationResult(string KeyId, int Total, int Rewrapped, int Skipped, int Batches, int Remaining, IReadOnlyDictionary<string, int> KeysBefore);

/// Seals every data key of the vault again under the newest key, in batches that each commit on their own, while the
/// server goes on: a value opens with the old key until its data key is re-sealed and with the new one after, so no
/// read ever fails. Each data key is replaced only if it is still the one read, so a value set meanwhile stays intact.
public sealed class SecretRotation(IServiceScopeFactory scopes, SecretBox box, TimeProvider clock)
{
    public async Task<RotationResult> RotateAsync(int batchSize, Action<RotationProgress>? progress, CancellationToken ct)
    {
        box.Reload();
        var current = box.CurrentKeyId;
        Dictionary<string, int> before;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            before = (await db.Set<Secret>().IgnoreQueryFilters().AsNoTracking().Where(s => s.KeyId != null)
                    .GroupBy(s => s.KeyId!).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct))
                .ToDictionary(g => g.Key, g => g.Count, StringComparer.Ordinal);
        }

        var total = before.Where(k => k.Key != current).Sum(k => k.Value);
        int rewrapped = 0, skipped = 0, batches = 0;
        (string Tenant, string Id) after = ("", "");
        progress?.Invoke(new RotationProgress(0, total, 0));
        while (true)
        {
            List<(string TenantId, string Id)> batch;
            await using (var scope = scopes.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
                var (tenant, id) = after;
                batch = (await db.Set<Secret>().IgnoreQueryFilters().AsNoTracking()
                        .Where(s => s.DataKeySealed != null && s.KeyId != current)
                        .Where(s => string.Compare(s.TenantId, tenant) > 0 || (s.TenantId == tenant && string.Compare(s.Id, id) > 0))
                        .OrderBy(s => s.TenantId).ThenBy(s => s.Id).Take(batchSize)
                        .Select(s => new { s.TenantId, s.Id }).ToListAsync(ct))
                    .Select(s => (s.TenantId, s.Id)).ToList();
            }

            if (batch.Count == 0)
            {
                break;
            }

            foreach (var tenant in batch.GroupBy(b => b.TenantId))
            {
                var (done, changed) = await RewrapAsync(tenant.Key, tenant.Select(t => t.Id).ToList(), ct);
                rewrapped += done;
                skipped += changed;
            }

            batches++;
            after = batch[^1];
            progress?.Invoke(new RotationProgress(Math.Min(total, rewrapped + skipped), total, batches));
        }

        int remaining;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            remaining = await db.Set<Secret>().IgnoreQueryFilters().CountAsync(s => s.DataKeySealed != null && s.KeyId != current, ct);
        }

        return new RotationResult(current, total, rewrapped, skipped, batches, remaining, before);
    }

    /// One tenant's share of a batch, in one transaction of that tenant, each re-sealed data key audited.
    private async Task<(int Rewrapped, int Skipped)> RewrapAsync(string tenantId, List<string> ids, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(tenantId, Actor.System);
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        var vault = scope.ServiceProvider.GetRequiredService<SecretVault>();
        return await db.InTransactionAsync(async c =>
        {
            var secrets = await db.Set<Secret>().AsNoTracking().Where(s => ids.Contains(s.Id)).ToListAsync(c);
            var rotated = 0;
            var skipped = 0;
            foreach (var secret in secrets)
            {
                var (oldKey, oldSealed) = (secret.KeyId, secret.DataKeySealed);
                if (!vault.Rewrap(secret))
                {
                    skipped++;
                    continue;
                }

                var (newKey, newSealed) = (secret.KeyId, secret.DataKeySealed);
                var rows = await db.Set<Secret>().Where(s => s.Id == secret.Id && s.DataKeySealed == oldSealed)
                    .ExecuteUpdateAsync(u => u.SetProperty(s => s.DataKeySealed, newSealed).SetProperty(s => s.KeyId, newKey), c);
                if (rows == 0)
                {
                    skipped++;
                    continue;
                }

                AuditLog.Record(db, "secret.key_rotated", "secret", secret.Id, new { key_id = new { before = oldKey, after = newKey } }, clock.GetUtcNow().UtcDateTime);
                rotated++;
            }

            await db.SaveChangesAsync(c);
            return (rotated, skipped);
        }, write: true, ct);
    }
}
