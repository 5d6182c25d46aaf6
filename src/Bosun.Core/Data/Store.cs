using Bosun.Core.Common;
using Bosun.Core.Data.Postgres;
using Bosun.Core.Data.Sqlite;
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

    public static StoreOptions Sqlite(string file) => new(StoreKind.Sqlite, SqliteStore.ConnectionString(file));

    public static StoreOptions Postgres(string connectionString) => new(StoreKind.Postgres, PostgresStore.ConnectionString(connectionString));

    /// SQLite: the database file, as the connection string names it.
    public string? SqliteFile => Kind == StoreKind.Sqlite ? SqliteStore.FileOf(ConnectionString) : null;

    public string Describe() => Kind == StoreKind.Sqlite ? SqliteStore.Describe(ConnectionString) : PostgresStore.Describe(ConnectionString);

    public void Configure(DbContextOptionsBuilder options)
    {
        if (Kind == StoreKind.Sqlite)
        {
            SqliteStore.Configure(options, ConnectionString);
        }
        else
        {
            PostgresStore.Configure(options, ConnectionString);
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
            SqliteStore.AddServices(services);
        }
        else
        {
            PostgresStore.AddServices(services);
        }

        services.AddScoped<RequestContext>();
        services.AddSingleton<AuditInterceptor>();
        services.AddSingleton<Identity.PrincipalCache>();
        services.AddSingleton<Identity.PrincipalCacheInvalidator>();
        services.AddSingleton<Governance.Access.AccessCache>();
        services.AddSingleton<Governance.Access.AccessCacheInvalidator>();
        services.AddPooledDbContextFactory<BosunDb>((sp, options) =>
        {
            store.Configure(options);
            options.AddInterceptors(sp.GetRequiredService<AuditInterceptor>(), sp.GetRequiredService<Identity.PrincipalCacheInvalidator>(),
                sp.GetRequiredService<Governance.Access.AccessCacheInvalidator>());
            if (store.Kind == StoreKind.Sqlite)
            {
                SqliteStore.AddInterceptors(sp, options);
            }
            else
            {
                PostgresStore.AddInterceptors(sp, options);
            }
        }); // options built once: every interceptor keeps its per-unit-of-work state on the BosunDb
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<BosunDb>>().CreateDbContext()
            .Lease(sp.GetRequiredService<RequestContext>(), sp.GetService<SqliteConnections>()));
        return services;
    }

    /// SQLite: short write transactions share commits (see docs/group-commit.md). Call it after everything else that
    /// adds interceptors: the one that ends a shared write must come after those acting on the commit.
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
    public static Task<IDbContextTransaction> BeginAsync(BosunDb db, bool write, CancellationToken ct, bool shareCommit = false) =>
        db.IsPostgres ? db.Database.BeginTransactionAsync(ct) : SqliteTransactions.BeginAsync(db, write, shareCommit, ct);
}
