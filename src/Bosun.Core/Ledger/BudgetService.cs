using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Ledger;

/// Budgets over what runs spend. Spend is bumped in the transaction that records a cost; a `stop` budget
/// that reaches its cap tells every active run in its scope to stop, refuses further usage and new claims
/// in that scope, and opens a "raise budget" approval. Raising the budget resumes work.
public sealed class BudgetService(BosunDb db, RequestContext context, TimeProvider clock)
{
    /// Window start of lifetime budgets (a real date: PostgreSQL would turn DateTime.MinValue into -infinity).
    public static readonly DateTime LifetimeStart = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public static DateTime WindowStart(BudgetWindow window, DateTime at) =>
        window == BudgetWindow.Lifetime ? LifetimeStart : new DateTime(at.Year, at.Month, 1, 0, 0, 0, DateTimeKind.Utc);

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
            await OpenWindowAsync(budget, c);
        }, write: true, ct);
        return await GetAsync(budget.Id, ct);
    }

    /// A budget set in the middle of its window starts from what its scope already spent in it (read from the
    /// daily roll-up), and one that is already spent stops its scope at once.
    private async Task OpenWindowAsync(Budget budget, CancellationToken ct)
    {
        var window = WindowStart(budget.Window, Now);
        var predicate = budget.Scope switch
        {
            BudgetScope.Tenant => "1 = 1",
            BudgetScope.Project => "project_id = @s",
            BudgetScope.Agent => "agent_id = @s",
            _ => "work_item_id = @s",
        };
        await using var open = Sql.Command(db, $"""
            INSERT INTO budget_spend (tenant_id, budget_id, window_start, spent_micros, updated_at)
            SELECT @t, @b, @w, COALESCE(SUM(cost_micros), 0), @now FROM cost_daily
            WHERE tenant_id = @t AND day >= @w AND {predicate}
            ON CONFLICT (tenant_id, budget_id, window_start) DO NOTHING
            """).With("t", context.RequireTenant()).With("b", budget.Id).With("w", window).With("now", Now).With("s", budget.ScopeId);
        await open.ExecuteNonQueryAsync(ct);
        await StopIfSpentAsync(budget, ct);
    }

    /// When a budget is set or lowered below what was already spent, nothing crosses it, so it is treated as
    /// crossed now: the scope stops and a raise is asked for.
    private async Task StopIfSpentAsync(Budget budget, CancellationToken ct)
    {
        var window = WindowStart(budget.Window, Now);
        var spent = (await SpendAsync([budget], ct)).GetValueOrDefault(budget.Id);
        if (spent >= budget.AmountMicros)
        {
            await RaiseAlertAsync(new Crossing(AlertLevel.Cap, budget, null, window, budget.AmountMicros, spent), null, ct);
            await db.SaveChangesAsync(ct);
        }
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
            await ResumeAsync(budget, $"Budget raised to ${Money.ToUsd(budget.AmountMicros)}.", ct);
        }
        else if (budget.AmountMicros < before)
        {
            await StopIfSpentAsync(budget, ct);
        }

        return await GetAsync(budget.Id, ct);
    }

    public async Task DeleteAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageTenant);
        var budget = await FindAsync(id, ct);
        db.Remove(budget);
        await db.SaveChangesAsync(ct);
        await ResumeAsync(budget, "Budget removed.", ct);
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

    /// The `stop` budget, or the agent's cap per work item, that is spent for this scope; null when work may go on.
    /// Dispatch asks before handing out a claim.
    public async Task<BudgetBlock?> FindBlockingBudgetAsync(string? agentId, string projectId, string workItemId, CancellationToken ct)
    {
        var scope = new ChargeScope(null, agentId, projectId, workItemId);
        var budgets = (await InScopeAsync(scope, ct)).Where(b => b.Action == BudgetAction.Stop).ToList();
        var spend = await SpendAsync(budgets, ct);
        foreach (var budget in budgets.OrderBy(b => b.Scope))
        {
            var spent = spend.GetValueOrDefault(budget.Id);
            if (spent >= budget.AmountMicros)
            {
                return Block(budget, WindowStart(budget.Window, Now), spent);
            }
        }

        if (agentId is not null && await AgentCapAsync(agentId, ct) is { } cap)
        {
            var spent = await AgentItemSpendAsync(agentId, workItemId, ct);
            if (spent >= cap)
            {
                return CapBlock(agentId, workItemId, cap, spent);
            }
        }

        return null;
    }

    /// Every scope blocked right now (agent caps only for the given agent), so a claim can skip blocked
    /// items in one pass instead of asking per item.
    public async Task<BlockedScopes> BlockedScopesAsync(string? agentId, CancellationToken ct) =>
        await BlockedScopesAsync(agentId, agentId is null ? null : await AgentCapAsync(agentId, ct), ct);

    // Every claim asks, so the query is compiled once rather than translated and looked up in EF's query cache each time.
    private static readonly Compiled<Func<BosunDb, IAsyncEnumerable<Budget>>> StopBudgets = new(() => EF.CompileAsyncQuery(
        (BosunDb db) => db.Set<Budget>().AsNoTracking().Where(b => b.Action == BudgetAction.Stop)));

    /// The same, for a caller that already read the agent's cap on spend per work item.
    public async Task<BlockedScopes> BlockedScopesAsync(string? agentId, long? agentCap, CancellationToken ct)
    {
        var budgets = await StopBudgets.For(db)(db).ToListAsync(ct);
        var spend = await SpendAsync(budgets, ct);
        var blocked = budgets.Where(b => spend.GetValueOrDefault(b.Id) >= b.AmountMicros).ToList();
        var pairs = new HashSet<(string, string)>();
        if (agentId is not null && agentCap is { } cap)
        {
            var items = await db.Set<RunCost>().AsNoTracking()
                .Where(c => c.AgentId == agentId && c.WorkItemId != null)
                .GroupBy(c => c.WorkItemId!)
                .Select(g => new { WorkItemId = g.Key, Spent = g.Sum(c => c.CostMicros) })
                .Where(x => x.Spent >= cap)
                .Select(x => x.WorkItemId)
                .ToListAsync(ct);
            pairs.UnionWith(items.Select(i => (agentId, i)));
        }

        HashSet<string> Ids(BudgetScope scope) => blocked.Where(b => b.Scope == scope).Select(b => b.ScopeId!).ToHashSet();
        return new BlockedScopes(blocked.Any(b => b.Scope == BudgetScope.Tenant), Ids(BudgetScope.Project), Ids(BudgetScope.Agent), Ids(BudgetScope.WorkItem), pairs);
    }

    /// Adds the cost of newly recorded calls to every budget in scope. With <paramref name="enforce"/>, a
    /// `stop` budget (or agent cap) that was already spent before these calls refuses them: the spend rows are
    /// updated first, so under concurrency each request sees the spend of those committed before it and a
    /// budget is overspent by at most the one request that crossed it.
    internal async Task ChargeAsync(ChargeScope scope, IReadOnlyList<LlmCall> calls, bool enforce, CancellationToken ct)
    {
        var budgets = await InScopeAsync(scope, ct);
        var tenant = context.RequireTenant();
        var crossings = new List<Crossing>();
        foreach (var budget in budgets.OrderBy(b => b.Id, StringComparer.Ordinal))
        {
            var byWindow = calls.GroupBy(c => WindowStart(budget.Window, c.CalledAt)).Select(g => (Window: g.Key, Delta: g.Sum(c => c.CostMicros ?? 0))).ToList();
            if (byWindow.Count == 0)
            {
                byWindow.Add((WindowStart(budget.Window, Now), 0));
            }

            foreach (var (window, delta) in byWindow.OrderBy(w => w.Window))
            {
                await using var upsert = Sql.Command(db, """
                    INSERT INTO budget_spend (tenant_id, budget_id, window_start, spent_micros, updated_at)
                    VALUES (@t, @b, @w, @d, @now)
                    ON CONFLICT (tenant_id, budget_id, window_start) DO UPDATE SET
                        spent_micros = budget_spend.spent_micros + excluded.spent_micros, updated_at = excluded.updated_at
                    RETURNING spent_micros
                    """).With("t", tenant).With("b", budget.Id).With("w", window).With("d", delta).With("now", Now);
                var after = await upsert.ScalarLongAsync(ct);
                var before = after - delta;
                if (enforce && budget.Action == BudgetAction.Stop && before >= budget.AmountMicros)
                {
                    throw Block(budget, window, before).ToProblem("Usage refused");
                }

                crossings.AddRange(Crossings(budget, null, window, budget.AmountMicros, before, after));
            }
        }

        if (scope is { AgentId: { } agentId, WorkItemId: { } itemId } && await AgentCapAsync(agentId, ct) is { } cap)
        {
            var before = await AgentItemSpendAsync(agentId, itemId, ct);
            if (enforce && before >= cap)
            {
                throw CapBlock(agentId, itemId, cap, before).ToProblem("Usage refused");
            }

            var after = before + calls.Sum(c => c.CostMicros ?? 0);
            crossings.AddRange(Crossings(null, (agentId, itemId), LifetimeStart, cap, before, after));
        }

        foreach (var crossing in crossings)
        {
            await RaiseAlertAsync(crossing, scope.RunId, ct);
        }

        if (crossings.Count > 0)
        {
            await db.SaveChangesAsync(ct);
        }
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
                await ResumeAsync(current, "Monthly spend cap removed.", ct);
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
            await OpenWindowAsync(current, ct);
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
                await ResumeAsync(current, $"Monthly spend cap raised to ${Money.ToUsd(cap.Value)}.", ct);
            }
            else
            {
                await StopIfSpentAsync(current, ct);
            }
        }
    }

    private sealed record Crossing(AlertLevel Level, Budget? Budget, (string AgentId, string WorkItemId)? AgentItem, DateTime Window, long Amount, long Spent);

    private static IEnumerable<Crossing> Crossings(Budget? budget, (string, string)? agentItem, DateTime window, long amount, long before, long after)
    {
        var warnPercent = budget?.WarnPercent ?? 80;
        // Integer arithmetic: spent * 100 >= amount * percent, so no rounding decides a crossing.
        if (before * 100 < amount * warnPercent && after * 100 >= amount * warnPercent && after < amount)
        {
            yield return new Crossing(AlertLevel.Warn, budget, agentItem, window, amount, after);
        }

        if (before < amount && after >= amount)
        {
            yield return new Crossing(AlertLevel.Cap, budget, agentItem, window, amount, after);
        }
    }

    private async Task RaiseAlertAsync(Crossing crossing, string? runId, CancellationToken ct)
    {
        var budget = crossing.Budget;
        var key = budget is not null
            ? $"budget:{budget.Id}:{crossing.Window:yyyyMMdd}:{crossing.Amount}:{crossing.Level.Snake()}"
            : $"agent_cap:{crossing.AgentItem!.Value.AgentId}:{crossing.AgentItem.Value.WorkItemId}:{crossing.Amount}:{crossing.Level.Snake()}";
        var stops = crossing.Level == AlertLevel.Cap && (budget is null || budget.Action == BudgetAction.Stop);
        var approvalId = stops ? Ids.New() : null;
        var alertId = Ids.New();
        await using var insert = Sql.Command(db, """
            INSERT INTO budget_alerts (tenant_id, id, dedupe_key, budget_id, agent_id, work_item_id, level, window_start, amount_micros, spent_micros, approval_id, created_at)
            VALUES (@t, @id, @key, @budget, @agent, @item, @level, @w, @amount, @spent, @approval, @now)
            ON CONFLICT DO NOTHING
            """)
            .With("t", context.RequireTenant()).With("id", alertId).With("key", key).With("budget", budget?.Id)
            .With("agent", crossing.AgentItem?.AgentId).With("item", crossing.AgentItem?.WorkItemId).With("level", crossing.Level.Snake())
            .With("w", crossing.Window).With("amount", crossing.Amount).With("spent", crossing.Spent).With("approval", approvalId).With("now", Now);
        if (await insert.ExecuteNonQueryAsync(ct) == 0)
        {
            return;
        }

        var block = budget is not null ? Block(budget, crossing.Window, crossing.Spent) : CapBlock(crossing.AgentItem!.Value.AgentId, crossing.AgentItem.Value.WorkItemId, crossing.Amount, crossing.Spent);
        var stopped = stops ? await StopRunsAsync(budget, crossing.AgentItem, ct) : 0;
        AuditLog.Record(db, crossing.Level == AlertLevel.Warn ? "budget.warn_reached" : "budget.cap_reached", "budget",
            budget?.Id ?? $"{crossing.AgentItem!.Value.AgentId}:{crossing.AgentItem.Value.WorkItemId}",
            new { alert_id = alertId, amount_usd = block.AmountUsd, spent_usd = block.SpentUsd, window_start = crossing.Window, runs_stopped = stopped }, Now);
        if (stops)
        {
            db.Approvals.Add(new Approval
            {
                Id = approvalId!,
                Kind = ApprovalKind.BudgetRaise,
                Subject = LedgerService.Cap($"Raise budget: {block.Describe()}", 500)!,
                ProjectId = budget?.Scope == BudgetScope.Project ? budget.ScopeId : null,
                WorkItemId = budget?.Scope == BudgetScope.WorkItem ? budget.ScopeId : crossing.AgentItem?.WorkItemId,
                RunId = runId,
                RequestedByRef = Actor.System.Ref,
                OutputJson = JsonSerializer.Serialize(new
                {
                    kind = block.Kind, budget_id = block.BudgetId, agent_id = block.AgentId, work_item_id = block.WorkItemId,
                    amount_usd = block.AmountUsd, spent_usd = block.SpentUsd, window_start = crossing.Window,
                }),
                Summary = block.Describe(),
            });
        }
    }

    /// Marks every active run in the scope to stop; Dispatch answers their next heartbeat with the reason.
    private async Task<int> StopRunsAsync(Budget? budget, (string AgentId, string WorkItemId)? agentItem, CancellationToken ct)
    {
        var (predicate, scopeId, agentId) = budget switch
        {
            null => ("agent_id = @a AND work_item_id = @s", agentItem!.Value.WorkItemId, agentItem.Value.AgentId),
            { Scope: BudgetScope.Tenant } => ("1 = 1", null, null),
            { Scope: BudgetScope.Project } => ("work_item_id IN (SELECT id FROM work_items WHERE tenant_id = @t AND project_id = @s)", budget.ScopeId, null),
            { Scope: BudgetScope.Agent } => ("agent_id = @s", budget.ScopeId, null),
            _ => ("work_item_id = @s", budget.ScopeId, null),
        };
        await using var update = Sql.Command(db, $"""
            UPDATE runs SET stop_reason = 'budget'
            WHERE tenant_id = @t AND ended_at IS NULL AND status = 'active' AND stop_reason IS NULL AND {predicate}
            """).With("t", context.RequireTenant()).With("s", scopeId).With("a", agentId);
        return await update.ExecuteNonQueryAsync(ct);
    }

    /// After a raise or removal: runs stopped for budget resume when nothing blocks them any more, and the
    /// pending approvals that asked for this raise are closed.
    private async Task ResumeAsync(Budget budget, string note, CancellationToken ct)
    {
        var stopped = await db.Runs.AsNoTracking()
            .Where(r => r.EndedAt == null && r.Status == Dispatch.RunStatus.Active && r.StopReason == "budget")
            .Join(db.WorkItems, r => r.WorkItemId, w => w.Id, (r, w) => new { r.Id, r.AgentId, r.WorkItemId, w.ProjectId })
            .ToListAsync(ct);
        var resumed = 0;
        foreach (var run in stopped)
        {
            if (await FindBlockingBudgetAsync(run.AgentId, run.ProjectId, run.WorkItemId, ct) is null)
            {
                await using var update = Sql.Command(db, """
                    UPDATE runs SET stop_reason = NULL WHERE tenant_id = @t AND id = @id AND ended_at IS NULL AND stop_reason = 'budget'
                    """).With("t", context.RequireTenant()).With("id", run.Id);
                resumed += await update.ExecuteNonQueryAsync(ct);
            }
        }

        var approvalIds = await db.Set<BudgetAlert>().AsNoTracking()
            .Where(a => a.BudgetId == budget.Id && a.ApprovalId != null).Select(a => a.ApprovalId!).ToListAsync(ct);
        var pending = await db.Approvals.Where(a => approvalIds.Contains(a.Id) && a.Status == ApprovalStatus.Pending).ToListAsync(ct);
        var person = context.Actor.Type == ActorType.Person ? context.Actor.Id : null;
        foreach (var approval in pending)
        {
            approval.Status = ApprovalStatus.Approved;
            approval.DecidedAt = Now;
            approval.DecidedByUserId = person;
            approval.DecisionNote = note;
        }

        AuditLog.Record(db, "budget.resumed", "budget", budget.Id, new { runs_resumed = resumed, approvals_closed = pending.Count }, Now);
        await db.SaveChangesAsync(ct);
    }

    private async Task<List<Budget>> InScopeAsync(ChargeScope scope, CancellationToken ct) =>
        await db.Set<Budget>().AsNoTracking().Where(b =>
                b.Scope == BudgetScope.Tenant
                || (b.Scope == BudgetScope.Project && scope.ProjectId != null && b.ScopeId == scope.ProjectId)
                || (b.Scope == BudgetScope.Agent && scope.AgentId != null && b.ScopeId == scope.AgentId)
                || (b.Scope == BudgetScope.WorkItem && scope.WorkItemId != null && b.ScopeId == scope.WorkItemId))
            .ToListAsync(ct);

    /// Spend of each budget in its current window.
    private async Task<Dictionary<string, long>> SpendAsync(IReadOnlyList<Budget> budgets, CancellationToken ct)
    {
        if (budgets.Count == 0)
        {
            return [];
        }

        var ids = budgets.Select(b => b.Id).ToList();
        var month = WindowStart(BudgetWindow.Month, Now);
        var rows = await db.Set<BudgetSpend>().AsNoTracking()
            .Where(s => ids.Contains(s.BudgetId) && (s.WindowStart == month || s.WindowStart == LifetimeStart))
            .ToListAsync(ct);
        var windows = budgets.ToDictionary(b => b.Id, b => WindowStart(b.Window, Now));
        return rows.Where(r => windows[r.BudgetId] == r.WindowStart).ToDictionary(r => r.BudgetId, r => r.SpentMicros);
    }

    private async Task<IReadOnlyList<BudgetView>> ViewsAsync(IReadOnlyList<Budget> budgets, CancellationToken ct)
    {
        var spend = await SpendAsync(budgets, ct);
        return budgets.Select(b => BudgetView.From(b, WindowStart(b.Window, Now), spend.GetValueOrDefault(b.Id))).ToList();
    }

    private Task<long?> AgentCapAsync(string agentId, CancellationToken ct) =>
        db.Agents.AsNoTracking().Where(a => a.Id == agentId).Select(a => a.MaxCostPerWorkItemMicros).FirstOrDefaultAsync(ct);

    private async Task<long> AgentItemSpendAsync(string agentId, string workItemId, CancellationToken ct) =>
        await db.Set<RunCost>().AsNoTracking().Where(c => c.AgentId == agentId && c.WorkItemId == workItemId).SumAsync(c => (long?)c.CostMicros, ct) ?? 0;

    private static BudgetBlock Block(Budget b, DateTime window, long spent) =>
        new("budget", b.Id, b.Name, b.Scope, b.ScopeId, b.Scope == BudgetScope.Agent ? b.ScopeId : null,
            b.Scope == BudgetScope.WorkItem ? b.ScopeId : null, Money.ToUsd(b.AmountMicros), Money.ToUsd(spent), window);

    private static BudgetBlock CapBlock(string agentId, string workItemId, long cap, long spent) =>
        new("agent_cap", null, "max cost per work item", BudgetScope.WorkItem, workItemId, agentId, workItemId, Money.ToUsd(cap), Money.ToUsd(spent), LifetimeStart);

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
