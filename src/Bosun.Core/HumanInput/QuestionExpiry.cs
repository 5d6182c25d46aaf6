using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bosun.Core.HumanInput;

/// Finds open questions past their expiry across tenants and expires each in a unit of work of its tenant, as the
/// system, so the default answer or the escalation is audited and isolated like any request's.
public sealed class QuestionExpiry(IServiceScopeFactory scopes, TimeProvider clock)
{
    private const int BatchSize = 200;

    public async Task<int> SweepAsync(CancellationToken ct)
    {
        List<(string TenantId, string Id)> due;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            var now = clock.GetUtcNow().UtcDateTime;
            due = (await db.Questions.IgnoreQueryFilters().AsNoTracking()
                    .Where(q => q.Status == QuestionStatus.Open && q.ExpiresAt != null && q.ExpiresAt <= now && q.EscalatedAt == null)
                    .OrderBy(q => q.ExpiresAt).Take(BatchSize)
                    .Select(q => new { q.TenantId, q.Id }).ToListAsync(ct))
                .Select(q => (q.TenantId, q.Id)).ToList();
        }

        var expired = 0;
        foreach (var (tenantId, id) in due)
        {
            await using var scope = scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(tenantId, Actor.System);
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            var questions = scope.ServiceProvider.GetRequiredService<HumanInputService>();
            expired += await db.InTransactionAsync(c => questions.ExpireAsync(id, c), write: true, ct) ? 1 : 0;
        }

        return expired;
    }
}

/// Expires questions every ten seconds in every Bosun process; each expiry re-checks the question under its item's lock.
public sealed class QuestionExpiryService(QuestionExpiry expiry, ILogger<QuestionExpiryService> logger) : PeriodicJob(TimeSpan.FromSeconds(10), logger)
{
    protected override string Name => "Question expiry";

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        if (await expiry.SweepAsync(ct) is var count and > 0)
        {
            logger.LogInformation("Expired {Count} unanswered questions", count);
        }
    }
}
