using Bosun.Core.Data;
using Bosun.Core.Data.Safety;
using Bosun.Tests.Cli;
using Bosun.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.DataSafety;

/// The server backs itself up on its interval, keeps the newest few, and says in /healthz (and `bosun status`) how old
/// its last good backup is and when something is wrong.
public sealed class ScheduledBackupTests
{
    [Fact]
    public async Task A_server_without_a_schedule_says_so_and_reports_no_warning()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite, fakeClock: true, backups: new BackupScheduleOptions(null, Path.Combine(Path.GetTempPath(), $"bosun-none-{Guid.NewGuid():N}"), 7));

        var health = await app.Anonymous().GetJsonAsync("/healthz");

        Assert.Equal("ok", health.Str("status"));
        Assert.False(health.GetProperty("backup").GetProperty("scheduled").GetBoolean());
        Assert.Empty(health.GetProperty("backup").GetProperty("warnings").EnumerateArray());
        Assert.Null(app.Services.GetService<BackupScheduler>());
    }

    [Theory]
    [InlineData("24h", 24 * 60)]
    [InlineData("30m", 30)]
    [InlineData("7d", 7 * 24 * 60)]
    [InlineData("1h30m", 90)]
    [InlineData("1.00:00:00", 24 * 60)]
    public void The_interval_is_written_as_people_write_it(string text, int minutes)
    {
        var options = BackupScheduleOptions.FromConfiguration(Configuration(("BOSUN_BACKUP_EVERY", text)), StoreOptions.Sqlite("/srv/bosun/bosun.db"));

        Assert.Equal(TimeSpan.FromMinutes(minutes), options.Every);
        Assert.Equal(BackupScheduleOptions.DefaultKeep, options.Keep);
        Assert.Equal("/srv/bosun/backups", options.Directory);
    }

    [Theory]
    [InlineData("BOSUN_BACKUP_EVERY", "daily", "24h, 30m, 7d or 1h30m")]
    [InlineData("BOSUN_BACKUP_EVERY", "10s", "at least 1m")]
    [InlineData("BOSUN_BACKUP_KEEP", "0", "at least 1")]
    public void A_setting_that_means_nothing_stops_the_server_naming_it(string name, string value, string message)
    {
        var error = Assert.Throws<InvalidOperationException>(() => BackupScheduleOptions.FromConfiguration(Configuration(("BOSUN_BACKUP_EVERY", "1h"), (name, value)), StoreOptions.Sqlite("/srv/bosun/bosun.db")));

        Assert.Contains(name, error.Message);
        Assert.Contains(message, error.Message);
    }

    private static IConfiguration Configuration(params (string Name, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.GroupBy(v => v.Name).Select(g => new KeyValuePair<string, string?>(g.Key, g.Last().Value))).Build();
}
