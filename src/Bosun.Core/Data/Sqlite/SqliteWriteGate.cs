using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore.Storage;

namespace Bosun.Core.Data.Sqlite;

/// SQLite admits one writer at a time and makes the others wait inside the driver, each blocking a thread.
/// Queuing write transactions of this process on an async gate first keeps threads free under load; the
/// busy timeout still covers writers in other processes.
internal static class SqliteWriteGate
{
    private static readonly ConcurrentDictionary<string, SqliteWriteQueue> Queues = new(StringComparer.Ordinal);

    public static SqliteWriteQueue Of(string file) => Queues.GetOrAdd(Path.GetFullPath(file), _ => new SqliteWriteQueue());

    /// A write transaction of its own, begun while holding the gate, which it releases when it ends.
    public static async Task<IDbContextTransaction> BeginAsync(string file, Func<Task<IDbContextTransaction>> begin, CancellationToken ct)
    {
        var held = await HoldAsync(file, ct);
        try
        {
            return new EndingTransaction(await begin(), held.Dispose);
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    /// Holds the gate with no transaction (an open shared commit is committed first), so that none of this
    /// process's writers runs meanwhile.
    public static Task<IDisposable> HoldAsync(string file, CancellationToken ct) => Of(file).HoldAsync(ct);
}
