using System.Data.Common;
using Bosun.Core.Data.Postgres;
using Bosun.Core.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Bosun.Core.Data;

/// A column of a hand-written multi-row INSERT, with the type PostgreSQL's unnest() reads it as.
internal readonly record struct Col(string Name, string PgType = "text");

/// Hand-written SQL for hot paths (claims, heartbeats, the ledger, audit rows), on the unit of work's own connection and
/// transaction, so PostgreSQL's tenant role and row-level security apply. The statements are written to run on both stores.
///
/// The methods taking `sync` run their command synchronously when it is set: code that runs while EF commits runs
/// synchronously when EF commits synchronously.
internal static class Sql
{
    public static DbCommand Command(BosunDb db, string text) => On(TransactionOf(db), text);

    public static DbCommand Command(BosunDb db, Statement statement) => Command(db, statement.For(db));

    /// A command for the transaction's connection: on a kept-open SQLite connection, the one already prepared for this text.
    public static DbCommand On(DbTransaction transaction, string text)
    {
        if (transaction.Connection is PreparingConnection preparing)
        {
            return preparing.Command(transaction, text);
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

    public static DbCommand With(this DbCommand command, params (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            command.With(name, value);
        }

        return command;
    }

    public static async Task<long> ScalarLongAsync(this DbCommand command, CancellationToken ct) =>
        Convert.ToInt64(await command.ExecuteScalarAsync(ct) ?? 0L);

    public static async Task<long> ScalarLongAsync(this DbCommand command, bool sync, CancellationToken ct) =>
        Convert.ToInt64((sync ? command.ExecuteScalar() : await command.ExecuteScalarAsync(ct)) ?? 0L);

    public static async Task<int> ExecuteAsync(this DbCommand command, bool sync, CancellationToken ct) =>
        sync ? command.ExecuteNonQuery() : await command.ExecuteNonQueryAsync(ct);

    /// Every row the command returns, with NULLs as null.
    public static async Task<List<object?[]>> RowsAsync(this DbCommand command, bool sync, CancellationToken ct)
    {
        await using var reader = sync ? command.ExecuteReader() : await command.ExecuteReaderAsync(ct);
        var rows = new List<object?[]>();
        while (sync ? reader.Read() : await reader.ReadAsync(ct))
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    /// One statement with parameters @p0, @p1, ... prepared once and executed for each row of values; tells which rows
    /// changed anything (an ON CONFLICT DO NOTHING may skip some).
    public static async Task<bool[]> ExecuteEachAsync(DbTransaction transaction, string text, IReadOnlyList<object?[]> rows, bool sync, CancellationToken ct)
    {
        var changed = new bool[rows.Count];
        if (rows.Count == 0)
        {
            return changed;
        }

        await using var command = On(transaction, text);
        var parameters = rows[0].Select((_, i) =>
        {
            var p = command.CreateParameter();
            p.ParameterName = $"@p{i}";
            command.Parameters.Add(p);
            return p;
        }).ToArray();
        if (sync)
        {
            command.Prepare();
        }
        else
        {
            await command.PrepareAsync(ct);
        }

        for (var r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            for (var c = 0; c < row.Length; c++)
            {
                parameters[c].Value = row[c] ?? DBNull.Value;
            }

            // Only SQLite runs a statement per row, and it executes in-process: the async variant would only add a task per row.
            changed[r] = command.ExecuteNonQuery() > 0;
        }

        return changed;
    }

    /// Runs one statement on the context's connection, outside any transaction, and returns its first value: for what
    /// comes before the unit of work's transactions, such as migrations and the locks they take.
    public static async Task<object?> ScalarOutsideTransactionAsync(BosunDb db, string text, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = text;
            command.With(parameters);
            return await command.ExecuteScalarAsync(ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// Inserts many rows and tells which were inserted (an ON CONFLICT DO NOTHING skips the others; the inserted rows
    /// are recognised by the key columns they return; without key columns every row counts as inserted). Each store
    /// has its own form: <see cref="SqliteRows.InsertAsync"/>, <see cref="PostgresRows.InsertAsync"/>.
    public static Task<bool[]> InsertRowsAsync<T>(BosunDb db, string table, IReadOnlyList<Col> columns, IReadOnlyList<T> rows,
        Func<T, object?[]> values, string onConflict, int[]? keyColumns, CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return Task.FromResult(Array.Empty<bool>());
        }

        var all = rows.Select(values).ToList();
        var transaction = TransactionOf(db);
        return db.IsPostgres
            ? PostgresRows.InsertAsync(transaction, table, columns, all, onConflict, keyColumns, ct)
            : SqliteRows.InsertAsync(transaction, table, columns, all, onConflict, keyColumns, ct);
    }

    /// PostgreSQL: unnest(@c0::type[], ...) over one array parameter per column.
    public static string Unnest(IReadOnlyList<Col> columns) => PostgresRows.Unnest(columns);

    public static void WithArrays(DbCommand command, IReadOnlyList<Col> columns, IReadOnlyList<object?[]> rows) =>
        PostgresRows.WithArrays(command, columns, rows);

    /// Runs an INSERT … RETURNING (without key columns, a plain INSERT) and marks the rows whose keys came back.
    internal static async Task<bool[]> MarkInsertedAsync(DbCommand insert, IReadOnlyList<object?[]> all, int[]? keyColumns, CancellationToken ct)
    {
        var inserted = new bool[all.Count];
        if (keyColumns is null)
        {
            await insert.ExecuteNonQueryAsync(ct);
            Array.Fill(inserted, true);
            return inserted;
        }

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

        return inserted;
    }

    /// ` RETURNING` the key columns, or nothing without them.
    internal static string Returning(IReadOnlyList<Col> columns, int[]? keyColumns) =>
        keyColumns is null ? "" : " RETURNING " + string.Join(", ", keyColumns.Select(k => columns[k].Name));

    // Times are compared in SQLite's text form: that is how SQLite returns them, and PostgreSQL's come back as DateTime.
    private static string Key(IEnumerable<object?> parts) =>
        string.Join("\u001f", parts.Select(p => p is DateTime d ? SqliteRows.Text(d) : Convert.ToString(p, System.Globalization.CultureInfo.InvariantCulture)));

    private static DbTransaction TransactionOf(BosunDb db) =>
        db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Hand-written statements run inside the unit of work's transaction.");
}
