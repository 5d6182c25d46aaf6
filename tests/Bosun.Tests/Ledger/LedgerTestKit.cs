using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Dispatch;
using Bosun.Core.Identity;
using Bosun.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Ledger;

/// Runs are made straight in the database: claiming is Dispatch's business, the ledger only needs a run row.
internal static class LedgerTestKit
{
    public static async Task<string> StartRunAsync(this TestTenant tenant, string workItemId, string? agentId)
    {
        return await tenant.AsTenantAsync(async (db, _) =>
        {
            var run = new Run
            {
                WorkItemId = workItemId,
                AgentId = agentId,
                Attempt = 1,
                LeaseToken = Ids.New(),
                StartedAt = DateTime.UtcNow,
                LeaseExpiresAt = DateTime.UtcNow.AddHours(1),
            };
            db.Runs.Add(run);
            await db.SaveChangesAsync();
            return run.Id;
        });
    }

    /// Runs code in a unit of work of the tenant, as its owner, inside a transaction (as a request would).
    public static async Task<T> AsTenantAsync<T>(this TestTenant tenant, Func<BosunDb, IServiceProvider, Task<T>> work)
    {
        await using var scope = tenant.App.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<RequestContext>();
        context.EnterTenant(tenant.Id, new Actor(ActorType.Person, tenant.OwnerId, "Owner"), PersonRole.Owner);
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        return await db.InTransactionAsync(_ => work(db, scope.ServiceProvider), write: true, CancellationToken.None);
    }

    public static async Task<string?> StopReasonAsync(this TestTenant tenant, string runId) =>
        await tenant.AsTenantAsync((db, _) => Task.FromResult(db.Runs.Single(r => r.Id == runId).StopReason));

    public static decimal? Usd(this JsonElement e, string name) =>
        e.GetProperty(name).ValueKind == JsonValueKind.Null ? null : e.GetProperty(name).GetDecimal();

    public static string Id(this JsonElement e) => e.Str("id");
}
