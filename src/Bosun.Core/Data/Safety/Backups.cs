using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Bosun.Core.Data.Postgres;
using Bosun.Core.Data.Sqlite;

namespace Bosun.Core.Data.Safety;

/// What a copy held at the moment it was taken: the schema version and every table's row count.
public sealed record BackupSnapshot(string? SchemaVersion, IReadOnlyDictionary<string, long> Tables);

/// What reading a backup file back found in it.
public sealed record BackupContents(string? SchemaVersion, IReadOnlyDictionary<string, long> Tables, IReadOnlyList<string> SecretKeyIds);

public sealed record BackupProgress(string Stage, double Fraction);

/// Written beside each backup once it was checked; its presence marks a good backup. <see cref="Tables"/> holds the row
/// count of every table at the backup's point in time, and a restore finds the same counts in what it restored.
public sealed record BackupManifest
{
    public const string FormatName = "bosun-backup";
    public const int CurrentVersion = 1;

    public string Format { get; init; } = FormatName;
    public int Version { get; init; } = CurrentVersion;
    public required string File { get; init; }
    public required string Store { get; init; }
    public required DateTime CreatedAt { get; init; }
    public string? SchemaVersion { get; init; }
    public required string Sha256 { get; init; }
    public long SizeBytes { get; init; }
    public required IReadOnlyDictionary<string, long> Tables { get; init; }

    /// The ids of the keys its secrets were sealed with: a restore elsewhere needs one of them.
    public IReadOnlyList<string> SecretKeyIds { get; init; } = [];
    public double CopySeconds { get; init; }
    public double VerifySeconds { get; init; }
    public string BosunVersion { get; init; } = DataSafety.BosunVersion;
}

/// Online backups of either store: copied while the server runs, then checked before they count. A backup is the file
/// (`bosun-20260302T090000Z.db` for SQLite, `.dump` for PostgreSQL), its SHA-256 in `FILE.sha256` (the format of
/// sha256sum, so `sha256sum -c` checks it too) and its manifest in `FILE.manifest.json`, written last.
public static class Backups
{
    public const string Prefix = "bosun-";

    public static string ChecksumFile(string file) => file + ".sha256";

    public static string ManifestFile(string file) => file + ".manifest.json";

    /// Copies the store into a new file of the directory and checks it: opened, its schema version and every table's
    /// row count compared with the source's at the copy's point in time. Only then does it get its checksum and
    /// manifest; a copy that fails its check is deleted and the backup fails.
    public static async Task<BackupManifest> CreateAsync(StoreOptions store, string directory, TimeProvider clock, Action<BackupProgress>? progress, CancellationToken ct)
    {
        DataSafety.CreatePrivateDirectory(directory);
        var now = clock.GetUtcNow().UtcDateTime;
        var extension = store.Kind == StoreKind.Sqlite ? SqliteBackup.Extension : PostgresBackup.Extension;
        var file = Path.Combine(Path.GetFullPath(directory), $"{Prefix}{now:yyyyMMdd'T'HHmmss'Z'}{extension}");
        for (var n = 2; File.Exists(file); n++)
        {
            file = Path.Combine(Path.GetFullPath(directory), $"{Prefix}{now:yyyyMMdd'T'HHmmss'Z'}-{n}{extension}");
        }

        var partial = file + ".partial";
        try
        {
            DataSafety.CreatePrivateFile(partial);
            var copying = Stopwatch.StartNew();
            var snapshot = store.Kind == StoreKind.Sqlite
                ? await SqliteBackup.CopyAsync(store, partial, f => progress?.Invoke(new BackupProgress("copy", f)), ct)
                : await PostgresBackup.DumpAsync(store, partial, f => progress?.Invoke(new BackupProgress("copy", f)), ct);
            copying.Stop();

            var verifying = Stopwatch.StartNew();
            var contents = await ReadBackAsync(store.Kind, partial, snapshot.Tables.Values.Sum(), progress, ct);
            Compare(snapshot, contents);
            progress?.Invoke(new BackupProgress("checksum", 0));
            var sha = await Background.RunAsync(() => DataSafety.Sha256(partial), ct);
            verifying.Stop();
            progress?.Invoke(new BackupProgress("checksum", 1));

            File.Move(partial, file);
            await File.WriteAllTextAsync(ChecksumFile(file), $"{sha}  {Path.GetFileName(file)}\n", ct);
            var manifest = new BackupManifest
            {
                File = Path.GetFileName(file),
                Store = DataSafety.StoreName(store.Kind),
                CreatedAt = now,
                SchemaVersion = snapshot.SchemaVersion,
                Sha256 = sha,
                SizeBytes = new FileInfo(file).Length,
                Tables = new SortedDictionary<string, long>(snapshot.Tables.ToDictionary(), StringComparer.Ordinal),
                SecretKeyIds = contents.SecretKeyIds,
                CopySeconds = Math.Round(copying.Elapsed.TotalSeconds, 3),
                VerifySeconds = Math.Round(verifying.Elapsed.TotalSeconds, 3),
            };
            await File.WriteAllTextAsync(ManifestFile(file), JsonSerializer.Serialize(manifest, DataSafety.Json), ct);
            return manifest;
        }
        finally
        {
            File.Delete(partial);
        }
    }

    private static async Task<BackupContents> ReadBackAsync(StoreKind kind, string file, long rows, Action<BackupProgress>? progress, CancellationToken ct)
    {
        progress?.Invoke(new BackupProgress("verify", 0));
        var contents = kind == StoreKind.Sqlite
            ? await SqliteBackup.VerifyAsync(file, ct)
            : await PostgresBackup.VerifyAsync(file, f => progress?.Invoke(new BackupProgress("verify", f)), rows, ct);
        progress?.Invoke(new BackupProgress("verify", 1));
        return contents;
    }

    private static void Compare(BackupSnapshot snapshot, BackupContents contents)
    {
        if (contents.SchemaVersion != snapshot.SchemaVersion)
        {
            throw new DataSafetyException($"The copy's schema version is {contents.SchemaVersion ?? "none"}, the database's was {snapshot.SchemaVersion ?? "none"}; the backup was discarded.");
        }

        var wrong = snapshot.Tables.Keys.Union(contents.Tables.Keys)
            .Where(t => snapshot.Tables.GetValueOrDefault(t, -1) != contents.Tables.GetValueOrDefault(t, -1))
            .Order(StringComparer.Ordinal)
            .Select(t => $"{t} ({snapshot.Tables.GetValueOrDefault(t)} rows in the database, {contents.Tables.GetValueOrDefault(t)} in the copy)")
            .ToList();
        if (wrong.Count > 0)
        {
            throw new DataSafetyException($"The copy does not hold what the database held: {string.Join(", ", wrong)}; the backup was discarded.");
        }
    }

    public static BackupManifest? ReadManifest(string file)
    {
        try
        {
            return System.IO.File.Exists(ManifestFile(file))
                ? JsonSerializer.Deserialize<BackupManifest>(System.IO.File.ReadAllText(ManifestFile(file)), DataSafety.Json)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// The good backups in a directory (those with a manifest, and their file beside it), newest first.
    public static List<(string File, BackupManifest Manifest)> List(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        return Directory.GetFiles(directory, Prefix + "*")
            .Where(f => f.EndsWith(SqliteBackup.Extension, StringComparison.Ordinal) || f.EndsWith(PostgresBackup.Extension, StringComparison.Ordinal))
            .Select(f => (File: f, Manifest: ReadManifest(f)))
            .Where(b => b.Manifest is not null)
            .Select(b => (b.File, b.Manifest!))
            .OrderByDescending(b => b.Item2.CreatedAt)
            .ThenByDescending(b => b.File, StringComparer.Ordinal)
            .ToList();
    }

    /// Deletes all but the newest <paramref name="keep"/> good backups of the directory; returns the files deleted.
    /// Files that are not Bosun's good backups are left alone.
    public static List<string> Prune(string directory, int keep)
    {
        var deleted = new List<string>();
        foreach (var (file, _) in List(directory).Skip(Math.Max(1, keep)))
        {
            // The manifest goes first: a backup half deleted is no longer counted as good.
            foreach (var part in new[] { ManifestFile(file), ChecksumFile(file), file })
            {
                System.IO.File.Delete(part);
            }

            deleted.Add(file);
        }

        return deleted;
    }

    /// The checksum written beside a backup, or null when there is none.
    public static string? ExpectedChecksum(string file)
    {
        if (!System.IO.File.Exists(ChecksumFile(file)))
        {
            return null;
        }

        var text = System.IO.File.ReadAllText(ChecksumFile(file)).Trim();
        var sha = text.Split(' ', 2)[0].ToLowerInvariant();
        return sha.Length == 64 && sha.All(Uri.IsHexDigit) ? sha : null;
    }

    public static string Describe(DateTime at, DateTime now)
    {
        var age = now - at;
        return age.TotalDays >= 2 ? $"{age.TotalDays:F0} days ago"
            : age.TotalHours >= 2 ? $"{age.TotalHours:F0} hours ago"
            : age.TotalMinutes >= 2 ? $"{age.TotalMinutes:F0} minutes ago"
            : $"{Math.Max(0, age.TotalSeconds).ToString("F0", CultureInfo.InvariantCulture)} seconds ago";
    }
}
