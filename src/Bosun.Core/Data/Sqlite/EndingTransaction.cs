using Microsoft.EntityFrameworkCore.Storage;

namespace Bosun.Core.Data.Sqlite;

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
