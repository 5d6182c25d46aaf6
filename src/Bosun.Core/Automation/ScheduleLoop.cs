using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bosun.Core.Automation;

/// Finds the schedules that are due, across tenants, and fires each time in a unit of work of its tenant, as the
/// schedule itself. Any number of Bosun processes may run it on one database: each firing locks its schedule's row
/// and skips one another process holds. A firing refused for its content is recorded as failed; any other error
/// rolls its transaction back and the same time is tried again on the next tick, so it still happens once.
public sealed class ScheduleLoop(IServiceScopeFactory scopes, TimeProvider clock, StoreOptions store, ILogger<ScheduleLoop> logger)
{
    private const int BatchSize = 1000;

    /// Firings of one schedule in one tick, so a long catch-up does not hold back the other schedules.
    private const int PerScheduleAndTick = 100;

    public sealed record Result(int Fired, int Failed, int Skipped, int Queued);

    public async Task<Result> TickAsync(CancellationToken ct)
    {
        var counts = new int[4];
        var tried = new HashSet<(string, string)>();
        while (!ct.IsCancellationRequested)
        {
            var due = (await DueAsync(ct)).Where(d => tried.Add((d.TenantId, d.Id))).ToList();
            if (due.Count == 0)
            {
                break;
            }

            // PostgreSQL fires several schedules at once (each holds its own row); SQLite has one writer anyway.
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = store.Kind == StoreKind.Postgres ? 4 : 1, CancellationToken = ct };
            await Parallel.ForEachAsync(due, parallel, async (d, c) =>
            {
                for (var i = 0; i < PerScheduleAndTick; i++)
                {
                    var status = await FireOnceAsync(d.TenantId, d.Id, d.Name, queued: false, c);
                    if (status is null)
                    {
                        break;
                    }

                    Interlocked.Increment(ref counts[(int)status.Value]);
                }
            });
        }

        foreach (var (tenantId, id, name) in await QueuedAsync(ct))
        {
            if (await FireOnceAsync(tenantId, id, name, queued: true, ct) is { } status)
            {
                Interlocked.Increment(ref counts[(int)status]);
            }
        }

        return new Result(counts[(int)FiringStatus.Fired], counts[(int)FiringStatus.Failed], counts[(int)FiringStatus.Skipped], counts[(int)FiringStatus.Queued]);
    }

    private async Task<List<(string TenantId, string Id, string Name)>> DueAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        var now = clock.GetUtcNow().UtcDateTime;
        return (await db.Schedules.IgnoreQueryFilters().AsNoTracking()
                .Where(s => s.Active && s.NextFireAt != null && s.NextFireAt <= now)
                .OrderBy(s => s.NextFireAt).Take(BatchSize)
                .Select(s => new { s.TenantId, s.Id, s.Name }).ToListAsync(ct))
            .Select(s => (s.TenantId, s.Id, s.Name)).ToList();
    }

    private async Task<List<(string TenantId, string Id, string Name)>> QueuedAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        return (await (from f in db.ScheduleFirings.IgnoreQueryFilters().AsNoTracking()
                       join s in db.Schedules.IgnoreQueryFilters().AsNoTracking() on new { f.TenantId, Id = f.ScheduleId } equals new { s.TenantId, s.Id }
                       where f.Status == FiringStatus.Queued
                       select new { s.TenantId, s.Id, s.Name }).Distinct().OrderBy(s => s.Id).Take(BatchSize).ToListAsync(ct))
            .Select(s => (s.TenantId, s.Id, s.Name)).ToList();
    }

    /// One firing of one schedule in its own transaction; null when there was nothing to fire (or another process
    /// holds it, or the transaction failed and the time waits for the next tick).
    private async Task<FiringStatus?> FireOnceAsync(string tenantId, string scheduleId, string name, bool queued, CancellationToken ct)
    {
        var actor = Actor.Automation($"schedule:{scheduleId}", $"schedule {name}");
        (DateTime FireTime, FiringTrigger Trigger, string Error)? refused = null;
        try
        {
            await using var scope = Enter(tenantId, actor, out var db, out var firer);
            await using var transaction = await TransactionExtensions.BeginAsync(db, write: true, ct);
            DueFiring? due = null;
            try
            {
                ScheduleFiring? firing;
                if (queued)
                {
                    firing = await firer.FireQueuedAsync(scheduleId, ct);
                }
                else
                {
                    due = await firer.DueAsync(scheduleId, ct);
                    firing = due is null ? null : await firer.FireAsync(due, ct);
                }

                await transaction.CommitAsync(ct);
                return firing?.Status;
            }
            catch (ProblemException problem)
            {
                var time = queued ? await QueuedTimeAsync(tenantId, scheduleId, ct) : due?.FireTime;
                if (time is null)
                {
                    throw;
                }

                refused = (time.Value, FiringTrigger.Scheduled, ScheduleFirer.Describe(problem));
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Schedule {Schedule} could not fire; trying again on the next tick", scheduleId);
            return null;
        }

        try
        {
            await using var scope = Enter(tenantId, actor, out var db, out var firer);
            await using var transaction = await TransactionExtensions.BeginAsync(db, write: true, ct);
            var failed = await firer.RecordFailureAsync(scheduleId, refused.Value.FireTime, refused.Value.Trigger, refused.Value.Error, ct);
            await transaction.CommitAsync(ct);
            if (failed is not null)
            {
                logger.LogWarning("Schedule {Schedule} failed to fire at {FireTime}: {Error}", scheduleId, refused.Value.FireTime, refused.Value.Error);
            }

            return failed?.Status;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Schedule {Schedule} could not record its failed firing; trying again on the next tick", scheduleId);
            return null;
        }
    }

    private async Task<DateTime?> QueuedTimeAsync(string tenantId, string scheduleId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        return await db.ScheduleFirings.IgnoreQueryFilters().AsNoTracking()
            .Where(f => f.TenantId == tenantId && f.ScheduleId == scheduleId && f.Status == FiringStatus.Queued)
            .OrderBy(f => f.FireTime).Select(f => (DateTime?)f.FireTime).FirstOrDefaultAsync(ct);
    }

    private AsyncServiceScope Enter(string tenantId, Actor actor, out BosunDb db, out ScheduleFirer firer)
    {
        var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(tenantId, actor);
        db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        firer = scope.ServiceProvider.GetRequiredService<ScheduleFirer>();
        return scope;
    }
}

/// Fires due schedules every second in every Bosun process.
public sealed class ScheduleLoopJob(ScheduleLoop loop, ILogger<ScheduleLoopJob> logger) : PeriodicJob(TimeSpan.FromSeconds(1), logger)
{
    protected override string Name => "Schedules";

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        var result = await loop.TickAsync(ct);
        if (result.Fired + result.Failed > 0)
        {
            logger.LogDebug("Fired {Fired} schedules ({Failed} failed)", result.Fired, result.Failed);
        }
    }
}
