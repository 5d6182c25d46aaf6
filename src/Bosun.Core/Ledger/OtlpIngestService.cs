using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Dispatch;
using Bosun.Core.Identity;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Ledger;

/// One OTLP log record, decoded: its event name, when it happened, and its attributes (the resource's merged
/// under the record's own) as invariant text.
public sealed record OtlpLogRecord(string? EventName, DateTime? At, IReadOnlyDictionary<string, string> Attributes);

public sealed record OtlpIngestResult(int Records, int LlmCalls, int Duplicates, int Ignored, int Rejected, string? ErrorMessage, int ToolCalls = 0);

/// Turns the telemetry that coding agents export over OpenTelemetry into LLM calls while they work. Claude Code's
/// `claude_code.api_request` and Codex's `codex.sse_event` of kind `response.completed` each become one call,
/// recorded on the same path as transcript imports (charged to the tenant's budgets as it lands). A call's
/// external id is derived from its session and its request id, or from the record itself when the agent sends
/// no request id, so a replayed export adds nothing. Transcript imports and telemetry of the same session are
/// matched by token counts in both orders (see <see cref="SessionImportService"/> for the other one).
///
/// Telemetry of a run, named by the `bosun.run_id` resource attribute that `bosun agent run` sets, or of a session
/// linked to a run, belongs to that run: its calls are charged to the run's budgets, and the agents' tool events
/// become the run's tool calls. Tool events of no run are not recorded: a tool call is always a run's.
public sealed class OtlpIngestService(BosunDb db, RequestContext context, LedgerService ledger, PriceService prices, TimeProvider clock)
{
    public const string ExternalIdPrefix = "otlp:";
    public const string RunAttribute = "bosun.run_id";
    public const int MaxRecords = 100_000;

    private sealed record Mapped(int Index, SessionSource Source, string? Session, string? RunId, LlmCallRequest? Llm, ToolCall? Tool);

    private sealed record RunScope(Run Run, string? ProjectId);

    public async Task<OtlpIngestResult> IngestLogsAsync(IReadOnlyList<OtlpLogRecord> records, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        if (records.Count > MaxRecords)
        {
            throw ProblemException.Invalid("body", $"must hold at most {MaxRecords} log records per request");
        }

        var storeText = await ledger.StoresPromptTextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var mapped = new List<Mapped>();
        var ignored = 0;
        foreach (var (record, index) in records.Select((r, i) => (r, i)))
        {
            if (Map(record, index, storeText, now) is { } m)
            {
                mapped.Add(m);
            }
            else
            {
                ignored++;
            }
        }

        var rejected = 0;
        string? firstError = null;
        void Reject(int index, string error)
        {
            rejected++;
            firstError ??= $"log record {index}: {error}";
        }

        var sessions = await SessionsAsync(mapped, ct);
        var runs = await RunsAsync(mapped, sessions, Reject, ct);
        mapped = mapped.Where(m => m.RunId is null || runs.ContainsKey(m.RunId)).ToList();
        await LinkSessionsAsync(mapped, sessions, ct);

        var catalog = await prices.CatalogForAsync(mapped.Where(m => m.Llm is not null).Select(m => (m.Llm!.Provider ?? "", m.Llm.Model ?? "")), ct);
        var calls = new Dictionary<string, (LlmCall Call, Mapped From)>();
        var accepted = 0;
        var tools = new Dictionary<string, (ToolCall Call, RunScope Scope)>();
        foreach (var m in mapped)
        {
            var run = RunOf(m, sessions) is { } id ? runs[id] : null;
            if (m.Tool is { } tool)
            {
                if (run is null)
                {
                    ignored++;
                    continue;
                }

                tool.TenantId = run.Run.TenantId;
                tool.RunId = run.Run.Id;
                tool.AgentId = run.Run.AgentId;
                tool.WorkItemId = run.Run.WorkItemId;
                tools.TryAdd(tool.ExternalId!, (tool, run));
                accepted++;
                continue;
            }

            var problem = new ValidationProblem();
            var call = ledger.Build(m.Llm!, "", problem, catalog, storeText);
            if (problem.HasErrors)
            {
                Reject(m.Index, string.Join("; ", problem.ToException().Errors.Select(e => $"{e.Key} {string.Join(", ", e.Value)}")));
                continue;
            }

            accepted++;
            call.SessionId = m.Session is null ? null : sessions.GetValueOrDefault((m.Source, m.Session))?.Id;
            calls.TryAdd(call.ExternalId!, (call, m));
        }

        await SkipImportedAsync(calls, sessions, ct);
        var recorded = 0;
        foreach (var group in calls.Values.GroupBy(c => RunOf(c.From, sessions)))
        {
            var batch = group.Select(c => c.Call).ToList();
            recorded += group.Key is { } runId
                ? (await ledger.RecordForRunAsync(runs[runId].Run, runs[runId].ProjectId, batch, ct)).Count
                : (await ledger.RecordUnattachedAsync(batch, ct)).Count;
        }

        var toolsRecorded = tools.Count == 0 ? 0 : (await LedgerStatements.InsertToolCallsAsync(db, tools.Values.Select(t => t.Call).ToList(), ct)).Count;
        // What was accepted and not recorded was known already: a replay, a repeat within the request, or an imported call.
        return new OtlpIngestResult(records.Count, recorded, accepted - recorded - toolsRecorded, ignored, rejected, firstError, toolsRecorded);
    }

    /// The external id prefix of the calls recorded over OTLP for one agent session.
    public static string SessionPrefix(SessionSource source, string sessionId) => $"{ExternalIdPrefix}{source.Snake()}:{sessionId}:";

    /// The run a record belongs to: the one it names, else the one its session is linked to.
    private static string? RunOf(Mapped m, IReadOnlyDictionary<(SessionSource, string), AgentSession> sessions) =>
        m.RunId ?? (m.Session is { } s && sessions.TryGetValue((m.Source, s), out var session) ? session.RunId : null);

    /// The sessions (as agents name them) these records come from that Bosun already knows: imported, or linked to a run.
    private async Task<Dictionary<(SessionSource, string), AgentSession>> SessionsAsync(List<Mapped> mapped, CancellationToken ct)
    {
        var ids = mapped.Where(m => m.Session is not null).Select(m => m.Session!).Distinct().ToList();
        if (ids.Count == 0)
        {
            return [];
        }

        var found = await db.Set<AgentSession>().Where(s => ids.Contains(s.ExternalId)).ToListAsync(ct);
        return found.ToDictionary(s => (s.Source, s.ExternalId));
    }

    /// The runs the records name or their sessions are linked to. A record naming a run that is not the tenant's, or
    /// (with an agent's token) not the agent's own, is refused.
    private async Task<Dictionary<string, RunScope>> RunsAsync(List<Mapped> mapped, Dictionary<(SessionSource, string), AgentSession> sessions,
        Action<int, string> reject, CancellationToken ct)
    {
        var named = mapped.Where(m => m.RunId is not null).Select(m => m.RunId!).Where(Ids.IsValid).Distinct();
        var ids = named.Concat(sessions.Values.Where(s => s.RunId is not null).Select(s => s.RunId!)).Distinct().ToList();
        var found = ids.Count == 0 ? [] : await db.Runs.AsNoTracking().Where(r => ids.Contains(r.Id)).ToListAsync(ct);
        var items = found.Select(r => r.WorkItemId).Distinct().ToList();
        var projects = items.Count == 0
            ? []
            : await db.WorkItems.AsNoTracking().Where(w => items.Contains(w.Id)).Select(w => new { w.Id, w.ProjectId }).ToDictionaryAsync(w => w.Id, w => w.ProjectId, ct);
        var agent = context.Actor.Type == ActorType.Agent ? context.Actor.Id : null;
        var runs = found.Where(r => agent is null || r.AgentId == agent)
            .ToDictionary(r => r.Id, r => new RunScope(r, projects.GetValueOrDefault(r.WorkItemId)));
        foreach (var m in mapped.Where(m => m.RunId is not null && !runs.ContainsKey(m.RunId)))
        {
            reject(m.Index, found.Any(r => r.Id == m.RunId)
                ? $"{RunAttribute} names a run of another agent"
                : $"{RunAttribute} names no run of this tenant");
        }

        return runs;
    }

    /// A session whose telemetry names a run becomes that run's session (recorded now when no import brought it yet),
    /// so its later telemetry and transcript belong to the run too. A session already linked keeps its run.
    private async Task LinkSessionsAsync(List<Mapped> mapped, Dictionary<(SessionSource, string), AgentSession> sessions, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var changed = false;
        foreach (var m in mapped.Where(m => m.RunId is not null && m.Session is not null).DistinctBy(m => (m.Source, m.Session)))
        {
            if (!sessions.TryGetValue((m.Source, m.Session!), out var session))
            {
                session = new AgentSession { Source = m.Source, ExternalId = m.Session!, StartedAt = m.Llm?.CalledAt?.UtcDateTime ?? now, CreatedAt = now, UpdatedAt = now };
                db.Add(session);
                sessions[(m.Source, m.Session!)] = session;
            }
            else if (session.RunId is not null)
            {
                continue;
            }

            session.RunId = m.RunId;
            session.UpdatedAt = now;
            changed = true;
        }

        if (changed)
        {
            await db.SaveChangesAsync(ct);
        }
    }

    /// Telemetry that arrives for a session whose transcript was imported first: a transcript call with the same token
    /// counts stands for it (the agents export no message id), so it is not recorded again. Each transcript call
    /// absorbs at most one call, counting those recorded live before.
    private async Task SkipImportedAsync(Dictionary<string, (LlmCall Call, Mapped From)> calls,
        Dictionary<(SessionSource, string), AgentSession> sessions, CancellationToken ct)
    {
        var imported = calls.Values.Where(c => c.From.Session is not null && sessions.TryGetValue((c.From.Source, c.From.Session), out var s) && s.MessageCount > 0)
            .GroupBy(c => (c.From.Source, c.From.Session!)).ToList();
        foreach (var group in imported)
        {
            var (source, root) = group.Key;
            var prefix = SessionPrefix(source, root);
            var family = await db.Set<AgentSession>().AsNoTracking()
                .Where(s => s.Source == source && (s.ExternalId == root || s.ExternalId.StartsWith(root + "/"))).Select(s => s.Id).ToListAsync(ct);
            var transcript = await db.Set<LlmCall>().AsNoTracking()
                .Where(c => family.Contains(c.SessionId!) && !c.ExternalId!.StartsWith(ExternalIdPrefix))
                .GroupBy(c => new { c.InputTokens, c.OutputTokens, c.CacheReadTokens, c.CacheWriteTokens })
                .Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
            if (transcript.Count == 0)
            {
                continue;
            }

            var live = await db.Set<LlmCall>().AsNoTracking().Where(c => c.ExternalId!.StartsWith(prefix))
                .Select(c => new { c.ExternalId, c.InputTokens, c.OutputTokens, c.CacheReadTokens, c.CacheWriteTokens }).ToListAsync(ct);
            var seen = live.Select(c => c.ExternalId!).ToHashSet(StringComparer.Ordinal);
            var left = transcript.ToDictionary(t => (t.Key.InputTokens, t.Key.OutputTokens, t.Key.CacheReadTokens, t.Key.CacheWriteTokens), t => t.Count);
            foreach (var c in live)
            {
                var key = (c.InputTokens, c.OutputTokens, c.CacheReadTokens, c.CacheWriteTokens);
                left[key] = left.GetValueOrDefault(key) - 1;
            }

            foreach (var (call, _) in group.Where(c => !seen.Contains(c.Call.ExternalId!)))
            {
                var key = (call.InputTokens, call.OutputTokens, call.CacheReadTokens, call.CacheWriteTokens);
                if (left.GetValueOrDefault(key) > 0)
                {
                    left[key]--;
                    calls.Remove(call.ExternalId!);
                }
            }
        }
    }

    private static Mapped? Map(OtlpLogRecord record, int index, bool storeText, DateTime now)
    {
        var a = record.Attributes;
        var name = record.EventName ?? Text(a, "event.name");
        var billing = Text(a, "bosun.billing_type") == "subscription" ? BillingType.Subscription : BillingType.Api;
        var at = Time(a, "event.timestamp") ?? record.At;
        var run = Text(a, RunAttribute);
        switch (name)
        {
            case "claude_code.api_request":
            {
                var session = Text(a, "session.id");
                return new Mapped(index, SessionSource.ClaudeCode, session, run, new LlmCallRequest("anthropic", Text(a, "model"), Long(a, "input_tokens"), Long(a, "output_tokens"),
                    Long(a, "cache_read_tokens"), Long(a, "cache_creation_tokens"), null, false, null, Long(a, "duration_ms"),
                    null, null, null, null, billing, billing == BillingType.Subscription ? null : Decimal(a, "cost_usd"), at,
                    ExternalId(SessionSource.ClaudeCode, session, Text(a, "request_id") ?? Text(a, "request.id"), record)), null);
            }
            case "codex.sse_event" when Text(a, "event.kind") == "response.completed":
            {
                var session = Text(a, "conversation.id");
                return new Mapped(index, SessionSource.Codex, session, run, new LlmCallRequest("openai", Text(a, "model"), Long(a, "input_token_count"), Long(a, "output_token_count"),
                    Long(a, "cached_token_count"), null, Long(a, "reasoning_token_count"), null, null, Long(a, "duration_ms"),
                    null, null, null, null, billing, null, at,
                    ExternalId(SessionSource.Codex, session, Text(a, "response.id") ?? Text(a, "request_id"), record)), null);
            }
            case "claude_code.tool_result":
                return Tool(SessionSource.ClaudeCode, Text(a, "session.id"), Text(a, "tool_use_id"), Text(a, "tool_parameters"), null, Text(a, "error"));
            case "codex.tool_result":
                return Tool(SessionSource.Codex, Text(a, "conversation.id"), Text(a, "call_id"), Text(a, "arguments"), Text(a, "output"), null);
            default:
                return null;
        }

        Mapped? Tool(SessionSource source, string? session, string? callId, string? input, string? output, string? error)
        {
            if (Text(a, "tool_name") is not { } tool)
            {
                return null;
            }

            var failed = Text(a, "success") is { } success && bool.TryParse(success, out var ok) && !ok;
            return new Mapped(index, source, session, run, null, new ToolCall
            {
                RunId = "",
                ExternalId = ExternalId(source, session, "tool:" + (callId ?? Fingerprint(record)), record),
                ToolName = LedgerService.Cap(tool, 200)!,
                InputSummary = storeText ? LedgerService.Cap(input, LedgerService.SummaryLimit) : null,
                OutputSummary = storeText ? LedgerService.Cap(output, LedgerService.SummaryLimit) : null,
                Status = failed ? ToolCallStatus.Error : ToolCallStatus.Ok,
                Error = failed ? LedgerService.Cap(error, 4000) ?? "the tool reported a failure" : null,
                DurationMs = Long(a, "duration_ms") is >= 0 and var ms ? ms : null,
                CalledAt = at?.UtcDateTime ?? now,
                CreatedAt = now,
            });
        }
    }

    private static string ExternalId(SessionSource source, string? session, string? requestId, OtlpLogRecord record)
    {
        var key = requestId ?? Fingerprint(record);
        var id = SessionPrefix(source, session ?? "-") + key;
        return id.Length <= 200 ? id : SessionPrefix(source, session!.Length > 100 ? Hash(session)[..32] : session) + Hash(key)[..32];
    }

    /// Stands for a record without a request id: its time and attributes, whichever encoding carried them.
    private static string Fingerprint(OtlpLogRecord record)
    {
        var text = new StringBuilder();
        text.Append(record.EventName).Append('\n').Append(record.At?.Ticks).Append('\n');
        foreach (var (key, value) in record.Attributes.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append(key).Append('=').Append(value).Append('\n');
        }

        return Hash(text.ToString())[..32];
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string? Text(IReadOnlyDictionary<string, string> a, string key) =>
        a.TryGetValue(key, out var value) && value.Length > 0 ? value : null;

    // Agents send numbers as int, double or string attributes; an unreadable one counts as absent.
    private static long? Long(IReadOnlyDictionary<string, string> a, string key) =>
        Text(a, key) is { } text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? (long)Math.Round(value) : null;

    private static decimal? Decimal(IReadOnlyDictionary<string, string> a, string key) =>
        Text(a, key) is { } text && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static DateTimeOffset? Time(IReadOnlyDictionary<string, string> a, string key) =>
        Text(a, key) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value) ? value : null;
}
