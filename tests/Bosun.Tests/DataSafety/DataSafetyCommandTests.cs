using Bosun.Core.Data;
using Bosun.Core.Data.Safety;
using Bosun.Tests.Cli;
using Bosun.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.DataSafety;

/// backup, restore, import, move-store and status as people type them. In the CLI collection: command lines share the
/// global option objects, so they run one at a time.
[Collection("CLI")]
public sealed class DataSafetyCommandTests
{
    [Theory, BothStores]
    public async Task A_truncated_backup_is_refused_by_restore_with_a_clear_error_and_nothing_is_written(StoreKind store)
    {
        using var dir = new TempDir();
        var source = await DataSafetyKit.NamedStoreAsync(store, dir);
        await using (var app = await BosunTestApp.StartOnAsync(source))
        {
            await app.CreateTenantAsync();
        }

        using var cli = new CliRunner(null);
        var made = (await cli.OkAsync(BackupTests.StoreArgs(source, "backup", "--to", dir.File("backups"), "--json"))).Json();
        var file = made.Str("path");
        Assert.True(File.Exists(Backups.ManifestFile(file)));
        Assert.Equal(made.GetProperty("manifest").Str("sha256"), Backups.ExpectedChecksum(file));

        await using (var stream = new FileStream(file, FileMode.Open))
        {
            stream.SetLength(stream.Length / 2);
        }

        var target = await DataSafetyKit.EmptyNamedStoreAsync(store, dir);
        var refused = await cli.RunAsync(BackupTests.StoreArgs(target, "restore", file));

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("does not match its checksum", refused.Error);
        Assert.Contains("damaged or incomplete", refused.Error);
        Assert.Contains("Nothing was restored", refused.Error);
        Assert.True(await DataSafetyKit.UntouchedAsync(target));
    }

    [Fact]
    public async Task Import_refuses_a_tenant_slug_that_exists_and_writes_nothing()
    {
        await using var source = await BosunTestApp.StartAsync(StoreKind.Sqlite, fakeClock: true);
        var acme = await source.CreateTenantAsync("acme");
        await acme.CreateProjectAsync("WEB");
        using var dir = new TempDir();
        var file = dir.File("acme.zip");
        await TenantArchive.ExportAsync(source.Store, "acme", file, TimeProvider.System, null, CancellationToken.None);
        var target = await DataSafetyKit.NamedStoreAsync(StoreKind.Sqlite, dir);
        await using (var app = await BosunTestApp.StartOnAsync(target))
        {
            await app.CreateTenantAsync("acme");
        }

        var before = await DataSafetyKit.CountsAsync(target);
        using var cli = new CliRunner(null);
        var refused = await cli.RunAsync(BackupTests.StoreArgs(target, "import", file));

        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("A tenant with the slug 'acme' already exists here; nothing was imported", refused.Error);
        Assert.Equal(before, await DataSafetyKit.CountsAsync(target));
    }

    [Fact]
    public async Task Scheduled_backups_keep_the_newest_and_healthz_reports_their_age_and_failures()
    {
        using var dir = new TempDir();
        var backups = new BackupScheduleOptions(TimeSpan.FromHours(1), dir.File("backups"), Keep: 2);
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite, fakeClock: true, backups: backups);
        await app.CreateTenantAsync();
        var scheduler = app.Services.GetRequiredService<BackupScheduler>();
        var health = app.Anonymous();

        var before = (await health.GetJsonAsync("/healthz")).GetProperty("backup");
        Assert.True(before.GetProperty("scheduled").GetBoolean());
        Assert.Equal("1h", before.Str("every"));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, before.GetProperty("last_good_at").ValueKind);

        var made = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            made.Add((await scheduler.RunOnceAsync(CancellationToken.None))!.File);
            app.Clock!.Advance(TimeSpan.FromHours(1));
        }

        Assert.Equal(made.Skip(1).Reverse(), Backups.List(backups.Directory).Select(b => Path.GetFileName(b.File)));
        Assert.Equal(6, Directory.GetFiles(backups.Directory).Length);

        var fresh = await health.GetJsonAsync("/healthz");
        Assert.Equal("ok", fresh.Str("status"));
        Assert.Equal(3600, fresh.GetProperty("backup").GetProperty("last_good_age_seconds").GetInt64());
        Assert.Equal(made[^1], fresh.GetProperty("backup").Str("last_good_file"));
        Assert.Empty(fresh.GetProperty("backup").GetProperty("warnings").EnumerateArray());

        app.Clock!.Advance(TimeSpan.FromHours(1.5));
        var stale = await health.GetJsonAsync("/healthz");
        Assert.Equal("warning", stale.Str("status"));
        Assert.Contains("more than twice the interval of 1h", Assert.Single(stale.GetProperty("backup").GetProperty("warnings").EnumerateArray()).GetString());

        // The backup directory becomes a file: the next backup fails, and says so.
        Directory.Delete(backups.Directory, recursive: true);
        await File.WriteAllTextAsync(backups.Directory, "not a directory");
        Assert.Null(await scheduler.RunOnceAsync(CancellationToken.None));
        var failed = await health.GetJsonAsync("/healthz");
        Assert.Contains(failed.GetProperty("backup").GetProperty("warnings").EnumerateArray(), w => w.GetString()!.StartsWith("the last backup failed", StringComparison.Ordinal));

        using var cli = new CliRunner(app);
        var status = await cli.OkAsync("--url", CliRunner.Url, "status");
        Assert.Contains("warning", status.Output);
        Assert.Contains("Backups: every 1h, keeping 2; last good backup 2 hours ago", status.Output);
        Assert.Contains("Warning: the last backup failed", status.Output);
        var json = (await cli.OkAsync("--url", CliRunner.Url, "status", "--json")).Json();
        Assert.Equal("warning", json.Str("status"));
        Assert.Equal(made[^1], json.GetProperty("backup").Str("last_good_file"));
    }
}
