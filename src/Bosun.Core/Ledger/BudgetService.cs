using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Ledger;

/// Budgets over what runs spend, in money, tokens or both: who sets, changes and removes them, and how they read with
/// their spend. What a budget does to work (charging, stopping, failing, resuming) is <see cref="BudgetEnforcement"/>'s.
public sealed class BudgetService(BosunDb db, RequestContext context, TimeProvider clock, BudgetEnforcement enforcement)
{
    /// The highest token cap a budget takes: far beyond any spend, and small enough that percentages stay exact in a long.
    public const long MaxTokenCap = 1_000_000_000_000_000;

    public async Task<IReadOnlyList<BudgetView>> ListAsync(CancellationToken ct)
    {
        var list = await db.Set<Budget>().AsNoTracking().OrderBy(b => b.Id).ToListAsync(ct);
        return await ViewsAsync(list, ct);
    }

    public async Task<BudgetView> GetAsync(string id, CancellationToken ct) => (await ViewsAsync([await FindAsync(id, ct)], ct))[0];

    public async Task<BudgetView> CreateAsync(BudgetRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageBudgets);
        var problem = new ValidationProblem();
        var scope = request.Scope ?? BudgetScope.Tenant;
        var scopeId = await ResolveScopeAsync(scope, request.ScopeId, problem, ct);
        var amount = Check.Usd(problem, "amount_usd", request.AmountUsd);
        var maxTokens = TokenCap(problem, request.MaxTokens);
        if (request.AmountUsd is null && request.MaxTokens is null)
        {
            problem.Add("amount_usd", "is required unless max_tokens is given");
            problem.Add("max_tokens", "is required unless amount_usd is given");
        }

        var budget = new Budget
        {
            Name = Check.Text(problem, "name", request.Name, 200) ?? DefaultName(scope, request.ScopeId),
            Scope = scope,
            ScopeId = scopeId,
            Window = request.Window ?? BudgetWindow.Month,
            AmountMicros = amount ?? 0,
            TokensOnly = request.AmountUsd is null,
            MaxTokens = maxTokens,
            CountCacheReads = request.CountCacheReads ?? false,
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

    /// Changing the amount or the token cap is how a budget is raised: runs stopped by it resume when nothing else blocks
    /// them, and its pending "raise budget" approvals are closed as approved. A change that leaves it spent stops (or
    /// fails) its scope at once.
    public async Task<BudgetView> UpdateAsync(string id, BudgetRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageBudgets);
        var budget = await FindAsync(id, ct);
        var problem = new ValidationProblem();
        if (request.Scope is { } scope && scope != budget.Scope || request.ScopeId is not null && request.ScopeId != budget.ScopeId)
        {
            problem.Add("scope", "cannot change; create another budget");
        }

        // The spend of the window was counted one way; counting cache reads from now on would mix the two.
        if (request.CountCacheReads is { } counts && counts != budget.CountCacheReads)
        {
            problem.Add("count_cache_reads", "cannot change; create another budget");
        }

        var before = (Money: budget.MoneyCap, Tokens: budget.MaxTokens, budget.Action, budget.Window);
        budget.Name = Check.Text(problem, "name", request.Name, 200) ?? budget.Name;
        if (request.AmountUsd is not null && request.ClearAmount == true)
        {
            problem.Add("clear_amount", "cannot be given with amount_usd");
        }

        if (request.MaxTokens is not null && request.ClearMaxTokens == true)
        {
            problem.Add("clear_max_tokens", "cannot be given with max_tokens");
        }

        if (Check.Usd(problem, "amount_usd", request.AmountUsd) is { } amount)
        {
            (budget.AmountMicros, budget.TokensOnly) = (amount, false);
        }
        else if (request.ClearAmount == true)
        {
            (budget.AmountMicros, budget.TokensOnly) = (0, true);
        }

        budget.MaxTokens = request.ClearMaxTokens == true ? null : TokenCap(problem, request.MaxTokens) ?? budget.MaxTokens;
        if (budget.MoneyCap is null && budget.MaxTokens is null)
        {
            problem.Add(request.ClearAmount == true ? "clear_amount" : "clear_max_tokens", "would leave the budget without amount_usd or max_tokens");
        }

        budget.WarnPercent = Check.Range(problem, "warn_percent", request.WarnPercent, 1, 100) ?? budget.WarnPercent;
        budget.Window = request.Window ?? budget.Window;
        budget.Action = request.Action ?? budget.Action;
        problem.ThrowIfAny();
        await db.SaveChangesAsync(ct);

        static bool Lower(long? was, long? now) => now is { } n && (was is not { } w || n < w);
        var lowered = Lower(before.Money, budget.MoneyCap) || Lower(before.Tokens, budget.MaxTokens)
                      || before.Action == BudgetAction.Warn && budget.Action != BudgetAction.Warn;
        var raised = Lower(budget.MoneyCap, before.Money) || Lower(budget.MaxTokens, before.Tokens)
                     || budget.Action == BudgetAction.Warn && before.Action != BudgetAction.Warn || budget.Window != before.Window;
        if (budget.Window != before.Window)
        {
            await enforcement.OpenWindowAsync(budget, ct);
        }
        else if (budget.Action != BudgetAction.Warn && lowered)
        {
            await enforcement.StopIfSpentAsync(budget, ct);
        }

        if (raised && (budget.Action == BudgetAction.Warn || !await enforcement.IsSpentAsync(budget, ct)))
        {
            await enforcement.ResumeAsync(budget, $"Budget raised to {Caps(budget)}.", ct);
        }

        return await GetAsync(budget.Id, ct);
    }

    public async Task DeleteAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageBudgets);
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
        else if (current.MoneyCap != cap.Value || current.Action != BudgetAction.Stop || current.Window != BudgetWindow.Month)
        {
            var raised = current.MoneyCap is null || cap.Value > current.AmountMicros;
            current.AmountMicros = cap.Value;
            current.TokensOnly = false;
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

    private static long? TokenCap(ValidationProblem problem, long? value)
    {
        if (value is < 0 or > MaxTokenCap)
        {
            problem.Add("max_tokens", $"must be between 0 and {MaxTokenCap}");
            return null;
        }

        return value;
    }

    private static string Caps(Budget b) => string.Join(" and ", new[]
    {
        b.MoneyCap is { } money ? $"${Money.ToUsd(money)}" : null,
        b.MaxTokens is { } tokens ? $"{tokens.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} tokens" : null,
    }.OfType<string>());

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
