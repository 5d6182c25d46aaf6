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
        string? parentEventId = null, agentVersion = null;
        List<string>? relatedEventIds = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = Field(ref reader);
            reader.Read();
            switch (field)
            {
                case Name.Id: e.Id = String(ref reader, "id"); break;
                case Name.Type: e.Type = String(ref reader, "type"); break;
                case Name.Agent: e.Agent = String(ref reader, "agent"); break;
                case Name.Session: e.Session = String(ref reader, "session"); break;
                case Name.Project: e.Project = String(ref reader, "project"); break;
                case Name.Run: e.Run = String(ref reader, "run"); break;
                case Name.Severity: e.Severity = String(ref reader, "severity"); break;
                case Name.ParentEventId: parentEventId = String(ref reader, "parent_event_id"); break;
                case Name.AgentVersion: agentVersion = String(ref reader, "agent_version"); break;
                case Name.RelatedEventIds: relatedEventIds = Strings(ref reader, "related_event_ids"); break;
                case Name.Timestamp:
                    if (reader.TokenType != JsonTokenType.Null)
                    {
                        e.Timestamp = reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var at)
                            ? at
                            : throw new EventFormatException("timestamp", "must be an ISO 8601 date-time");
                    }

                    break;
                case Name.Context: e.ContextJson = Raw(ref reader, json, "context", objectOnly: true); break;
                case Name.Data: e.DataJson = Raw(ref reader, json, "data", objectOnly: false); break;
                case Name.Metrics:
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        break;
                    }

                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        throw new EventFormatException("metrics", "must be a JSON object");
                    }

                    // One pass: read the numbers Bosun rolls up while walking to the object's end, keep the raw text.
                    var start = (int)reader.TokenStartIndex;
                    var depth = reader.CurrentDepth;
                    while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
                    {
                        if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != depth + 1)
                        {
                            continue;
                        }

                        var metric = Metric(ref reader);
                        reader.Read();
                        if (metric == Name.Unknown || reader.TokenType != JsonTokenType.Number)
                        {
                            reader.Skip();
                            continue;
                        }

                        if (!reader.TryGetDecimal(out var value) || value is < 0 or > MaxMetric)
                        {
                            throw new EventFormatException($"metrics.{MetricName(metric)}", $"must be between 0 and {MaxMetric}");
                        }

                        switch (metric)
                        {
                            case Name.Tokens: e.Tokens = (long)value; break;
                            case Name.InputTokens: input = (long)value; break;
                            case Name.OutputTokens: output = (long)value; break;
                            case Name.CacheReadTokens: cacheRead = (long)value; break;
                            case Name.CacheWriteTokens: cacheWrite = (long)value; break;
                            case Name.CostUsd: e.CostUsd = value; break;
                            case Name.DurationMs: e.DurationMs = value; break;
                        }
                    }

                    e.MetricsJson = Encoding.UTF8.GetString(json[start..(int)reader.BytesConsumed]);
                    break;
                case Name.Tags: e.Tags = Strings(ref reader, "tags"); break;
                default:
                    throw new EventFormatException(reader.TokenStartIndex >= 0 ? UnknownName(json, ref reader) : "field", "is not a known field");
            }
        }

        if (e.Tokens is null && (input ?? output ?? cacheRead ?? cacheWrite) is not null)
        {
            e.Tokens = (input ?? 0) + (output ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0);
        }

        if (parentEventId is not null || relatedEventIds is not null || agentVersion is not null)
        {
            e.ContextJson = WithRelations(e.ContextJson, parentEventId, relatedEventIds, agentVersion);
        }

        return e;
    }

    /// An event's parent, related events and agent version live in its context under their own names, so events in
    /// that shape are stored as sent without a column of their own; the top-level value wins over one in the context.
    private static string WithRelations(string? contextJson, string? parentEventId, List<string>? relatedEventIds, string? agentVersion)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (contextJson is not null)
            {
                using var context = JsonDocument.Parse(contextJson);
                foreach (var property in context.RootElement.EnumerateObject())
                {
                    var replaced = property.NameEquals("parent_event_id"u8) ? parentEventId is not null
                        : property.NameEquals("related_event_ids"u8) ? relatedEventIds is not null
                        : property.NameEquals("agent_version"u8) && agentVersion is not null;
                    if (!replaced)
                    {
                        property.WriteTo(writer);
                    }
                }
            }

            if (parentEventId is not null)
            {
                writer.WriteString("parent_event_id"u8, parentEventId);
            }

            if (relatedEventIds is not null)
            {
                writer.WriteStartArray("related_event_ids"u8);
                relatedEventIds.ForEach(writer.WriteStringValue);
                writer.WriteEndArray();
            }

            if (agentVersion is not null)
            {
                writer.WriteString("agent_version"u8, agentVersion);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private enum Name
    {
        Unknown, Id, Type, Agent, Session, Project, Run, Severity, Timestamp, Context, Data, Metrics, Tags, ParentEventId, RelatedEventIds, AgentVersion,
        Tokens, InputTokens, OutputTokens, CacheReadTokens, CacheWriteTokens, CostUsd, DurationMs,
    }

    /// Property names compared as UTF-8 bytes: no string is made for a name that is read a million times.
    private static Name Field(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("id"u8) ? Name.Id
        : reader.ValueTextEquals("timestamp"u8) ? Name.Timestamp
        : reader.ValueTextEquals("type"u8) ? Name.Type
        : reader.ValueTextEquals("agent"u8) ? Name.Agent
        : reader.ValueTextEquals("session"u8) ? Name.Session
        : reader.ValueTextEquals("project"u8) ? Name.Project
        : reader.ValueTextEquals("run"u8) ? Name.Run
        : reader.ValueTextEquals("context"u8) ? Name.Context
        : reader.ValueTextEquals("data"u8) ? Name.Data
        : reader.ValueTextEquals("metrics"u8) ? Name.Metrics
        : reader.ValueTextEquals("tags"u8) ? Name.Tags
        : reader.ValueTextEquals("severity"u8) ? Name.Severity
        : reader.ValueTextEquals("parent_event_id"u8) ? Name.ParentEventId
        : reader.ValueTextEquals("related_event_ids"u8) ? Name.RelatedEventIds
        : reader.ValueTextEquals("agent_version"u8) ? Name.AgentVersion
        : Name.Unknown;

    private static Name Metric(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("input_tokens"u8) ? Name.InputTokens
        : reader.ValueTextEquals("output_tokens"u8) ? Name.OutputTokens
        : reader.ValueTextEquals("cost_usd"u8) ? Name.CostUsd
        : reader.ValueTextEquals("duration_ms"u8) ? Name.DurationMs
        : reader.ValueTextEquals("tokens"u8) ? Name.Tokens
        : reader.ValueTextEquals("cache_read_tokens"u8) ? Name.CacheReadTokens
        : reader.ValueTextEquals("cache_write_tokens"u8) ? Name.CacheWriteTokens
        : Name.Unknown;

    private static string MetricName(Name metric) => metric switch
    {
        Name.InputTokens => "input_tokens",
        Name.OutputTokens => "output_tokens",
        Name.CostUsd => "cost_usd",
        Name.DurationMs => "duration_ms",
        Name.CacheReadTokens => "cache_read_tokens",
        Name.CacheWriteTokens => "cache_write_tokens",
        _ => "tokens",
    };

    /// The unknown property's name, read back from the text (the reader has moved on to its value).
    private static string UnknownName(ReadOnlySpan<byte> json, ref Utf8JsonReader reader)
    {
        var before = json[..(int)reader.TokenStartIndex];
        var colon = before.LastIndexOf((byte)':');
        var close = colon < 0 ? -1 : before[..colon].LastIndexOf((byte)'"');
        var open = close < 0 ? -1 : before[..close].LastIndexOf((byte)'"');
        return open < 0 ? "field" : Encoding.UTF8.GetString(before[(open + 1)..close]);
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

    private static List<string>? Strings(ref Utf8JsonReader reader, string name)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new EventFormatException(name, "must be an array of strings");
        }

        var values = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            values.Add(reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new EventFormatException(name, "must be an array of strings"));
        }

        return values;
    }

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
}
