using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Bosun.Core.Data.Safety;

/// Where backups go, and how often the server makes one itself (<see cref="Every"/> null: it does not).
/// From BOSUN_BACKUP_EVERY (e.g. 24h, 30m, 7d, 1h30m), BOSUN_BACKUP_DIR and BOSUN_BACKUP_KEEP (default 7).
public sealed partial record BackupScheduleOptions(TimeSpan? Every, string Directory, int Keep)
{
    public const int DefaultKeep = 7;

    public static BackupScheduleOptions FromConfiguration(IConfiguration configuration, StoreOptions store)
    {
        var every = configuration["BOSUN_BACKUP_EVERY"] is { Length: > 0 } text
            ? ParseInterval(text) ?? throw new InvalidOperationException($"BOSUN_BACKUP_EVERY='{text}' is not an interval: write it like 24h, 30m, 7d or 1h30m.")
            : (TimeSpan?)null;
        if (every < TimeSpan.FromMinutes(1))
        {
            throw new InvalidOperationException("BOSUN_BACKUP_EVERY must be at least 1m.");
        }

        var keep = DefaultKeep;
        if (configuration["BOSUN_BACKUP_KEEP"] is { Length: > 0 } kept && (!int.TryParse(kept, NumberStyles.None, CultureInfo.InvariantCulture, out keep) || keep < 1))
        {
            throw new InvalidOperationException($"BOSUN_BACKUP_KEEP='{kept}' must be a whole number of backups, at least 1.");
        }

        return new BackupScheduleOptions(every, DefaultDirectory(configuration, store), keep);
    }

    /// BOSUN_BACKUP_DIR, else `backups` in the data directory: beside the SQLite file, or BOSUN_DATA_DIR (default ./bosun-data)
    /// with PostgreSQL.
    public static string DefaultDirectory(IConfiguration configuration, StoreOptions store)
    {
        if (configuration["BOSUN_BACKUP_DIR"] is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }

        return Path.Combine(DataDirectory(configuration, store), "backups");
    }

    /// The data directory: the SQLite file's, or BOSUN_DATA_DIR (default ./bosun-data) with PostgreSQL.
    public static string DataDirectory(IConfiguration configuration, StoreOptions store) =>
        store.Kind == StoreKind.Sqlite
            ? Path.GetDirectoryName(Path.GetFullPath(store.SqliteFile!))!
            : Path.GetFullPath(configuration["BOSUN_DATA_DIR"] is { Length: > 0 } dir ? dir : "bosun-data");

    /// 24h, 30m, 90s, 7d, 1h30m, or a .NET time span (1.00:00:00); null when it is neither.
    public static TimeSpan? ParseInterval(string text)
    {
        text = text.Trim();
        if (IntervalPattern().Match(text) is { Success: true } m)
        {
            var total = TimeSpan.Zero;
            foreach (Capture part in m.Groups["part"].Captures)
            {
                var number = double.Parse(part.Value[..^1], CultureInfo.InvariantCulture);
                total += part.Value[^1] switch
                {
                    'd' => TimeSpan.FromDays(number),
                    'h' => TimeSpan.FromHours(number),
                    'm' => TimeSpan.FromMinutes(number),
                    _ => TimeSpan.FromSeconds(number),
                };
            }

            return total;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) ? span : null;
    }

    public static string Format(TimeSpan interval) =>
        interval.TotalDays >= 1 && interval.TotalDays % 1 == 0 ? $"{interval.TotalDays:F0}d"
        : interval.TotalHours >= 1 && interval.TotalHours % 1 == 0 ? $"{interval.TotalHours:F0}h"
        : interval.TotalMinutes % 1 == 0 ? $"{interval.TotalMinutes:F0}m"
        : $"{interval.TotalSeconds:F0}s";

    [GeneratedRegex(@"^(?<part>\d+(?:\.\d+)?[dhms])+$")]
    private static partial Regex IntervalPattern();
}

/// What /healthz says about backups.
public sealed record BackupHealth(
    bool Scheduled, string? Every, int? Keep, DateTime? LastGoodAt, long? LastGoodAgeSeconds, string? LastGoodFile, DateTime? LastFailedAt,
    DateTime? NextAt, IReadOnlyList<string> Warnings);

/// The state of this server's backups: the last good one (found in the backup directory, so it survives restarts and
/// counts backups made with `bosun backup` into the same directory), the last failure, and the warnings they call for.
public sealed class BackupMonitor(BackupScheduleOptions options, TimeProvider clock)
{
    private readonly DateTime _started = clock.GetUtcNow().UtcDateTime;
    private readonly Lock _lock = new();
    private (DateTime At, string File)? _lastGood;
    private (DateTime At, string Error)? _lastFailure;
    private DateTime? _next;
    private DateTime _scanned = DateTime.MinValue;

    public BackupScheduleOptions Options => options;

    public DateTime? LastGoodAt => _lastGood?.At;

    public (DateTime At, string Error)? LastFailure => _lastFailure;

    /// Reads the backup directory again for the newest good backup, at most once a minute unless told to.
    public void Refresh(bool now = false)
    {
        var time = clock.GetUtcNow().UtcDateTime;
        if (!now && time - _scanned < TimeSpan.FromMinutes(1))
        {
            return;
        }

        _scanned = time;
        List<(string File, BackupManifest Manifest)> backups;
        try
        {
            backups = Backups.List(options.Directory);
        }
        catch (IOException)
        {
            return;
        }
        catch (UnauthorizedAccessException)
        {
            return;
        }

        if (backups.Count > 0)
        {
            lock (_lock)
            {
                var newest = backups[0];
                if (_lastGood is not { } known || newest.Manifest.CreatedAt > known.At)
                {
                    _lastGood = (newest.Manifest.CreatedAt, newest.File);
                }
            }
        }
    }

    public void Succeeded(BackupManifest manifest)
    {
        lock (_lock)
        {
            _lastGood = (manifest.CreatedAt, Path.Combine(options.Directory, manifest.File));
        }
    }

    public void Failed(string error)
    {
        lock (_lock)
        {
            _lastFailure = (clock.GetUtcNow().UtcDateTime, error);
        }
    }

    internal void Next(DateTime? at) => _next = at;

    /// When the next scheduled backup is due: an interval after the last good one, soon after start when there is none,
    /// and a little after a failure.
    public DateTime? Due()
    {
        if (options.Every is not { } every)
        {
            return null;
        }

        lock (_lock)
        {
            var due = _lastGood is { } good ? good.At + every : _started + BackupScheduler.FirstDelay;
            if (_lastFailure is { } failed && (_lastGood is null || failed.At > _lastGood.Value.At))
            {
                var retry = failed.At + TimeSpan.FromTicks(Math.Min(every.Ticks, BackupScheduler.RetryDelay.Ticks));
                due = retry > due ? retry : due;
            }

            return due;
        }
    }

    public BackupHealth Health()
    {
        Refresh();
        var now = clock.GetUtcNow().UtcDateTime;
        var warnings = new List<string>();
        (DateTime At, string File)? good;
        (DateTime At, string Error)? failure;
        lock (_lock)
        {
            good = _lastGood;
            failure = _lastFailure;
        }

        if (options.Every is { } every)
        {
            var since = good?.At ?? _started;
            if (now - since > 2 * every)
            {
                warnings.Add(good is null
                    ? $"no good backup since the server started {Backups.Describe(_started, now)}, though one is due every {BackupScheduleOptions.Format(every)}"
                    : $"the last good backup is from {Backups.Describe(good.Value.At, now)}, more than twice the interval of {BackupScheduleOptions.Format(every)}");
            }
        }

        if (failure is { } f && (good is null || f.At > good.Value.At))
        {
            warnings.Add($"the last backup failed ({Backups.Describe(f.At, now)}); see the server's log");
        }

        return new BackupHealth(options.Every is not null, options.Every is { } e ? BackupScheduleOptions.Format(e) : null, options.Every is null ? null : options.Keep,
            good?.At, good is { } g ? (long)Math.Max(0, (now - g.At).TotalSeconds) : null, good is { } gf ? Path.GetFileName(gf.File) : null,
            failure?.At, options.Every is null ? null : _next ?? Due(), warnings);
    }
}

/// Backs the server up on BOSUN_BACKUP_EVERY into BOSUN_BACKUP_DIR, keeping the newest BOSUN_BACKUP_KEEP good backups.
/// On PostgreSQL several servers may share a database: an advisory lock lets one of them back up at a time, and each
/// looks at the directory before starting, so a backup another one just made is not made again.
public sealed class BackupScheduler(BackupMonitor monitor, StoreOptions store, TimeProvider clock, ILogger<BackupScheduler> logger) : BackgroundService
{
    /// The first backup of a server with none waits this long after start, out of the way of the start itself.
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMinutes(1);

    /// How long after a failed backup the next one is tried (or after the interval, if that is shorter).
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMinutes(15);

    /// The key of the advisory lock a PostgreSQL backup holds: "bosun" in ASCII, then 2.
    private const long BackupLock = 0x626F73756E_02;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        monitor.Refresh(now: true);
        while (!stoppingToken.IsCancellationRequested)
        {
            var due = monitor.Due();
            monitor.Next(due);
            var wait = due is { } at ? at - clock.GetUtcNow().UtcDateTime : TimeSpan.FromMinutes(1);
            if (wait > TimeSpan.Zero)
            {
                // Checked again at least every minute: another server may have made a backup meanwhile.
                await Task.Delay(wait < TimeSpan.FromMinutes(1) ? wait : TimeSpan.FromMinutes(1), clock, stoppingToken);
                monitor.Refresh();
                continue;
            }

            await RunOnceAsync(stoppingToken);
        }
    }

    /// Makes one backup now, prunes the old ones and records the outcome; a failure is logged and reported, not thrown.
    public async Task<BackupManifest?> RunOnceAsync(CancellationToken ct)
    {
        NpgsqlConnection? locked = null;
        NpgsqlTransaction? holding = null;
        try
        {
            if (store.Kind == StoreKind.Postgres)
            {
                // The lock belongs to a transaction held open for the length of the backup, not to the session: behind a
                // pooler in transaction mode (PgBouncer) a session lock stays with whichever server connection took it,
                // and an unlock sent later may reach another one.
                locked = new NpgsqlConnection(store.ConnectionString);
                await locked.OpenAsync(ct);
                holding = await locked.BeginTransactionAsync(ct);
                await using var take = new NpgsqlCommand($"SELECT pg_try_advisory_xact_lock({BackupLock})", locked, holding);
                if (!(bool)(await take.ExecuteScalarAsync(ct))!)
                {
                    logger.LogInformation("Another Bosun server is backing up this database; skipping this backup");
                    monitor.Refresh(now: true);
                    return null;
                }
            }

            var manifest = await Backups.CreateAsync(store, monitor.Options.Directory, clock, null, ct);
            var pruned = Backups.Prune(monitor.Options.Directory, monitor.Options.Keep);
            monitor.Succeeded(manifest);
            logger.LogInformation("Backed up to {File} ({Size:N0} bytes, copied in {Copy:F1} s, checked in {Verify:F1} s); removed {Pruned} older backups",
                manifest.File, manifest.SizeBytes, manifest.CopySeconds, manifest.VerifySeconds, pruned.Count);
            return manifest;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            monitor.Failed(ex.Message);
            logger.LogError(ex, "The scheduled backup into {Directory} failed", monitor.Options.Directory);
            return null;
        }
        finally
        {
            if (locked is not null)
            {
                if (holding is not null && locked.State == System.Data.ConnectionState.Open)
                {
                    await holding.RollbackAsync(CancellationToken.None);
                }

                await locked.DisposeAsync();
            }
        }
    }
}
