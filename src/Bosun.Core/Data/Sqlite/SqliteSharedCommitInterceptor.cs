using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Bosun.Core.Data.Sqlite;

/// Makes EF's commit and rollback of a write inside a shared commit end that write (RELEASE or ROLLBACK TO its
/// savepoint) instead of the whole transaction. It must be the last transaction interceptor, so that those before it
/// (the stream's events, written as the transaction commits) still write inside the write's savepoint, and those
/// after the commit (announcing the events) run once the shared commit is done.
public sealed class SqliteSharedCommitInterceptor : DbTransactionInterceptor
{
    public override InterceptionResult TransactionCommitting(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        if (eventData.Context is BosunDb { SharedCommitWriter: { } writer })
        {
            writer.CommitAsync().GetAwaiter().GetResult();
            return InterceptionResult.Suppress();
        }

        return result;
    }

    public override async ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is BosunDb { SharedCommitWriter: { } writer })
        {
            await writer.CommitAsync();
            return InterceptionResult.Suppress();
        }

        return result;
    }

    public override InterceptionResult TransactionRollingBack(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        if (eventData.Context is BosunDb { SharedCommitWriter: { } writer })
        {
            writer.Abandon();
            return InterceptionResult.Suppress();
        }

        return result;
    }

    public override ValueTask<InterceptionResult> TransactionRollingBackAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(TransactionRollingBack(transaction, eventData, result));

    /// Whether the options of a unit of work share commits: the interceptor is there, and last among transaction interceptors.
    internal static bool IsIn(DbContextOptions options)
    {
        var transactionInterceptors = options.FindExtension<CoreOptionsExtension>()?.Interceptors?.OfType<IDbTransactionInterceptor>().ToList() ?? [];
        var index = transactionInterceptors.FindIndex(i => i is SqliteSharedCommitInterceptor);
        if (index >= 0 && index != transactionInterceptors.Count - 1)
        {
            throw new InvalidOperationException($"{nameof(SqliteSharedCommitInterceptor)} must be the last transaction interceptor.");
        }

        return index >= 0;
    }
}
