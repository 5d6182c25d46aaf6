using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Ledger;

/// Budgets over what runs spend: who sets, changes and removes them, and how they read with their spend. What a budget
/// does to work (charging, stopping, resuming) is <see cref="BudgetEnforcement"/>'s.
public sealed class BudgetService(BosunDb db, RequestContext context, TimeProvider clock, BudgetEnforcement enforcement)
{
    public async Task<IReadOnlyList<BudgetView>> ListAsync(CancellationToken ct)
    {
        var list = await db.Set<Budget>().AsNoTracking().OrderBy(b => b.Id).ToListAsync(ct);
        return await ViewsAsync(list, ct);
    }

    public async Task<BudgetView> GetAsync(string id, CancellationToken ct) => (await ViewsAsync([await FindAsync(id, ct)], ct))[0];

    public async Task<BudgetView> CreateAsync(BudgetRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageTenant);
        var problem = new ValidationProblem();
        var scope = request.Scope ?? BudgetScope.Tenant;
        var scopeId = await ResolveScopeAsync(scope, request.ScopeId, problem, ct);
        var amount = Check.Usd(problem, "amount_usd", request.AmountUsd);
        if (request.AmountUsd is null)
        {
            problem.Add("amount_usd", "is required");
        }

        var budget = new Budget
        {
            Name = Check.Text(problem, "name", request.Name, 200) ?? DefaultName(scope, request.ScopeId),
            Scope = scope,
            ScopeId = scopeId,
            Window = request.Window ?? BudgetWindow.Month,
            AmountMicros = amount ?? 0,
            WarnPercent = Check.Range(problem, "warn_percent", request.WarnPercent, 1, 100) ?? 80,
            Action = request.Action ?? BudgetAction.Stop,
        };
        problem.ThrowIfAny();
        await db.InTransactionAsync(async c =>
        {
            db.Add(budget);
            await db.SaveChangesAsync(c);
            await enforcement.OpenWindowAsync(budget, c);
        }, write: true, ct);
        return await GetAsync(budget.Id, ct);
    }

    /// Changing the amount is how a budget is raised: runs stopped by it resume when nothing else blocks them,
    /// and its pending "raise budget" approvals are closed as approved.
    public async Task<BudgetView> UpdateAsync(string id, BudgetRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageTenant);
        var budget = await FindAsync(id, ct);
        var problem = new ValidationProblem();
        if (request.Scope is { } scope && scope != budget.Scope || request.ScopeId is not null && request.ScopeId != budget.ScopeId)
        {
            problem.Add("scope", "cannot change; create another budget");
        }

        var before = budget.AmountMicros;
        budget.Name = Check.Text(problem, "name", request.Name, 200) ?? budget.Name;
        budget.AmountMicros = Check.Usd(problem, "amount_usd", request.AmountUsd) ?? budget.AmountMicros;
        budget.WarnPercent = Check.Range(problem, "warn_percent", request.WarnPercent, 1, 100) ?? budget.WarnPercent;
        budget.Window = request.Window ?? budget.Window;
        budget.Action = request.Action ?? budget.Action;
        problem.ThrowIfAny();
        await db.SaveChangesAsync(ct);
        if (budget.AmountMicros > before || budget.Action == BudgetAction.Warn)
        {
            await enforcement.ResumeAsync(budget, $"Budget raised to ${Money.ToUsd(budget.AmountMicros)}.", ct);
        }
        else if (budget.AmountMicros < before)
        {
            await enforcement.StopIfSpentAsync(budget, ct);
        }

        return await GetAsync(budget.Id, ct);
    }

    public async Task DeleteAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageTenant);
        var budget = await FindAsync(id, ct);
        db.Remove(budget);
        await db.SaveChangesAsync(ct);
        await enforcement.ResumeAsync(budget, "Budget removed.", ct);
    }

    public async Task<Page<BudgetAlertView>> AlertsAsync(PageRequest page, CancellationToken ct)
    {
        var query = db.Set<BudgetAlert>().AsNoTracking().AsQueryable();
        if (page.Cursor is { } cursor)
        {
            query = query.Where(a => string.Compare(a.Id, cursor) < 0);
        }

        return await query.OrderByDescending(a => a.Id).ToPageAsync(page, a => a.Id, BudgetAlertView.From, ct);
    }

    /// Keeps the tenant setting monthly_spend_cap_usd as a `stop` budget of the tenant for the month (its id is the
    /// tenant's), so the cap is charged, enforced and raised like any other budget. Meant to run in the
    /// transaction that changes the setting.
    public async Task SyncTenantCapAsync(CancellationToken ct)
    {
        var tenantId = context.RequireTenant();
        var cap = await db.Tenants.AsNoTracking().Where(t => t.Id == tenantId).Select(t => t.MonthlySpendCapMicros).SingleAsync(ct);
        var current = await db.Set<Budget>().FirstOrDefaultAsync(b => b.Id == tenantId, ct);
        if (cap is null)
        {
            if (current is not null)
            {
                db.Remove(current);
                await db.SaveChangesAsync(ct);
                await enforcement.ResumeAsync(current, "Monthly spend cap removed.", ct);
            }

            return;
        }

        if (current is null)
        {
            current = new Budget
            {
                Id = tenantId, Name = "monthly spend cap", Scope = BudgetScope.Tenant, Window = BudgetWindow.Month,
                AmountMicros = cap.Value, Action = BudgetAction.Stop,
            };
            db.Add(current);
            await db.SaveChangesAsync(ct);
            await enforcement.OpenWindowAsync(current, ct);
        }
        else if (current.AmountMicros != cap.Value || current.Action != BudgetAction.Stop || current.Window != BudgetWindow.Month)
        {
            var raised = cap.Value > current.AmountMicros;
            current.AmountMicros = cap.Value;
            current.Action = BudgetAction.Stop;
            current.Window = BudgetWindow.Month;
            await db.SaveChangesAsync(ct);
            if (raised)
            {
                await enforcement.ResumeAsync(current, $"Monthly spend cap raised to ${Money.ToUsd(cap.Value)}.", ct);
            }
            else
            {
                await enforcement.StopIfSpentAsync(current, ct);
            }
        }
    }

    private async Task<IReadOnlyList<BudgetView>> ViewsAsync(IReadOnlyList<Budget> budgets, CancellationToken ct)
    {
        var spend = await enforcement.SpendAsync(budgets, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        return budgets.Select(b => BudgetView.From(b, BudgetEnforcement.WindowStart(b.Window, now), spend.GetValueOrDefault(b.Id))).ToList();
    }

    private async Task<Budget> FindAsync(string id, CancellationToken ct) =>
        await db.Set<Budget>().FirstOrDefaultAsync(b => b.Id == id, ct) ?? throw ProblemException.NotFound("Budget");

    private async Task<string?> ResolveScopeAsync(BudgetScope scope, string? reference, ValidationProblem problem, CancellationToken ct)
    {
        if (scope == BudgetScope.Tenant)
        {
            if (!string.IsNullOrEmpty(reference))
            {
                problem.Add("scope_id", "must be empty for a tenant budget");
            }

            return null;
        }

        if (string.IsNullOrWhiteSpace(reference))
        {
            problem.Add("scope_id", $"is required for a {scope.Snake()} budget");
            return null;
        }

        var key = reference.ToUpperInvariant();
        var id = scope switch
        {
            BudgetScope.Project => await db.ProjectIdOfAsync(reference, ct),
            BudgetScope.Agent => await db.Agents.Where(a => a.Id == reference || a.Name == reference).Select(a => a.Id).FirstOrDefaultAsync(ct),
            _ => await db.WorkItems.Where(w => w.Id == reference || w.Key == key).Select(w => w.Id).FirstOrDefaultAsync(ct),
        };
        if (id is null)
        {
            problem.Add("scope_id", $"no {scope.Snake().Replace('_', ' ')} '{reference}'");
        }

        return id;
    }

    private static string DefaultName(BudgetScope scope, string? scopeId) =>
        scope == BudgetScope.Tenant ? "tenant" : $"{scope.Snake()} {scopeId}";
}
