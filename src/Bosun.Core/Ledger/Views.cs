using System.Text.Json;
using Bosun.Core.Common;

namespace Bosun.Core.Ledger;

public sealed record LlmCallRequest(
    string? Provider, string? Model, long? InputTokens, long? OutputTokens, long? CacheReadTokens, long? CacheWriteTokens,
    long? ReasoningTokens, bool? InputIncludesCache, bool? OutputIncludesReasoning, long? DurationMs,
    string? PromptSha256, string? ResponseSha256, string? PromptText, string? ResponseText,
    BillingType? BillingType, decimal? CostUsd, DateTimeOffset? CalledAt, string? ExternalId);

public sealed record ToolCallRequest(
    string? ToolName, string? Method, string? InputSummary, string? OutputSummary, ToolCallStatus? Status, string? Error,
    long? DurationMs, DateTimeOffset? CalledAt, string? ExternalId);

public sealed record LlmCallView(
    string Id, string? ExternalId, string? RunId, string? SessionId, string? AgentId, string? ProjectId, string? WorkItemId,
    string Provider, string Model, long InputTokens, long OutputTokens, long CacheReadTokens, long CacheWriteTokens, long ReasoningTokens,
    long? DurationMs, string? PromptSha256, string? ResponseSha256, string? PromptText, string? ResponseText,
    BillingType BillingType, CostBasis CostBasis, decimal? CostUsd, decimal? ListCostUsd, string? PriceRef, DateTime CalledAt)
{
    public static LlmCallView From(LlmCall c) => new(
        c.Id, c.ExternalId, c.RunId, c.SessionId, c.AgentId, c.ProjectId, c.WorkItemId, c.Provider, c.Model,
        c.InputTokens, c.OutputTokens, c.CacheReadTokens, c.CacheWriteTokens, c.ReasoningTokens, c.DurationMs,
        c.PromptSha256, c.ResponseSha256, c.PromptText, c.ResponseText, c.BillingType, c.CostBasis,
        Money.ToUsd(c.CostMicros), Money.ToUsd(c.ListCostMicros), c.PriceRef, c.CalledAt);
}

public sealed record ToolCallView(
    string Id, string? ExternalId, string RunId, string ToolName, string? Method, string? InputSummary, string? OutputSummary,
    ToolCallStatus Status, string? Error, long? DurationMs, DateTime CalledAt)
{
    public static ToolCallView From(ToolCall t) => new(
        t.Id, t.ExternalId, t.RunId, t.ToolName, t.Method, t.InputSummary, t.OutputSummary, t.Status, t.Error, t.DurationMs, t.CalledAt);
}

/// The answer to recording usage: what was stored, and whether the run must stop.
public sealed record RecordedLlmCalls(
    IReadOnlyList<LlmCallView> Calls, int Recorded, int Duplicates, decimal CostUsd, decimal ListCostUsd, int UnpricedCalls,
    bool Stop, string? Reason);

public sealed record RecordedToolCalls(IReadOnlyList<ToolCallView> Calls, int Recorded, int Duplicates, bool Stop, string? Reason);

public sealed record RunCostView(
    string RunId, long Calls, long InputTokens, long OutputTokens, long CacheReadTokens, long CacheWriteTokens,
    decimal CostUsd, decimal ListCostUsd, long UnpricedCalls)
{
    public static RunCostView From(string runId, RunCost? c) => c is null
        ? new(runId, 0, 0, 0, 0, 0, 0, 0, 0)
        : new(runId, c.Calls, c.InputTokens, c.OutputTokens, c.CacheReadTokens, c.CacheWriteTokens,
            Money.ToUsd(c.CostMicros), Money.ToUsd(c.ListCostMicros), c.UnpricedCalls);
}

public sealed record BudgetRequest(
    string? Name, BudgetScope? Scope, string? ScopeId, BudgetWindow? Window, decimal? AmountUsd, int? WarnPercent, BudgetAction? Action);

public sealed record BudgetView(
    string Id, string Name, BudgetScope Scope, string? ScopeId, BudgetWindow Window, decimal AmountUsd, int WarnPercent,
    BudgetAction Action, DateTime WindowStart, decimal SpentUsd, decimal RemainingUsd, double PercentUsed, string State,
    DateTime CreatedAt, DateTime UpdatedAt)
{
    public static BudgetView From(Budget b, DateTime windowStart, long spent)
    {
        var percent = b.AmountMicros == 0 ? (spent > 0 ? 100 : 0) : Math.Round(spent * 100.0 / b.AmountMicros, 1);
        var state = spent >= b.AmountMicros ? (b.Action == BudgetAction.Stop ? "exhausted" : "over")
            : spent * 100 >= b.AmountMicros * b.WarnPercent ? "warning" : "ok";
        return new(b.Id, b.Name, b.Scope, b.ScopeId, b.Window, Money.ToUsd(b.AmountMicros), b.WarnPercent, b.Action,
            windowStart, Money.ToUsd(spent), Money.ToUsd(Math.Max(0, b.AmountMicros - spent)), percent, state, b.CreatedAt, b.UpdatedAt);
    }
}

/// A `stop` budget (or an agent's cap per work item) whose window is spent: new claims in its scope are refused.
public sealed record BudgetBlock(
    string Kind, string? BudgetId, string Name, BudgetScope Scope, string? ScopeId, string? AgentId, string? WorkItemId,
    decimal AmountUsd, decimal SpentUsd, DateTime WindowStart)
{
    public string Describe() => Kind == "agent_cap"
        ? $"Agent {AgentId} has spent ${SpentUsd} of its ${AmountUsd} cap on work item {WorkItemId}."
        : $"Budget '{Name}' ({Scope.ToString().ToLowerInvariant()}{(ScopeId is null ? "" : " " + ScopeId)}) has spent ${SpentUsd} of ${AmountUsd}.";

    public ProblemException ToProblem(string what)
    {
        var problem = new ProblemException(409, "Budget exhausted", $"{what}: {Describe()} Raise the budget to resume.", "/problems/budget-exhausted");
        problem.Extensions["budget"] = this;
        problem.Extensions["stop"] = true;
        problem.Extensions["reason"] = "budget";
        return problem;
    }
}

/// Which scopes are blocked right now, for a claim that picks among many items at once.
public sealed record BlockedScopes(bool Tenant, IReadOnlySet<string> ProjectIds, IReadOnlySet<string> AgentIds, IReadOnlySet<string> WorkItemIds,
    IReadOnlySet<(string AgentId, string WorkItemId)> AgentWorkItems)
{
    public bool Blocks(string? agentId, string projectId, string workItemId) =>
        Tenant || ProjectIds.Contains(projectId) || WorkItemIds.Contains(workItemId)
        || (agentId is not null && (AgentIds.Contains(agentId) || AgentWorkItems.Contains((agentId, workItemId))));
}

public sealed record BudgetAlertView(
    string Id, AlertLevel Level, string? BudgetId, string? AgentId, string? WorkItemId, DateTime WindowStart,
    decimal AmountUsd, decimal SpentUsd, string? ApprovalId, DateTime CreatedAt)
{
    public static BudgetAlertView From(BudgetAlert a) => new(
        a.Id, a.Level, a.BudgetId, a.AgentId, a.WorkItemId, a.WindowStart, Money.ToUsd(a.AmountMicros), Money.ToUsd(a.SpentMicros), a.ApprovalId, a.CreatedAt);
}

public sealed record PriceRequest(
    string? Model, string? Provider, string? MatchPatterns, DateTimeOffset? EffectiveFrom,
    decimal? InputUsdPerMtok, decimal? OutputUsdPerMtok, decimal? CacheReadUsdPerMtok, decimal? CacheWriteUsdPerMtok,
    long? LongContextThreshold, decimal? LongInputUsdPerMtok, decimal? LongOutputUsdPerMtok,
    decimal? LongCacheReadUsdPerMtok, decimal? LongCacheWriteUsdPerMtok);

public sealed record PriceView(
    string Model, string? Provider, string Source, DateTime EffectiveFrom, decimal InputUsdPerMtok, decimal OutputUsdPerMtok,
    decimal? CacheReadUsdPerMtok, decimal? CacheWriteUsdPerMtok, long? LongContextThreshold, decimal? LongInputUsdPerMtok,
    decimal? LongOutputUsdPerMtok, IReadOnlyList<string> MatchPatterns)
{
    public static PriceView From(PriceEntry e) => new(
        e.Model, e.Provider, e.Source, e.EffectiveFrom, Money.ToUsd(e.Input), Money.ToUsd(e.Output), Money.ToUsd(e.CacheRead), Money.ToUsd(e.CacheWrite),
        e.LongContext?.ThresholdInputTokens, Money.ToUsd(e.LongContext?.Input), Money.ToUsd(e.LongContext?.Output), e.Patterns ?? []);
}

public sealed record CostQuote(
    string Provider, string Model, string? PricedAs, string? PriceRef, long InputTokens, long OutputTokens, long CacheReadTokens,
    long CacheWriteTokens, long ReasoningTokens, bool LongContext, decimal? CostUsd);

public sealed record PriceImportResult(int Imported, int Skipped, DateTime EffectiveFrom, string Format, IReadOnlyList<string> Added, IReadOnlyList<string> Changed);

public sealed record CostRow(
    string Key, string? Label, long Calls, long InputTokens, long OutputTokens, long CacheReadTokens, long CacheWriteTokens,
    decimal CostUsd, decimal ListCostUsd, long UnpricedCalls);

public sealed record CostSummary(
    DateTime From, DateTime To, string By, CostRow Total, IReadOnlyList<CostRow> Rows,
    IReadOnlyList<CostRow> TopAgents, IReadOnlyList<CostRow> TopProjects, IReadOnlyList<CostRow> TopWorkItems,
    IReadOnlyList<BudgetView> Budgets);

public sealed record UnpricedModelView(string Provider, string Model, long Calls, long InputTokens, long OutputTokens, DateTime FirstSeen, DateTime LastSeen);

public sealed record EventView(
    string Id, DateTime Timestamp, string Type, string? Agent, string? Session, string? Project, string? Run, string Severity,
    JsonElement? Tags, JsonElement? Context, JsonElement? Data, JsonElement? Metrics, DateTime ReceivedAt)
{
    public static EventView From(AgentEvent e) => new(
        e.Id, e.OccurredAt, e.Type, e.AgentId, e.SessionId, e.ProjectId, e.RunId, e.Severity, Planning.WorkItemView.ParseJson(e.TagsJson),
        Planning.WorkItemView.ParseJson(e.ContextJson), Planning.WorkItemView.ParseJson(e.DataJson), Planning.WorkItemView.ParseJson(e.MetricsJson), e.ReceivedAt);
}

/// Which raw events to list; every part is optional.
public sealed record EventFilter(DateTime? From, DateTime? To, string? Type, string? Agent, string? Session, string? Project, string? Tag, string? Severity);

public sealed record EventIngestResult(int Received, int Inserted, int Duplicates);

public sealed record EventRollupView(
    DateTime Hour, string? ProjectId, string? AgentId, string Type, long Events, long Sessions, long Tokens, decimal CostUsd, double? AvgDurationMs);

public sealed record SessionImport(
    SessionSource? Source, string? ExternalId, string? ParentExternalId, string? Machine, string? WorkspacePath, string? GitBranch,
    string? Model, string? Title, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt,
    IReadOnlyList<MessageImport>? Messages, IReadOnlyList<ImportedLlmCall>? LlmCalls);

public sealed record MessageImport(string? ExternalId, string? Role, string? Text, IReadOnlyList<ToolUseImport>? ToolUses, string? Model, DateTimeOffset? At);

public sealed record ToolUseImport(string? Name, string? Id, string? Input);

public sealed record ImportedLlmCall(
    string? ExternalId, string? Provider, string? Model, long? InputTokens, long? OutputTokens, long? CacheReadTokens,
    long? CacheWriteTokens, long? ReasoningTokens, BillingType? BillingType, DateTimeOffset? CalledAt);

public sealed record SessionImportResult(string SessionId, bool Created, int Messages, int LlmCallsRecorded, int LlmCallsAlreadyKnown);

public sealed record SessionView(
    string Id, SessionSource Source, string ExternalId, string? ParentId, string? Machine, string? WorkspacePath, string? GitBranch,
    string? Model, string? Title, DateTime? StartedAt, DateTime? EndedAt, int MessageCount)
{
    public static SessionView From(AgentSession s) => new(
        s.Id, s.Source, s.ExternalId, s.ParentId, s.Machine, s.WorkspacePath, s.GitBranch, s.Model, s.Title, s.StartedAt, s.EndedAt, s.MessageCount);
}
