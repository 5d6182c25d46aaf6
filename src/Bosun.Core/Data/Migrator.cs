using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Bosun.Core.Data;

public sealed record MigrationState(IReadOnlyList<string> Applied, IReadOnlyList<string> Pending);

/// Forward-only migrations, recorded in the database's __EFMigrationsHistory table.
public static class Migrator
{
    public static async Task MigrateAsync(BosunDb db, CancellationToken ct = default)
    {
        if (db.Database.IsSqlite())
        {
            var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
            if (Path.GetDirectoryName(Path.GetFullPath(file)) is { } dir)
            {
                Directory.CreateDirectory(dir);
            }

            // WAL lets readers work while one writer commits; the setting is stored in the file.
            await db.Database.OpenConnectionAsync(ct);
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode = WAL;", ct);
            await db.Database.CloseConnectionAsync();
            await db.Database.MigrateAsync(ct);
            return;
        }

        // Several servers may start at once on one database (replicas, or an upgrade rolled out to all of them).
        // EF's own lock did not keep two of them from applying the same migration (the second failed on an object
        // the first had just made), so they take turns: the one that waited finds nothing left to apply.
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await ScalarAsync(db, $"SELECT pg_advisory_lock({MigrationLock})", ct);
            try
            {
                // EF learns whether the history table exists by reading it, and logs the failed read on a fresh
                // database as an error: a first start showed a failure that was not one. Migrating creates the
                // table anyway; creating it first keeps the log honest.
                await ScalarAsync(db, db.GetService<IHistoryRepository>().GetCreateIfNotExistsScript(), ct);
                await db.Database.MigrateAsync(ct);
            }
            finally
            {
                await ScalarAsync(db, $"SELECT pg_advisory_unlock({MigrationLock})", CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// The key of the PostgreSQL advisory lock that migrations hold: "bosun" in ASCII, then 1.
    private const long MigrationLock = 0x626F73756E_01;

    public static async Task<MigrationState> StatusAsync(BosunDb db, CancellationToken ct = default)
    {
        var all = db.GetService<IMigrationsAssembly>().Migrations.Keys.ToList();
        var applied = db.Database.IsSqlite() || await HistoryExistsAsync(db, ct)
            ? (await db.Database.GetAppliedMigrationsAsync(ct)).ToList()
            : [];
        return new MigrationState(applied, all.Except(applied).ToList());
    }

    /// Whether PostgreSQL finds the history table where an unqualified name leads (the search path), as EF's read would.
    private static async Task<bool> HistoryExistsAsync(BosunDb db, CancellationToken ct) =>
        (bool)(await ScalarAsync(db, "SELECT to_regclass(quote_ident(@table)) IS NOT NULL", ct, ("table", HistoryRepository.DefaultTableName)))!;

    /// Runs one statement on the context's connection, outside any transaction, and returns its first value.
    private static async Task<object?> ScalarAsync(BosunDb db, string sql, CancellationToken ct, (string Name, object Value)? parameter = null)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = sql;
            if (parameter is { } p)
            {
                command.With(p.Name, p.Value);
            }

            return await command.ExecuteScalarAsync(ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
