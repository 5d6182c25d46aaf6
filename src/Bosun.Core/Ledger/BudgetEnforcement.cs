using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Dispatch;
using Bosun.Core.Governance;
using Bosun.Core.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Core.Ledger;

/// What budgets do to work. Spend (money and tokens) is bumped in the transaction that records a cost; a `stop` or
/// `fail` budget that reaches either of its caps tells every active run in its scope to stop, refuses further usage and
/// new claims in that scope, and opens a "raise budget" approval; `fail` also fails the items of those runs, each
/// escalated as after a failure. Raising the budget resumes work.
public sealed class BudgetEnforcement(BosunDb db, RequestContext context, TimeProvider clock, IServiceProvider services)
{
    /// Window start of lifetime budgets (a real date: PostgreSQL would turn DateTime.MinValue into -infinity).
    public static readonly DateTime LifetimeStart = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    // Every claim asks, so the query is compiled once rather than translated and looked up in EF's query cache each time.
    private static readonly Compiled<Func<BosunDb, IAsyncEnumerable<Budget>>> StopBudgets = new(() => EF.CompileAsyncQuery(
        (BosunDb db) => db.Set<Budget>().AsNoTracking().Where(b => b.Action != BudgetAction.Warn)));

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public static DateTime WindowStart(BudgetWindow window, DateTime at) =>
        window == BudgetWindow.Lifetime ? LifetimeStart : new DateTime(at.Year, at.Month, 1, 0, 0, 0, DateTimeKind.Utc);

    /// The `stop` or `fail` budget, or the agent's cap per work item, that is spent for this scope; null when work may
    /// go on. Dispatch asks before handing out a claim.
    public async Task<BudgetBlock?> FindBlockingBudgetAsync(string? agentId, string projectId, string workItemId, CancellationToken ct)
    {
        var scope = new ChargeScope(null, agentId, projectId, workItemId);
        var budgets = (await InScopeAsync(scope, ct)).Where(b => b.Action != BudgetAction.Warn).ToList();
        var spend = await SpendAsync(budgets, ct);
        foreach (var budget in budgets.OrderBy(b => b.Scope))
        {
            var spent = spend.GetValueOrDefault(budget.Id);
            if (budget.SpentBy(spent))
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

    /// The same, for a caller that already read the agent's cap on spend per work item.
    public async Task<BlockedScopes> BlockedScopesAsync(string? agentId, long? agentCap, CancellationToken ct)
    {
        var budgets = await StopBudgets.For(db)(db).ToListAsync(ct);
        var spend = await SpendAsync(budgets, ct);
        var blocked = budgets.Where(b => b.SpentBy(spend.GetValueOrDefault(b.Id))).ToList();
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

    /// Adds the cost and tokens of newly recorded calls to every budget in scope. With <paramref name="enforce"/>, a
    /// `stop` or `fail` budget (or agent cap) that was already spent before these calls refuses them: the spend rows
    /// are updated first, so under concurrency each request sees the spend of those committed before it and a
    /// budget is overspent by at most the one request that crossed it.
    internal async Task ChargeAsync(ChargeScope scope, IReadOnlyList<LlmCall> calls, bool enforce, CancellationToken ct)
    {
        var budgets = await InScopeAsync(scope, ct);
        var tenant = context.RequireTenant();
        var crossings = new List<Crossing>();
        foreach (var budget in budgets.OrderBy(b => b.Id, StringComparer.Ordinal))
        {
            var byWindow = calls.GroupBy(c => WindowStart(budget.Window, c.CalledAt))
                .Select(g => (Window: g.Key, Delta: new BudgetSpent(g.Sum(c => c.CostMicros ?? 0), g.Sum(budget.TokensOf)))).ToList();
            if (byWindow.Count == 0)
            {
                byWindow.Add((WindowStart(budget.Window, Now), default));
            }

            foreach (var (window, delta) in byWindow.OrderBy(w => w.Window))
            {
                var after = await BudgetStatements.AddSpendAsync(db, tenant, budget.Id, window, delta, Now, ct);
                var before = new BudgetSpent(after.Micros - delta.Micros, after.Tokens - delta.Tokens);
                if (enforce && budget.Action != BudgetAction.Warn && budget.SpentBy(before))
                {
                    throw Block(budget, window, before).ToProblem("Usage refused");
                }

                if (budget.MoneyCap is { } money)
                {
                    crossings.AddRange(Crossings(budget, null, BudgetLimit.Money, window, money, before.Micros, after.Micros, after));
                }

                if (budget.MaxTokens is { } tokens)
                {
                    crossings.AddRange(Crossings(budget, null, BudgetLimit.Tokens, window, tokens, before.Tokens, after.Tokens, after));
                }
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
            crossings.AddRange(Crossings(null, (agentId, itemId), BudgetLimit.Money, LifetimeStart, cap, before, after, new BudgetSpent(after, 0)));
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

    /// A budget set in the middle of its window starts from what its scope already spent in it (read from the
    /// daily roll-up), and one that is already spent stops its scope at once.
    internal async Task OpenWindowAsync(Budget budget, CancellationToken ct)
    {
        await BudgetStatements.OpenWindowAsync(db, context.RequireTenant(), budget, WindowStart(budget.Window, Now), Now, ct);
        await StopIfSpentAsync(budget, ct);
    }

    /// When a budget is set or lowered below what was already spent, nothing crosses it, so it is treated as
    /// crossed now: the scope stops (or fails) and a raise is asked for.
    internal async Task StopIfSpentAsync(Budget budget, CancellationToken ct)
    {
        var window = WindowStart(budget.Window, Now);
        var spent = (await SpendAsync([budget], ct)).GetValueOrDefault(budget.Id);
        var crossing = budget.MoneyCap is { } money && spent.Micros >= money
            ? new Crossing(AlertLevel.Cap, budget, null, BudgetLimit.Money, window, money, spent.Micros, spent)
            : budget.MaxTokens is { } tokens && spent.Tokens >= tokens
                ? new Crossing(AlertLevel.Cap, budget, null, BudgetLimit.Tokens, window, tokens, spent.Tokens, spent)
                : null;
        if (crossing is not null)
        {
            await RaiseAlertAsync(crossing, null, ct);
            await db.SaveChangesAsync(ct);
        }
    }

    internal async Task<bool> IsSpentAsync(Budget budget, CancellationToken ct) =>
        budget.SpentBy((await SpendAsync([budget], ct)).GetValueOrDefault(budget.Id));

    /// After a raise or removal: runs stopped for budget resume when nothing blocks them any more, and the
    /// pending approvals that asked for this raise are closed.
    internal async Task ResumeAsync(Budget budget, string note, CancellationToken ct)
    {
        var stopped = await db.Runs.AsNoTracking()
            .Where(r => r.EndedAt == null && r.Status == RunStatus.Active && r.StopReason == "budget")
            .Join(db.WorkItems, r => r.WorkItemId, w => w.Id, (r, w) => new { r.Id, r.AgentId, r.WorkItemId, w.ProjectId })
            .ToListAsync(ct);
        var resumed = 0;
        foreach (var run in stopped)
        {
            if (await FindBlockingBudgetAsync(run.AgentId, run.ProjectId, run.WorkItemId, ct) is null)
            {
                resumed += await BudgetStatements.ResumeRunAsync(db, context.RequireTenant(), run.Id, ct);
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

    /// Spend of each budget in its current window.
    internal async Task<Dictionary<string, BudgetSpent>> SpendAsync(IReadOnlyList<Budget> budgets, CancellationToken ct)
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
        return rows.Where(r => windows[r.BudgetId] == r.WindowStart).ToDictionary(r => r.BudgetId, r => new BudgetSpent(r.SpentMicros, r.SpentTokens));
    }

    /// One limit reached: <see cref="Amount"/> and <see cref="Spent"/> are micro-dollars or tokens as
    /// <see cref="Limit"/> says; <see cref="Window"/>'s whole spend comes along for the alert.
    private sealed record Crossing(
        AlertLevel Level, Budget? Budget, (string AgentId, string WorkItemId)? AgentItem, BudgetLimit Limit, DateTime Window, long Amount, long Spent,
        BudgetSpent Total);

    private static IEnumerable<Crossing> Crossings(
        Budget? budget, (string, string)? agentItem, BudgetLimit limit, DateTime window, long amount, long before, long after, BudgetSpent total)
    {
        var warnPercent = budget?.WarnPercent ?? 80;
        // Integer arithmetic: spent * 100 >= amount * percent, so no rounding decides a crossing.
        if (before * 100 < amount * warnPercent && after * 100 >= amount * warnPercent && after < amount)
        {
            yield return new Crossing(AlertLevel.Warn, budget, agentItem, limit, window, amount, after, total);
        }

        if (before < amount && after >= amount)
        {
            yield return new Crossing(AlertLevel.Cap, budget, agentItem, limit, window, amount, after, total);
        }
    }

    private async Task RaiseAlertAsync(Crossing crossing, string? runId, CancellationToken ct)
    {
        var budget = crossing.Budget;
        var measure = crossing.Limit == BudgetLimit.Tokens ? "tokens:" : "";
        var key = budget is not null
            ? $"budget:{budget.Id}:{crossing.Window:yyyyMMdd}:{measure}{crossing.Amount}:{crossing.Level.Snake()}"
            : $"agent_cap:{crossing.AgentItem!.Value.AgentId}:{crossing.AgentItem.Value.WorkItemId}:{crossing.Amount}:{crossing.Level.Snake()}";
        var stops = crossing.Level == AlertLevel.Cap && (budget is null || budget.Action != BudgetAction.Warn);
        var approvalId = stops ? Ids.New() : null;
        var alertId = Ids.New();
        var tokens = crossing.Limit == BudgetLimit.Tokens;
        var alert = new BudgetAlert
        {
            TenantId = context.RequireTenant(), Id = alertId, DedupeKey = key, BudgetId = budget?.Id, AgentId = crossing.AgentItem?.AgentId,
            WorkItemId = crossing.AgentItem?.WorkItemId, Level = crossing.Level, LimitKind = crossing.Limit, WindowStart = crossing.Window,
            AmountMicros = tokens ? budget?.MoneyCap ?? 0 : crossing.Amount, SpentMicros = crossing.Total.Micros,
            MaxTokens = tokens ? crossing.Amount : budget?.MaxTokens, SpentTokens = budget is null ? null : crossing.Total.Tokens,
            ApprovalId = approvalId, CreatedAt = Now,
        };
        if (!await BudgetStatements.InsertAlertAsync(db, alert, ct))
        {
            return;
        }

        var block = budget is not null
            ? Block(budget, crossing.Window, crossing.Total, crossing.Limit)
            : CapBlock(crossing.AgentItem!.Value.AgentId, crossing.AgentItem.Value.WorkItemId, crossing.Amount, crossing.Spent);
        var stopped = stops ? await BudgetStatements.StopRunsAsync(db, context.RequireTenant(), budget, crossing.AgentItem, ct) : 0;
        var failed = stops && budget?.Action == BudgetAction.Fail ? await FailRunsAsync(budget, block, ct) : 0;
        BosunTelemetry.BudgetDecision(!stops ? "warn" : budget?.Action == BudgetAction.Fail ? "fail" : "stop");
        AuditLog.Record(db, crossing.Level == AlertLevel.Warn ? "budget.warn_reached" : "budget.cap_reached", "budget",
            budget?.Id ?? $"{crossing.AgentItem!.Value.AgentId}:{crossing.AgentItem.Value.WorkItemId}",
            new
            {
                alert_id = alertId, limit = crossing.Limit.Snake(), amount_usd = block.AmountUsd, spent_usd = block.SpentUsd, max_tokens = block.MaxTokens,
                spent_tokens = block.SpentTokens, window_start = crossing.Window, runs_stopped = stopped, runs_failed = failed,
            }, Now);
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
                    kind = block.Kind, budget_id = block.BudgetId, agent_id = block.AgentId, work_item_id = block.WorkItemId, limit = block.Limit.Snake(),
                    amount_usd = block.AmountUsd, spent_usd = block.SpentUsd, max_tokens = block.MaxTokens, spent_tokens = block.SpentTokens,
                    window_start = crossing.Window,
                }),
                Summary = block.Describe(),
            });
        }
    }

    /// A `fail` budget's cap ends the active runs in its scope as failed, naming the budget; their items fail and
    /// escalate as after a failure. The run service is resolved only here, so charging and claiming do not build it.
    private async Task<int> FailRunsAsync(Budget budget, BudgetBlock block, CancellationToken ct)
    {
        var runs = db.Runs.AsNoTracking().Where(r => r.EndedAt == null && r.Status == RunStatus.Active);
        runs = budget.Scope switch
        {
            BudgetScope.Tenant => runs,
            BudgetScope.Project => runs.Where(r => db.WorkItems.Any(w => w.Id == r.WorkItemId && w.ProjectId == budget.ScopeId)),
            BudgetScope.Agent => runs.Where(r => r.AgentId == budget.ScopeId),
            _ => runs.Where(r => r.WorkItemId == budget.ScopeId),
        };
        var ids = await runs.OrderBy(r => r.Id).Select(r => r.Id).ToListAsync(ct);
        return ids.Count == 0 ? 0 : await services.GetRequiredService<RunService>().FailForBudgetAsync(ids, $"{block.Describe()} The budget fails the work in its scope.", ct);
    }

    private async Task<List<Budget>> InScopeAsync(ChargeScope scope, CancellationToken ct) =>
        await db.Set<Budget>().AsNoTracking().Where(b =>
                b.Scope == BudgetScope.Tenant
                || (b.Scope == BudgetScope.Project && scope.ProjectId != null && b.ScopeId == scope.ProjectId)
                || (b.Scope == BudgetScope.Agent && scope.AgentId != null && b.ScopeId == scope.AgentId)
                || (b.Scope == BudgetScope.WorkItem && scope.WorkItemId != null && b.ScopeId == scope.WorkItemId))
            .ToListAsync(ct);

    private Task<long?> AgentCapAsync(string agentId, CancellationToken ct) =>
        db.Agents.AsNoTracking().Where(a => a.Id == agentId).Select(a => a.MaxCostPerWorkItemMicros).FirstOrDefaultAsync(ct);

    private async Task<long> AgentItemSpendAsync(string agentId, string workItemId, CancellationToken ct) =>
        await db.Set<RunCost>().AsNoTracking().Where(c => c.AgentId == agentId && c.WorkItemId == workItemId).SumAsync(c => (long?)c.CostMicros, ct) ?? 0;

    /// The block a spent budget puts on its scope, about the limit given or else the one reached (money first).
    private static BudgetBlock Block(Budget b, DateTime window, BudgetSpent spent, BudgetLimit? limit = null)
    {
        var reached = limit
                      ?? (b.MoneyCap is { } money && spent.Micros >= money ? BudgetLimit.Money
                          : b.MaxTokens is { } tokens && spent.Tokens >= tokens || b.MoneyCap is null ? BudgetLimit.Tokens
                          : BudgetLimit.Money);
        return new("budget", b.Id, b.Name, b.Scope, b.ScopeId, b.Scope == BudgetScope.Agent ? b.ScopeId : null,
            b.Scope == BudgetScope.WorkItem ? b.ScopeId : null, Money.ToUsd(b.MoneyCap), Money.ToUsd(spent.Micros), window,
            reached, b.MaxTokens, spent.Tokens, b.Action);
    }

    private static BudgetBlock CapBlock(string agentId, string workItemId, long cap, long spent) =>
        new("agent_cap", null, "max cost per work item", BudgetScope.WorkItem, workItemId, agentId, workItemId, Money.ToUsd(cap), Money.ToUsd(spent), LifetimeStart);
}
