using System.Data.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Bosun.Core.Ledger;

/// Hand-written SQL for the ledger's hot paths, on the request's own connection and transaction (so the
/// tenant role and RLS setting of PostgreSQL apply). The statements are written to run on both stores.
internal readonly record struct Col(string Name, string PgType = "text");

internal static class Sql
{
    public static DbCommand Command(BosunDb db, string text)
    {
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Ledger writes run inside the request's transaction.");
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

    /// Inserts many rows and tells which were inserted (an ON CONFLICT DO NOTHING skips the others).
    /// SQLite: one prepared single-row statement executed per row (binding by name is linear in the number of
    /// parameters, so a wide multi-row VALUES would be quadratic). PostgreSQL: one statement over unnest()ed
    /// arrays, one parameter per column, the inserted rows recognised by the key columns they return.
    public static async Task<bool[]> InsertRowsAsync<T>(BosunDb db, string table, IReadOnlyList<Col> columns, IReadOnlyList<T> rows,
        Func<T, object?[]> values, string onConflict, int[]? keyColumns, CancellationToken ct)
    {
        var inserted = new bool[rows.Count];
        if (rows.Count == 0)
        {
            return inserted;
        }

        var names = string.Join(", ", columns.Select(c => c.Name));
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
                var row = values(rows[r]);
                for (var c = 0; c < row.Length; c++)
                {
                    parameters[c].Value = row[c] ?? DBNull.Value;
                }

                // SQLite executes in-process; the async variant would only add a task per row.
                inserted[r] = command.ExecuteNonQuery() > 0;
            }

            return inserted;
        }

        var all = rows.Select(values).ToList();
        var returning = keyColumns is null ? "" : " RETURNING " + string.Join(", ", keyColumns.Select(k => columns[k].Name));
        await using var pg = Command(db, $"INSERT INTO {table} ({names}) SELECT * FROM {Unnest(columns)} {onConflict}{returning}");
        WithArrays(pg, columns, all);

        if (keyColumns is null)
        {
            await pg.ExecuteNonQueryAsync(ct);
            Array.Fill(inserted, true);
            return inserted;
        }

        var byKey = new Dictionary<string, int>();
        for (var r = all.Count - 1; r >= 0; r--)
        {
            byKey[Key(keyColumns.Select(k => all[r][k]))] = r;
        }

        await using var reader = await pg.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var key = Key(keyColumns.Select((_, i) => reader.GetValue(i)));
            if (byKey.TryGetValue(key, out var index))
            {
                inserted[index] = true;
            }
        }

        return inserted;
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

    private static string Key(IEnumerable<object?> parts) =>
        string.Join("\u001f", parts.Select(p => p is DateTime d ? d.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture) : Convert.ToString(p, System.Globalization.CultureInfo.InvariantCulture)));

    public static async Task<long> ScalarLongAsync(this DbCommand command, CancellationToken ct) =>
        Convert.ToInt64(await command.ExecuteScalarAsync(ct) ?? 0L);
}
