using System.Data.Common;

namespace Bosun.Core.Data.Postgres;

/// Many rows for one PostgreSQL statement: one array parameter per column, read back as rows with unnest().
internal static class PostgresRows
{
    /// PostgreSQL's form of <see cref="Sql.InsertRowsAsync"/>: one statement over unnest()ed arrays.
    public static async Task<bool[]> InsertAsync(DbTransaction transaction, string table, IReadOnlyList<Col> columns, IReadOnlyList<object?[]> rows,
        string onConflict, int[]? keyColumns, CancellationToken ct)
    {
        var names = string.Join(", ", columns.Select(c => c.Name));
        await using var command = Sql.On(transaction, $"INSERT INTO {table} ({names}) SELECT * FROM {Unnest(columns)} {onConflict}{Sql.Returning(columns, keyColumns)}");
        WithArrays(command, columns, rows);
        return await Sql.MarkInsertedAsync(command, rows, keyColumns, ct);
    }

    /// unnest(@c0::type[], ...) over one array parameter per column.
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
}
