using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore.Storage;

namespace Bosun.Core.Data;

/// SQLite admits one writer at a time and makes the others wait inside the driver, each blocking a thread.
/// Queuing write transactions of this process on an async gate first keeps threads free under load; the
/// busy timeout still covers writers in other processes.
internal static class SqliteWriteGate
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    /// A write transaction begun while holding the gate, which it releases when it ends.
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

    /// Holds the gate with no transaction, so that none of this process's writers runs meanwhile.
    public static async Task<IDisposable> HoldAsync(string file, CancellationToken ct)
    {
        var gate = Gates.GetOrAdd(Path.GetFullPath(file), _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Held(gate);
    }

    private sealed class Held(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}

/// A transaction that runs a clean-up once when it is disposed (committed or not), after the transaction itself.
internal sealed class EndingTransaction(IDbContextTransaction inner, Action ended) : IDbContextTransaction
{
    private int _ended;

    public Guid TransactionId => inner.TransactionId;

    public void Commit() => inner.Commit();

    public Task CommitAsync(CancellationToken cancellationToken = default) => inner.CommitAsync(cancellationToken);

    public void Rollback() => inner.Rollback();

    public Task RollbackAsync(CancellationToken cancellationToken = default) => inner.RollbackAsync(cancellationToken);

    public void Dispose()
    {
        try
        {
            inner.Dispose();
        }
        finally
        {
            End();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await inner.DisposeAsync();
        }
        finally
        {
            End();
        }
    }

    private void End()
    {
        if (Interlocked.Exchange(ref _ended, 1) == 0)
        {
            ended();
        }
    }
}
