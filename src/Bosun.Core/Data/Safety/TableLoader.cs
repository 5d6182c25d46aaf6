using System.Data.Common;

namespace Bosun.Core.Data.Safety;

/// Rows going into one table; values come in the order of the table's columns.
public interface IRowSink : IAsyncDisposable
{
    ValueTask WriteAsync(object?[] row, CancellationToken ct);

    Task CompleteAsync(CancellationToken ct);
}

/// How rows get into one store, inside one transaction that <see cref="TableLoader"/> commits only once every table
/// is in and checked. Rows are inserted as the connection's user, who owns the tables: the append-only triggers refuse
/// changes and deletions, not inserts, so they stay in force for everyone while the rows go in.
public abstract class StoreLoad : IAsyncDisposable
{
    public abstract DbConnection Connection { get; }
    public abstract DbTransaction Transaction { get; }

    /// Whatever a table needs before its rows arrive (PostgreSQL: the day partitions of agent events).
    public virtual Task PrepareAsync(StoreTable table, Func<IAsyncEnumerable<object?[]>> rows, CancellationToken ct) => Task.CompletedTask;

    public abstract Task<IRowSink> InsertAsync(StoreTable table, CancellationToken ct);

    /// Sets the late columns of rows already inserted; each row holds the table's key, then the late columns.
    public abstract Task SetLateAsync(StoreTable table, IReadOnlyList<string> late, IAsyncEnumerable<object?[]> rows, CancellationToken ct);

    /// What must follow the rows before the commit (PostgreSQL: sequences moved past the numbers loaded).
    public virtual Task FinishAsync(CancellationToken ct) => Task.CompletedTask;

    public async Task CommitAsync(CancellationToken ct) => await Transaction.CommitAsync(ct);

    public abstract ValueTask DisposeAsync();
}

public sealed record LoadProgress(string Table, long Rows, long TotalRows);

public static class TableLoader
{
    /// Loads every table in <paramref name="order"/> from <paramref name="source"/>, which is read once per table and once
    /// more for tables with late columns (and, on PostgreSQL, for partitioned ones). Returns the rows loaded per table.
    public static async Task<Dictionary<string, long>> LoadAsync(StoreLoad target, IReadOnlyList<LoadStep> order,
        Func<StoreTable, IAsyncEnumerable<object?[]>> source, long totalRows, Action<LoadProgress>? progress, CancellationToken ct)
    {
        var loaded = new Dictionary<string, long>(StringComparer.Ordinal);
        long done = 0;
        foreach (var step in order)
        {
            var table = step.Table;
            await target.PrepareAsync(table, () => source(table), ct);
            var late = step.LateColumns.Select(c => IndexOf(table, c)).ToArray();
            long rows = 0;
            await using (var sink = await target.InsertAsync(table, ct))
            {
                await foreach (var row in source(table).WithCancellation(ct))
                {
                    foreach (var i in late)
                    {
                        row[i] = null;
                    }

                    await sink.WriteAsync(row, ct);
                    rows++;
                    if (++done % 10_000 == 0)
                    {
                        progress?.Invoke(new LoadProgress(table.Name, done, totalRows));
                    }
                }

                await sink.CompleteAsync(ct);
            }

            loaded[table.Name] = rows;
            progress?.Invoke(new LoadProgress(table.Name, done, totalRows));
        }

        foreach (var step in order.Where(s => s.LateColumns.Count > 0))
        {
            await target.SetLateAsync(step.Table, step.LateColumns, LateRows(step, source(step.Table)), ct);
        }

        await target.FinishAsync(ct);
        return loaded;
    }

    /// The key and late columns of the rows that have a late value.
    private static async IAsyncEnumerable<object?[]> LateRows(LoadStep step, IAsyncEnumerable<object?[]> rows)
    {
        var key = step.Table.Key.Select(c => IndexOf(step.Table, c)).ToArray();
        var late = step.LateColumns.Select(c => IndexOf(step.Table, c)).ToArray();
        await foreach (var row in rows)
        {
            if (late.Any(i => row[i] is not null))
            {
                yield return [.. key.Select(i => row[i]), .. late.Select(i => row[i])];
            }
        }
    }

    public static int IndexOf(StoreTable table, string column)
    {
        for (var i = 0; i < table.Columns.Count; i++)
        {
            if (table.Columns[i].Name == column)
            {
                return i;
            }
        }

        throw new ArgumentException($"{table.Name} has no column {column}.", nameof(column));
    }
}
