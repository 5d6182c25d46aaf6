using System.Text;
using System.Text.Json;

namespace Bosun.Core.Ledger;

/// One agent event as sent, with its JSON parts kept as raw text.
public sealed class RawEvent
{
    public string? Id { get; set; }
    public DateTimeOffset? Timestamp { get; set; }
    public string? Type { get; set; }
    public string? Agent { get; set; }
    public string? Session { get; set; }
    public string? Project { get; set; }
    public string? Run { get; set; }
    public string? Severity { get; set; }
    public string? ContextJson { get; set; }
    public string? DataJson { get; set; }
    public string? MetricsJson { get; set; }
    public List<string>? Tags { get; set; }
    public long? Tokens { get; set; }
    public decimal? CostUsd { get; set; }
    public decimal? DurationMs { get; set; }
}

/// An event that could not be read, naming the field ("metrics", "tags", or the unknown field's name).
public sealed class EventFormatException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// Reads agent events straight from UTF-8 with a forward-only reader: ingest takes millions of them, and
/// building a document per event (or per nested object) costs more than storing it.
public static class EventParser
{
    private const decimal MaxMetric = 1_000_000_000_000_000m;

    public static RawEvent Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new EventFormatException("", "must be a JSON object");
        }

        var e = new RawEvent();
        long? input = null, output = null, cacheRead = null, cacheWrite = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            switch (name)
            {
                case "id": e.Id = String(ref reader, name); break;
                case "type": e.Type = String(ref reader, name); break;
                case "agent": e.Agent = String(ref reader, name); break;
                case "session": e.Session = String(ref reader, name); break;
                case "project": e.Project = String(ref reader, name); break;
                case "run": e.Run = String(ref reader, name); break;
                case "severity": e.Severity = String(ref reader, name); break;
                case "timestamp":
                    if (reader.TokenType != JsonTokenType.Null)
                    {
                        e.Timestamp = reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var at)
                            ? at
                            : throw new EventFormatException(name, "must be an ISO 8601 date-time");
                    }

                    break;
                case "context": e.ContextJson = Raw(ref reader, json, name, objectOnly: true); break;
                case "data": e.DataJson = Raw(ref reader, json, name, objectOnly: false); break;
                case "metrics":
                    var start = (int)reader.TokenStartIndex;
                    e.MetricsJson = Raw(ref reader, json, name, objectOnly: true);
                    if (e.MetricsJson is not null)
                    {
                        ReadMetrics(json[start..(int)reader.BytesConsumed], e, ref input, ref output, ref cacheRead, ref cacheWrite);
                    }

                    break;
                case "tags":
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        break;
                    }

                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        throw new EventFormatException(name, "must be an array of strings");
                    }

                    e.Tags = [];
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        e.Tags.Add(reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new EventFormatException(name, "must be an array of strings"));
                    }

                    break;
                default:
                    throw new EventFormatException(name, "is not a known field");
            }
        }

        if (e.Tokens is null && (input ?? output ?? cacheRead ?? cacheWrite) is not null)
        {
            e.Tokens = (input ?? 0) + (output ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0);
        }

        return e;
    }

    /// The objects of a JSON array, each parsed on its own; <paramref name="onError"/> names the element.
    public static List<RawEvent> ParseArray(ReadOnlySpan<byte> json, Func<int, EventFormatException, Exception> onError)
    {
        var reader = new Utf8JsonReader(json);
        var events = new List<RawEvent>();
        if (!reader.Read())
        {
            return events;
        }

        if (reader.TokenType == JsonTokenType.StartObject)
        {
            try
            {
                return [Parse(json)];
            }
            catch (EventFormatException ex)
            {
                throw onError(0, ex);
            }
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw onError(-1, new EventFormatException("", "must be an array of events"));
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            try
            {
                events.Add(Parse(json[start..(int)reader.BytesConsumed]));
            }
            catch (EventFormatException ex)
            {
                throw onError(events.Count, ex);
            }
        }

        return events;
    }

    private static string? String(ref Utf8JsonReader reader, string name) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => throw new EventFormatException(name, "must be a string"),
    };

    private static string? Raw(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, string name, bool objectOnly)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (objectOnly && reader.TokenType != JsonTokenType.StartObject)
        {
            throw new EventFormatException(name, "must be a JSON object");
        }

        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return Encoding.UTF8.GetString(json[start..(int)reader.BytesConsumed]);
    }

    private static void ReadMetrics(ReadOnlySpan<byte> metrics, RawEvent e, ref long? input, ref long? output, ref long? cacheRead, ref long? cacheWrite)
    {
        var reader = new Utf8JsonReader(metrics);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isTokens = reader.ValueTextEquals("tokens"u8);
            var isInput = reader.ValueTextEquals("input_tokens"u8);
            var isOutput = reader.ValueTextEquals("output_tokens"u8);
            var isCacheRead = reader.ValueTextEquals("cache_read_tokens"u8);
            var isCacheWrite = reader.ValueTextEquals("cache_write_tokens"u8);
            var isCost = reader.ValueTextEquals("cost_usd"u8);
            var isDuration = reader.ValueTextEquals("duration_ms"u8);
            var field = reader.GetString();
            reader.Read();
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDecimal(out var value))
            {
                reader.Skip();
                continue;
            }

            if ((isTokens || isInput || isOutput || isCacheRead || isCacheWrite || isCost || isDuration) && value is < 0 or > MaxMetric)
            {
                throw new EventFormatException($"metrics.{field}", $"must be between 0 and {MaxMetric}");
            }

            if (isTokens) e.Tokens = (long)value;
            else if (isInput) input = (long)value;
            else if (isOutput) output = (long)value;
            else if (isCacheRead) cacheRead = (long)value;
            else if (isCacheWrite) cacheWrite = (long)value;
            else if (isCost) e.CostUsd = value;
            else if (isDuration) e.DurationMs = value;
        }
    }
}
