using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Core.Data.Sqlite;

/// What sets Bosun up on an embedded SQLite file: its connection string, EF provider, services and interceptors.
internal static class SqliteStore
{
    public static string ConnectionString(string file) => new SqliteConnectionStringBuilder { DataSource = file, Pooling = true }.ToString();

    /// The database file a connection string names, as written there.
    public static string FileOf(string connectionString) => new SqliteConnectionStringBuilder(connectionString).DataSource;

    public static string Describe(string connectionString) => $"SQLite {FileOf(connectionString)}";

    /// A migration that changes a column makes EF Core rebuild the table on SQLite, switching the connection's
    /// `foreign_keys` pragma off and on around the rebuild outside its transaction, and it warns about that at every
    /// first start after an upgrade. The pragma belongs to the connection, not the file, and the rebuild itself commits
    /// as one transaction, so the warning is logged at debug level instead of alarming everyone who upgrades.
    public static void Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseSqlite(connectionString, o => o.MigrationsAssembly(StoreOptions.SqliteMigrations))
            .ConfigureWarnings(w => w.Log((RelationalEventId.NonTransactionalMigrationOperationWarning, LogLevel.Debug)));

    public static void AddServices(IServiceCollection services)
    {
        services.AddSingleton<SqliteConnections>();
        services.AddSingleton<SqlitePragmaInterceptor>();
    }

    public static void AddInterceptors(IServiceProvider services, DbContextOptionsBuilder options) =>
        options.AddInterceptors(services.GetRequiredService<SqlitePragmaInterceptor>(), new SqliteStatementReuseInterceptor());

    /// Creates the file's folder and turns on WAL, which lets readers work while one writer commits; the setting is
    /// stored in the file.
    public static async Task PrepareFileAsync(BosunDb db, CancellationToken ct)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(FileOf(db.Database.GetConnectionString()!))) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        await db.Database.OpenConnectionAsync(ct);
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode = WAL;", ct);
        await db.Database.CloseConnectionAsync();
    }
}
