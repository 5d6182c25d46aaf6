using System.Text.RegularExpressions;

namespace Bosun.Core.Ledger;

/// Prices of one model from a date on, in micro-dollars per million tokens.
public sealed record PriceEntry(
    string Model, string? Provider, DateTime EffectiveFrom,
    long Input, long Output, long? CacheRead, long? CacheWrite,
    LongContextTier? LongContext = null, IReadOnlyList<string>? Patterns = null, string Source = "bosun")
{
    public string Ref => $"{Source}:{Model}@{EffectiveFrom:yyyy-MM-dd}";

    public static PriceEntry From(ModelPrice p) => new(
        p.Model, p.Provider, p.EffectiveFrom, p.InputMicrosPerMtok, p.OutputMicrosPerMtok, p.CacheReadMicrosPerMtok, p.CacheWriteMicrosPerMtok,
        p.LongContextThreshold is { } threshold
            ? new LongContextTier(threshold, p.LongInputMicrosPerMtok ?? p.InputMicrosPerMtok, p.LongOutputMicrosPerMtok ?? p.OutputMicrosPerMtok,
                p.LongCacheReadMicrosPerMtok, p.LongCacheWriteMicrosPerMtok)
            : null,
        p.MatchPatterns?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        "tenant");
}

/// Above <see cref="ThresholdInputTokens"/> prompt tokens the provider bills the whole request at these rates.
public sealed record LongContextTier(long ThresholdInputTokens, long Input, long Output, long? CacheRead, long? CacheWrite);

/// Token counts as Bosun stores them: input excludes cache reads and writes, output includes reasoning.
public readonly record struct TokenUsage(long Input, long Output, long CacheRead, long CacheWrite, long Reasoning)
{
    public long PromptTokens => Input + CacheRead + CacheWrite;

    /// Anthropic's input_tokens excludes cached tokens; OpenAI's prompt_tokens (and Gemini's prompt count)
    /// include them. Gemini reports thinking tokens apart from output; OpenAI and Anthropic count them in it.
    /// Normalising here means a cached token is billed once, at its cache rate.
    public static (bool InputIncludesCache, bool OutputIncludesReasoning) Conventions(string provider, string model)
    {
        var p = provider.ToLowerInvariant();
        var m = model.ToLowerInvariant();
        var anthropicShape = p == "anthropic" || (p is "bedrock" or "vertex" or "vertex_ai" && m.Contains("claude", StringComparison.Ordinal));
        var geminiShape = !anthropicShape && (p is "google" or "gemini" or "vertex" or "vertex_ai" || m.StartsWith("gemini", StringComparison.Ordinal));
        return (!anthropicShape, !geminiShape);
    }
}

/// Resolves a reported model name to a price: exact names first (provider-prefixed, as sent, without the
/// provider prefix, without a date or version suffix), then glob patterns, longest first. Among the entries
/// of the matched name the latest one effective at the call's time wins, a tenant's own before Bosun's.
public sealed partial class PriceCatalog(IReadOnlyList<PriceEntry> tenantEntries)
{
    private readonly IReadOnlyList<PriceEntry> _entries = [.. tenantEntries, .. DefaultPrices.All];

    public PriceEntry? Resolve(string provider, string model, DateTime at)
    {
        foreach (var name in Candidates(provider, model))
        {
            if (Effective(_entries.Where(e => e.Model == name), at) is { } exact)
            {
                return exact;
            }
        }

        var bare = Candidates(provider, model).Last();
        var byPattern = _entries
            .SelectMany(e => (e.Patterns ?? []).Where(p => Glob(p, bare)).Select(p => (Pattern: p, Entry: e)))
            .GroupBy(x => x.Pattern.Length)
            .OrderByDescending(g => g.Key)
            .Select(g => Effective(g.Select(x => x.Entry), at))
            .FirstOrDefault(e => e is not null);
        return byPattern;
    }

    public static long Cost(PriceEntry price, TokenUsage usage)
    {
        var tier = price.LongContext is { } t && usage.PromptTokens > t.ThresholdInputTokens ? t : null;
        var input = tier?.Input ?? price.Input;
        var output = tier?.Output ?? price.Output;
        var cacheRead = (tier is null ? price.CacheRead : tier.CacheRead ?? price.CacheRead) ?? input;
        var cacheWrite = (tier is null ? price.CacheWrite : tier.CacheWrite ?? price.CacheWrite) ?? input;
        var total = (decimal)usage.Input * input + (decimal)usage.Output * output
            + (decimal)usage.CacheRead * cacheRead + (decimal)usage.CacheWrite * cacheWrite;
        return (long)Math.Round(total / 1_000_000m, MidpointRounding.AwayFromZero);
    }

    private static PriceEntry? Effective(IEnumerable<PriceEntry> entries, DateTime at) =>
        entries.Where(e => e.EffectiveFrom <= at)
            .OrderByDescending(e => e.EffectiveFrom)
            .ThenBy(e => e.Source == "tenant" ? 0 : 1)
            .FirstOrDefault();

    /// The names a reported model may be listed under, most specific first; the last is the bare name.
    public static IReadOnlyList<string> Candidates(string provider, string model)
    {
        var names = new List<string>();
        var full = model.Trim().ToLowerInvariant();
        var p = provider.Trim().ToLowerInvariant();
        if (p.Length > 0 && !full.StartsWith(p + "/", StringComparison.Ordinal))
        {
            names.Add($"{p}/{full}");
        }

        names.Add(full);
        var bare = full[(full.LastIndexOf('/') + 1)..];
        bare = BedrockPrefix().Replace(bare, "");
        bare = VersionSuffix().Replace(bare, "");
        if (bare.StartsWith("claude", StringComparison.Ordinal))
        {
            bare = DottedVersion().Replace(bare, "$1-$2");
        }

        names.Add(bare);
        var undated = DateSuffix().Replace(bare, "");
        names.Add(undated);
        return names.Distinct().ToList();
    }

    private static bool Glob(string pattern, string name) =>
        Regex.IsMatch(name, "^" + Regex.Escape(pattern.ToLowerInvariant()).Replace("\\*", ".*") + "$", RegexOptions.CultureInvariant);

    [GeneratedRegex(@"^(?:[a-z]{2,4}\.)?(?:anthropic|meta|amazon|mistral|cohere|ai21|openai)\.")]
    private static partial Regex BedrockPrefix();

    [GeneratedRegex(@"(?:-v\d+(?::\d+)?|@.*|-latest)$")]
    private static partial Regex VersionSuffix();

    [GeneratedRegex(@"-(?:\d{8}|\d{4}-\d{2}-\d{2})$")]
    private static partial Regex DateSuffix();

    [GeneratedRegex(@"(\d)\.(\d)")]
    private static partial Regex DottedVersion();
}

/// Bosun's built-in list prices (USD per million tokens) for current major models, as published by the providers on
/// <see cref="AsOf"/>. Tenants add or override entries with `bosun prices import` or the prices API.
public static class DefaultPrices
{
    /// When the prices below were last checked against the providers' published price lists.
    public static readonly DateOnly AsOf = new(2026, 12, 2);

    private static readonly DateTime Since = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static readonly IReadOnlyList<PriceEntry> All =
    [
        // Opus 4.5 to 4.8 share one rate card; cache writes are the 5-minute rate (the 1-hour one is 2× input).
        Anthropic("claude-opus-4-8", 5, 25, 0.50m, 6.25m),
        Anthropic("claude-opus-4-7", 5, 25, 0.50m, 6.25m),
        Anthropic("claude-opus-4-6", 5, 25, 0.50m, 6.25m),
        Anthropic("claude-opus-4-5", 5, 25, 0.50m, 6.25m),
        Anthropic("claude-opus-4-1", 15, 75, 1.50m, 18.75m),
        Anthropic("claude-opus-4", 15, 75, 1.50m, 18.75m),
        // Anthropic lists no long-context surcharge for Sonnet 4.6's 1M window, so none is assumed here.
        Anthropic("claude-sonnet-4-6", 3, 15, 0.30m, 3.75m),
        Anthropic("claude-sonnet-4-5", 3, 15, 0.30m, 3.75m, new LongContextTier(200_000, Usd(6), Usd(22.50m), Usd(0.60m), Usd(7.50m))),
        Anthropic("claude-sonnet-4", 3, 15, 0.30m, 3.75m, new LongContextTier(200_000, Usd(6), Usd(22.50m), Usd(0.60m), Usd(7.50m))),
        Anthropic("claude-3-7-sonnet", 3, 15, 0.30m, 3.75m),
        Anthropic("claude-3-5-sonnet", 3, 15, 0.30m, 3.75m),
        Anthropic("claude-haiku-4-5", 1, 5, 0.10m, 1.25m),
        Anthropic("claude-3-5-haiku", 0.80m, 4, 0.08m, 1),
        // GPT-5.4 and 5.5 may bill long prompts at a higher rate; that tier could not be confirmed, so only the base rate is kept.
        OpenAi("gpt-5.5", 5, 30, 0.50m),
        OpenAi("gpt-5.4", 2.50m, 15, 0.25m),
        OpenAi("gpt-5.4-mini", 0.75m, 4.50m, 0.075m),
        OpenAi("gpt-5.3-codex", 1.75m, 14, 0.175m),
        OpenAi("gpt-5.2-codex", 1.75m, 14, 0.175m),
        OpenAi("gpt-5.2", 1.75m, 14, 0.175m),
        OpenAi("gpt-5.1-codex-max", 1.25m, 10, 0.125m),
        OpenAi("gpt-5.1", 1.25m, 10, 0.125m),
        OpenAi("gpt-5.1-codex", 1.25m, 10, 0.125m),
        OpenAi("gpt-5.1-codex-mini", 0.25m, 2, 0.025m),
        OpenAi("gpt-5", 1.25m, 10, 0.125m),
        OpenAi("gpt-5-codex", 1.25m, 10, 0.125m),
        OpenAi("gpt-5-mini", 0.25m, 2, 0.025m),
        OpenAi("gpt-5-nano", 0.05m, 0.40m, 0.005m),
        OpenAi("gpt-4.1", 2, 8, 0.50m),
        OpenAi("gpt-4.1-mini", 0.40m, 1.60m, 0.10m),
        OpenAi("gpt-4.1-nano", 0.10m, 0.40m, 0.025m),
        OpenAi("gpt-4o", 2.50m, 10, 1.25m),
        OpenAi("gpt-4o-mini", 0.15m, 0.60m, 0.075m),
        OpenAi("o3", 2, 8, 0.50m),
        OpenAi("o4-mini", 1.10m, 4.40m, 0.275m),
        Google("gemini-2.5-pro", 1.25m, 10, 0.125m, new LongContextTier(200_000, Usd(2.50m), Usd(15), Usd(0.25m), null)),
        Google("gemini-2.5-flash", 0.30m, 2.50m, 0.03m),
        Google("gemini-2.5-flash-lite", 0.10m, 0.40m, 0.01m),
    ];

    private static long Usd(decimal perMillion) => (long)(perMillion * 1_000_000m);

    private static PriceEntry Anthropic(string model, decimal input, decimal output, decimal cacheRead, decimal cacheWrite, LongContextTier? tier = null) =>
        new(model, "anthropic", Since, Usd(input), Usd(output), Usd(cacheRead), Usd(cacheWrite), tier, [$"{model}-*"]);

    private static PriceEntry OpenAi(string model, decimal input, decimal output, decimal cachedInput) =>
        new(model, "openai", Since, Usd(input), Usd(output), Usd(cachedInput), null);

    private static PriceEntry Google(string model, decimal input, decimal output, decimal cached, LongContextTier? tier = null) =>
        new(model, "google", Since, Usd(input), Usd(output), Usd(cached), null, tier, [$"{model}-*"]);
}
