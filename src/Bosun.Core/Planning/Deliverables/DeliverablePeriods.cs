using System.Globalization;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bosun.Core.Planning;

/// What ensuring a deliverable's periods did.
public readonly record struct EnsuredPeriods(int PeriodsCreated, int ItemsCreated)
{
    public static readonly EnsuredPeriods Nothing = new(0, 0);
}

/// Makes a deliverable's periods ahead of time (the current and the next one) and the current period's counted items,
/// each once however many Bosun processes try at the same moment. Runs in the caller's transaction.
///
/// Once: the deliverable's row is locked first (PostgreSQL; SQLite's write transactions already run one at a time), so
/// a second process waits and then finds the rows the first made; the unique key on (deliverable, period) refuses a
/// second row whatever happens; and the items are made only by the transaction whose conditional update set the
/// period's pipelines_created_at, in that same transaction.
public sealed class DeliverableSchedule(BosunDb db, TimeProvider clock, WorkItemService work, ITemplateSource templates, ILogger<DeliverableSchedule> logger)
{
    /// The type of the item each counted unit of a period is: a pipeline's parent, or the item itself.
    public const string CountedItemType = "activity";

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// Rows for the current and next period and the current period's items, when the deliverable produces anything
    /// now. <paramref name="strict"/>: a template that is gone or no longer fits the deliverable's variables is refused
    /// as a problem (for a person's request); otherwise it is logged and tried again on the next sweep.
    public async Task<EnsuredPeriods> EnsureAsync(string deliverableId, bool strict, CancellationToken ct)
    {
        await RowLock.LockAsync(db, "deliverables", deliverableId, ct);
        var deliverable = await db.Deliverables.FirstOrDefaultAsync(d => d.Id == deliverableId, ct);
        if (deliverable is null || !await ProducesAsync(deliverable, ct))
        {
            return EnsuredPeriods.Nothing;
        }

        var current = CalendarPeriod.Containing(Now, deliverable.Period);
        var next = current.Next(deliverable.Period);
        var rows = await db.DeliverablePeriods
            .Where(p => p.DeliverableId == deliverable.Id && (p.Period == current.Key || p.Period == next.Key)).ToListAsync(ct);
        var made = 0;
        foreach (var period in new[] { current, next }.Where(c => rows.All(r => r.Period != c.Key)))
        {
            var row = new DeliverablePeriod
            {
                DeliverableId = deliverable.Id,
                Period = period.Key,
                StartsAt = period.StartsAt,
                EndsAt = period.EndsAt,
                TargetCount = deliverable.QuantityPerPeriod,
            };
            db.DeliverablePeriods.Add(row);
            rows.Add(row);
            made++;
        }

        if (made > 0)
        {
            await db.SaveChangesAsync(ct);
        }

        var items = await MakeItemsAsync(deliverable, rows.Single(r => r.Period == current.Key), strict, ct);
        return new EnsuredPeriods(made, items.Count);
    }

    /// A person asks for a period's items now (the next period's, ahead of time): made once, like the sweep makes them.
    public async Task<IReadOnlyList<string>> MakeItemsNowAsync(string deliverableId, string periodId, CancellationToken ct)
    {
        await RowLock.LockAsync(db, "deliverables", deliverableId, ct);
        var deliverable = await db.Deliverables.FirstAsync(d => d.Id == deliverableId, ct);
        await db.Entry(deliverable).ReloadAsync(ct);
        if (!await ProducesAsync(deliverable, ct))
        {
            throw ProblemException.Conflict($"The deliverable '{deliverable.Name}' produces nothing now: it is inactive or archived, or its plan is not approved.",
                "/problems/deliverable-inactive");
        }

        var period = await db.DeliverablePeriods.FirstAsync(p => p.Id == periodId, ct);
        await db.Entry(period).ReloadAsync(ct);
        if (Now >= period.EndsAt)
        {
            throw ProblemException.Conflict($"The period {period.Period} has ended.", "/problems/period-ended");
        }

        return await MakeItemsAsync(deliverable, period, strict: true, ct);
    }

    /// Active, not archived, and, for a deliverable of a plan, the plan approved at least once and not archived: a
    /// strategy's deliverables start producing when it is approved.
    private async Task<bool> ProducesAsync(Deliverable deliverable, CancellationToken ct) =>
        deliverable is { Active: true, ArchivedAt: null }
        && (deliverable.PlanId is not { } planId
            || await db.Plans.AnyAsync(p => p.Id == planId && p.ActiveVersion != null && p.ArchivedAt == null && p.Status != PlanStatus.Archived, ct));

    private async Task<IReadOnlyList<string>> MakeItemsAsync(Deliverable deliverable, DeliverablePeriod period, bool strict, CancellationToken ct)
    {
        if (period.PipelinesCreatedAt is not null)
        {
            return [];
        }

        TemplateDefinition? template = null;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (deliverable.TemplateId is { } templateId)
        {
            template = await templates.FindAsync(templateId, ct);
            var problem = new ValidationProblem();
            if (template is null)
            {
                problem.Add("template_id", $"no template '{templateId}' any more");
            }
            else
            {
                values = PipelineSteps.Values(template.Variables, Variables(deliverable), problem);
            }

            if (problem.HasErrors)
            {
                if (strict)
                {
                    problem.ThrowIfAny();
                }

                logger.LogWarning("Deliverable {Deliverable} cannot make the items of {Period}: {Problem}", deliverable.Id, period.Period, problem.ToException().Message);
                return [];
            }
        }

        var now = Now;
        var claimed = await db.DeliverablePeriods.Where(p => p.Id == period.Id && p.PipelinesCreatedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.PipelinesCreatedAt, now), ct);
        await db.Entry(period).ReloadAsync(ct);
        if (claimed == 0)
        {
            return [];
        }

        var keys = new List<string>(period.TargetCount);
        for (var index = 1; index <= period.TargetCount; index++)
        {
            var title = $"{deliverable.Name} {period.Period} #{index}";
            var description = $"{index} of {period.TargetCount} for the deliverable {deliverable.Name} ({deliverable.Type}) in {period.Period}"
                              + (template is null ? "." : $", made from the template {template.Name} (version {template.Version}).");
            if (template is null)
            {
                var item = await work.CreateCountedAsync(new CreateWorkItem(
                    deliverable.ProjectId, CountedItemType, title, description, WorkStatus.Ready, null, null, null, deliverable.GoalId, null, null, null, null, null),
                    period.Id, ct);
                keys.Add(item.Key);
                continue;
            }

            // The built-in placeholders win over a variable of the same name: they say which item this is.
            var filled = new Dictionary<string, string>(values, StringComparer.Ordinal)
            {
                ["date"] = now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["period"] = period.Period,
                ["deliverable"] = deliverable.Name,
                ["index"] = index.ToString(CultureInfo.InvariantCulture),
            };
            var pipeline = await work.CreatePipelineAsync(new Pipeline(deliverable.ProjectId, title, description, CountedItemType, template.Steps, filled)
            {
                GoalId = deliverable.GoalId,
                DeliverablePeriodId = period.Id,
                TemplateId = template.Id,
                TemplateVersion = template.Version,
                ByCaller = false,
            }, ct);
            keys.Add(pipeline.Parent!.Key);
        }

        AuditLog.Record(db, "deliverable_period.pipelines_created", "deliverable_period", period.Id, new
        {
            deliverable_id = deliverable.Id,
            period = period.Period,
            template_id = template?.Id,
            template_version = template?.Version,
            items = keys,
        }, now);
        await db.SaveChangesAsync(ct);
        return keys;
    }

    private static JsonElement? Variables(Deliverable deliverable) => WorkItemView.ParseJson(deliverable.VariablesJson);
}

/// Finds, across tenants, the deliverables whose current or next period lacks its row or whose current period lacks
/// its items, and ensures each in a unit of work of its tenant, as the system. Safe to run in several processes at once.
public sealed class DeliverablePeriodSweep(IServiceScopeFactory scopes, TimeProvider clock, ILogger<DeliverablePeriodSweep> logger)
{
    private const int BatchSize = 500;

    public sealed record Result(int Deliverables, int PeriodsCreated, int ItemsCreated, int Failed);

    public async Task<Result> SweepAsync(CancellationToken ct)
    {
        List<(string TenantId, string Id)> due;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            var now = clock.GetUtcNow().UtcDateTime;
            var month = CalendarPeriod.Containing(now, PeriodLength.Month);
            var quarter = CalendarPeriod.Containing(now, PeriodLength.Quarter);
            var (m0, m1, q0, q1) = (month.Key, month.Next(PeriodLength.Month).Key, quarter.Key, quarter.Next(PeriodLength.Quarter).Key);
            due = (await db.Deliverables.IgnoreQueryFilters().AsNoTracking()
                    .Where(d => d.Active && d.ArchivedAt == null)
                    .Where(d => d.PlanId == null || db.Plans.Any(p =>
                        p.TenantId == d.TenantId && p.Id == d.PlanId && p.ActiveVersion != null && p.ArchivedAt == null && p.Status != PlanStatus.Archived))
                    .Where(d => !db.DeliverablePeriods.Any(p => p.TenantId == d.TenantId && p.DeliverableId == d.Id
                                                               && p.Period == (d.Period == PeriodLength.Month ? m0 : q0) && p.PipelinesCreatedAt != null)
                                || !db.DeliverablePeriods.Any(p => p.TenantId == d.TenantId && p.DeliverableId == d.Id
                                                                  && p.Period == (d.Period == PeriodLength.Month ? m1 : q1)))
                    .OrderBy(d => d.TenantId).ThenBy(d => d.Id).Take(BatchSize)
                    .Select(d => new { d.TenantId, d.Id }).ToListAsync(ct))
                .Select(d => (d.TenantId, d.Id)).ToList();
        }

        var (periods, items, failed) = (0, 0, 0);
        foreach (var (tenantId, id) in due)
        {
            // A unit of work per deliverable: one whose template broke fails alone, and leaves nothing behind.
            await using var scope = scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(tenantId, Actor.System);
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            try
            {
                await using var transaction = await TransactionExtensions.BeginAsync(db, write: true, ct);
                var ensured = await scope.ServiceProvider.GetRequiredService<DeliverableSchedule>().EnsureAsync(id, strict: false, ct);
                await transaction.CommitAsync(ct);
                periods += ensured.PeriodsCreated;
                items += ensured.ItemsCreated;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failed++;
                logger.LogWarning(ex, "Could not make the periods of deliverable {Deliverable}; trying again on the next sweep", id);
            }
        }

        return new Result(due.Count, periods, items, failed);
    }
}

/// Runs the period sweep every minute in every Bosun process; a new month's periods and items appear within a minute
/// of its start.
public sealed class DeliverablePeriodJob(DeliverablePeriodSweep sweep, ILogger<DeliverablePeriodJob> logger) : PeriodicJob(TimeSpan.FromMinutes(1), logger)
{
    protected override string Name => "Deliverable periods";

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        var result = await sweep.SweepAsync(ct);
        if (result.PeriodsCreated + result.ItemsCreated > 0)
        {
            logger.LogInformation("Made {Periods} deliverable periods and {Items} counted items", result.PeriodsCreated, result.ItemsCreated);
        }
    }
}
