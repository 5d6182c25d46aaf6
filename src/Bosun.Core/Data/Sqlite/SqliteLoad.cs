using System.Data.Common;
using Bosun.Core.Data.Safety;
using Microsoft.Data.Sqlite;

namespace Bosun.Core.Data.Sqlite;

/// Loads rows into a SQLite file in one write transaction, with one prepared INSERT per table. The transaction holds
/// the file's write lock from its start (BEGIN IMMEDIATE), so a server writing the same file waits for it.
internal sealed class SqliteLoad : StoreLoad
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;

    private SqliteLoad(SqliteConnection connection, SqliteTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    public override DbConnection Connection => _connection;
    public override DbTransaction Transaction => _transaction;

    public static async Task<SqliteLoad> BeginAsync(StoreOptions store, CancellationToken ct)
    {
        var connection = await OpenAsync(store, ct);
        try
        {
            var transaction = connection.BeginTransaction(deferred: false);
            return new SqliteLoad(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// A connection of its own to the file, with Bosun's settings (foreign keys enforced, waiting for the writer).
    public static async Task<SqliteConnection> OpenAsync(StoreOptions store, CancellationToken ct, bool readOnly = false)
    {
        var builder = new SqliteConnectionStringBuilder(store.ConnectionString) { Pooling = false };
        if (readOnly)
        {
            builder.Mode = SqliteOpenMode.ReadOnly;
        }

        var connection = new SqliteConnection(builder.ToString());
        await connection.OpenAsync(ct);
        await using var pragmas = connection.CreateCommand();
        pragmas.CommandText = SqlitePragmaInterceptor.Pragmas;
        await pragmas.ExecuteNonQueryAsync(ct);
        return connection;
    }

    public override Task<IRowSink> InsertAsync(StoreTable table, CancellationToken ct)
    {
        var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = $"INSERT INTO {TableRows.Quote(table.Name)} ({string.Join(", ", table.Columns.Select(c => TableRows.Quote(c.Name)))}) " +
                              $"VALUES ({string.Join(", ", table.Columns.Select((_, i) => $"@p{i}"))})";
        var parameters = table.Columns.Select((_, i) => command.Parameters.Add(new SqliteParameter($"@p{i}", null))).ToArray();
        command.Prepare();
        return Task.FromResult<IRowSink>(new Sink(command, parameters, table));
    }

    public override async Task SetLateAsync(StoreTable table, IReadOnlyList<string> late, IAsyncEnumerable<object?[]> rows, CancellationToken ct)
    {
        await using var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        var key = table.Key;
        command.CommandText = $"UPDATE {TableRows.Quote(table.Name)} SET {string.Join(", ", late.Select((c, i) => $"{TableRows.Quote(c)} = @l{i}"))} " +
                              $"WHERE {string.Join(" AND ", key.Select((c, i) => $"{TableRows.Quote(c)} = @k{i}"))}";
        var parameters = key.Select((_, i) => command.Parameters.Add(new SqliteParameter($"@k{i}", null)))
            .Concat(late.Select((_, i) => command.Parameters.Add(new SqliteParameter($"@l{i}", null)))).ToArray();
        var columns = key.Concat(late).Select(table.Column).ToArray();
        command.Prepare();
        await foreach (var row in rows.WithCancellation(ct))
        {
            for (var i = 0; i < row.Length; i++)
            {
                parameters[i].Value = row[i] is { } value ? RowValues.Parameter(value, columns[i]) : DBNull.Value;
            }

            command.ExecuteNonQuery();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }

    private sealed class Sink(SqliteCommand command, SqliteParameter[] parameters, StoreTable table) : IRowSink
    {
        public ValueTask WriteAsync(object?[] row, CancellationToken ct)
        {
            for (var i = 0; i < row.Length; i++)
            {
                parameters[i].Value = row[i] is { } value ? RowValues.Parameter(value, table.Columns[i]) : DBNull.Value;
            }

            // SQLite runs in this process: an async call per row would only add a task per row.
            command.ExecuteNonQuery();
            return ValueTask.CompletedTask;
        }

        public Task CompleteAsync(CancellationToken ct) => Task.CompletedTask;

        public ValueTask DisposeAsync() => command.DisposeAsync();
    }
}
