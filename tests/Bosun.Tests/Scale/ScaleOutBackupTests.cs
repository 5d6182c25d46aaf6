using Bosun.Core.Data;
using Bosun.Core.Data.Safety;
using Bosun.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Bosun.Tests.Scale;

/// Several servers with scheduled backups on one PostgreSQL database: one backs up, the others skip, and the lock is
/// given back when the backup ends.
public sealed class ScaleOutBackupTests
{
    /// BackupScheduler's lock: "bosun" in ASCII, then 2.
    private const long BackupLock = 0x626F73756E_02;

    [Fact, Trait(TestCategory.Key, TestCategory.Postgres)]
    public async Task A_scheduled_backup_skips_while_another_server_holds_the_backup_lock_and_leaves_no_lock_behind()
    {
        var dir = Directory.CreateTempSubdirectory("bosun-scaleout-backups-").FullName;
        try
        {
            await using var app = await BosunTestApp.StartAsync(StoreKind.Postgres, fakeClock: true,
                backups: new BackupScheduleOptions(TimeSpan.FromHours(1), Path.Combine(dir, "backups"), Keep: 2));
            await app.CreateTenantAsync();
            var scheduler = app.Services.GetRequiredService<BackupScheduler>();

            await using (var other = new NpgsqlConnection(app.Store.ConnectionString))
            {
                await other.OpenAsync();
                await using var take = new NpgsqlCommand($"SELECT pg_advisory_lock({BackupLock})", other);
                await take.ExecuteNonQueryAsync();

                Assert.Null(await scheduler.RunOnceAsync(CancellationToken.None));
                Assert.Empty(Backups.List(Path.Combine(dir, "backups")));

                await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({BackupLock})", other);
                await release.ExecuteNonQueryAsync();
            }

            var made = await scheduler.RunOnceAsync(CancellationToken.None);
            Assert.NotNull(made);
            Assert.Equal(made.File, Path.GetFileName(Assert.Single(Backups.List(Path.Combine(dir, "backups"))).File));

            // The lock ended with the backup: no session anywhere still holds it, so the next server's backup can run.
            var database = new NpgsqlConnectionStringBuilder(app.Store.ConnectionString).Database!;
            Assert.Equal(0, await ScaleOutTests.CountAsync(app.Store.ConnectionString,
                "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = @db", ("db", database)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
