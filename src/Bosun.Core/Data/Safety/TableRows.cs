using System.Buffers;
using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Bosun.Core.Data.Safety;

/// Reads whole tables, or one tenant's rows of them, with the store's own connection and transaction.
public static class TableRows
{
    public static string Quote(string name) => $"\"{name}\"";

    /// Which rows of a table belong to a tenant: its own row of the tenants table, its rows of every other.
    public static string TenantFilter(StoreTable table) =>
        table.IsTenantRoot ? $"{Quote(table.Key.Single())} = @tenant"
        : table.TenantColumn is { } column ? $"{Quote(column)} = @tenant"
        : throw new NotSupportedException($"Table {table.Name} has no tenant column, so its rows belong to no tenant; tenant archives cannot carry it.");

    public static async IAsyncEnumerable<object?[]> ReadAsync(DbConnection connection, DbTransaction? transaction, StoreTable table,
        string? tenantId, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT {string.Join(", ", table.Columns.Select(c => Quote(c.Name)))} FROM {Quote(table.Name)}"
                              + (tenantId is null ? "" : $" WHERE {TenantFilter(table)}");
        if (tenantId is not null)
        {
            command.With("tenant", tenantId);
        }

        // A million-row table takes longer than the default 30 seconds to read out.
        command.CommandTimeout = 0;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var row = new object?[table.Columns.Count];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = RowValues.Read(reader, i, table.Columns[i]);
            }

            yield return row;
        }
    }

    public static async Task<long> CountAsync(DbConnection connection, DbTransaction? transaction, string table, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT count(*) FROM {Quote(table)}";
        command.CommandTimeout = 0;
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct));
    }

    /// The count and checksum of a table's rows (one tenant's when given), as <see cref="Canonical"/> writes them.
    public static async Task<TableChecksum> ChecksumAsync(DbConnection connection, DbTransaction? transaction, StoreTable table, string? tenantId, CancellationToken ct)
    {
        var checksum = new TableChecksum();
        var canonical = new Canonical(table.Columns);
        await foreach (var row in ReadAsync(connection, transaction, table, tenantId, ct))
        {
            checksum.Add(canonical.Line(row).Span);
        }

        return checksum;
    }
}

/// Writes rows of one table as canonical JSON lines, reusing one buffer.
public sealed class Canonical(IReadOnlyList<StoreColumn> columns)
{
    private readonly int[] _byName = RowValues.ByName(columns);
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private Utf8JsonWriter? _writer;

    /// The row's line, without its newline; valid until the next call.
    public ReadOnlyMemory<byte> Line(object?[] values)
    {
        _buffer.ResetWrittenCount();
        if (_writer is null)
        {
            _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });
        }
        else
        {
            _writer.Reset(_buffer);
        }

        RowValues.WriteRow(_writer, columns, _byName, values);
        _writer.Flush();
        return _buffer.WrittenMemory;
    }
}
