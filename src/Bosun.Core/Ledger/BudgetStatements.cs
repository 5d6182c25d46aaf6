using Bosun.Core.Common;
using Bosun.Core.Data;

namespace Bosun.Core.Ledger;

/// Budgets' hand-written statements: spend bumped in the transaction that records a cost, alerts written once per
/// crossing, and the runs in a spent budget's scope told to stop (or to go on).
internal static class BudgetStatements
{
    public static readonly Statement OpenTenantWindow = OpenWindow(nameof(OpenTenantWindow), "1 = 1");
    public static readonly Statement OpenProjectWindow = OpenWindow(nameof(OpenProjectWindow), "project_id = @s");
    public static readonly Statement OpenAgentWindow = OpenWindow(nameof(OpenAgentWindow), "agent_id = @s");
    public static readonly Statement OpenWorkItemWindow = OpenWindow(nameof(OpenWorkItemWindow), "work_item_id = @s");

    public static readonly Statement AddSpend = new("BudgetStatements.AddSpend", """
        INSERT INTO budget_spend (tenant_id, budget_id, window_start, spent_micros, spent_tokens, updated_at)
        VALUES (@t, @b, @w, @d, @dt, @now)
        ON CONFLICT (tenant_id, budget_id, window_start) DO UPDATE SET
            spent_micros = budget_spend.spent_micros + excluded.spent_micros,
            spent_tokens = budget_spend.spent_tokens + excluded.spent_tokens, updated_at = excluded.updated_at
        RETURNING spent_micros, spent_tokens
        """);

    public static readonly Statement InsertAlert = new("BudgetStatements.InsertAlert", """
        INSERT INTO budget_alerts (tenant_id, id, dedupe_key, budget_id, agent_id, work_item_id, level, limit_kind, window_start, amount_micros,
            spent_micros, max_tokens, spent_tokens, approval_id, created_at)
        VALUES (@t, @id, @key, @budget, @agent, @item, @level, @limit, @w, @amount, @spent, @maxt, @spentt, @approval, @now)
        ON CONFLICT DO NOTHING
        """);

    public static readonly Statement StopAgentItemRuns = StopRuns(nameof(StopAgentItemRuns), "agent_id = @a AND work_item_id = @s");
    public static readonly Statement StopTenantRuns = StopRuns(nameof(StopTenantRuns), "1 = 1");
    public static readonly Statement StopProjectRuns = StopRuns(nameof(StopProjectRuns), "work_item_id IN (SELECT id FROM work_items WHERE tenant_id = @t AND project_id = @s)");
    public static readonly Statement StopAgentRuns = StopRuns(nameof(StopAgentRuns), "agent_id = @s");
    public static readonly Statement StopWorkItemRuns = StopRuns(nameof(StopWorkItemRuns), "work_item_id = @s");

    public static readonly Statement ResumeRun = new("BudgetStatements.ResumeRun", """
        UPDATE runs SET stop_reason = NULL WHERE tenant_id = @t AND id = @id AND ended_at IS NULL AND stop_reason = 'budget'
        """);

    /// A budget's first spend row in a window: what its scope already spent there (money and tokens as the budget counts
    /// them), read from the daily roll-up.
    public static async Task OpenWindowAsync(BosunDb db, string tenant, Budget budget, DateTime window, DateTime now, CancellationToken ct)
    {
        var statement = budget.Scope switch
        {
            BudgetScope.Tenant => OpenTenantWindow,
            BudgetScope.Project => OpenProjectWindow,
            BudgetScope.Agent => OpenAgentWindow,
            _ => OpenWorkItemWindow,
        };
        await using var open = Sql.Command(db, statement.For(db))
            .With("t", tenant).With("b", budget.Id).With("w", window).With("now", now).With("s", budget.ScopeId)
            .With("cr", budget.CountCacheReads ? 1L : 0L);
        await open.ExecuteNonQueryAsync(ct);
    }

    /// The budget's spend in the window after adding the deltas: one statement for money and tokens alike.
    public static async Task<BudgetSpent> AddSpendAsync(BosunDb db, string tenant, string budgetId, DateTime window, BudgetSpent delta, DateTime now, CancellationToken ct)
    {
        await using var upsert = Sql.Command(db, AddSpend.For(db))
            .With("t", tenant).With("b", budgetId).With("w", window).With("d", delta.Micros).With("dt", delta.Tokens).With("now", now);
        await using var reader = await upsert.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new BudgetSpent(reader.GetInt64(0), reader.GetInt64(1));
    }

    /// False when an alert with this dedupe key was already written.
    public static async Task<bool> InsertAlertAsync(BosunDb db, BudgetAlert alert, CancellationToken ct)
    {
        await using var insert = Sql.Command(db, InsertAlert.For(db))
            .With("t", alert.TenantId).With("id", alert.Id).With("key", alert.DedupeKey).With("budget", alert.BudgetId)
            .With("agent", alert.AgentId).With("item", alert.WorkItemId).With("level", alert.Level.Snake()).With("limit", alert.LimitKind?.Snake())
            .With("w", alert.WindowStart).With("amount", alert.AmountMicros).With("spent", alert.SpentMicros)
            .With("maxt", alert.MaxTokens).With("spentt", alert.SpentTokens).With("approval", alert.ApprovalId)
            .With("now", alert.CreatedAt);
        return await insert.ExecuteNonQueryAsync(ct) > 0;
    }

    /// Marks every active run in the budget's scope (or the agent's runs on the work item) to stop; answers how many.
    public static async Task<int> StopRunsAsync(BosunDb db, string tenant, Budget? budget, (string AgentId, string WorkItemId)? agentItem, CancellationToken ct)
    {
        var (statement, scopeId, agentId) = budget switch
        {
            null => (StopAgentItemRuns, agentItem!.Value.WorkItemId, agentItem.Value.AgentId),
            { Scope: BudgetScope.Tenant } => (StopTenantRuns, null, null),
            { Scope: BudgetScope.Project } => (StopProjectRuns, budget.ScopeId, null),
            { Scope: BudgetScope.Agent } => (StopAgentRuns, budget.ScopeId, null),
            _ => (StopWorkItemRuns, budget.ScopeId, null),
        };
        await using var update = Sql.Command(db, statement.For(db)).With("t", tenant).With("s", scopeId).With("a", agentId);
        return await update.ExecuteNonQueryAsync(ct);
    }

    public static async Task<int> ResumeRunAsync(BosunDb db, string tenant, string runId, CancellationToken ct)
    {
        await using var update = Sql.Command(db, ResumeRun.For(db)).With("t", tenant).With("id", runId);
        return await update.ExecuteNonQueryAsync(ct);
    }

    private static Statement OpenWindow(string name, string predicate) => new($"BudgetStatements.{name}", $"""
        INSERT INTO budget_spend (tenant_id, budget_id, window_start, spent_micros, spent_tokens, updated_at)
        SELECT @t, @b, @w, COALESCE(SUM(cost_micros), 0),
               COALESCE(SUM(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens * @cr), 0), @now FROM cost_daily
        WHERE tenant_id = @t AND day >= @w AND {predicate}
        ON CONFLICT (tenant_id, budget_id, window_start) DO NOTHING
        """);

    private static Statement StopRuns(string name, string predicate) => new($"BudgetStatements.{name}", $"""
        UPDATE runs SET stop_reason = 'budget'
        WHERE tenant_id = @t AND ended_at IS NULL AND status = 'active' AND stop_reason IS NULL AND {predicate}
        """);
}
