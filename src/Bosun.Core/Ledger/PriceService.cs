using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Ledger;

/// The price catalog a tenant bills with: Bosun's built-in prices plus the tenant's own entries.
public sealed class PriceService(BosunDb db, RequestContext context, TimeProvider clock)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// Loads only the tenant entries that can match these models (by name or by pattern).
    public async Task<PriceCatalog> CatalogForAsync(IEnumerable<(string Provider, string Model)> models, CancellationToken ct)
    {
        var names = models.Where(m => m.Model.Length > 0).SelectMany(m => PriceCatalog.Candidates(m.Provider, m.Model)).Distinct().ToList();
        var rows = await db.Set<ModelPrice>().AsNoTracking()
            .Where(p => names.Contains(p.Model) || p.MatchPatterns != null)
            .ToListAsync(ct);
        return new PriceCatalog(rows.Select(PriceEntry.From).ToList());
    }

    /// The catalog in force at <paramref name="at"/> (default now): one entry per model, the tenant's over Bosun's.
    public async Task<IReadOnlyList<PriceView>> ListAsync(string? search, DateTime? at, CancellationToken ct)
    {
        var when = at ?? Now;
        var tenant = await db.Set<ModelPrice>().AsNoTracking().ToListAsync(ct);
        return tenant.Select(PriceEntry.From).Concat(DefaultPrices.All)
            .Where(e => e.EffectiveFrom <= when && (search is null || e.Model.Contains(search, StringComparison.OrdinalIgnoreCase)))
            .GroupBy(e => e.Model)
            .Select(g => g.OrderByDescending(e => e.EffectiveFrom).ThenBy(e => e.Source == "tenant" ? 0 : 1).First())
            .OrderBy(e => e.Model, StringComparer.Ordinal)
            .Select(PriceView.From)
            .ToList();
    }

    public async Task<PriceView> SetAsync(PriceRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManagePrices);
        var problem = new ValidationProblem();
        var model = Check.Text(problem, "model", request.Model, 200, required: true)?.ToLowerInvariant();
        var price = new ModelPrice
        {
            Model = model ?? "",
            Provider = Check.Text(problem, "provider", request.Provider, 50)?.ToLowerInvariant(),
            MatchPatterns = Check.Text(problem, "match_patterns", request.MatchPatterns, 1000)?.ToLowerInvariant(),
            EffectiveFrom = Check.Utc(request.EffectiveFrom) ?? Now,
            InputMicrosPerMtok = Required(problem, "input_usd_per_mtok", request.InputUsdPerMtok),
            OutputMicrosPerMtok = Required(problem, "output_usd_per_mtok", request.OutputUsdPerMtok),
            CacheReadMicrosPerMtok = Check.Usd(problem, "cache_read_usd_per_mtok", request.CacheReadUsdPerMtok),
            CacheWriteMicrosPerMtok = Check.Usd(problem, "cache_write_usd_per_mtok", request.CacheWriteUsdPerMtok),
            LongContextThreshold = request.LongContextThreshold,
            LongInputMicrosPerMtok = Check.Usd(problem, "long_input_usd_per_mtok", request.LongInputUsdPerMtok),
            LongOutputMicrosPerMtok = Check.Usd(problem, "long_output_usd_per_mtok", request.LongOutputUsdPerMtok),
            LongCacheReadMicrosPerMtok = Check.Usd(problem, "long_cache_read_usd_per_mtok", request.LongCacheReadUsdPerMtok),
            LongCacheWriteMicrosPerMtok = Check.Usd(problem, "long_cache_write_usd_per_mtok", request.LongCacheWriteUsdPerMtok),
        };
        if (request.LongContextThreshold is < 1)
        {
            problem.Add("long_context_threshold", "must be a positive number of input tokens");
        }
        else if (request.LongContextThreshold is not null && request.LongInputUsdPerMtok is null)
        {
            problem.Add("long_input_usd_per_mtok", "is required with long_context_threshold");
        }

        problem.ThrowIfAny();
        if (await db.Set<ModelPrice>().AnyAsync(p => p.Model == price.Model && p.EffectiveFrom == price.EffectiveFrom, ct))
        {
            throw ProblemException.Conflict($"Model {price.Model} already has a price effective from {price.EffectiveFrom:O}; prices keep their history, add one with another effective_from.");
        }

        db.Add(price);
        await db.SaveChangesAsync(ct);
        return PriceView.From(PriceEntry.From(price));
    }

    /// Imports a price file, LiteLLM's (an object of model name to prices) or genai-prices' (an array of providers),
    /// told apart by shape unless <paramref name="format"/> names one. Entries equal to the price in force (the tenant's,
    /// else Bosun's built-in one) are left out, so a re-import adds history only where a price really changed. Recorded
    /// calls keep the cost they were given: a new price applies to calls made from its effective date on.
    public async Task<PriceImportResult> ImportAsync(JsonElement file, DateTimeOffset? effectiveFrom, string? format, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManagePrices);
        var from = Check.Utc(effectiveFrom) ?? Now;
        var chosen = format?.Trim().ToLowerInvariant() switch
        {
            null or "" or "auto" => GenAiPrices.Fits(file) ? "genai-prices" : "litellm",
            "litellm" => "litellm",
            "genai-prices" or "genai" => "genai-prices",
            _ => throw ProblemException.Invalid("format", "must be litellm or genai-prices (or left out to tell them apart by shape)"),
        };
        var entries = chosen == "litellm" ? LiteLlmPrices.Parse(file, from) : GenAiPrices.Parse(file, from);
        if (entries.Count == 0)
        {
            throw ProblemException.Invalid("body", $"$: no model in this {chosen} file has a price per input and output token, so there is nothing to import");
        }

        var tenant = (await db.Set<ModelPrice>().AsNoTracking().ToListAsync(ct))
            .GroupBy(p => p.Model)
            .ToDictionary(g => g.Key, g => g.Where(p => p.EffectiveFrom <= from).OrderByDescending(p => p.EffectiveFrom).FirstOrDefault());
        var exact = tenant.Values.Where(p => p is not null).Select(p => (p!.Model, p.EffectiveFrom)).ToHashSet();
        var builtIn = DefaultPrices.All.Where(e => e.EffectiveFrom <= from).GroupBy(e => e.Model)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(e => e.EffectiveFrom).First());
        List<string> unchanged = [];
        List<PriceChange> changes = [];
        foreach (var entry in entries.DistinctBy(e => e.Model))
        {
            var current = tenant.GetValueOrDefault(entry.Model) is { } own ? PriceEntry.From(own) : builtIn.GetValueOrDefault(entry.Model);
            if (current is not null && Same(current, entry) || exact.Contains((entry.Model, from)))
            {
                unchanged.Add(entry.Model);
                continue;
            }

            db.Add(new ModelPrice
            {
                Model = entry.Model,
                Provider = entry.Provider,
                EffectiveFrom = from,
                InputMicrosPerMtok = entry.Input,
                OutputMicrosPerMtok = entry.Output,
                CacheReadMicrosPerMtok = entry.CacheRead,
                CacheWriteMicrosPerMtok = entry.CacheWrite,
                LongContextThreshold = entry.LongContext?.ThresholdInputTokens,
                LongInputMicrosPerMtok = entry.LongContext?.Input,
                LongOutputMicrosPerMtok = entry.LongContext?.Output,
                LongCacheReadMicrosPerMtok = entry.LongContext?.CacheRead,
                LongCacheWriteMicrosPerMtok = entry.LongContext?.CacheWrite,
                Source = entry.Source,
            });
            changes.Add(new PriceChange(entry.Model, current is null ? null : PriceView.From(current), PriceView.From(entry)));
        }

        await db.SaveChangesAsync(ct);
        changes.Sort((a, b) => string.CompareOrdinal(a.Model, b.Model));
        return new PriceImportResult(
            changes.Count, entries.Count - changes.Count, from, chosen,
            changes.Where(c => c.Old is null).Select(c => c.Model).ToList(),
            changes.Where(c => c.Old is not null).Select(c => c.Model).ToList(),
            unchanged.Order(StringComparer.Ordinal).ToList(),
            changes);
    }

    public async Task<CostQuote> QuoteAsync(string? provider, string? model, long? input, long? output, long? cacheRead, long? cacheWrite,
        long? reasoning, bool? inputIncludesCache, DateTimeOffset? at, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        var p = Check.Text(problem, "provider", provider, 50)?.ToLowerInvariant() ?? GuessProvider(model);
        var m = Check.Text(problem, "model", model, 200, required: true) ?? "";
        problem.ThrowIfAny();
        var catalog = await CatalogForAsync([(p, m)], ct);
        return Quote(catalog, p, m, input ?? 0, output ?? 0, cacheRead ?? 0, cacheWrite ?? 0, reasoning ?? 0, inputIncludesCache, at?.UtcDateTime ?? Now);
    }

    public static CostQuote Quote(PriceCatalog catalog, string provider, string model, long input, long output, long cacheRead, long cacheWrite,
        long reasoning, bool? inputIncludesCache, DateTime at)
    {
        var (includesCache, includesReasoning) = TokenUsage.Conventions(provider, model);
        if (inputIncludesCache ?? includesCache)
        {
            if (input < cacheRead + cacheWrite)
            {
                throw ProblemException.Invalid("input_tokens", $"must include the cache tokens for provider '{provider}'");
            }

            input -= cacheRead + cacheWrite;
        }

        if (!includesReasoning)
        {
            output += reasoning;
        }

        var usage = new TokenUsage(input, output, cacheRead, cacheWrite, reasoning);
        var price = catalog.Resolve(provider, model, at);
        return new CostQuote(provider, model, price?.Model, price?.Ref, input, output, cacheRead, cacheWrite, reasoning,
            price?.LongContext is { } tier && usage.PromptTokens > tier.ThresholdInputTokens,
            price is null ? null : Money.ToUsd(PriceCatalog.Cost(price, usage)));
    }

    /// Models whose calls could not be priced: they cost something the reports cannot show yet.
    public async Task<IReadOnlyList<UnpricedModelView>> UnpricedAsync(CancellationToken ct) =>
        (await db.Set<LlmCall>().AsNoTracking()
            .Where(c => c.ListCostMicros == null)
            .GroupBy(c => new { c.Provider, c.Model })
            .Select(g => new
            {
                g.Key.Provider, g.Key.Model, Calls = g.LongCount(), Input = g.Sum(c => c.InputTokens), Output = g.Sum(c => c.OutputTokens),
                First = g.Min(c => c.CalledAt), Last = g.Max(c => c.CalledAt),
            })
            .ToListAsync(ct))
        .OrderByDescending(x => x.Calls)
        .Select(x => new UnpricedModelView(x.Provider, x.Model, x.Calls, x.Input, x.Output, x.First, x.Last))
        .ToList();

    public static string GuessProvider(string? model)
    {
        var m = (model ?? "").ToLowerInvariant();
        return m.Contains('/') ? m[..m.IndexOf('/')]
            : m.StartsWith("claude", StringComparison.Ordinal) ? "anthropic"
            : m.StartsWith("gemini", StringComparison.Ordinal) ? "google"
            : "openai";
    }

    private static bool Same(PriceEntry a, PriceEntry b) =>
        a.Input == b.Input && a.Output == b.Output && a.CacheRead == b.CacheRead && a.CacheWrite == b.CacheWrite && a.LongContext == b.LongContext;

    private static long Required(ValidationProblem problem, string field, decimal? value)
    {
        if (value is null)
        {
            problem.Add(field, "is required");
            return 0;
        }

        return Check.Usd(problem, field, value) ?? 0;
    }
}
