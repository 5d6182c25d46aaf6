using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Core.Dispatch;

/// Finds leases that expired across all tenants and hands each tenant's items to <see cref="RunService.ReapTenantAsync"/>
/// in a unit of work of that tenant, so the changes are audited and isolated like any request's.
public sealed class LeaseReaper(IServiceScopeFactory scopes, TimeProvider clock)
{
    private const int BatchSize = 500;

    public async Task<int> SweepAsync(CancellationToken ct)
    {
        List<(string TenantId, string Id)> expired;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            var now = clock.GetUtcNow().UtcDateTime;
            expired = (await db.WorkItems.IgnoreQueryFilters().AsNoTracking()
                    .Where(w => w.LeaseExpiresAt != null && w.LeaseExpiresAt < now && (w.Status == WorkStatus.Claimed || w.Status == WorkStatus.InProgress))
                    .OrderBy(w => w.LeaseExpiresAt).Take(BatchSize)
                    .Select(w => new { w.TenantId, w.Id }).ToListAsync(ct))
                .Select(w => (w.TenantId, w.Id)).ToList();
        }

        var reaped = 0;
        foreach (var tenant in expired.GroupBy(e => e.TenantId))
        {
            await using var scope = scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(tenant.Key, Actor.System);
            reaped += await scope.ServiceProvider.GetRequiredService<RunService>().ReapTenantAsync(tenant.Select(t => t.Id).ToList(), ct);
        }

        return reaped;
    }
}
