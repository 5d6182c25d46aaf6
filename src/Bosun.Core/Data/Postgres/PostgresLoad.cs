using System.Data.Common;
using System.Text.RegularExpressions;
using Bosun.Core.Data.Safety;
using Bosun.Core.Realtime;
using Npgsql;

namespace Bosun.Core.Data.Postgres;

/// Loads rows into PostgreSQL in one transaction with binary COPY, as the connection's user: the tables' owner, to whom
/// row-level security does not apply and who may COPY into them. The schema is Bosun's own, made by its migrations
/// beforehand, so triggers, policies and grants are those of a fresh install; the load adds the day partitions its
/// agent events need (through the function Bosun's requests use) and moves the stream's sequence past what it loaded.
internal sealed partial class PostgresLoad : StoreLoad
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private Dictionary<string, string>? _partitioned;

    private PostgresLoad(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    public override DbConnection Connection => _connection;
    public override DbTransaction Transaction => _transaction;

    public static async Task<PostgresLoad> BeginAsync(StoreOptions store, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(store.ConnectionString);
        await connection.OpenAsync(ct);
        try
        {
            return new PostgresLoad(connection, await connection.BeginTransactionAsync(ct));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// Partitioned tables and the column they are partitioned on.
    private async Task<Dictionary<string, string>> PartitionedAsync(CancellationToken ct)
    {
        if (_partitioned is null)
        {
            _partitioned = new Dictionary<string, string>(StringComparer.Ordinal);
            await using var command = new NpgsqlCommand("""
                SELECT c.relname, pg_get_partkeydef(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind = 'p' AND n.nspname = current_schema()
                """, _connection, _transaction);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                _partitioned[reader.GetString(0)] = RangeColumn().Match(reader.GetString(1)) is { Success: true } m
                    ? m.Groups[1].Value
                    : throw new NotSupportedException($"{reader.GetString(0)} is partitioned by {reader.GetString(1)}, which loading does not know.");
            }
        }

        return _partitioned;
    }

    /// Agent events are partitioned by day: each day the rows hold gets its partition first, made by
    /// bosun_ensure_event_partition as when events arrive, so the partitions are those the server would have made.
    public override async Task PrepareAsync(StoreTable table, Func<IAsyncEnumerable<object?[]>> rows, CancellationToken ct)
    {
        if (!(await PartitionedAsync(ct)).TryGetValue(table.Name, out var column))
        {
            return;
        }

        if (table.Name != "agent_events")
        {
            throw new NotSupportedException($"{table.Name} is partitioned, and loading knows how to make partitions only for agent_events.");
        }

        var at = TableLoader.IndexOf(table, column);
        var days = new SortedSet<DateOnly>();
        await foreach (var row in rows().WithCancellation(ct))
        {
            days.Add(DateOnly.FromDateTime((DateTime)row[at]!));
        }

        await using var ensure = new NpgsqlCommand("SELECT bosun_ensure_event_partition(@day)", _connection, _transaction);
        var day = new NpgsqlParameter<DateOnly>("day", default(DateOnly));
        ensure.Parameters.Add(day);
        foreach (var d in days)
        {
            day.TypedValue = d;
            await ensure.ExecuteNonQueryAsync(ct);
        }
    }

    public override async Task<IRowSink> InsertAsync(StoreTable table, CancellationToken ct)
    {
        var columns = string.Join(", ", table.Columns.Select(c => TableRows.Quote(c.Name)));
        var importer = await _connection.BeginBinaryImportAsync($"COPY {TableRows.Quote(table.Name)} ({columns}) FROM STDIN (FORMAT BINARY)", ct);
        return new Sink(importer, table.Columns);
    }

    public override async Task SetLateAsync(StoreTable table, IReadOnlyList<string> late, IAsyncEnumerable<object?[]> rows, CancellationToken ct)
    {
        // The late values go into a temporary table shaped like the target's columns, then into the rows in one UPDATE.
        var columns = table.Key.Concat(late).ToList();
        var names = string.Join(", ", columns.Select(TableRows.Quote));
        await ExecuteAsync($"CREATE TEMPORARY TABLE bosun_late ON COMMIT DROP AS SELECT {names} FROM {TableRows.Quote(table.Name)} WITH NO DATA", ct);
        await using (var importer = await _connection.BeginBinaryImportAsync($"COPY bosun_late ({names}) FROM STDIN (FORMAT BINARY)", ct))
        {
            var sink = new Sink(importer, columns.Select(table.Column).ToList());
            await foreach (var row in rows.WithCancellation(ct))
            {
                await sink.WriteAsync(row, ct);
            }

            await sink.CompleteAsync(ct);
        }

        await ExecuteAsync($"""
            UPDATE {TableRows.Quote(table.Name)} AS t SET {string.Join(", ", late.Select(c => $"{TableRows.Quote(c)} = l.{TableRows.Quote(c)}"))}
            FROM bosun_late AS l WHERE {string.Join(" AND ", table.Key.Select(c => $"t.{TableRows.Quote(c)} = l.{TableRows.Quote(c)}"))}
            """, ct);
        await ExecuteAsync("DROP TABLE bosun_late", ct);
    }

    /// Stream events loaded with provisional numbers (committed but not yet numbered where they came from) are numbered by
    /// this server's sequencer in the order of those numbers, so the sequence that gives new ones must start past them.
    public override async Task FinishAsync(CancellationToken ct) =>
        await ExecuteAsync($"""
            SELECT setval('stream_event_order', m) FROM (SELECT max(seq) + {StreamSequencer.ProvisionalBase} AS m FROM stream_events WHERE seq < 0) p
            WHERE m IS NOT NULL AND m > (SELECT last_value FROM stream_event_order)
            """, ct);

    private async Task ExecuteAsync(string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, _connection, _transaction) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(ct);
    }

    public override async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }

    [GeneratedRegex(@"^RANGE \((\w+)\)$")]
    private static partial Regex RangeColumn();

    private sealed class Sink(NpgsqlBinaryImporter importer, IReadOnlyList<StoreColumn> columns) : IRowSink
    {
        /// Written synchronously: the importer buffers, and an awaited call per value cost more than the copy itself.
        public ValueTask WriteAsync(object?[] row, CancellationToken ct)
        {
            importer.StartRow();
            for (var i = 0; i < row.Length; i++)
            {
                switch (row[i] is { } value ? RowValues.Parameter(value, columns[i]) : null)
                {
                    case null:
                        importer.WriteNull();
                        break;
                    case string text:
                        importer.Write(text, NpgsqlTypes.NpgsqlDbType.Text);
                        break;
                    case long number:
                        importer.Write(number, NpgsqlTypes.NpgsqlDbType.Bigint);
                        break;
                    case int number:
                        importer.Write(number, NpgsqlTypes.NpgsqlDbType.Integer);
                        break;
                    case short number:
                        importer.Write(number, NpgsqlTypes.NpgsqlDbType.Smallint);
                        break;
                    case byte number:
                        importer.Write((short)number, NpgsqlTypes.NpgsqlDbType.Smallint);
                        break;
                    case bool flag:
                        importer.Write(flag, NpgsqlTypes.NpgsqlDbType.Boolean);
                        break;
                    case double real:
                        importer.Write(real, NpgsqlTypes.NpgsqlDbType.Double);
                        break;
                    case float real:
                        importer.Write(real, NpgsqlTypes.NpgsqlDbType.Real);
                        break;
                    case DateTime time:
                        importer.Write(time, NpgsqlTypes.NpgsqlDbType.TimestampTz);
                        break;
                    case byte[] bytes:
                        importer.Write(bytes, NpgsqlTypes.NpgsqlDbType.Bytea);
                        break;
                    case var other:
                        throw new ArgumentException($"{columns[i].Name}: {other.GetType().Name} is not a row value.", nameof(row));
                }
            }

            return ValueTask.CompletedTask;
        }

        public async Task CompleteAsync(CancellationToken ct) => await importer.CompleteAsync(ct);

        public ValueTask DisposeAsync() => importer.DisposeAsync();
    }
}
