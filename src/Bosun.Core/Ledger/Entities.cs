using Bosun.Core.Common;
using Bosun.Core.Data;

namespace Bosun.Core.Ledger;

public enum BillingType { Api, Subscription }

/// How a call's billed cost was decided: sent by the caller, priced from the catalog, zero because a
/// subscription already paid for it, or unknown because the model has no price.
public enum CostBasis { Provided, Catalog, Subscription, Unknown }

public enum ToolCallStatus { Ok, Error, Cancelled }

public enum BudgetScope { Tenant, Project, Agent, WorkItem }

public enum BudgetWindow { Month, Lifetime }

/// What a budget does when a limit is reached: `stop` refuses usage and claims in its scope and tells its runs to stop;
/// `fail` does the same and also fails the items of its active runs (each escalated as after a failure); `warn` only
/// warns.
public enum BudgetAction { Stop, Warn, Fail }

/// Which of a budget's limits a crossing or a block is about.
public enum BudgetLimit { Money, Tokens }

public enum AlertLevel { Warn, Cap }

/// Where a session came from: Claude Code's or Codex's transcripts, or any other agent through the generic session
/// format (docs/sessions.md).
public enum SessionSource { ClaudeCode, Codex, Generic }

/// How an agent session ended, as the agent, a person or a rule judged it.
public enum SessionOutcome { Success, Failure, Partial, Cancelled }

/// One LLM request as billed. Append-only: the database refuses updates and deletes.
/// Token counts are normalised: <see cref="InputTokens"/> never includes cache reads or writes, and
/// <see cref="OutputTokens"/> includes reasoning tokens, whatever the provider reported.
public sealed class LlmCall : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public string? ExternalId { get; set; }
    public string? RunId { get; set; }
    public string? SessionId { get; set; }
    public string? AgentId { get; set; }
    public string? ProjectId { get; set; }
    public string? WorkItemId { get; set; }
    public required string Provider { get; set; }
    public required string Model { get; set; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    public long CacheReadTokens { get; set; }
    public long CacheWriteTokens { get; set; }
    public long ReasoningTokens { get; set; }
    public long? DurationMs { get; set; }
    public string? PromptSha256 { get; set; }
    public string? ResponseSha256 { get; set; }
    public string? PromptText { get; set; }
    public string? ResponseText { get; set; }
    public BillingType BillingType { get; set; }
    public CostBasis CostBasis { get; set; }

    /// What the call cost the tenant; null when neither given nor priceable.
    public long? CostMicros { get; set; }

    /// What the call costs at list price; null when the model has no price.
    public long? ListCostMicros { get; set; }
    public string? PriceRef { get; set; }
    public DateTime CalledAt { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// One tool invocation of a run. Append-only like <see cref="LlmCall"/>.
public sealed class ToolCall : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public string? ExternalId { get; set; }
    public required string RunId { get; set; }
    public string? AgentId { get; set; }
    public string? WorkItemId { get; set; }
    public required string ToolName { get; set; }
    public string? Method { get; set; }
    public string? InputSummary { get; set; }
    public string? OutputSummary { get; set; }
    public ToolCallStatus Status { get; set; }
    public string? Error { get; set; }
    public long? DurationMs { get; set; }
    public DateTime CalledAt { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// A tenant's own price for a model from a date on; the built-in catalog covers the rest.
public sealed class ModelPrice : ITenantScoped, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string Model { get; set; }
    public string? Provider { get; set; }

    /// Extra glob patterns (comma-separated, `*` wildcard) that also resolve to this model.
    public string? MatchPatterns { get; set; }
    public DateTime EffectiveFrom { get; set; }
    public long InputMicrosPerMtok { get; set; }
    public long OutputMicrosPerMtok { get; set; }
    public long? CacheReadMicrosPerMtok { get; set; }
    public long? CacheWriteMicrosPerMtok { get; set; }
    public long? LongContextThreshold { get; set; }
    public long? LongInputMicrosPerMtok { get; set; }
    public long? LongOutputMicrosPerMtok { get; set; }
    public long? LongCacheReadMicrosPerMtok { get; set; }
    public long? LongCacheWriteMicrosPerMtok { get; set; }
    public string Source { get; set; } = "manual";
    public DateTime CreatedAt { get; set; }
}

public sealed class Budget : ITenantScoped, IHasTimestamps, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string Name { get; set; }
    public BudgetScope Scope { get; set; }

    /// The project, agent or work item; null for a tenant-wide budget.
    public string? ScopeId { get; set; }
    public BudgetWindow Window { get; set; } = BudgetWindow.Month;

    /// The money cap; ignored when <see cref="TokensOnly"/> (a column of its own rather than a nullable amount, so
    /// adding token caps rebuilt no table).
    public long AmountMicros { get; set; }

    /// A budget that caps tokens and no money.
    public bool TokensOnly { get; set; }

    /// Input plus output tokens (cache writes are input), with cache reads when <see cref="CountCacheReads"/>.
    public long? MaxTokens { get; set; }
    public bool CountCacheReads { get; set; }
    public int WarnPercent { get; set; } = 80;
    public BudgetAction Action { get; set; } = BudgetAction.Stop;
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    public long? MoneyCap => TokensOnly ? null : AmountMicros;

    /// Whether the spend of a window reaches either limit.
    public bool SpentBy(BudgetSpent spent) => MoneyCap is { } money && spent.Micros >= money || MaxTokens is { } tokens && spent.Tokens >= tokens;

    /// The tokens of calls as this budget counts them.
    public long TokensOf(LlmCall c) => c.InputTokens + c.OutputTokens + c.CacheWriteTokens + (CountCacheReads ? c.CacheReadTokens : 0);
}

/// A budget's spend in one window: money and tokens as it counts them.
public readonly record struct BudgetSpent(long Micros, long Tokens);

/// Spend of one budget in one window, bumped in the transaction that records the cost.
public sealed class BudgetSpend : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public required string BudgetId { get; set; }

    /// First instant of the window: the month's first day, or DateTime.MinValue for lifetime budgets.
    public DateTime WindowStart { get; set; }
    public long SpentMicros { get; set; }
    public long SpentTokens { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// A warn or cap crossing, recorded once per budget, window and amount (the unique key makes "once" hold
/// under concurrency). Caps of an agent per work item have no budget row and are keyed by agent and item.
public sealed class BudgetAlert : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string DedupeKey { get; set; }
    public string? BudgetId { get; set; }
    public string? AgentId { get; set; }
    public string? WorkItemId { get; set; }
    public AlertLevel Level { get; set; }

    /// Null on alerts written before budgets capped tokens, which were all about money.
    public BudgetLimit? LimitKind { get; set; }
    public DateTime WindowStart { get; set; }
    public long AmountMicros { get; set; }
    public long SpentMicros { get; set; }
    public long? MaxTokens { get; set; }
    public long? SpentTokens { get; set; }
    public string? ApprovalId { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// Running totals of one run, kept here because an ended run's row is immutable.
public sealed class RunCost : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public required string RunId { get; set; }
    public string? AgentId { get; set; }
    public string? WorkItemId { get; set; }
    public long Calls { get; set; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    public long CacheReadTokens { get; set; }
    public long CacheWriteTokens { get; set; }
    public long CostMicros { get; set; }
    public long ListCostMicros { get; set; }
    public long UnpricedCalls { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// Daily cost roll-up per project, agent, work item, model and billing type ("" where a call has none).
/// Reports read this instead of scanning the ledger.
public sealed class CostDaily : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public DateTime Day { get; set; }
    public string ProjectId { get; set; } = "";
    public string AgentId { get; set; } = "";
    public string WorkItemId { get; set; } = "";
    public string Model { get; set; } = "";
    public BillingType BillingType { get; set; }
    public long Calls { get; set; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    public long CacheReadTokens { get; set; }
    public long CacheWriteTokens { get; set; }
    public long ReasoningTokens { get; set; }
    public long CostMicros { get; set; }
    public long ListCostMicros { get; set; }
    public long UnpricedCalls { get; set; }
}

/// A point in the time series of what agents do. Keyed by time first so old data leaves by whole
/// partitions (PostgreSQL) or index ranges (SQLite).
public sealed class AgentEvent : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public DateTime OccurredAt { get; set; }
    public required string Id { get; set; }
    public required string Type { get; set; }
    public string? AgentId { get; set; }
    public string? SessionId { get; set; }
    public string? ProjectId { get; set; }
    public string? RunId { get; set; }
    public string Severity { get; set; } = "info";
    public string? TagsJson { get; set; }
    public string? ContextJson { get; set; }
    public string? DataJson { get; set; }
    public string? MetricsJson { get; set; }
    public long? Tokens { get; set; }
    public long? CostMicros { get; set; }
    public long? DurationMs { get; set; }
    public DateTime ReceivedAt { get; set; }
}

/// Hourly roll-up of agent events; maintained on ingest and kept when raw events are dropped.
public sealed class AgentEventRollup : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public DateTime Hour { get; set; }
    public string ProjectId { get; set; } = "";
    public string AgentId { get; set; } = "";
    public string Type { get; set; } = "";
    public long Events { get; set; }
    public long Sessions { get; set; }
    public long Tokens { get; set; }
    public long CostMicros { get; set; }
    public long DurationSumMs { get; set; }
    public long DurationCount { get; set; }
}

/// The distinct sessions seen per roll-up bucket, so a late event counts its session only once.
public sealed class AgentEventRollupSession : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public DateTime Hour { get; set; }
    public string ProjectId { get; set; } = "";
    public string AgentId { get; set; } = "";
    public string Type { get; set; } = "";
    public required string SessionId { get; set; }
}

/// A chat session of a coding agent, imported from its transcript files.
public sealed class AgentSession : ITenantScoped, IHasTimestamps
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public SessionSource Source { get; set; }
    public required string ExternalId { get; set; }
    public string? ParentId { get; set; }
    public string? Machine { get; set; }
    public string? WorkspacePath { get; set; }

    /// The machine and workspace the import registered for <see cref="Machine"/> and <see cref="WorkspacePath"/>.
    public string? MachineId { get; set; }
    public string? WorkspaceId { get; set; }

    /// The run this session worked for, when `bosun agent run` (or the agent itself) linked it, or telemetry carried
    /// the run's id; its LLM and tool calls are then that run's.
    public string? RunId { get; set; }
    public string? GitBranch { get; set; }
    public string? Model { get; set; }
    public string? Title { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? EndedAt { get; set; }
    public int MessageCount { get; set; }

    /// Null until the agent, a person or a rule says how the session went.
    public SessionOutcome? Outcome { get; set; }

    /// 0–100, optional, set with the outcome or on its own.
    public int? QualityScore { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public sealed class SessionMessage : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public required string SessionId { get; set; }
    public int Seq { get; set; }
    public string? ExternalId { get; set; }
    public required string Role { get; set; }
    public string? Text { get; set; }
    public int TextLength { get; set; }
    public string? ToolUsesJson { get; set; }
    public string? Model { get; set; }
    public DateTime? At { get; set; }
}
