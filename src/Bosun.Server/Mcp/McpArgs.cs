using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.Core.Common;
using Bosun.Core.Data;

namespace Bosun.Server.Mcp;

/// A tool call's arguments, read with the same field-by-field validation as the REST API: every problem is
/// collected and reported together, naming the argument.
internal sealed class McpArgs
{
    private readonly IDictionary<string, JsonElement> _args;

    public McpArgs(IDictionary<string, JsonElement>? args, McpTool tool)
    {
        _args = args ?? new Dictionary<string, JsonElement>();
        foreach (var name in _args.Keys.Where(k => !tool.Arguments.Contains(k)))
        {
            Problem.Add(name, $"is not an argument of {tool.Name} (it takes: {string.Join(", ", tool.Arguments)})");
        }
    }

    public ValidationProblem Problem { get; } = new();

    public string? Str(string name, bool required = false)
    {
        if (!Present(name, out var value))
        {
            if (required)
            {
                Problem.Add(name, "is required");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Problem.Add(name, "must be a string");
            return null;
        }

        var text = value.GetString();
        if (required && string.IsNullOrWhiteSpace(text))
        {
            Problem.Add(name, "is required");
        }

        return text;
    }

    public long? Long(string name, bool required = false)
    {
        if (!Present(name, out var value))
        {
            if (required)
            {
                Problem.Add(name, "is required");
            }

            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
        {
            return number;
        }

        Problem.Add(name, "must be a whole number");
        return null;
    }

    public int? Int(string name) => Long(name) is { } v ? (int)Math.Clamp(v, int.MinValue, int.MaxValue) : null;

    public decimal? Decimal(string name)
    {
        if (!Present(name, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var number))
        {
            return number;
        }

        Problem.Add(name, "must be a number");
        return null;
    }

    public bool? Bool(string name)
    {
        if (!Present(name, out var value))
        {
            return null;
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }

        Problem.Add(name, "must be true or false");
        return null;
    }

    /// A point in time as ISO 8601 text with its offset, e.g. 2026-03-02T10:00:00Z.
    public DateTimeOffset? Time(string name)
    {
        if (Str(name) is not { } text)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var time))
        {
            return time;
        }

        Problem.Add(name, "must be a time such as 2026-03-02T10:00:00Z");
        return null;
    }

    /// Any JSON value, as given.
    public JsonElement? Json(string name) => Present(name, out var value) ? value : null;

    public IReadOnlyList<string>? Strings(string name)
    {
        if (!Present(name, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String))
        {
            return value.EnumerateArray().Select(e => e.GetString()!).ToList();
        }

        Problem.Add(name, "must be an array of strings");
        return null;
    }

    /// A JSON value read as the REST API reads the same field (snake_case, unknown fields refused); a problem names
    /// the argument and the place inside it, e.g. steps[1].after.
    public T? Read<T>(string name) where T : class
    {
        if (!Present(name, out var value))
        {
            return null;
        }

        try
        {
            return value.Deserialize<T>(Http.BosunJson.Options);
        }
        catch (JsonException ex)
        {
            var inside = ex.Path is { Length: > 1 } path ? path[1..] : "";
            Problem.Add(name + inside, ex.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "is not a known field" : "has the wrong type");
            return null;
        }
    }

    public TEnum? Enum<TEnum>(string name) where TEnum : struct, System.Enum
    {
        var text = Str(name);
        if (text is null)
        {
            return null;
        }

        if (EnumNames<TEnum>.TryParse(text, out var parsed))
        {
            return parsed;
        }

        Problem.Add(name, $"must be one of: {string.Join(", ", EnumNames<TEnum>.All)}");
        return null;
    }

    public void ThrowIfAny() => Problem.ThrowIfAny();

    private bool Present(string name, out JsonElement value) =>
        _args.TryGetValue(name, out value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);
}

/// Builds a tool's JSON schema from a short list of arguments.
internal static class Schema
{
    public sealed record Arg(string Name, JsonObject Schema, bool Required);

    public static Arg Str(string name, string description, bool required = false, int? maxLength = null, IReadOnlyCollection<string>? oneOf = null)
    {
        var schema = new JsonObject { ["type"] = "string", ["description"] = description };
        if (maxLength is { } max)
        {
            schema["maxLength"] = max;
        }

        if (oneOf is not null)
        {
            schema["enum"] = new JsonArray([.. oneOf.Select(v => (JsonNode)v)]);
        }

        return new Arg(name, schema, required);
    }

    public static Arg Int(string name, string description, bool required = false, long? min = null, long? max = null)
    {
        var schema = new JsonObject { ["type"] = "integer", ["description"] = description };
        if (min is { } lo)
        {
            schema["minimum"] = lo;
        }

        if (max is { } hi)
        {
            schema["maximum"] = hi;
        }

        return new Arg(name, schema, required);
    }

    public static Arg Number(string name, string description) =>
        new(name, new JsonObject { ["type"] = "number", ["minimum"] = 0, ["description"] = description }, false);

    public static Arg Bool(string name, string description) =>
        new(name, new JsonObject { ["type"] = "boolean", ["description"] = description }, false);

    public static Arg Strings(string name, string description) =>
        new(name, new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" }, ["description"] = description }, false);

    public static Arg Array(string name, string description) =>
        new(name, new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "object" }, ["description"] = description }, false);

    public static Arg Object(string name, string description) =>
        new(name, new JsonObject { ["type"] = "object", ["description"] = description }, false);

    public static Arg Any(string name, string description) =>
        new(name, new JsonObject { ["description"] = description }, false);

    public static JsonElement Of(params Arg[] args)
    {
        var properties = new JsonObject();
        foreach (var arg in args)
        {
            properties[arg.Name] = arg.Schema.DeepClone();
        }

        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = properties,
            ["additionalProperties"] = false,
        };
        var required = args.Where(a => a.Required).Select(a => (JsonNode)a.Name).ToArray();
        if (required.Length > 0)
        {
            schema["required"] = new JsonArray(required);
        }

        return JsonSerializer.SerializeToElement(schema);
    }
}
