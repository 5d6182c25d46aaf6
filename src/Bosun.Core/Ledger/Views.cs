using System.Globalization;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;

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

/// A budget to set or change. <see cref="ClearAmount"/> and <see cref="ClearMaxTokens"/> remove a cap on change (a
/// budget keeps at least one).
public sealed record BudgetRequest(
    string? Name, BudgetScope? Scope, string? ScopeId, BudgetWindow? Window, decimal? AmountUsd, int? WarnPercent, BudgetAction? Action,
    long? MaxTokens = null, bool? CountCacheReads = null, bool? ClearAmount = null, bool? ClearMaxTokens = null);

/// A budget with its spend in the current window. The amount (money) and max_tokens are each null when the budget does
/// not cap them; percent_used is that of the limit nearer its cap.
public sealed record BudgetView(
    string Id, string Name, BudgetScope Scope, string? ScopeId, BudgetWindow Window, decimal? AmountUsd, int WarnPercent,
    BudgetAction Action, DateTime WindowStart, decimal SpentUsd, decimal? RemainingUsd, double PercentUsed, string State,
    DateTime CreatedAt, DateTime UpdatedAt, long? MaxTokens, bool CountCacheReads, long SpentTokens, long? RemainingTokens,
    double? MoneyPercentUsed, double? TokensPercentUsed)
{
    public static BudgetView From(Budget b, DateTime windowStart, BudgetSpent spent)
    {
        static double Percent(long spent, long cap) => cap == 0 ? (spent > 0 ? 100 : 0) : Math.Round(spent * 100.0 / cap, 1);
        double? money = b.MoneyCap is { } m ? Percent(spent.Micros, m) : null;
        double? tokens = b.MaxTokens is { } t ? Percent(spent.Tokens, t) : null;
        var warned = b.MoneyCap is { } wm && spent.Micros * 100 >= wm * b.WarnPercent || b.MaxTokens is { } wt && spent.Tokens * 100 >= wt * b.WarnPercent;
        var state = b.SpentBy(spent) ? (b.Action == BudgetAction.Warn ? "over" : "exhausted") : warned ? "warning" : "ok";
        return new(b.Id, b.Name, b.Scope, b.ScopeId, b.Window, Money.ToUsd(b.MoneyCap), b.WarnPercent, b.Action,
            windowStart, Money.ToUsd(spent.Micros), b.MoneyCap is { } cap ? Money.ToUsd(Math.Max(0, cap - spent.Micros)) : null,
            Math.Max(money ?? 0, tokens ?? 0), state, b.CreatedAt, b.UpdatedAt, b.MaxTokens, b.CountCacheReads, spent.Tokens,
            b.MaxTokens is { } max ? Math.Max(0, max - spent.Tokens) : null, money, tokens);
    }
}

/// A `stop` or `fail` budget (or an agent's cap per work item) whose window is spent: new claims in its scope are
/// refused. <see cref="Limit"/> says whether money or tokens reached the cap.
public sealed record BudgetBlock(
    string Kind, string? BudgetId, string Name, BudgetScope Scope, string? ScopeId, string? AgentId, string? WorkItemId,
    decimal? AmountUsd, decimal SpentUsd, DateTime WindowStart, BudgetLimit Limit = BudgetLimit.Money, long? MaxTokens = null,
    long SpentTokens = 0, BudgetAction Action = BudgetAction.Stop)
{
    public string Describe() => Kind == "agent_cap"
        ? $"Agent {AgentId} has spent ${SpentUsd} of its ${AmountUsd} cap on work item {WorkItemId}."
        : Limit == BudgetLimit.Tokens
            ? $"Budget '{Name}' ({Scope.Snake()}{(ScopeId is null ? "" : " " + ScopeId)}) has used {SpentTokens.ToString("N0", CultureInfo.InvariantCulture)} of {MaxTokens?.ToString("N0", CultureInfo.InvariantCulture)} tokens."
            : $"Budget '{Name}' ({Scope.Snake()}{(ScopeId is null ? "" : " " + ScopeId)}) has spent ${SpentUsd} of ${AmountUsd}.";

    public ProblemException ToProblem(string what)
    {
        BosunTelemetry.BudgetDecision("refused");
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

/// A crossing: <see cref="Limit"/> says whether money or tokens crossed; the spend of both at that moment comes along.
public sealed record BudgetAlertView(
    string Id, AlertLevel Level, string? BudgetId, string? AgentId, string? WorkItemId, DateTime WindowStart,
    decimal? AmountUsd, decimal SpentUsd, string? ApprovalId, DateTime CreatedAt, BudgetLimit Limit, long? MaxTokens, long? SpentTokens)
{
    public static BudgetAlertView From(BudgetAlert a)
    {
        var limit = a.LimitKind ?? BudgetLimit.Money;
        var amount = limit == BudgetLimit.Tokens && a.AmountMicros == 0 ? null : Money.ToUsd((long?)a.AmountMicros);
        return new(a.Id, a.Level, a.BudgetId, a.AgentId, a.WorkItemId, a.WindowStart, amount, Money.ToUsd(a.SpentMicros), a.ApprovalId, a.CreatedAt,
            limit, a.MaxTokens, a.SpentTokens);
    }
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

/// What an import did: the models it added, those whose price changed (with the price they had, a tenant's own or
/// Bosun's built-in one) and those it left because their price was already the one in force.
public sealed record PriceImportResult(
    int Imported, int Skipped, DateTime EffectiveFrom, string Format, IReadOnlyList<string> Added, IReadOnlyList<string> Changed,
    IReadOnlyList<string> Unchanged, IReadOnlyList<PriceChange> Changes);

/// One model an import added (no old price) or re-priced from its effective date on.
public sealed record PriceChange(string Model, PriceView? Old, PriceView New);

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
/// Which events a list shows. `Machine` (its id or machine id) picks the events of runs and sessions that happened there.
public sealed record EventFilter(DateTime? From, DateTime? To, string? Type, string? Agent, string? Session, string? Project, string? Tag, string? Severity, string? Machine = null);

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
    string? Model, string? Title, DateTime? StartedAt, DateTime? EndedAt, int MessageCount, SessionOutcome? Outcome, int? QualityScore,
    string? MachineId, string? WorkspaceId, string? RunId)
{
    public static SessionView From(AgentSession s) => new(
        s.Id, s.Source, s.ExternalId, s.ParentId, s.Machine, s.WorkspacePath, s.GitBranch, s.Model, s.Title, s.StartedAt, s.EndedAt, s.MessageCount,
        s.Outcome, s.QualityScore, s.MachineId, s.WorkspaceId, s.RunId);
}

/// Links an agent's own session (its id as the agent reports it) to the run it works for.
public sealed record SessionLinkRequest(SessionSource? Source, string? SessionId);

/// Which sessions a list shows: by source, outcome (or "none" for sessions nobody rated yet), lowest quality score, and
/// the sub-agents of one session, and the sessions of one run.
public sealed record SessionFilter(string? Source, string? Outcome, int? MinQuality, string? Parent, string? Run = null);

/// One session with what it cost and the sub-agent sessions it started.
public sealed record SessionDetail(SessionView Session, SessionUsage Usage, IReadOnlyList<SessionView> SubAgents);

public sealed record SessionUsage(long Calls, long InputTokens, long OutputTokens, long CacheReadTokens, long CacheWriteTokens, decimal CostUsd, decimal ListCostUsd);

/// A message of a session's timeline; its tool uses as the agent called them, and the LLM calls billed for it (matched
/// by the message's id) with their tokens and cost.
public sealed record SessionMessageView(
    int Seq, string? ExternalId, string Role, string? Text, int TextLength, IReadOnlyList<SessionToolUse> ToolUses, string? Model, DateTime? At,
    IReadOnlyList<SessionCallView> LlmCalls);

public sealed record SessionToolUse(string? Name, string? Id, string? Input);

public sealed record SessionCallView(string Id, string Provider, string Model, long InputTokens, long OutputTokens, long CacheReadTokens,
    long CacheWriteTokens, decimal? CostUsd, DateTime CalledAt);

public sealed record SessionRating(SessionOutcome? Outcome, int? QualityScore);

/// Sessions per outcome ("none" for unrated ones), with their average quality score and what they cost.
public sealed record SessionOutcomeRow(string Outcome, long Sessions, double? AverageQuality, decimal CostUsd);
