using System.Globalization;
using System.IO.Compression;
using Bosun.Core.Common;
using Bosun.Core.Ledger;
using Bosun.Server.Otlp.Proto;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Bosun.Server.Otlp;

public enum OtlpEncoding { Protobuf, Json }

/// Reads OTLP/HTTP export requests in either encoding with the classes generated from the protocol's .proto files,
/// and writes the answer in the encoding of the request.
internal static class OtlpDecoder
{
    private static readonly JsonParser Json = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static OtlpEncoding EncodingOf(HttpRequest request)
    {
        var type = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        return type switch
        {
            "application/x-protobuf" or "application/protobuf" => OtlpEncoding.Protobuf,
            "application/json" => OtlpEncoding.Json,
            _ => throw new ProblemException(415, "Unsupported media type",
                "Send OTLP as application/x-protobuf or application/json.", "/problems/unsupported-media-type"),
        };
    }

    public static async Task<T> ReadAsync<T>(HttpRequest request, OtlpEncoding encoding, MessageParser<T> parser, CancellationToken ct)
        where T : IMessage<T>, new()
    {
        using var buffer = new MemoryStream();
        await using var gzip = request.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant() switch
        {
            "" or "identity" => null,
            "gzip" => new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true),
            var other => throw ProblemException.Invalid("Content-Encoding", $"'{other}' is not supported; send gzip or no encoding"),
        };
        try
        {
            await ((Stream?)gzip ?? request.Body).CopyToAsync(buffer, ct);
        }
        catch (InvalidDataException)
        {
            throw ProblemException.Invalid("body", "is not valid gzip");
        }

        try
        {
            return encoding == OtlpEncoding.Protobuf
                ? parser.ParseFrom(buffer.GetBuffer().AsSpan(0, (int)buffer.Length))
                : Json.Parse<T>(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            throw ProblemException.Invalid("body", encoding == OtlpEncoding.Protobuf
                ? "is not a valid OTLP protobuf export request"
                : "is not a valid OTLP JSON export request");
        }
    }

    public static IResult Answer(IMessage message, OtlpEncoding encoding) => encoding == OtlpEncoding.Protobuf
        ? Results.Bytes(message.ToByteArray(), "application/x-protobuf")
        : Results.Text(JsonFormatter.Default.Format(message), "application/json");

    public static List<OtlpLogRecord> Records(ExportLogsServiceRequest export)
    {
        var records = new List<OtlpLogRecord>();
        foreach (var resourceLogs in export.ResourceLogs)
        {
            var resource = new Dictionary<string, string>(StringComparer.Ordinal);
            AddAll(resource, resourceLogs.Resource?.Attributes);
            foreach (var scope in resourceLogs.ScopeLogs)
            {
                foreach (var log in scope.LogRecords)
                {
                    var attributes = new Dictionary<string, string>(resource, StringComparer.Ordinal);
                    AddAll(attributes, log.Attributes);
                    var name = log.EventName is { Length: > 0 } eventName ? eventName
                        : attributes.GetValueOrDefault("event.name") ?? (log.Body?.ValueCase == AnyValue.ValueOneofCase.StringValue ? log.Body.StringValue : null);
                    var nanos = log.TimeUnixNano != 0 ? log.TimeUnixNano : log.ObservedTimeUnixNano;
                    records.Add(new OtlpLogRecord(name, nanos == 0 ? null : DateTime.UnixEpoch.AddTicks((long)(nanos / 100)), attributes));
                }
            }
        }

        return records;
    }

    private static void AddAll(Dictionary<string, string> into, IEnumerable<KeyValue>? attributes)
    {
        foreach (var kv in attributes ?? [])
        {
            if (Text(kv.Value) is { } text)
            {
                into[kv.Key] = text;
            }
        }
    }

    private static string? Text(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString("R", CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        _ => null,
    };
}
