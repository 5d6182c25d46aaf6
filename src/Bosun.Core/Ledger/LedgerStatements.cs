using Bosun.Core.Common;
using Bosun.Core.Data;

namespace Bosun.Core.Ledger;

/// The ledger's hand-written statements: appending LLM and tool calls, and bumping a run's totals and the daily roll-up
/// in the transaction that records them.
internal static class LedgerStatements
{
    public static readonly Statement AddToRunCost = new("LedgerStatements.AddToRunCost", """
        INSERT INTO run_costs (tenant_id, run_id, agent_id, work_item_id, calls, input_tokens, output_tokens, cache_read_tokens,
            cache_write_tokens, cost_micros, list_cost_micros, unpriced_calls, updated_at)
        VALUES (@t, @run, @agent, @item, @calls, @in, @out, @cr, @cw, @cost, @list, @unpriced, @now)
        ON CONFLICT (tenant_id, run_id) DO UPDATE SET
            calls = run_costs.calls + excluded.calls,
            input_tokens = run_costs.input_tokens + excluded.input_tokens,
            output_tokens = run_costs.output_tokens + excluded.output_tokens,
            cache_read_tokens = run_costs.cache_read_tokens + excluded.cache_read_tokens,
            cache_write_tokens = run_costs.cache_write_tokens + excluded.cache_write_tokens,
            cost_micros = run_costs.cost_micros + excluded.cost_micros,
            list_cost_micros = run_costs.list_cost_micros + excluded.list_cost_micros,
            unpriced_calls = run_costs.unpriced_calls + excluded.unpriced_calls,
            updated_at = excluded.updated_at
        """);

    private static readonly Col[] CallColumns =
    [
        new("tenant_id"), new("id"), new("external_id"), new("run_id"), new("session_id"), new("agent_id"), new("project_id"),
        new("work_item_id"), new("provider"), new("model"), new("input_tokens", "bigint"), new("output_tokens", "bigint"),
        new("cache_read_tokens", "bigint"), new("cache_write_tokens", "bigint"), new("reasoning_tokens", "bigint"), new("duration_ms", "bigint"),
        new("prompt_sha256"), new("response_sha256"), new("prompt_text"), new("response_text"), new("billing_type"), new("cost_basis"),
        new("cost_micros", "bigint"), new("list_cost_micros", "bigint"), new("price_ref"), new("called_at", "timestamptz"), new("created_at", "timestamptz"),
    ];

    private static readonly Col[] ToolColumns =
    [
        new("tenant_id"), new("id"), new("external_id"), new("run_id"), new("agent_id"), new("work_item_id"), new("tool_name"), new("method"),
        new("input_summary"), new("output_summary"), new("status"), new("error"), new("duration_ms", "bigint"),
        new("called_at", "timestamptz"), new("created_at", "timestamptz"),
    ];

    private static readonly Col[] DailyColumns =
    [
        new("tenant_id"), new("day", "timestamptz"), new("project_id"), new("agent_id"), new("work_item_id"), new("model"), new("billing_type"),
        new("calls", "bigint"), new("input_tokens", "bigint"), new("output_tokens", "bigint"), new("cache_read_tokens", "bigint"),
        new("cache_write_tokens", "bigint"), new("reasoning_tokens", "bigint"), new("cost_micros", "bigint"), new("list_cost_micros", "bigint"),
        new("unpriced_calls", "bigint"),
    ];

    private const string AddToDaily = """
        ON CONFLICT (tenant_id, day, project_id, agent_id, work_item_id, model, billing_type) DO UPDATE SET
            calls = cost_daily.calls + excluded.calls,
            input_tokens = cost_daily.input_tokens + excluded.input_tokens,
            output_tokens = cost_daily.output_tokens + excluded.output_tokens,
            cache_read_tokens = cost_daily.cache_read_tokens + excluded.cache_read_tokens,
            cache_write_tokens = cost_daily.cache_write_tokens + excluded.cache_write_tokens,
            reasoning_tokens = cost_daily.reasoning_tokens + excluded.reasoning_tokens,
            cost_micros = cost_daily.cost_micros + excluded.cost_micros,
            list_cost_micros = cost_daily.list_cost_micros + excluded.list_cost_micros,
            unpriced_calls = cost_daily.unpriced_calls + excluded.unpriced_calls
        """;

    /// The calls that were new (a repeated id is skipped).
    public static async Task<List<LlmCall>> InsertCallsAsync(BosunDb db, IReadOnlyList<LlmCall> calls, CancellationToken ct)
    {
        var flags = await Sql.InsertRowsAsync(db, "llm_calls", CallColumns, calls, c => [
            c.TenantId, c.Id, c.ExternalId, c.RunId, c.SessionId, c.AgentId, c.ProjectId, c.WorkItemId, c.Provider, c.Model,
            c.InputTokens, c.OutputTokens, c.CacheReadTokens, c.CacheWriteTokens, c.ReasoningTokens, c.DurationMs,
            c.PromptSha256, c.ResponseSha256, c.PromptText, c.ResponseText, c.BillingType.Snake(), c.CostBasis.Snake(),
            c.CostMicros, c.ListCostMicros, c.PriceRef, c.CalledAt, c.CreatedAt,
        ], "ON CONFLICT DO NOTHING", [1], ct);
        return calls.Where((_, i) => flags[i]).ToList();
    }

    /// The tool calls that were new (a repeated id is skipped).
    public static async Task<List<ToolCall>> InsertToolCallsAsync(BosunDb db, IReadOnlyList<ToolCall> calls, CancellationToken ct)
    {
        var flags = await Sql.InsertRowsAsync(db, "tool_calls", ToolColumns, calls, t => [
            t.TenantId, t.Id, t.ExternalId, t.RunId, t.AgentId, t.WorkItemId, t.ToolName, t.Method, t.InputSummary, t.OutputSummary,
            t.Status.Snake(), t.Error, t.DurationMs, t.CalledAt, t.CreatedAt,
        ], "ON CONFLICT DO NOTHING", [1], ct);
        return calls.Where((_, i) => flags[i]).ToList();
    }

    public static async Task AddToRunCostAsync(BosunDb db, string tenant, string runId, string? agentId, string? workItemId,
        IReadOnlyList<LlmCall> calls, DateTime now, CancellationToken ct)
    {
        await using var run = Sql.Command(db, AddToRunCost.For(db))
            .With("t", tenant).With("run", runId).With("agent", agentId).With("item", workItemId)
            .With("calls", (long)calls.Count).With("in", calls.Sum(c => c.InputTokens)).With("out", calls.Sum(c => c.OutputTokens))
            .With("cr", calls.Sum(c => c.CacheReadTokens)).With("cw", calls.Sum(c => c.CacheWriteTokens))
            .With("cost", calls.Sum(c => c.CostMicros ?? 0)).With("list", calls.Sum(c => c.ListCostMicros ?? 0))
            .With("unpriced", (long)calls.Count(c => c.ListCostMicros is null)).With("now", now);
        await run.ExecuteNonQueryAsync(ct);
    }

    /// One upsert per distinct key of the daily roll-up, in key order so concurrent requests lock rows in the same order.
    public static async Task AddToDailyAsync(BosunDb db, string tenant, IReadOnlyList<LlmCall> calls, CancellationToken ct)
    {
        var groups = calls
            .GroupBy(c => (Day: c.CalledAt.Date, c.ProjectId, c.AgentId, c.WorkItemId, c.Model, c.BillingType))
            .OrderBy(g => g.Key.Day).ThenBy(g => g.Key.ProjectId).ThenBy(g => g.Key.AgentId).ThenBy(g => g.Key.WorkItemId)
            .ThenBy(g => g.Key.Model, StringComparer.Ordinal).ThenBy(g => g.Key.BillingType)
            .ToList();
        await Sql.InsertRowsAsync(db, "cost_daily", DailyColumns, groups, g => [
            tenant, DateTime.SpecifyKind(g.Key.Day, DateTimeKind.Utc), g.Key.ProjectId ?? "", g.Key.AgentId ?? "", g.Key.WorkItemId ?? "",
            g.Key.Model, g.Key.BillingType.Snake(), (long)g.Count(), g.Sum(c => c.InputTokens), g.Sum(c => c.OutputTokens),
            g.Sum(c => c.CacheReadTokens), g.Sum(c => c.CacheWriteTokens), g.Sum(c => c.ReasoningTokens),
            g.Sum(c => c.CostMicros ?? 0), g.Sum(c => c.ListCostMicros ?? 0), (long)g.Count(c => c.ListCostMicros is null),
        ], AddToDaily, null, ct);
    }
}
