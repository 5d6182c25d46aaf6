using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Core.Governance;

/// Idempotency keys protect retries, which come within minutes; keeping them a day is plenty, and pruning them
/// keeps the table at one day of writes instead of every write ever made.
public sealed class IdempotencyJanitor(IServiceScopeFactory scopes, TimeProvider clock)
{
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    /// True when a stored response is too old to answer a retry; the key is then free for a new request.
    public static bool Expired(IdempotencyRecord record, DateTime now) => record.CreatedAt < now - Retention;

    /// Deletes the records of every tenant that are past the retention.
    public async Task<int> PruneAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        var cutoff = clock.GetUtcNow().UtcDateTime - Retention;
        return await db.IdempotencyRecords.IgnoreQueryFilters().Where(r => r.CreatedAt < cutoff).ExecuteDeleteAsync(ct);
    }
}
