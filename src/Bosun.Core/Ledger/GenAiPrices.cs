using System.Globalization;
using System.Text.Json;

namespace Bosun.Core.Ledger;

/// Reads the data file of pydantic's genai-prices: an array of providers, each with its models and their prices in USD
/// per million tokens. A price is a number or a base with tiers by prompt size (the base is the price, the first tier
/// becomes the long-context tier); a model whose prices changed lists them with start dates, and the one in force at the
/// effective date is taken.
public static class GenAiPrices
{
    public static bool Fits(JsonElement root) =>
        root.ValueKind == JsonValueKind.Array
        && root.EnumerateArray().Any(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("models", out _));

    /// Refuses a file whose shape is not genai-prices', naming the JSON path of the first part that is not, so a
    /// changed upstream format fails loudly instead of importing nothing. Models priced otherwise than per token
    /// (images, requests) are left out; they are not errors.
    public static IReadOnlyList<PriceEntry> Parse(JsonElement root, DateTime effectiveFrom)
    {
        if (root.ValueKind != JsonValueKind.Array)
        {
            throw Refused("$", "must be an array of providers (genai-prices' data.json)");
        }

        var entries = new List<PriceEntry>();
        var p = 0;
        foreach (var provider in root.EnumerateArray())
        {
            var at = $"$[{p++}]";
            if (provider.ValueKind != JsonValueKind.Object)
            {
                throw Refused(at, "must be a provider object with an id and models");
            }

            if (!provider.TryGetProperty("models", out var models))
            {
                continue;
            }

            if (models.ValueKind != JsonValueKind.Array)
            {
                throw Refused($"{at}.models", "must be an array of models");
            }

            var providerId = Text(provider, "id");
            var m = 0;
            foreach (var model in models.EnumerateArray())
            {
                var modelAt = $"{at}.models[{m++}]";
                if (model.ValueKind != JsonValueKind.Object || Text(model, "id") is not { } id)
                {
                    throw Refused(modelAt, "must be a model object with an id");
                }

                if (PricesAt(model, effectiveFrom, modelAt) is not { } prices
                    || Rate.Of(prices.Value, "input_mtok", prices.Path) is not { } input || Rate.Of(prices.Value, "output_mtok", prices.Path) is not { } output)
                {
                    continue;
                }

                var cacheRead = Rate.Of(prices.Value, "cache_read_mtok", prices.Path);
                var cacheWrite = Rate.Of(prices.Value, "cache_write_mtok", prices.Path);
                var tier = input.Above is { } above
                    ? new LongContextTier(above.Start, above.Price, output.Above?.Price ?? output.Base, cacheRead?.Above?.Price, cacheWrite?.Above?.Price)
                    : null;
                entries.Add(new PriceEntry(
                    id.ToLowerInvariant(), providerId, effectiveFrom, input.Base, output.Base, cacheRead?.Base, cacheWrite?.Base, tier, null, "genai-prices"));
            }
        }

        return entries;
    }

    private static Common.ProblemException Refused(string path, string why) =>
        Common.ProblemException.Invalid("body", $"{path} {why}; the file is not in genai-prices' format");

    /// The prices in force at the date: the plain object, or of a dated list the latest start on or before it.
    /// Prices bound to a time of day (off-peak rates) are left out: Bosun keeps one price per model at a time.
    private static (JsonElement Value, string Path)? PricesAt(JsonElement model, DateTime at, string modelPath)
    {
        if (!model.TryGetProperty("prices", out var prices))
        {
            return null;
        }

        if (prices.ValueKind == JsonValueKind.Object)
        {
            return (prices, $"{modelPath}.prices");
        }

        if (prices.ValueKind != JsonValueKind.Array)
        {
            throw Refused($"{modelPath}.prices", "must be a price object or an array of conditional prices");
        }

        (JsonElement Value, string Path)? chosen = null;
        var chosenStart = DateTime.MinValue;
        var i = 0;
        foreach (var conditional in prices.EnumerateArray())
        {
            var path = $"{modelPath}.prices[{i++}]";
            if (conditional.ValueKind != JsonValueKind.Object || !conditional.TryGetProperty("prices", out var inner) || inner.ValueKind != JsonValueKind.Object)
            {
                throw Refused(path, "must be an object with a prices object and an optional constraint");
            }

            var start = DateTime.MinValue;
            if (conditional.TryGetProperty("constraint", out var constraint) && constraint.ValueKind == JsonValueKind.Object)
            {
                if (Text(constraint, "type") != "start_date"
                    || !DateTime.TryParse(Text(constraint, "start_date"), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out start)
                    || start > at)
                {
                    continue;
                }
            }

            if (chosen is null || start >= chosenStart)
            {
                chosen = (inner, $"{path}.prices");
                chosenStart = start;
            }
        }

        return chosen;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString()!.Trim() is { Length: > 0 } text ? text : null;

    /// One price in micro-dollars per million tokens, with the first tier above a prompt size when it has tiers.
    private sealed record Rate(long Base, (long Start, long Price)? Above)
    {
        public static Rate? Of(JsonElement prices, string name, string path)
        {
            if (!prices.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (Micros(value) is { } flat)
            {
                return new Rate(flat, null);
            }

            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty("base", out var baseValue) || Micros(baseValue) is not { } basePrice)
            {
                throw Refused($"{path}.{name}", "must be a non-negative number of USD per million tokens or an object with a base and tiers");
            }

            var tiers = value.TryGetProperty("tiers", out var t) && t.ValueKind == JsonValueKind.Array
                ? t.EnumerateArray()
                    .Where(x => x.ValueKind == JsonValueKind.Object && x.TryGetProperty("start", out var s) && s.ValueKind == JsonValueKind.Number && x.TryGetProperty("price", out _))
                    .Select(x => (Start: (long)x.GetProperty("start").GetDouble(), Price: Micros(x.GetProperty("price"))))
                    .Where(x => x.Price is not null && x.Start > 0)
                    .OrderBy(x => x.Start)
                    .Select(x => ((long Start, long Price)?)(x.Start, x.Price!.Value))
                    .FirstOrDefault()
                : null;
            return new Rate(basePrice, tiers);
        }

        /// USD per million tokens → micro-dollars, read as decimal so 0.175 stays exact.
        private static long? Micros(JsonElement value)
        {
            if (value.ValueKind != JsonValueKind.Number)
            {
                return null;
            }

            var usd = value.TryGetDecimal(out var d) ? d : (decimal)value.GetDouble();
            return usd < 0 ? null : (long)Math.Round(usd * 1_000_000m, MidpointRounding.AwayFromZero);
        }
    }
}
