using System.Data.Common;

namespace Bosun.Core.Data.Sqlite;

/// Many rows for one SQLite statement as a single JSON parameter. SQLite binds parameters by name in linear time, so a
/// multi-row VALUES list costs the square of its width, and a prepared row-at-a-time INSERT pays a call per row; reading
/// the rows from a JSON array with json_each costs one bind. Values are written as SQLite would store the parameters.
internal static class SqliteRows
{
    public static string Text(DateTime d) => d.ToString(@"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFF", System.Globalization.CultureInfo.InvariantCulture);

    /// The rows of the `@rows` parameter, one per row of <see cref="Json"/>, each read with `value->>i`. jsonb_each parses
    /// the text once and hands each row over in SQLite's binary form; with json_each every `->>` turned its row back into
    /// text and parsed it again, which made writing a batch's audit rows and stream events cost about 1.7 times as much.
    public const string Source = "jsonb_each(@rows)";

    /// `SELECT value->>0, value->>1, … FROM jsonb_each(@rows) WHERE true` (the WHERE lets an ON CONFLICT clause follow).
    public static string Select(int columns) =>
        $"SELECT {string.Join(", ", Enumerable.Range(0, columns).Select(i => $"value->>{i}"))} FROM {Source} WHERE true";

    /// SQLite's form of <see cref="Sql.InsertRowsAsync"/>: one statement over the rows as a JSON array, or one prepared
    /// single-row statement per row when there is one row or a value is of a type the JSON form does not write (binding
    /// by name is linear in the number of parameters, so a wide multi-row VALUES would be quadratic).
    public static async Task<bool[]> InsertAsync(DbTransaction transaction, string table, IReadOnlyList<Col> columns, IReadOnlyList<object?[]> rows,
        string onConflict, int[]? keyColumns, CancellationToken ct)
    {
        var names = string.Join(", ", columns.Select(c => c.Name));
        if (rows.Count > 1 && Json(rows) is { } json)
        {
            await using var many = Sql.On(transaction, $"INSERT INTO {table} ({names}) {Select(columns.Count)} {onConflict}{Sql.Returning(columns, keyColumns)}");
            many.With("rows", json);
            return await Sql.MarkInsertedAsync(many, rows, keyColumns, ct);
        }

        var values = string.Join(", ", columns.Select((_, i) => $"@p{i}"));
        return await Sql.ExecuteEachAsync(transaction, $"INSERT INTO {table} ({names}) VALUES ({values}) {onConflict}", rows, sync: true, ct);
    }

    /// The rows as a JSON array of arrays, or null when a value is of a type this does not write.
    public static string? Json(IReadOnlyList<object?[]> rows)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(rows.Count * 256);
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var row in rows)
            {
                json.WriteStartArray();
                foreach (var value in row)
                {
                    switch (value)
                    {
                        case null or DBNull: json.WriteNullValue(); break;
                        case string text: json.WriteStringValue(text); break;
                        case DateTime time: json.WriteStringValue(Text(time)); break;
                        case bool flag: json.WriteNumberValue(flag ? 1 : 0); break;
                        case int number: json.WriteNumberValue(number); break;
                        case long number: json.WriteNumberValue(number); break;
                        default: return null;
                    }
                }

                json.WriteEndArray();
            }

            json.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
