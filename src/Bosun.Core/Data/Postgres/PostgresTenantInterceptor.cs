using System.Data.Common;
using Bosun.Core.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Bosun.Core.Data.Postgres;

/// On PostgreSQL every tenant unit of work runs as the non-owner role bosun_app with app.tenant_id set
/// for its transaction only, so row-level security hides other tenants even if a query forgot its filter,
/// and a pooled connection never carries one tenant's id into the next request.
public sealed class PostgresTenantInterceptor : DbTransactionInterceptor
{
    public const string AppRole = "bosun_app";

    public override DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        Enter(eventData.Context, connection, result);
        return result;
    }

    public override async ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
    {
        await EnterAsync(eventData.Context, connection, result, cancellationToken);
        return result;
    }

    public override DbTransaction TransactionUsed(DbConnection connection, TransactionEventData eventData, DbTransaction result)
    {
        Enter(eventData.Context, connection, result);
        return result;
    }

    public override async ValueTask<DbTransaction> TransactionUsedAsync(DbConnection connection, TransactionEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
    {
        await EnterAsync(eventData.Context, connection, result, cancellationToken);
        return result;
    }

    private static DbCommand? Command(Microsoft.EntityFrameworkCore.DbContext? context, DbConnection connection, DbTransaction transaction)
    {
        if (context is not BosunDb { Context.TenantId: { } tenant } db)
        {
            return null;
        }

        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = db.GenericPlans
            ? $"SET LOCAL ROLE {AppRole}; SET LOCAL plan_cache_mode = force_generic_plan; SELECT set_config('app.tenant_id', @tenant, true);"
            : $"SET LOCAL ROLE {AppRole}; SELECT set_config('app.tenant_id', @tenant, true);";
        var p = command.CreateParameter();
        p.ParameterName = "tenant";
        p.Value = tenant;
        command.Parameters.Add(p);
        return command;
    }

    private static void Enter(Microsoft.EntityFrameworkCore.DbContext? context, DbConnection connection, DbTransaction transaction)
    {
        using var command = Command(context, connection, transaction);
        command?.ExecuteNonQuery();
    }

    private static async Task EnterAsync(Microsoft.EntityFrameworkCore.DbContext? context, DbConnection connection, DbTransaction transaction, CancellationToken ct)
    {
        await using var command = Command(context, connection, transaction);
        if (command is not null)
        {
            await command.ExecuteNonQueryAsync(ct);
        }
    }
}
