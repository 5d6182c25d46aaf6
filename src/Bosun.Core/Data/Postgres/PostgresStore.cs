using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Bosun.Core.Data.Postgres;

/// What sets Bosun up on PostgreSQL: its connection string, EF provider, services and interceptors.
internal static class PostgresStore
{
    /// PostgreSQL parses and plans every statement it is sent unless it is prepared. Bosun sends the same few statements
    /// over and over, so unless the connection string says otherwise, Npgsql prepares the most used ones on each
    /// pooled connection and PostgreSQL plans them once.
    ///
    /// Npgsql also resets a pooled connection's session (role, settings, locks) each time it goes back to the pool,
    /// one more round trip per unit of work. Bosun keeps no session state: the tenant's role and id are set with SET
    /// LOCAL and end with the transaction. So the reset is skipped unless the connection string asks for it.
    public static string ConnectionString(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
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

    public static string Describe(string connectionString) =>
        $"PostgreSQL {new NpgsqlConnectionStringBuilder(connectionString) { Password = null }.ConnectionString}";

    public static void Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, o => o.MigrationsAssembly(StoreOptions.PostgresMigrations));

    /// Whether the options are for PostgreSQL.
    public static bool IsIn(DbContextOptions options) =>
        options.Extensions.Any(e => e.GetType().Assembly == typeof(NpgsqlDbContextOptionsBuilderExtensions).Assembly);

    public static void AddServices(IServiceCollection services)
    {
        services.AddSingleton<PostgresTenantInterceptor>();
        services.AddSingleton<PostgresTransactionGuard>();
    }

    public static void AddInterceptors(IServiceProvider services, DbContextOptionsBuilder options) =>
        options.AddInterceptors(services.GetRequiredService<PostgresTenantInterceptor>(), services.GetRequiredService<PostgresTransactionGuard>());

    /// Runs the migrations while holding an advisory lock. Several servers may start at once on one database (replicas,
    /// or an upgrade rolled out to all of them). EF's own lock did not keep two of them from applying the same migration
    /// (the second failed on an object the first had just made), so they take turns: the one that waited finds nothing
    /// left to apply.
    ///
    /// The lock belongs to a transaction kept open on a connection of its own while the migrations run on the
    /// context's. A session lock would be held by whichever server connection a pooler in transaction mode (PgBouncer)
    /// lent for the statement that took it, and the unlock could land on another one: the lock would outlive the
    /// migration and every later start would wait for it. A transaction keeps its server connection to the end, and its
    /// lock ends with it, also when this process dies. A server that finds the lock taken tries again shortly in a new
    /// transaction rather than waiting in one, so behind a pooler the waiting servers hold no server connection that the
    /// one migrating may need.
    public static async Task MigrateLockedAsync(BosunDb db, Func<Task> migrate, CancellationToken ct)
    {
        await using var holder = new NpgsqlConnection(db.Database.GetConnectionString());
        await holder.OpenAsync(ct);
        while (true)
        {
            await using var transaction = await holder.BeginTransactionAsync(ct);
            await using (var take = new NpgsqlCommand($"SELECT pg_try_advisory_xact_lock({MigrationLock})", holder, transaction))
            {
                if (!(bool)(await take.ExecuteScalarAsync(ct))!)
                {
                    await transaction.RollbackAsync(ct);
                    await Task.Delay(MigrationLockRetry, ct);
                    continue;
                }
            }

            await migrate();
            await transaction.CommitAsync(CancellationToken.None);
            return;
        }
    }

    /// How soon a server that found the migration lock taken tries again: starting servers wait at most this much longer.
    private static readonly TimeSpan MigrationLockRetry = TimeSpan.FromMilliseconds(100);

    /// The key of the PostgreSQL advisory lock that migrations hold: "bosun" in ASCII, then 1.
    private const long MigrationLock = 0x626F73756E_01;
}
