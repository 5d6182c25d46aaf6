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
        }

        await db.Database.MigrateAsync(ct);
    }

    public static async Task<MigrationState> StatusAsync(BosunDb db, CancellationToken ct = default)
    {
        var all = db.GetService<IMigrationsAssembly>().Migrations.Keys.ToList();
        var applied = (await db.Database.GetAppliedMigrationsAsync(ct)).ToList();
        return new MigrationState(applied, all.Except(applied).ToList());
    }
}
