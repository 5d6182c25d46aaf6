using System.Text.Json;
using System.Text.RegularExpressions;

namespace Bosun.Core.Ledger;

/// Reads LiteLLM's model_prices_and_context_window.json: an object of model name → costs per token in USD.
/// Only entries that price tokens are taken (chat and completion models, not images or audio by the second).
public static partial class LiteLlmPrices
{
    public static IReadOnlyList<PriceEntry> Parse(JsonElement root, DateTime effectiveFrom)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Common.ProblemException.Invalid("body",
                "$ must be an object of model name to prices (LiteLLM's model_prices_and_context_window.json) or an array of providers with models (genai-prices' data.json)");
        }

        var entries = new List<PriceEntry>();
        foreach (var model in root.EnumerateObject())
        {
            if (model.Name == "sample_spec" || model.Value.ValueKind != JsonValueKind.Object
                || PerToken(model.Value, "input_cost_per_token") is not { } input
                || PerToken(model.Value, "output_cost_per_token") is not { } output)
            {
                continue;
            }

            var mode = model.Value.TryGetProperty("mode", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            if (mode is not (null or "chat" or "completion" or "responses"))
            {
                continue;
            }

            LongContextTier? tier = null;
            foreach (var property in model.Value.EnumerateObject())
            {
                if (AboveTier().Match(property.Name) is { Success: true } match && match.Groups["kind"].Value == "input_cost_per_token"
                    && PerToken(model.Value, property.Name) is { } longInput)
                {
                    var suffix = $"_above_{match.Groups["k"].Value}k_tokens";
                    tier = new LongContextTier(
                        long.Parse(match.Groups["k"].Value) * 1000,
                        longInput,
                        PerToken(model.Value, "output_cost_per_token" + suffix) ?? output,
                        PerToken(model.Value, "cache_read_input_token_cost" + suffix),
                        PerToken(model.Value, "cache_creation_input_token_cost" + suffix));
                    break;
                }
            }

            var provider = model.Value.TryGetProperty("litellm_provider", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            entries.Add(new PriceEntry(
                model.Name.Trim().ToLowerInvariant(), provider, effectiveFrom, input, output,
                PerToken(model.Value, "cache_read_input_token_cost"), PerToken(model.Value, "cache_creation_input_token_cost"),
                tier, null, "litellm"));
        }

        return entries;
    }

    /// USD per token → micro-dollars per million tokens (× 10^12), read as decimal so 3e-06 stays exact.
    private static long? PerToken(JsonElement model, string name)
    {
        if (!model.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Number)
        {
            return null;
        }

        var usd = value.TryGetDecimal(out var d) ? d : (decimal)value.GetDouble();
        return usd < 0 ? null : (long)Math.Round(usd * 1_000_000_000_000m, MidpointRounding.AwayFromZero);
    }

    [GeneratedRegex(@"^(?<kind>input_cost_per_token)_above_(?<k>\d+)k_tokens$")]
    private static partial Regex AboveTier();
}
