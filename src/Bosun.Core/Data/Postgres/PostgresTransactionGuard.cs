using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Bosun.Core.Data.Postgres;

/// Outside a transaction PostgreSQL would run a tenant's query as the owner, with no row-level security.
/// Refusing it turns a forgotten transaction into a loud error in tests instead of a silent gap.
public sealed class PostgresTransactionGuard : DbCommandInterceptor
{
    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Check(eventData.Context, command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Check(eventData.Context, command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Check(eventData.Context, command);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Check(eventData.Context, command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Check(eventData.Context, command);
        return result;
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Check(eventData.Context, command);
        return ValueTask.FromResult(result);
    }

    private static void Check(Microsoft.EntityFrameworkCore.DbContext? context, DbCommand command)
    {
        if ((context as BosunDb)?.Context.TenantId is not null && command.Transaction is null)
        {
            throw new InvalidOperationException("A tenant's PostgreSQL command must run inside a transaction (see BosunDb.InTransactionAsync).");
        }
    }
}
