using Bosun.Core.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Core.Data;

public enum StoreKind { Sqlite, Postgres }

/// Where Bosun keeps its data: an embedded SQLite file by default, PostgreSQL for teams.
public sealed record StoreOptions(StoreKind Kind, string ConnectionString)
{
    public const string SqliteMigrations = "Bosun.Migrations.Sqlite";
    public const string PostgresMigrations = "Bosun.Migrations.Postgres";

    public static StoreOptions Sqlite(string file) =>
        new(StoreKind.Sqlite, new SqliteConnectionStringBuilder { DataSource = file, Pooling = true }.ToString());

    public static StoreOptions Postgres(string connectionString) => new(StoreKind.Postgres, WithPreparedStatements(connectionString));

    /// PostgreSQL parses and plans every statement it is sent unless it is prepared. Bosun sends the same few statements
    /// over and over, so unless the connection string says otherwise, Npgsql prepares the most used ones on each
    /// pooled connection and PostgreSQL plans them once.
    ///
    /// Npgsql also resets a pooled connection's session (role, settings, locks) each time it goes back to the pool,
    /// one more round trip per unit of work. Bosun keeps no session state: the tenant's role and id are set with SET
    /// LOCAL and end with the transaction. So the reset is skipped unless the connection string asks for it.
    private static string WithPreparedStatements(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (!Mentions(connectionString, "Auto Prepare", "AutoPrepare"))
        {
            builder.MaxAutoPrepare = 64;
            builder.AutoPrepareMinUsages = 3;
        }

        if (!Mentions(connectionString, "No Reset On Close", "NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }

        return builder.ConnectionString;
    }

    private static bool Mentions(string connectionString, params string[] names) =>
        names.Any(n => connectionString.Contains(n, StringComparison.OrdinalIgnoreCase));

    public string Describe() => Kind == StoreKind.Sqlite
        ? $"SQLite {new SqliteConnectionStringBuilder(ConnectionString).DataSource}"
        : $"PostgreSQL {new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString) { Password = null }.ConnectionString}";

    public void Configure(DbContextOptionsBuilder options)
    {
        if (Kind == StoreKind.Sqlite)
        {
            options.UseSqlite(ConnectionString, o => o.MigrationsAssembly(SqliteMigrations));
        }
        else
        {
            options.UseNpgsql(ConnectionString, o => o.MigrationsAssembly(PostgresMigrations));
        }

        options.UseSnakeCaseNamingConvention();
    }
}

public static class StoreServiceCollectionExtensions
{
    public static IServiceCollection AddBosunStore(this IServiceCollection services, StoreOptions store)
    {
        services.AddSingleton(store);
        if (store.Kind == StoreKind.Sqlite)
        {
            services.AddSingleton<SqliteConnections>();
        }

        services.AddScoped<RequestContext>();
        services.AddSingleton<AuditInterceptor>();
        services.AddSingleton<Identity.PrincipalCache>();
        services.AddSingleton<Identity.PrincipalCacheInvalidator>();
        services.AddSingleton<SqlitePragmaInterceptor>();
        services.AddSingleton<PostgresTenantInterceptor>();
        services.AddSingleton<PostgresTransactionGuard>();
        services.AddPooledDbContextFactory<BosunDb>((sp, options) =>
        {
            store.Configure(options);
            options.AddInterceptors(sp.GetRequiredService<AuditInterceptor>(), sp.GetRequiredService<Identity.PrincipalCacheInvalidator>());
            if (store.Kind == StoreKind.Sqlite)
            {
                options.AddInterceptors(sp.GetRequiredService<SqlitePragmaInterceptor>(), new SqliteStatementReuseInterceptor());
            }
            else
            {
                options.AddInterceptors(sp.GetRequiredService<PostgresTenantInterceptor>(), sp.GetRequiredService<PostgresTransactionGuard>());
            }
        }); // options built once: every interceptor keeps its per-unit-of-work state on the BosunDb
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<BosunDb>>().CreateDbContext()
            .Lease(sp.GetRequiredService<RequestContext>(), sp.GetService<SqliteConnections>()));
        return services;
    }

    /// SQLite: short write transactions share commits (see <see cref="SqliteWriteQueue"/>). Call it after everything
    /// else that adds interceptors: the one that ends a shared write must come after those acting on the commit.
    public static IServiceCollection AddSqliteSharedCommits(this IServiceCollection services, StoreOptions store)
    {
        if (store.Kind == StoreKind.Sqlite)
        {
            services.ConfigureDbContext<BosunDb>((_, options) => options.AddInterceptors(new SqliteSharedCommitInterceptor()), ServiceLifetime.Singleton);
        }

        return services;
    }
}

public static class TransactionExtensions
{
    /// Runs work in one transaction unless one is already open. On SQLite a write transaction starts
    /// with BEGIN IMMEDIATE (take the writer lock first, so a read-then-write never fails with BUSY);
    /// reads use a deferred one so they never wait for the writer.
    public static async Task<T> InTransactionAsync<T>(this BosunDb db, Func<CancellationToken, Task<T>> work, bool write, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            return await work(ct);
        }

        await using var tx = await BeginAsync(db, write, ct, shareCommit: true);
        var result = await work(ct);
        await tx.CommitAsync(ct);
        return result;
    }

    public static Task InTransactionAsync(this BosunDb db, Func<CancellationToken, Task> work, bool write, CancellationToken ct) =>
        db.InTransactionAsync(async c => { await work(c); return true; }, write, ct);

    /// With <paramref name="shareCommit"/>, a SQLite write may commit together with the writes queued behind it; for
    /// short units of work only, since the writes before it wait for its end (see <see cref="SqliteWriteQueue"/>).
    public static async Task<IDbContextTransaction> BeginAsync(BosunDb db, bool write, CancellationToken ct, bool shareCommit = false)
    {
        if (!write && !db.IsPostgres)
        {
            await db.Database.OpenConnectionAsync(ct);
            var connection = (SqliteConnection)db.Database.GetDbConnection();
            var deferred = connection.BeginTransaction(deferred: true);
            return await db.Database.UseTransactionAsync(deferred, ct) ?? throw new InvalidOperationException("No transaction.");
        }

        if (shareCommit && db.SharesCommits && db.Connections is { } connections)
        {
            return await SqliteWriteGate.Of(connections.File).JoinAsync(db, connections, ct);
        }

        if (!db.IsPostgres)
        {
            var file = db.File ?? new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
            return await SqliteWriteGate.BeginAsync(file, async () =>
            {
                if (db.Writer is not { } writer)
                {
                    return await db.Database.BeginTransactionAsync(ct);
                }

                db.UseConnection(writer);
                try
                {
                    return new EndingTransaction(await db.Database.BeginTransactionAsync(ct), () => db.UseConnection(null));
                }
                catch
                {
                    db.UseConnection(null);
                    throw;
                }
            }, ct);
        }

        return await db.Database.BeginTransactionAsync(ct);
    }
}
