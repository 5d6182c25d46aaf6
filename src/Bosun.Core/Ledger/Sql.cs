using System.Data.Common;
using System.Text;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Bosun.Core.Ledger;

/// Hand-written SQL for the ledger's hot paths, on the request's own connection and transaction (so the
/// tenant role and RLS setting of PostgreSQL apply). The statements are written to run on both stores.
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

    /// Builds one multi-row INSERT; each row's values become parameters @p{row}_{column}.
    public static DbCommand InsertMany<T>(BosunDb db, string table, IReadOnlyList<string> columns, IReadOnlyList<T> rows,
        Func<T, object?[]> values, string? suffix = null)
    {
        var sql = new StringBuilder($"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ");
        var command = Command(db, "");
        for (var r = 0; r < rows.Count; r++)
        {
            var row = values(rows[r]);
            sql.Append(r == 0 ? "(" : ", (");
            for (var c = 0; c < columns.Count; c++)
            {
                var name = $"@p{r}_{c}";
                sql.Append(c == 0 ? name : ", " + name);
                command.With(name, row[c]);
            }

            sql.Append(')');
        }

        if (suffix is not null)
        {
            sql.Append(' ').Append(suffix);
        }

        command.CommandText = sql.ToString();
        return command;
    }

    public static async Task<List<string>> ReadStringsAsync(this DbCommand command, CancellationToken ct)
    {
        var result = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(reader.GetString(0));
        }

        return result;
    }

    public static async Task<long> ScalarLongAsync(this DbCommand command, CancellationToken ct) =>
        Convert.ToInt64(await command.ExecuteScalarAsync(ct) ?? 0L);
}
