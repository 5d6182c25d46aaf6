using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Bosun.Core.Data;

/// A column of a hand-written multi-row INSERT, with the type PostgreSQL's unnest() reads it as.
internal readonly record struct Col(string Name, string PgType = "text");

/// Hand-written SQL for hot paths (claims, heartbeats, the ledger, audit rows), on the unit of work's own connection and
/// transaction, so PostgreSQL's tenant role and row-level security apply. The statements are written to run on both stores.
internal static class Sql
{
    public static DbCommand Command(BosunDb db, string text)
    {
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Hand-written statements run inside the unit of work's transaction.");
        return On(transaction, text);
    }

    /// A command for the transaction's connection: on a kept-open SQLite connection, the one already prepared for this text.
    public static DbCommand On(DbTransaction transaction, string text)
    {
        if (transaction.Connection is PreparingConnection preparing)
        {
            var prepared = preparing.Command(text);
            prepared.Transaction = (Microsoft.Data.Sqlite.SqliteTransaction)transaction;
            return prepared;
        }

        var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = text;
        return command;
    }

    public static DbCommand With(this DbCommand command, string name, object? value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        command.Parameters.Add(p);
        return command;
    }

    /// Inserts many rows and tells which were inserted (an ON CONFLICT DO NOTHING skips the others; the inserted rows
    /// are recognised by the key columns they return). SQLite: one statement over the rows as a JSON array, or one
    /// prepared single-row statement per row when a value is of a type the JSON form does not write (binding by
    /// name is linear in the number of parameters, so a wide multi-row VALUES would be quadratic). PostgreSQL: one
    /// statement over unnest()ed arrays, one parameter per column.
    public static async Task<bool[]> InsertRowsAsync<T>(BosunDb db, string table, IReadOnlyList<Col> columns, IReadOnlyList<T> rows,
        Func<T, object?[]> values, string onConflict, int[]? keyColumns, CancellationToken ct)
    {
        var inserted = new bool[rows.Count];
        if (rows.Count == 0)
        {
            return inserted;
        }

        var names = string.Join(", ", columns.Select(c => c.Name));
        var all = rows.Select(values).ToList();
        if (!db.IsPostgres && all.Count > 1 && SqliteRows.Json(all) is { } json)
        {
            // Many rows: one statement reading them from a JSON array, so SQLite binds one parameter in all. As on
            // PostgreSQL, without key columns every row counts as inserted.
            var returned = keyColumns is null ? "" : " RETURNING " + string.Join(", ", keyColumns.Select(k => columns[k].Name));
            await using var many = Command(db, $"INSERT INTO {table} ({names}) {SqliteRows.Select(columns.Count)} {onConflict}{returned}");
            many.With("rows", json);
            if (keyColumns is null)
            {
                await many.ExecuteNonQueryAsync(ct);
                Array.Fill(inserted, true);
                return inserted;
            }

            await MarkInsertedAsync(many, all, keyColumns, inserted, ct);
            return inserted;
        }

        if (!db.IsPostgres)
        {
            await using var command = Command(db, $"INSERT INTO {table} ({names}) VALUES ({string.Join(", ", columns.Select((_, i) => $"@c{i}"))}) {onConflict}");
            var parameters = columns.Select((_, i) =>
            {
                var p = command.CreateParameter();
                p.ParameterName = $"@c{i}";
                command.Parameters.Add(p);
                return p;
            }).ToArray();
            await command.PrepareAsync(ct);
            for (var r = 0; r < rows.Count; r++)
            {
                var row = all[r];
                for (var c = 0; c < row.Length; c++)
                {
                    parameters[c].Value = row[c] ?? DBNull.Value;
                }

                // SQLite executes in-process; the async variant would only add a task per row.
                inserted[r] = command.ExecuteNonQuery() > 0;
            }

            return inserted;
        }

        var returning = keyColumns is null ? "" : " RETURNING " + string.Join(", ", keyColumns.Select(k => columns[k].Name));
        await using var pg = Command(db, $"INSERT INTO {table} ({names}) SELECT * FROM {Unnest(columns)} {onConflict}{returning}");
        WithArrays(pg, columns, all);

        if (keyColumns is null)
        {
            await pg.ExecuteNonQueryAsync(ct);
            Array.Fill(inserted, true);
            return inserted;
        }

        await MarkInsertedAsync(pg, all, keyColumns, inserted, ct);
        return inserted;
    }

    /// Runs an INSERT … RETURNING of the key columns and marks the rows whose keys came back.
    private static async Task MarkInsertedAsync(DbCommand insert, IReadOnlyList<object?[]> all, int[] keyColumns, bool[] inserted, CancellationToken ct)
    {
        var byKey = new Dictionary<string, int>();
        for (var r = all.Count - 1; r >= 0; r--)
        {
            byKey[Key(keyColumns.Select(k => all[r][k]))] = r;
        }

        await using var reader = await insert.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var key = Key(keyColumns.Select((_, i) => reader.GetValue(i)));
            if (byKey.TryGetValue(key, out var index))
            {
                inserted[index] = true;
            }
        }
    }

    /// PostgreSQL: unnest(@c0::type[], ...) over one array parameter per column.
    public static string Unnest(IReadOnlyList<Col> columns) =>
        $"unnest({string.Join(", ", columns.Select((c, i) => $"@c{i}::{c.PgType}[]"))})";

    public static void WithArrays(DbCommand command, IReadOnlyList<Col> columns, IReadOnlyList<object?[]> rows)
    {
        for (var i = 0; i < columns.Count; i++)
        {
            var column = i;
            command.With($"c{i}", columns[i].PgType switch
            {
                "timestamptz" => rows.Select(r => (DateTime)r[column]!).ToArray(),
                "bigint" => rows.Select(r => r[column] is null ? (long?)null : Convert.ToInt64(r[column])).ToArray(),
                "integer" => rows.Select(r => r[column] is null ? (int?)null : Convert.ToInt32(r[column])).ToArray(),
                _ => (object)rows.Select(r => (string?)r[column]).ToArray(),
            });
        }
    }

    // Times are compared in SQLite's text form: that is how SQLite returns them, and PostgreSQL's come back as DateTime.
    private static string Key(IEnumerable<object?> parts) =>
        string.Join("\u001f", parts.Select(p => p is DateTime d ? SqliteRows.Text(d) : Convert.ToString(p, System.Globalization.CultureInfo.InvariantCulture)));

    public static async Task<long> ScalarLongAsync(this DbCommand command, CancellationToken ct) =>
        Convert.ToInt64(await command.ExecuteScalarAsync(ct) ?? 0L);
}

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
