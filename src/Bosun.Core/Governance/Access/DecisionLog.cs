using System.Collections.Concurrent;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bosun.Core.Governance.Access;

/// The evaluation log: every deny and the allows of sensitive actions. Decisions are queued and written about once a
/// second outside the request, because a refused request rolls its own transaction back and must not wait on a write.
public sealed class DecisionLog(IServiceScopeFactory scopes, TimeProvider clock, Microsoft.Extensions.Configuration.IConfiguration configuration)
{
    /// The actions whose allows are logged too: BOSUN_LOGGED_ALLOWS, capabilities separated by commas, or the defaults
    /// (secrets, budgets, roles, policies, people, connections, tokens). An unknown name stops the start with its name.
    public IReadOnlySet<Identity.Capability> LoggedAllows { get; } = ParseLoggedAllows(configuration["BOSUN_LOGGED_ALLOWS"]);

    public static IReadOnlySet<Identity.Capability> ParseLoggedAllows(string? setting)
    {
        if (string.IsNullOrWhiteSpace(setting))
        {
            return Evaluator.DefaultSensitive;
        }

        var set = new HashSet<Identity.Capability>();
        foreach (var name in setting.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (name == "none")
            {
                continue;
            }

            if (!Capabilities.TryParse(name, out var capability))
            {
                throw new InvalidOperationException($"BOSUN_LOGGED_ALLOWS names '{name}', which is not a capability (see docs/governance.md), or 'none'.");
            }

            set.Add(capability);
        }

        return set;
    }

    private const int MaxQueued = 100_000;
    private readonly ConcurrentQueue<PermissionDecision> _queue = new();
    private int _count;

    public long Dropped { get; private set; }

    public void Add(AccessScope scope, Decision decision)
    {
        if (Interlocked.Increment(ref _count) > MaxQueued)
        {
            Interlocked.Decrement(ref _count);
            Dropped++;
            return;
        }

        _queue.Enqueue(new PermissionDecision
        {
            TenantId = scope.Policies.TenantId,
            At = clock.GetUtcNow().UtcDateTime,
            PrincipalRef = scope.Actor.Ref,
            Action = decision.Action,
            Resource = decision.Resource.Length > 200 ? decision.Resource[..200] : decision.Resource,
            Allowed = decision.Allowed,
            MatchedJson = Evaluator.MatchedJson(decision),
            Microseconds = Math.Round(decision.Microseconds, 2),
        });
    }

    /// Writes what is queued, a tenant at a time; the tests call it instead of waiting for the job.
    public async Task<int> FlushAsync(CancellationToken ct)
    {
        var batch = new List<PermissionDecision>();
        while (batch.Count < 5_000 && _queue.TryDequeue(out var decision))
        {
            Interlocked.Decrement(ref _count);
            batch.Add(decision);
        }

        foreach (var tenant in batch.Where(d => d.TenantId.Length > 0).GroupBy(d => d.TenantId))
        {
            await using var scope = scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(tenant.Key, Actor.System);
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            await db.InTransactionAsync(async c =>
            {
                db.Set<PermissionDecision>().AddRange(tenant);
                await db.SaveChangesAsync(c);
            }, write: true, ct);
        }

        return batch.Count;
    }

    /// Decisions older than <paramref name="keep"/> are pruned.
    public async Task PruneAsync(TimeSpan keep, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        var before = clock.GetUtcNow().UtcDateTime - keep;
        await db.Set<PermissionDecision>().IgnoreQueryFilters().Where(d => d.At < before).ExecuteDeleteAsync(ct);
    }
}

/// Writes the evaluation log every second in every process, and keeps 30 days of it.
public sealed class DecisionLogWriter(DecisionLog log, ILogger<DecisionLogWriter> logger) : PeriodicJob(TimeSpan.FromSeconds(1), logger)
{
    // The first pruning waits an hour, so processes starting together do not all delete at once.
    private DateTime _pruned = DateTime.UtcNow;

    protected override string Name => "Permission decision log";

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        while (await log.FlushAsync(ct) >= 5_000)
        {
        }

        if (DateTime.UtcNow - _pruned > TimeSpan.FromHours(1))
        {
            _pruned = DateTime.UtcNow;
            await log.PruneAsync(TimeSpan.FromDays(30), ct);
        }
    }
}
