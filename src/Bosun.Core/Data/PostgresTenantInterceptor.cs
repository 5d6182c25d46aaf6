using System.Data.Common;
using Bosun.Core.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Bosun.Core.Data;

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

/// SQLite settings that hold per connection: wait for the writer instead of failing, sync less on WAL, and keep
/// temporary files in memory. The last matters for writes that share a commit: each works under a savepoint, and SQLite
/// copies every page a savepoint changes to a sub-journal, which past 64 KiB it spilled to a file on disk; a single
/// claim held the writer 12 % longer for it. Pooled connections keep the settings, so each connection is configured once.
public sealed class SqlitePragmaInterceptor : DbConnectionInterceptor
{
    internal const string Pragmas = "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;";
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object> Configured = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (FirstUse(connection))
        {
            using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            command.ExecuteNonQuery();
        }
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (FirstUse(connection))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static bool FirstUse(DbConnection connection) =>
        connection is not Microsoft.Data.Sqlite.SqliteConnection { Handle: { } handle } || Configured.TryAdd(handle, handle);
}

/// EF creates a new command for every query, and SQLite compiles a command's text when it first runs, so on SQLite
/// each query paid for compiling its statement again: about a fifth of SQLite's time in the dispatch benchmark.
/// On a kept-open connection (<see cref="SqliteConnections"/>), EF's command is swapped for the connection's cached
/// command of the same text, which keeps its compiled statement from one use to the next.
public sealed class SqliteStatementReuseInterceptor : DbCommandInterceptor
{
    public override DbCommand CommandInitialized(CommandEndEventData eventData, DbCommand result)
    {
        if (result.Connection is not PreparingConnection connection || result is PreparedCommand)
        {
            return result;
        }

        var cached = connection.Command(result.CommandText);
        if (cached is not PreparedCommand)
        {
            // In use by an open reader, or beyond the cache's size: EF's own command is as good.
            cached.Dispose();
            return result;
        }

        cached.Transaction = (Microsoft.Data.Sqlite.SqliteTransaction?)result.Transaction;
        cached.CommandTimeout = result.CommandTimeout;
        var parameters = result.Parameters.Cast<DbParameter>().ToArray();
        result.Parameters.Clear();
        cached.Parameters.AddRange(parameters);
        result.Dispose();
        return cached;
    }
}
