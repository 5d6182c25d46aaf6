using Bosun.Cli;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Bosun.Tests.Infrastructure;

/// Fresh, migrated databases for each test: a copy of a migrated SQLite file, or a PostgreSQL database
/// cloned from a migrated template in a throwaway cluster this test run starts itself.
public static class TestDatabases
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static ThrowawayPostgres? _postgres;
    private static string? _sqliteTemplate;
    private static readonly string Root = Path.Combine(Path.GetTempPath(), $"bosun-tests-{Environment.ProcessId}");

    public static async Task<StoreOptions> CreateAsync(StoreKind kind)
    {
        await Gate.WaitAsync();
        try
        {
            return kind == StoreKind.Sqlite ? await CreateSqliteAsync() : await CreatePostgresAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    /// An empty database with no migrations applied, for testing migration itself.
    public static async Task<StoreOptions> CreateEmptyAsync(StoreKind kind)
    {
        if (kind == StoreKind.Sqlite)
        {
            Directory.CreateDirectory(Root);
            return StoreOptions.Sqlite(Path.Combine(Root, $"{Ids.New()}.db"));
        }

        await Gate.WaitAsync();
        try
        {
            var server = await PostgresAsync();
            var name = $"empty_{Ids.New().ToLowerInvariant()}";
            await ExecuteAsync(server.ConnectionString(), $"CREATE DATABASE {name}");
            return StoreOptions.Postgres(server.ConnectionString(name));
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<StoreOptions> CreateSqliteAsync()
    {
        Directory.CreateDirectory(Root);
        if (_sqliteTemplate is null)
        {
            var template = Path.Combine(Root, "template.db");
            await MigrateAsync(StoreOptions.Sqlite(template));
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            _sqliteTemplate = template;
        }

        var file = Path.Combine(Root, $"{Ids.New()}.db");
        File.Copy(_sqliteTemplate, file);
        return StoreOptions.Sqlite(file);
    }

    private static async Task<StoreOptions> CreatePostgresAsync()
    {
        var server = await PostgresAsync();
        var name = $"t_{Ids.New().ToLowerInvariant()}";
        await ExecuteAsync(server.ConnectionString(), $"CREATE DATABASE {name} TEMPLATE bosun_template");
        return StoreOptions.Postgres(server.ConnectionString(name));
    }

    public static async Task<ThrowawayPostgres> PostgresAsync()
    {
        TestStores.Require(StoreKind.Postgres);
        if (_postgres is not null)
        {
            return _postgres;
        }

        // No silent skip: if PostgreSQL cannot start, every PostgreSQL test fails with this reason.
        var server = await ThrowawayPostgres.StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        await ExecuteAsync(server.ConnectionString(), "CREATE DATABASE bosun_template");
        await MigrateAsync(StoreOptions.Postgres(server.ConnectionString("bosun_template")));
        NpgsqlConnection.ClearAllPools();
        _postgres = server;
        return server;
    }

    public static async Task MigrateAsync(StoreOptions store)
    {
        var options = new DbContextOptionsBuilder<BosunDb>();
        store.Configure(options);
        await using var db = new BosunDb(options.Options);
        await Migrator.MigrateAsync(db);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
