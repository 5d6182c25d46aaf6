using Bosun.Core.Data.Postgres;
using Bosun.Core.Data.Sqlite;
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
        if (!db.IsPostgres)
        {
            await SqliteStore.PrepareFileAsync(db, ct);
            await db.Database.MigrateAsync(ct);
            await SqliteStatistics.RefreshAsync(db.Database.GetConnectionString()!, ct);
            return;
        }

        await PostgresStore.MigrateLockedAsync(db, async () =>
        {
            // EF learns whether the history table exists by reading it, and logs the failed read on a fresh
            // database as an error: a first start showed a failure that was not one. Migrating creates the
            // table anyway; creating it first keeps the log honest.
            await Sql.ScalarOutsideTransactionAsync(db, db.GetService<IHistoryRepository>().GetCreateIfNotExistsScript(), ct);
            await db.Database.MigrateAsync(ct);
        }, ct);
    }

    public static async Task<MigrationState> StatusAsync(BosunDb db, CancellationToken ct = default)
    {
        var all = db.GetService<IMigrationsAssembly>().Migrations.Keys.ToList();
        var applied = !db.IsPostgres || await HistoryExistsAsync(db, ct)
            ? (await db.Database.GetAppliedMigrationsAsync(ct)).ToList()
            : [];
        return new MigrationState(applied, all.Except(applied).ToList());
    }

    /// Whether PostgreSQL finds the history table where an unqualified name leads (the search path), as EF's read would.
    private static async Task<bool> HistoryExistsAsync(BosunDb db, CancellationToken ct) =>
        (bool)(await Sql.ScalarOutsideTransactionAsync(db, "SELECT to_regclass(quote_ident(@table)) IS NOT NULL", ct, ("table", HistoryRepository.DefaultTableName)))!;
}
