using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace Bosun.Core.Data.Safety;

/// One value of a row as both stores agree on it: text, a long, a bool, a double, a UTC time to the microsecond (what
/// PostgreSQL keeps) or bytes. Archives write it as JSON, and checksums are taken over that JSON, so a row reads the
/// same from SQLite and from PostgreSQL.
public static class RowValues
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    public static object? Read(DbDataReader reader, int ordinal, StoreColumn column)
    {
        if (reader.IsDBNull(ordinal))
        {
            return null;
        }

        return column.Kind switch
        {
            ValueKind.Text => reader.GetString(ordinal),
            ValueKind.Integer => reader.GetInt64(ordinal),
            ValueKind.Boolean => reader.GetBoolean(ordinal),
            ValueKind.Real => reader.GetDouble(ordinal),
            ValueKind.Time => Microseconds(reader.GetDateTime(ordinal)),
            ValueKind.Bytes => reader.GetFieldValue<byte[]>(ordinal),
            _ => throw new ArgumentOutOfRangeException(nameof(column)),
        };
    }

    /// SQLite hands times back without a kind; every Bosun time is UTC. PostgreSQL keeps microseconds.
    private static DateTime Microseconds(DateTime value)
    {
        var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : DateTime.SpecifyKind(value, DateTimeKind.Utc);
        return new DateTime(utc.Ticks - utc.Ticks % 10, DateTimeKind.Utc);
    }

    public static void Write(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case long number:
                writer.WriteNumberValue(number);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case double real when double.IsFinite(real):
                writer.WriteNumberValue(real);
                break;
            case double real:
                writer.WriteStringValue(real.ToString(CultureInfo.InvariantCulture));
                break;
            case DateTime time:
                writer.WriteStringValue(time.ToString(TimeFormat, CultureInfo.InvariantCulture));
                break;
            case byte[] bytes:
                writer.WriteBase64StringValue(bytes);
                break;
            default:
                throw new ArgumentException($"{value.GetType().Name} is not a row value.", nameof(value));
        }
    }

    public static object? Parse(JsonElement element, StoreColumn column)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        try
        {
            return column.Kind switch
            {
                ValueKind.Text => element.GetString() ?? throw new FormatException("not text"),
                ValueKind.Integer => element.GetInt64(),
                ValueKind.Boolean => element.GetBoolean(),
                ValueKind.Real => element.ValueKind == JsonValueKind.String
                    ? double.Parse(element.GetString()!, CultureInfo.InvariantCulture)
                    : element.GetDouble(),
                ValueKind.Time => DateTime.ParseExact(element.GetString()!, TimeFormat, CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
                ValueKind.Bytes => element.GetBytesFromBase64(),
                _ => throw new ArgumentOutOfRangeException(nameof(column)),
            };
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or OverflowException)
        {
            throw new InvalidDataException($"{column.Name}: {element.GetRawText()} is not a {column.Kind.ToString().ToLowerInvariant()} value.", ex);
        }
    }

    /// The value as the column's provider type takes it as a parameter (an int column refuses a long on PostgreSQL).
    public static object Parameter(object value, StoreColumn column) =>
        column.Kind == ValueKind.Integer && column.ProviderType != typeof(long)
            ? Convert.ChangeType(value, column.ProviderType, CultureInfo.InvariantCulture)
            : column.Kind == ValueKind.Real && column.ProviderType == typeof(float)
                ? Convert.ToSingle(value, CultureInfo.InvariantCulture)
                : value;

    /// A row as one line of JSON with its columns in name order: what archives hold and checksums are taken over.
    public static void WriteRow(Utf8JsonWriter writer, IReadOnlyList<StoreColumn> columns, IReadOnlyList<int> byName, object?[] values)
    {
        writer.WriteStartObject();
        foreach (var i in byName)
        {
            writer.WritePropertyName(columns[i].Name);
            Write(writer, values[i]);
        }

        writer.WriteEndObject();
    }

    /// The positions of the columns in name order.
    public static int[] ByName(IReadOnlyList<StoreColumn> columns) =>
        [.. Enumerable.Range(0, columns.Count).OrderBy(i => columns[i].Name, StringComparer.Ordinal)];
}

/// The rows of a table summed up so that two copies can be compared without sorting either: the count, and the sum of
/// each row's SHA-256 taken as four little-endian 64-bit numbers. Rows may arrive in any order; a row that differs, is missing or is
/// extra changes the sum.
public sealed class TableChecksum
{
    private readonly ulong[] _sum = new ulong[4];

    public long Rows { get; private set; }

    public void Add(ReadOnlySpan<byte> canonicalRow)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(canonicalRow, hash);
        for (var i = 0; i < 4; i++)
        {
            _sum[i] += System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(hash.Slice(i * 8, 8));
        }

        Rows++;
    }

    public string Value => string.Concat(_sum.Select(s => s.ToString("x16", CultureInfo.InvariantCulture)));
}
