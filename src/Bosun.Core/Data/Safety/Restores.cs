using Bosun.Core.Data.Postgres;
using Bosun.Core.Data.Sqlite;
using Bosun.Core.Integrations;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Data.Safety;

public sealed record RestoreResult(string File, string Store, string? SchemaVersion, IReadOnlyDictionary<string, long> Tables, IReadOnlyList<string> MigrationsApplied);

/// Puts a backup back. Everything that can refuse it is checked before anything is written: the file against its
/// checksum, the kind of store, that the target holds no data (unless forced), and that the backup's secrets open with
/// the key configured where it lands. Then the backup is restored whole (SQLite: a copy moved into place; PostgreSQL:
/// pg_restore in one transaction), its row counts compared with its manifest, and the migrations this Bosun has and the
/// backup did not are applied.
public static class Restores
{
    public static async Task<RestoreResult> RestoreAsync(string file, StoreOptions target, SecretBox keys, bool force, Action<BackupProgress>? progress, CancellationToken ct)
    {
        file = Path.GetFullPath(file);
        if (!File.Exists(file))
        {
            throw new DataSafetyException($"There is no backup at {file}.");
        }

        progress?.Invoke(new BackupProgress("checksum", 0));
        var expected = Backups.ExpectedChecksum(file)
                       ?? throw new DataSafetyException($"{file} has no checksum beside it ({Path.GetFileName(Backups.ChecksumFile(file))}); Bosun restores only a backup it can check, as `bosun backup` writes it.");
        var actual = await DataSafety.Sha256Async(file, ct);
        if (actual != expected)
        {
            throw new DataSafetyException(
                $"{file} does not match its checksum ({Path.GetFileName(Backups.ChecksumFile(file))}): the file is damaged or incomplete (truncated, or changed since it was written). Nothing was restored.");
        }

        progress?.Invoke(new BackupProgress("checksum", 1));
        var manifest = Backups.ReadManifest(file);
        var kind = SqliteBackup.IsSqliteFile(file) ? StoreKind.Sqlite
            : PostgresBackup.IsDumpFile(file) ? StoreKind.Postgres
            : throw new DataSafetyException($"{file} is neither a SQLite backup nor a pg_dump archive.");
        if (kind != target.Kind)
        {
            throw new DataSafetyException(kind == StoreKind.Sqlite
                ? "This is a backup of a SQLite database and the target is PostgreSQL: restore it into a data directory (--data-dir), then move it with `bosun move-store`."
                : "This is a backup of a PostgreSQL database and the target is SQLite: restore it into PostgreSQL (--postgres), or move tenants with `bosun export` and `bosun import`.");
        }

        var hasData = kind == StoreKind.Sqlite ? await SqliteBackup.HasDataAsync(target, ct) : await PostgresBackup.HasDataAsync(target, ct);
        if (hasData && !force)
        {
            throw new DataSafetyException($"{target.Describe()} already holds data; a restore goes only into an empty database. Add --force to replace what it holds.", conflict: true);
        }

        var sample = kind == StoreKind.Sqlite ? await SqliteBackup.SampleAsync(file, ct) : await PostgresBackup.SampleAsync(file, ct);
        SecretCheck.Require(keys, sample, file);

        progress?.Invoke(new BackupProgress("restore", 0));
        if (kind == StoreKind.Sqlite)
        {
            await SqliteBackup.RestoreAsync(file, target, ct);
        }
        else
        {
            await PostgresBackup.RestoreAsync(file, target, ct);
        }

        progress?.Invoke(new BackupProgress("restore", 1));
        var counts = kind == StoreKind.Sqlite ? await CountSqliteAsync(target, ct) : await CountPostgresAsync(target, ct);
        if (manifest is not null)
        {
            var wrong = manifest.Tables.Where(t => counts.GetValueOrDefault(t.Key, -1) != t.Value).Select(t => $"{t.Key} ({t.Value} in the backup, {counts.GetValueOrDefault(t.Key)} restored)").ToList();
            if (wrong.Count > 0)
            {
                throw new DataSafetyException($"The restored database does not hold what the backup's manifest says: {string.Join(", ", wrong)}.");
            }
        }

        progress?.Invoke(new BackupProgress("migrate", 0));
        var applied = await MigrateAsync(target, ct);
        progress?.Invoke(new BackupProgress("migrate", 1));
        return new RestoreResult(file, DataSafety.StoreName(kind), manifest?.SchemaVersion, counts, applied);
    }

    private static async Task<Dictionary<string, long>> CountSqliteAsync(StoreOptions target, CancellationToken ct)
    {
        await using var connection = await SqliteLoad.OpenAsync(target, ct);
        return await SqliteBackup.CountTablesAsync(connection, null, ct);
    }

    private static async Task<Dictionary<string, long>> CountPostgresAsync(StoreOptions target, CancellationToken ct)
    {
        await using var connection = new Npgsql.NpgsqlConnection(target.ConnectionString);
        await connection.OpenAsync(ct);
        return await PostgresBackup.CountTablesAsync(connection, null, ct);
    }

    /// Applies the migrations the target lacks and says which.
    public static async Task<IReadOnlyList<string>> MigrateAsync(StoreOptions target, CancellationToken ct)
    {
        var options = new DbContextOptionsBuilder<BosunDb>();
        target.Configure(options);
        await using var db = new BosunDb(options.Options);
        var pending = (await Migrator.StatusAsync(db, ct)).Pending;
        await Migrator.MigrateAsync(db, ct);
        return pending;
    }
}
