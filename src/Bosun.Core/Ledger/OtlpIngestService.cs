using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;

namespace Bosun.Core.Ledger;

/// One OTLP log record, decoded: its event name, when it happened, and its attributes (the resource's merged
/// under the record's own) as invariant text.
public sealed record OtlpLogRecord(string? EventName, DateTime? At, IReadOnlyDictionary<string, string> Attributes);

public sealed record OtlpIngestResult(int Records, int LlmCalls, int Duplicates, int Ignored, int Rejected, string? ErrorMessage);

/// Turns the telemetry that coding agents export over OpenTelemetry into LLM calls while they work. Claude Code's
/// `claude_code.api_request` and Codex's `codex.sse_event` of kind `response.completed` each become one call,
/// recorded on the same path as transcript imports (charged to the tenant's budgets as it lands). A call's
/// external id is derived from its session and its request id, or from the record itself when the agent sends
/// no request id, so a replayed export adds nothing; a later transcript import of the same session skips the
/// calls already recorded here (see <see cref="SessionImportService"/>).
public sealed class OtlpIngestService(RequestContext context, LedgerService ledger, PriceService prices)
{
    public const string ExternalIdPrefix = "otlp:";
    public const int MaxRecords = 100_000;

    public async Task<OtlpIngestResult> IngestLogsAsync(IReadOnlyList<OtlpLogRecord> records, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        if (records.Count > MaxRecords)
        {
            throw ProblemException.Invalid("body", $"must hold at most {MaxRecords} log records per request");
        }

        var mapped = new List<(LlmCallRequest Request, int Index)>();
        var ignored = 0;
        foreach (var (record, index) in records.Select((r, i) => (r, i)))
        {
            if (Map(record) is { } request)
            {
                mapped.Add((request, index));
            }
            else
            {
                ignored++;
            }
        }

        var storeText = await ledger.StoresPromptTextAsync(ct);
        var catalog = await prices.CatalogForAsync(mapped.Select(m => (m.Request.Provider ?? "", m.Request.Model ?? "")), ct);
        var calls = new Dictionary<string, LlmCall>();
        var rejected = 0;
        string? firstError = null;
        foreach (var (request, index) in mapped)
        {
            var problem = new ValidationProblem();
            var call = ledger.Build(request, "", problem, catalog, storeText);
            if (problem.HasErrors)
            {
                rejected++;
                firstError ??= $"log record {index}: " + string.Join("; ", problem.ToException().Errors.Select(e => $"{e.Key} {string.Join(", ", e.Value)}"));
                continue;
            }

            calls.TryAdd(call.ExternalId!, call);
        }

        var recorded = calls.Count == 0 ? [] : await ledger.RecordUnattachedAsync(calls.Values.ToList(), ct);
        return new OtlpIngestResult(records.Count, recorded.Count, mapped.Count - rejected - recorded.Count, ignored, rejected, firstError);
    }

    /// The external id prefix of the calls recorded over OTLP for one agent session.
    public static string SessionPrefix(SessionSource source, string sessionId) => $"{ExternalIdPrefix}{source.Snake()}:{sessionId}:";

    private static LlmCallRequest? Map(OtlpLogRecord record)
    {
        var a = record.Attributes;
        var name = record.EventName ?? Text(a, "event.name");
        var billing = Text(a, "bosun.billing_type") == "subscription" ? BillingType.Subscription : BillingType.Api;
        var at = Time(a, "event.timestamp") ?? record.At;
        switch (name)
        {
            case "claude_code.api_request":
                return new LlmCallRequest("anthropic", Text(a, "model"), Long(a, "input_tokens"), Long(a, "output_tokens"),
                    Long(a, "cache_read_tokens"), Long(a, "cache_creation_tokens"), null, false, null, Long(a, "duration_ms"),
                    null, null, null, null, billing, billing == BillingType.Subscription ? null : Decimal(a, "cost_usd"), at,
                    ExternalId(SessionSource.ClaudeCode, Text(a, "session.id"), Text(a, "request_id") ?? Text(a, "request.id"), record));
            case "codex.sse_event" when Text(a, "event.kind") == "response.completed":
                return new LlmCallRequest("openai", Text(a, "model"), Long(a, "input_token_count"), Long(a, "output_token_count"),
                    Long(a, "cached_token_count"), null, Long(a, "reasoning_token_count"), null, null, Long(a, "duration_ms"),
                    null, null, null, null, billing, null, at,
                    ExternalId(SessionSource.Codex, Text(a, "conversation.id"), Text(a, "response.id") ?? Text(a, "request_id"), record));
            default:
                return null;
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
