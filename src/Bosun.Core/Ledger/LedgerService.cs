using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Dispatch;
using Bosun.Core.Identity;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Ledger;

/// Records what runs spend: LLM calls and tool calls, append-only, with the spend of every budget in scope,
/// the run's totals and the daily roll-up bumped in the same transaction.
public sealed partial class LedgerService(BosunDb db, RequestContext context, TimeProvider clock, BudgetEnforcement budgets, PriceService prices)
{
    public const int MaxBatch = 1000;
    public const int SummaryLimit = 2000;
    private const int MaxTextLength = 200_000;
    private const long MaxTokens = 100_000_000_000;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<RecordedLlmCalls> RecordLlmCallsAsync(string runId, IReadOnlyList<LlmCallRequest> requests, bool batch, CancellationToken ct)
    {
        CheckBatch(requests.Count, batch);
        var run = await FindRunForWriteAsync(runId, ct);
        var projectId = await db.WorkItems.Where(w => w.Id == run.WorkItemId).Select(w => w.ProjectId).SingleAsync(ct);
        var scope = new ChargeScope(run.Id, run.AgentId, projectId, run.WorkItemId);
        var catalog = await prices.CatalogForAsync(requests.Select(r => (r.Provider ?? "", r.Model ?? "")), ct);
        var storeText = await StoresPromptTextAsync(ct);
        var problem = new ValidationProblem();
        var calls = new List<LlmCall>(requests.Count);
        for (var i = 0; i < requests.Count; i++)
        {
            var call = Build(requests[i], batch ? $"[{i}]." : "", problem, catalog, storeText);
            call.RunId = run.Id;
            call.AgentId = run.AgentId;
            call.ProjectId = projectId;
            call.WorkItemId = run.WorkItemId;
            calls.Add(call);
        }

        problem.ThrowIfAny();
        var inserted = await LedgerStatements.InsertCallsAsync(db, calls, ct);

        // A retry of calls already recorded adds no spend, so it is not refused; its answer still says whether to stop.
        if (inserted.Count > 0)
        {
            await budgets.ChargeAsync(scope, inserted, enforce: true, ct);
            await AddToRollupsAsync(scope, inserted, ct);
        }

        // A `fail` budget this request crossed may have ended the run already: that is a stop as well.
        var stopReason = await db.Runs.AsNoTracking().Where(r => r.Id == run.Id && (r.EndedAt == null || r.StopReason == "budget"))
            .Select(r => r.StopReason).FirstOrDefaultAsync(ct);
        return new RecordedLlmCalls(
            inserted.Select(LlmCallView.From).ToList(), inserted.Count, calls.Count - inserted.Count,
            Money.ToUsd(inserted.Sum(c => c.CostMicros ?? 0)), Money.ToUsd(inserted.Sum(c => c.ListCostMicros ?? 0)),
            inserted.Count(c => c.ListCostMicros is null), stopReason is not null, stopReason);
    }

    /// Calls that belong to no run (imported sessions): recorded and charged to tenant budgets, never refused,
    /// since they describe what already happened elsewhere.
    internal async Task<List<LlmCall>> RecordUnattachedAsync(IReadOnlyList<LlmCall> calls, CancellationToken ct)
    {
        var inserted = await LedgerStatements.InsertCallsAsync(db, calls, ct);
        var scope = new ChargeScope(null, null, null, null);
        await budgets.ChargeAsync(scope, inserted, enforce: false, ct);
        await AddToRollupsAsync(scope, inserted, ct);
        return inserted;
    }

    /// Calls a run made that arrive from the agent's own telemetry rather than from the agent's requests: the run's,
    /// charged to every budget in its scope (a crossed `fail` budget ends the run), never refused, since they happened.
    internal async Task<List<LlmCall>> RecordForRunAsync(Run run, string? projectId, IReadOnlyList<LlmCall> calls, CancellationToken ct)
    {
        foreach (var call in calls)
        {
            call.RunId = run.Id;
            call.AgentId = run.AgentId;
            call.ProjectId = projectId;
            call.WorkItemId = run.WorkItemId;
        }

        var inserted = await LedgerStatements.InsertCallsAsync(db, calls, ct);
        if (inserted.Count > 0)
        {
            var scope = new ChargeScope(run.Id, run.AgentId, projectId, run.WorkItemId);
            await budgets.ChargeAsync(scope, inserted, enforce: false, ct);
            await AddToRollupsAsync(scope, inserted, ct);
        }

        return inserted;
    }

    public async Task<RecordedToolCalls> RecordToolCallsAsync(string runId, IReadOnlyList<ToolCallRequest> requests, bool batch, CancellationToken ct)
    {
        CheckBatch(requests.Count, batch);
        var run = await FindRunForWriteAsync(runId, ct);
        var problem = new ValidationProblem();
        var calls = new List<ToolCall>(requests.Count);
        for (var i = 0; i < requests.Count; i++)
        {
            var r = requests[i];
            var prefix = batch ? $"[{i}]." : "";
            calls.Add(new ToolCall
            {
                TenantId = context.RequireTenant(),
                RunId = run.Id,
                AgentId = run.AgentId,
                WorkItemId = run.WorkItemId,
                ExternalId = Check.Text(problem, prefix + "external_id", r.ExternalId, 200),
                ToolName = Check.Text(problem, prefix + "tool_name", r.ToolName, 200, required: true) ?? "",
                Method = Check.Text(problem, prefix + "method", r.Method, 200),
                InputSummary = Cap(r.InputSummary, SummaryLimit),
                OutputSummary = Cap(r.OutputSummary, SummaryLimit),
                Status = r.Status ?? ToolCallStatus.Ok,
                Error = Cap(r.Error, 4000),
                DurationMs = NonNegative(problem, prefix + "duration_ms", r.DurationMs),
                CalledAt = CalledAt(problem, prefix + "called_at", r.CalledAt),
                CreatedAt = Now,
            });
        }

        problem.ThrowIfAny();
        var inserted = await LedgerStatements.InsertToolCallsAsync(db, calls, ct);
        var stopReason = await db.Runs.AsNoTracking().Where(r => r.Id == run.Id && r.EndedAt == null).Select(r => r.StopReason).FirstOrDefaultAsync(ct);
        return new RecordedToolCalls(inserted.Select(ToolCallView.From).ToList(), inserted.Count, calls.Count - inserted.Count, stopReason is not null, stopReason);
    }

    public async Task<Page<LlmCallView>> ListLlmCallsAsync(string runId, PageRequest page, CancellationToken ct)
    {
        var run = await FindRunAsync(runId, ct);
        var query = db.Set<LlmCall>().AsNoTracking().Where(c => c.RunId == run.Id);
        if (page.Cursor is { } cursor)
        {
            query = query.Where(c => string.Compare(c.Id, cursor) > 0);
        }

        return await query.OrderBy(c => c.Id).ToPageAsync(page, c => c.Id, LlmCallView.From, ct);
    }

    public async Task<Page<ToolCallView>> ListToolCallsAsync(string runId, PageRequest page, CancellationToken ct)
    {
        var run = await FindRunAsync(runId, ct);
        var query = db.Set<ToolCall>().AsNoTracking().Where(c => c.RunId == run.Id);
        if (page.Cursor is { } cursor)
        {
            query = query.Where(c => string.Compare(c.Id, cursor) > 0);
        }

        return await query.OrderBy(c => c.Id).ToPageAsync(page, c => c.Id, ToolCallView.From, ct);
    }

    public async Task<RunCostView> RunCostAsync(string runId, CancellationToken ct)
    {
        var run = await FindRunAsync(runId, ct);
        return RunCostView.From(run.Id, await db.Set<RunCost>().AsNoTracking().FirstOrDefaultAsync(c => c.RunId == run.Id, ct));
    }

    internal LlmCall Build(LlmCallRequest r, string prefix, ValidationProblem problem, PriceCatalog catalog, bool storeText)
    {
        var provider = Check.Text(problem, prefix + "provider", r.Provider, 50, required: true)?.ToLowerInvariant() ?? "";
        var model = Check.Text(problem, prefix + "model", r.Model, 200, required: true) ?? "";
        var input = Tokens(problem, prefix + "input_tokens", r.InputTokens);
        var output = Tokens(problem, prefix + "output_tokens", r.OutputTokens);
        var cacheRead = Tokens(problem, prefix + "cache_read_tokens", r.CacheReadTokens);
        var cacheWrite = Tokens(problem, prefix + "cache_write_tokens", r.CacheWriteTokens);
        var reasoning = Tokens(problem, prefix + "reasoning_tokens", r.ReasoningTokens);
        var (inputIncludesCache, outputIncludesReasoning) = TokenUsage.Conventions(provider, model);
        if (r.InputIncludesCache ?? inputIncludesCache)
        {
            if (input < cacheRead + cacheWrite)
            {
                problem.Add(prefix + "input_tokens", $"must include the cache_read_tokens and cache_write_tokens for provider '{provider}' (or send input_includes_cache: false)");
            }

            input = Math.Max(0, input - cacheRead - cacheWrite);
        }

        if (!(r.OutputIncludesReasoning ?? outputIncludesReasoning))
        {
            output += reasoning;
        }

        var calledAt = CalledAt(problem, prefix + "called_at", r.CalledAt);
        var billing = r.BillingType ?? BillingType.Api;
        var usage = new TokenUsage(input, output, cacheRead, cacheWrite, reasoning);
        var price = provider.Length > 0 && model.Length > 0 ? catalog.Resolve(provider, model, calledAt) : null;
        long? list = price is null ? null : PriceCatalog.Cost(price, usage);
        var provided = Check.Usd(problem, prefix + "cost_usd", r.CostUsd);
        var (cost, basis) = provided is { } given ? (given, CostBasis.Provided)
            : billing == BillingType.Subscription ? (0L, CostBasis.Subscription)
            : list is { } computed ? (computed, CostBasis.Catalog)
            : ((long?)null, CostBasis.Unknown);
        var promptText = Check.Text(problem, prefix + "prompt_text", r.PromptText, MaxTextLength);
        var responseText = Check.Text(problem, prefix + "response_text", r.ResponseText, MaxTextLength);
        return new LlmCall
        {
            TenantId = context.RequireTenant(),
            ExternalId = Check.Text(problem, prefix + "external_id", r.ExternalId, 200),
            Provider = provider,
            Model = model,
            InputTokens = input,
            OutputTokens = output,
            CacheReadTokens = cacheRead,
            CacheWriteTokens = cacheWrite,
            ReasoningTokens = reasoning,
            DurationMs = NonNegative(problem, prefix + "duration_ms", r.DurationMs),
            PromptSha256 = Sha(problem, prefix + "prompt_sha256", r.PromptSha256, r.PromptText),
            ResponseSha256 = Sha(problem, prefix + "response_sha256", r.ResponseSha256, r.ResponseText),
            PromptText = storeText ? promptText : null,
            ResponseText = storeText ? responseText : null,
            BillingType = billing,
            CostBasis = basis,
            CostMicros = cost,
            ListCostMicros = list,
            PriceRef = price?.Ref,
            CalledAt = calledAt,
            CreatedAt = Now,
        };
    }

    internal Task<bool> StoresPromptTextAsync(CancellationToken ct)
    {
        var tenant = context.RequireTenant();
        return db.Tenants.Where(t => t.Id == tenant).Select(t => t.StorePromptText).SingleAsync(ct);
    }

    /// Run totals and the daily roll-up.
    private async Task AddToRollupsAsync(ChargeScope scope, IReadOnlyList<LlmCall> calls, CancellationToken ct)
    {
        if (calls.Count == 0)
        {
            return;
        }

        var tenant = context.RequireTenant();
        if (scope.RunId is { } runId)
        {
            await LedgerStatements.AddToRunCostAsync(db, tenant, runId, scope.AgentId, scope.WorkItemId, calls, Now, ct);
        }

        await LedgerStatements.AddToDailyAsync(db, tenant, calls, ct);
    }

    private async Task<Run> FindRunAsync(string runId, CancellationToken ct) =>
        await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct) ?? throw ProblemException.NotFound("Run");

    /// An agent records usage only for its own runs; people who may edit work may record for any.
    private async Task<Run> FindRunForWriteAsync(string runId, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var run = await FindRunAsync(runId, ct);
        if (context.Actor.Type == ActorType.Agent && run.AgentId != context.Actor.Id)
        {
            throw ProblemException.Forbidden("An agent may record usage only for its own runs.");
        }

        return run;
    }

    private static void CheckBatch(int count, bool batch)
    {
        if (count == 0 && batch)
        {
            throw ProblemException.Invalid("body", "must hold at least one call");
        }

        if (count > MaxBatch)
        {
            throw ProblemException.Invalid("body", $"must hold at most {MaxBatch} calls per request");
        }
    }

    private DateTime CalledAt(ValidationProblem problem, string field, DateTimeOffset? value)
    {
        var at = value?.UtcDateTime ?? Now;
        if (at > Now.AddDays(1))
        {
            problem.Add(field, "is more than a day in the future");
        }

        return at;
    }

    private static long Tokens(ValidationProblem problem, string field, long? value)
    {
        if (value is < 0 or > MaxTokens)
        {
            problem.Add(field, $"must be between 0 and {MaxTokens}");
            return 0;
        }

        return value ?? 0;
    }

    private static long? NonNegative(ValidationProblem problem, string field, long? value)
    {
        if (value is < 0)
        {
            problem.Add(field, "must not be negative");
        }

        return value;
    }

    private static string? Sha(ValidationProblem problem, string field, string? given, string? text)
    {
        if (given is { Length: > 0 })
        {
            var sha = given.Trim().ToLowerInvariant();
            if (!HexSha().IsMatch(sha))
            {
                problem.Add(field, "must be 64 hexadecimal characters");
            }

            return sha;
        }

        return text is null ? null : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    internal static string? Cap(string? text, int max) =>
        text is null ? null : text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex HexSha();
}

internal sealed record ChargeScope(string? RunId, string? AgentId, string? ProjectId, string? WorkItemId);
