using System.Buffers;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Ledger;
using Bosun.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bosun.Server.Api;

public static class LedgerEndpoints
{
    public static void MapLedger(this IEndpointRouteBuilder api)
    {
        var runs = api.MapGroup("/runs/{id}").WithTags("Ledger");
        runs.MapPost("/llm-calls", async Task<Created<RecordedLlmCalls>> (string id, JsonElement body, LedgerService s, CancellationToken ct) =>
        {
            var (calls, batch) = OneOrMany<LlmCallRequest>(body);
            return TypedResults.Created($"/api/v1/runs/{id}/llm-calls", await s.RecordLlmCallsAsync(id, calls, batch, ct));
        }).WithSummary("Record one LLM call (an object) or up to 1,000 (an array); answers stop: true when the run must stop for budget");
        runs.MapGet("/llm-calls", (string id, int? limit, string? cursor, LedgerService s, CancellationToken ct) =>
            s.ListLlmCallsAsync(id, PageRequest.From(limit, cursor), ct)).WithSummary("A run's LLM calls, oldest first");
        runs.MapPost("/tool-calls", async Task<Created<RecordedToolCalls>> (string id, JsonElement body, LedgerService s, CancellationToken ct) =>
        {
            var (calls, batch) = OneOrMany<ToolCallRequest>(body);
            return TypedResults.Created($"/api/v1/runs/{id}/tool-calls", await s.RecordToolCallsAsync(id, calls, batch, ct));
        }).WithSummary("Record one tool call (an object) or up to 1,000 (an array); summaries are capped at 2,000 characters");
        runs.MapGet("/tool-calls", (string id, int? limit, string? cursor, LedgerService s, CancellationToken ct) =>
            s.ListToolCallsAsync(id, PageRequest.From(limit, cursor), ct)).WithSummary("A run's tool calls, oldest first");
        runs.MapGet("/cost", (string id, LedgerService s, CancellationToken ct) => s.RunCostAsync(id, ct)).WithSummary("A run's token and cost totals");
        runs.MapPost("/session", (string id, SessionLinkRequest body, SessionService s, CancellationToken ct) => s.LinkRunAsync(id, body, ct))
            .WithSummary("Link the agent's own session (source and the session id the agent reports) to this run; its calls become the run's");
        runs.MapGet("/sessions", (string id, int? limit, string? cursor, SessionService s, CancellationToken ct) =>
            s.ListAsync(new SessionFilter(null, null, null, null, id), PageRequest.From(limit, cursor), ct)).WithSummary("The agent sessions linked to a run");

        var budgets = api.MapGroup("/budgets").WithTags("Budgets");
        budgets.MapGet("", (BudgetService s, CancellationToken ct) => s.ListAsync(ct)).WithSummary("Budgets with their spend in the current window");
        budgets.MapPost("", async Task<Created<BudgetView>> (BudgetRequest body, BudgetService s, CancellationToken ct) =>
        {
            var budget = await s.CreateAsync(body, ct);
            return TypedResults.Created($"/api/v1/budgets/{budget.Id}", budget);
        }).WithSummary("Set a budget on the tenant, a project, an agent or a work item");
        budgets.MapGet("/alerts", (int? limit, string? cursor, BudgetService s, CancellationToken ct) =>
            s.AlertsAsync(PageRequest.From(limit, cursor), ct)).WithSummary("Warn and cap crossings, newest first");
        budgets.MapGet("/{id}", (string id, BudgetService s, CancellationToken ct) => s.GetAsync(id, ct)).WithSummary("Read a budget");
        budgets.MapPatch("/{id}", (string id, BudgetRequest body, BudgetService s, CancellationToken ct) => s.UpdateAsync(id, body, ct))
            .WithSummary("Change a budget; raising the amount resumes work it stopped");
        budgets.MapDelete("/{id}", async Task<NoContent> (string id, BudgetService s, CancellationToken ct) =>
        {
            await s.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).WithSummary("Remove a budget");

        var prices = api.MapGroup("/prices").WithTags("Prices");
        prices.MapGet("", (string? q, DateTimeOffset? at, PriceService s, CancellationToken ct) => s.ListAsync(q, at?.UtcDateTime, ct))
            .WithSummary("The price catalog in force (Bosun's defaults and the tenant's own), USD per million tokens");
        prices.MapPost("", async Task<Created<PriceView>> (PriceRequest body, PriceService s, CancellationToken ct) =>
        {
            var price = await s.SetAsync(body, ct);
            return TypedResults.Created($"/api/v1/prices?q={Uri.EscapeDataString(price.Model)}", price);
        }).WithSummary("Add a price for a model from a date on (history is kept)");
        foreach (var route in new[] { "/import", "/import/litellm" })
        {
            prices.MapPost(route, ([FromQuery(Name = "effective_from")] DateTimeOffset? effectiveFrom, string? format, JsonElement body, PriceService s, CancellationToken ct) =>
                s.ImportAsync(body, effectiveFrom, format, ct))
                .WithMetadata(new BodySizeLimit(32 << 20))
                .WithSummary("Import a price file, LiteLLM's model_prices_and_context_window.json or genai-prices' data.json (told apart by shape, or ?format=litellm|genai-prices); answers the models added, changed (old and new price) and unchanged");
        }
        prices.MapGet("/quote", (string? provider, string? model, [FromQuery(Name = "input_tokens")] long? input, [FromQuery(Name = "output_tokens")] long? output,
                [FromQuery(Name = "cache_read_tokens")] long? cacheRead, [FromQuery(Name = "cache_write_tokens")] long? cacheWrite,
                [FromQuery(Name = "reasoning_tokens")] long? reasoning, [FromQuery(Name = "input_includes_cache")] bool? includesCache,
                DateTimeOffset? at, PriceService s, CancellationToken ct) =>
            s.QuoteAsync(provider, model, input, output, cacheRead, cacheWrite, reasoning, includesCache, at, ct))
            .WithSummary("What a call with these token counts costs");

        var costs = api.MapGroup("/costs").WithTags("Costs");
        costs.MapGet("/summary", (DateTime? from, DateTime? to, string? by, int? top, CostReportService s, CancellationToken ct) =>
            s.SummaryAsync(from, to, by, top, ct))
            .WithSummary("Costs for a date range (default this month) by day, model, agent, project, work_item or billing_type, with top spenders and budgets");
        costs.MapGet("/unpriced-models", (PriceService s, CancellationToken ct) => s.UnpricedAsync(ct))
            .WithSummary("Models whose calls could not be priced");

        var usage = api.MapGroup("/usage").WithTags("Usage");
        usage.MapGet("/daily", (string? since, string? until, string? project, string? agent, UsageReports s, CancellationToken ct) =>
            s.DailyAsync(new UsageFilter(since, until, project, agent), ct)).WithSummary("Tokens and cost per UTC day with each day's models and cache hit ratio");
        usage.MapGet("/monthly", (string? since, string? until, string? project, string? agent, UsageReports s, CancellationToken ct) =>
            s.MonthlyAsync(new UsageFilter(since, until, project, agent), ct)).WithSummary("Tokens and cost per UTC month with each month's models");
        usage.MapGet("/sessions", (string? since, string? until, string? project, string? agent, UsageReports s, CancellationToken ct) =>
            s.SessionsAsync(new UsageFilter(since, until, project, agent), ct)).WithSummary("Tokens and cost per imported session or run, latest first");
        usage.MapGet("/blocks", (string? since, string? until, string? project, string? agent, UsageReports s, CancellationToken ct) =>
            s.BlocksAsync(new UsageFilter(since, until, project, agent), ct)).WithSummary("Five-hour billing blocks with the active block's burn rate and projection");

        var events = api.MapGroup("/events").WithTags("Agent events");
        events.MapPost("", async (HttpRequest request, EventService s, CancellationToken ct) =>
            TypedResults.Ok(await s.IngestAsync(await ReadEventsAsync(request, ct), ct)))
            .WithMetadata(new BodySizeLimit(64 << 20), new OwnsTransactionAttribute())
            .WithSummary("Ingest up to 10,000 events as NDJSON (application/x-ndjson) or a JSON array; idempotent by event id and timestamp");
        events.MapGet("", (DateTime? from, DateTime? to, string? type, string? agent, string? session, string? project, string? tag, string? severity, string? machine,
                int? limit, EventService s, CancellationToken ct) =>
            s.RecentAsync(new EventFilter(from, to, type, agent, session, project, tag, severity, machine), limit ?? 100, ct))
            .WithSummary("Recent raw events, newest first; filter by project (id or key), tag, severity (comma-separated) and machine (events of runs and sessions there)");
        events.MapGet("/rollups", (DateTime? from, DateTime? to, string? project, string? agent, string? type, EventService s, CancellationToken ct) =>
            s.RollupsAsync(from, to, project, agent, type, ct)).WithSummary("Hourly roll-ups: count, distinct sessions, tokens, cost, average duration");

        var sessions = api.MapGroup("/sessions").WithTags("Agent sessions");
        sessions.MapPost("/import", (SessionImport body, SessionImportService s, CancellationToken ct) => s.ImportAsync(body, ct))
            .WithMetadata(new BodySizeLimit(64 << 20))
            .WithSummary("Import one parsed agent session with its messages and LLM calls (re-import is idempotent)");
        sessions.MapGet("", ([AsParameters] SessionQuery q, int? limit, string? cursor, SessionService s, CancellationToken ct) =>
            s.ListAsync(q.Filter(), PageRequest.From(limit, cursor), ct))
            .WithSummary("Agent sessions, newest first; filter by source, outcome (or none), min_quality, parent and run");
        sessions.MapGet("/outcomes", ([AsParameters] SessionQuery q, SessionService s, CancellationToken ct) => s.OutcomesAsync(q.Filter(), ct))
            .WithSummary("Sessions per outcome with their average quality score and cost");
        sessions.MapGet("/{id}", (string id, SessionService s, CancellationToken ct) => s.GetAsync(id, ct))
            .WithSummary("One session with its tokens and cost and its sub-agent sessions");
        sessions.MapGet("/{id}/messages", (string id, int? limit, string? cursor, SessionService s, CancellationToken ct) =>
            s.MessagesAsync(id, limit, cursor, ct)).WithSummary("A session's messages in order, with their tool uses and the LLM calls billed for each");
        var machines = api.MapGroup("/machines").WithTags("Machines and workspaces");
        machines.MapPost("/check-in", (MachineCheckIn body, MachineService s, CancellationToken ct) => s.CheckInAsync(body, ct))
            .WithSummary("Say which machine (and workspace) you are on; with run_id, your run is linked there. bosun agent run does this");
        machines.MapGet("", (int? limit, string? cursor, MachineService s, CancellationToken ct) => s.ListAsync(PageRequest.From(limit, cursor), ct))
            .WithSummary("Machines agents run on, last seen first, each with its workspaces and the runs going on there now");
        machines.MapGet("/{id}", (string id, MachineService s, CancellationToken ct) => s.GetAsync(id, ct))
            .WithSummary("One machine (by id or machine_id) with its workspaces and active runs");
        api.MapGet("/workspaces", (string? machine, string? project, int? limit, string? cursor, MachineService s, CancellationToken ct) =>
            s.WorkspacesAsync(machine, project, PageRequest.From(limit, cursor), ct)).WithTags("Machines and workspaces")
            .WithSummary("Workspaces (folders on machines), newest first; filter by machine (id) or project (key or id)");
        sessions.MapPatch("/{id}", (string id, SessionRating body, SessionService s, CancellationToken ct) => s.RateAsync(id, body, ct))
            .WithSummary("Set a session's outcome (success, failure, partial, cancelled) and quality score (0-100)");
    }

    private static (IReadOnlyList<T> Items, bool Batch) OneOrMany<T>(JsonElement body) => body.ValueKind switch
    {
        JsonValueKind.Array => (body.Deserialize<List<T>>(BosunJson.Options) ?? [], true),
        JsonValueKind.Object => ([body.Deserialize<T>(BosunJson.Options)!], false),
        _ => throw ProblemException.Invalid("body", "must be a JSON object or an array of objects"),
    };

    private static async Task<IReadOnlyList<RawEvent>> ReadEventsAsync(HttpRequest request, CancellationToken ct)
    {
        // Bodies run to megabytes: a pooled buffer spares the large-object heap a new array per request.
        var rented = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(request.ContentLength ?? 1 << 16, 1 << 10, 64 << 20));
        try
        {
            var length = 0;
            int read;
            while ((read = await request.Body.ReadAsync(rented.AsMemory(length), ct)) > 0)
            {
                length += read;
                if (length == rented.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(rented.Length * 2);
                    rented.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(rented);
                    rented = larger;
                }
            }

            return ParseEvents(rented.AsMemory(0, length), request.ContentType);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static IReadOnlyList<RawEvent> ParseEvents(ReadOnlyMemory<byte> bytes, string? contentType)
    {
        var mediaType = contentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType is "application/x-ndjson" or "application/ndjson" or "application/jsonl" or "application/x-jsonlines")
        {
            var events = new List<RawEvent>();
            var line = 0;
            var rest = bytes.Span;
            while (rest.Length > 0)
            {
                line++;
                var end = rest.IndexOf((byte)'\n');
                var text = end < 0 ? rest : rest[..end];
                rest = end < 0 ? [] : rest[(end + 1)..];
                if (text.Trim(" \t\r"u8).IsEmpty)
                {
                    continue;
                }

                try
                {
                    events.Add(EventParser.Parse(text));
                }
                catch (EventFormatException ex)
                {
                    throw ProblemException.Invalid(ex.Field.Length == 0 ? $"line {line}" : $"line {line}.{ex.Field}", ex.Message);
                }
                catch (JsonException)
                {
                    throw ProblemException.Invalid($"line {line}", "is not valid JSON (NDJSON: one JSON object per line)");
                }

                if (events.Count > EventService.MaxBatch)
                {
                    throw ProblemException.Invalid("body", $"must hold at most {EventService.MaxBatch} events per request");
                }
            }

            return events;
        }

        if (mediaType is not ("application/json" or null))
        {
            throw new ProblemException(415, "Unsupported media type", "Send events as application/x-ndjson or a JSON array (application/json).", "/problems/unsupported-media-type");
        }

        try
        {
            return EventParser.ParseArray(bytes.Span, (index, ex) => ProblemException.Invalid(
                index < 0 ? "body" : ex.Field.Length == 0 ? $"[{index}]" : $"[{index}].{ex.Field}", ex.Message));
        }
        catch (JsonException)
        {
            throw ProblemException.Invalid("body", "is not valid JSON");
        }
    }

}

/// An endpoint that takes larger bodies than the default limit.
internal sealed class BodySizeLimit(long bytes) : IRequestSizeLimitMetadata
{
    public long? MaxRequestBodySize => bytes;
}

/// The filters of a session list, as query parameters.
internal sealed record SessionQuery(string? Source, string? Outcome, [property: FromQuery(Name = "min_quality")] int? MinQuality, string? Parent, string? Run)
{
    public SessionFilter Filter() => new(Source, Outcome, MinQuality, Parent, Run);
}
