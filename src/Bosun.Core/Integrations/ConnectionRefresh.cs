using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bosun.Core.Integrations;

/// Finds connected OAuth2 connections whose access token expires within <see cref="Ahead"/>, across tenants, and
/// refreshes each in a unit of work of its tenant, as the system, so what it changes is audited like any request's.
public sealed class ConnectionRefresh(IServiceScopeFactory scopes, TimeProvider clock)
{
    public static readonly TimeSpan Ahead = TimeSpan.FromMinutes(10);
    private const int BatchSize = 100;

    /// Returns how many were refreshed; those that failed are expired now and drop out of the next sweeps.
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        List<(string TenantId, string Id)> due;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            var now = clock.GetUtcNow().UtcDateTime;
            var horizon = now + Ahead;
            due = (await db.Set<Connection>().IgnoreQueryFilters().AsNoTracking()
                    .Where(c => c.Status == ConnectionStatus.Connected && c.Type == ConnectionType.Oauth2 && c.RevokedAt == null
                                && c.ExpiresAt != null && c.ExpiresAt <= horizon && (c.RefreshingUntil == null || c.RefreshingUntil <= now))
                    .OrderBy(c => c.ExpiresAt).Take(BatchSize)
                    .Select(c => new { c.TenantId, c.Id }).ToListAsync(ct))
                .Select(c => (c.TenantId, c.Id)).ToList();
        }

        var refreshed = 0;
        foreach (var (tenantId, id) in due)
        {
            await using var scope = scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(tenantId, Actor.System);
            var connection = await scope.ServiceProvider.GetRequiredService<ConnectionService>().RefreshAsync(id, ct);
            refreshed += connection.Status == ConnectionStatus.Connected ? 1 : 0;
        }

        return refreshed;
    }
}

/// Refreshes tokens every minute in every Bosun process that runs background jobs.
public sealed class ConnectionRefreshService(ConnectionRefresh refresh, ILogger<ConnectionRefreshService> logger) : PeriodicJob(TimeSpan.FromMinutes(1), logger)
{
    protected override string Name => "Connection refresh";

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        if (await refresh.SweepAsync(ct) is var count and > 0)
        {
            logger.LogInformation("Refreshed the tokens of {Count} connections", count);
        }
    }
}
