using System.Net.Http.Json;
using System.Security.Cryptography;
using Bosun.Core.Data;
using Bosun.Core.Data.Safety;
using Bosun.Core.Integrations;
using Bosun.Server.Http;
using Bosun.Tests.Cli;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.DataSafety;

/// Backups are taken while agents work, checked before they count, and restored only whole, into an empty database,
/// with the key their secrets were sealed with.
public sealed class BackupTests
{
    private static SecretBox KeysOf(BosunTestApp app, StoreOptions target) => new(app.Services.GetRequiredService<IConfiguration>(), target);

    private static SecretBox KeysFrom(string key, StoreOptions target) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["BOSUN_SECRET_KEY"] = key }).Build(), target);

    /// Agents that claim and complete items of the project until told to stop; returns how many cycles they finished.
    private static Task<int[]> WorkAsync(IEnumerable<HttpClient> agents, string project, CancellationToken stop) =>
        Task.WhenAll(agents.Select(async agent =>
        {
            var done = 0;
            while (!stop.IsCancellationRequested)
            {
                var claimed = (await agent.PostJsonAsync("/api/v1/work/claim", new { project })).GetProperty("items");
                if (claimed.GetArrayLength() == 0)
                {
                    break;
                }

                var run = claimed[0].GetProperty("run");
                await agent.PostJsonAsync($"/api/v1/runs/{run.Str("run_id")}/complete", new { lease_token = run.Str("lease_token"), summary = "done" });
                done++;
            }

            return done;
        }));

    [Theory, BothStores]
    public async Task A_backup_taken_while_eight_agents_claim_and_complete_restores_to_the_counts_at_its_point(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.Owner.PostJsonAsync("/api/v1/work/batch", new { items = Enumerable.Range(1, 600).Select(i => new { @ref = $"i{i}", project_id = "WEB", title = $"Task {i}", status = "ready" }) });
        var agents = new List<HttpClient>();
        for (var i = 0; i < 8; i++)
        {
            agents.Add((await acme.CreateAgentAsync($"agent-{i}", extra: new { max_concurrent_runs = 5 })).Client);
        }

        using var dir = new TempDir();
        using var stop = new CancellationTokenSource();
        var working = WorkAsync(agents, "WEB", stop.Token);
        while (await app.WithDbAsync(db => db.Runs.IgnoreQueryFilters().CountAsync()) < 40)
        {
            await Task.Delay(20);
        }

        var manifest = await Backups.CreateAsync(app.Store, dir.Path, TimeProvider.System, null, CancellationToken.None);
        var runsAtBackup = manifest.Tables["runs"];
        while (await app.WithDbAsync(db => db.Runs.IgnoreQueryFilters().CountAsync()) < runsAtBackup + 40)
        {
            await Task.Delay(20);
        }

        await stop.CancelAsync();
        Assert.True((await working).Sum() > runsAtBackup, "the agents kept working during and after the backup");

        var file = Path.Combine(dir.Path, manifest.File);
        Assert.Equal($"{manifest.Sha256}  {manifest.File}\n", await File.ReadAllTextAsync(Backups.ChecksumFile(file)));
        Assert.Equal(manifest.Sha256, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(file))));
        Assert.Contains(manifest.Tables, t => t.Key == "__EFMigrationsHistory" && t.Value > 0);
        Assert.Equal(Bosun.Core.Data.Safety.DataSafety.CodeMigrations(app.Store)[^1], manifest.SchemaVersion);

        // The target was set up by an earlier start of Bosun and holds no data yet.
        var target = await TestDatabases.CreateEmptyAsync(store);
        await TestDatabases.MigrateAsync(target);
        var restored = await Restores.RestoreAsync(file, target, KeysOf(app, target), force: false, null, CancellationToken.None);

        Assert.Empty(restored.MigrationsApplied);
        var counts = await DataSafetyKit.CountsAsync(target);
        Assert.Equal(manifest.Tables.OrderBy(t => t.Key), counts.Where(c => manifest.Tables.ContainsKey(c.Key)).OrderBy(t => t.Key));
        Assert.True(counts["runs"] < (await DataSafetyKit.CountsAsync(app.Store))["runs"]);

        // A point in time: each completed run's item is done, and no item is done without its run.
        Assert.Equal(
            await DataSafetyKit.ColumnAsync(target, "SELECT work_item_id FROM runs WHERE status = 'completed' ORDER BY 1"),
            await DataSafetyKit.ColumnAsync(target, "SELECT id FROM work_items WHERE status = 'done' ORDER BY 1"));
        if (store == StoreKind.Postgres)
        {
            Assert.Equal(await DataSafetyKit.CatalogAsync(app.Store), await DataSafetyKit.CatalogAsync(target));
        }

        await using var again = await BosunTestApp.StartOnAsync(target);
        var (_, agent, _) = await new TestTenant(again, acme.Id, acme.Slug, acme.OwnerId, again.ClientFor(acme.OwnerToken), acme.OwnerToken).CreateAgentAsync("after-restore");
        var claimed = (await agent.PostJsonAsync("/api/v1/work/claim", new { project = "WEB" })).GetProperty("items")[0].GetProperty("run");
        var completed = await agent.PostJsonAsync($"/api/v1/runs/{claimed.Str("run_id")}/complete", new { lease_token = claimed.Str("lease_token") });
        Assert.Equal("done", completed.GetProperty("item").Str("status"));
    }

    [Theory, BothStores]
    public async Task Restore_refuses_a_database_that_holds_data_unless_forced(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        using var dir = new TempDir();
        var manifest = await Backups.CreateAsync(app.Store, dir.Path, TimeProvider.System, null, CancellationToken.None);
        var file = Path.Combine(dir.Path, manifest.File);
        await using var other = await BosunTestApp.StartAsync(store);
        var globex = await other.CreateTenantAsync("globex");

        var refused = await Assert.ThrowsAsync<DataSafetyException>(() => Restores.RestoreAsync(file, other.Store, KeysOf(app, other.Store), force: false, null, CancellationToken.None));
        Assert.True(refused.Conflict);
        Assert.Contains("already holds data", refused.Message);
        Assert.Contains("--force", refused.Message);
        Assert.Equal(["globex"], await DataSafetyKit.ColumnAsync(other.Store, "SELECT slug FROM tenants"));

        await other.DisposeAsync();
        await Restores.RestoreAsync(file, other.Store, KeysOf(app, other.Store), force: true, null, CancellationToken.None);
        Assert.Equal([acme.Slug], await DataSafetyKit.ColumnAsync(other.Store, "SELECT slug FROM tenants"));
        if (store == StoreKind.Postgres)
        {
            Assert.Equal(await DataSafetyKit.CatalogAsync(app.Store), await DataSafetyKit.CatalogAsync(other.Store));
        }
    }

    [Theory, BothStores]
    public async Task Secrets_stay_sealed_in_a_backup_and_a_restore_with_another_key_is_refused_before_anything_is_written(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        var hook = await acme.Owner.PostJsonAsync("/api/v1/webhooks", new { url = "https://hooks.example.test/bosun" });
        var secret = hook.Str("secret");
        using var dir = new TempDir();
        var manifest = await Backups.CreateAsync(app.Store, dir.Path, TimeProvider.System, null, CancellationToken.None);
        var file = Path.Combine(dir.Path, manifest.File);
        var sealedValue = Assert.Single(await DataSafetyKit.ColumnAsync(app.Store, "SELECT secret_sealed FROM webhooks"));

        Assert.Equal([SecretBox.KeyIdOf(sealedValue)], manifest.SecretKeyIds);
        if (store == StoreKind.Sqlite)
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.Equal(-1, bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(secret)));
            Assert.NotEqual(-1, bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(sealedValue)));
        }

        var target = await TestDatabases.CreateEmptyAsync(store);
        var otherKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var refused = await Assert.ThrowsAsync<DataSafetyException>(() => Restores.RestoreAsync(file, target, KeysFrom(otherKey, target), force: false, null, CancellationToken.None));
        Assert.Contains($"sealed with key {SecretBox.KeyIdOf(sealedValue)}", refused.Message);
        Assert.Contains("Nothing was written", refused.Message);
        Assert.True(await DataSafetyKit.UntouchedAsync(target));

        using var empty = new TempDir();
        var noKey = StoreOptions.Sqlite(empty.File("bosun.db"));
        if (store == StoreKind.Sqlite)
        {
            var missing = await Assert.ThrowsAsync<DataSafetyException>(() =>
                Restores.RestoreAsync(file, noKey, new SecretBox(new ConfigurationBuilder().Build(), noKey), force: false, null, CancellationToken.None));
            Assert.Contains("no secret key is configured here", missing.Message);
            Assert.Empty(Directory.GetFiles(empty.Path));
        }

        await Restores.RestoreAsync(file, target, KeysOf(app, target), force: false, null, CancellationToken.None);
        var restoredSeal = Assert.Single(await DataSafetyKit.ColumnAsync(target, "SELECT secret_sealed FROM webhooks"));
        Assert.Equal(sealedValue, restoredSeal);
        Assert.Equal(secret, KeysOf(app, target).Open(restoredSeal, $"webhook:{acme.Id}:{hook.Str("id")}"));
    }

    [Theory, BothStores]
    public async Task Restoring_a_backup_of_an_older_schema_applies_the_later_migrations(StoreKind store)
    {
        const string baseline = "20261201230100_StoreRules";
        var old = await TestDatabases.CreateEmptyAsync(store);
        List<string> later;
        var options = new DbContextOptionsBuilder<BosunDb>();
        old.Configure(options);
        await using (var db = new BosunDb(options.Options))
        {
            later = db.GetService<IMigrationsAssembly>().Migrations.Keys.SkipWhile(m => m != baseline).Skip(1).ToList();
            await db.GetService<IMigrator>().MigrateAsync(baseline);
        }

        await DataSafetyKit.ExecuteAsync(old, "INSERT INTO tenants (id, slug, name, plan, store_prompt_text, created_at, updated_at) VALUES ('tn_old', 'old', 'Old', 'self_hosted', FALSE, '2026-11-02 09:00:00', '2026-11-02 09:00:00')");
        using var dir = new TempDir();
        var manifest = await Backups.CreateAsync(old, dir.Path, TimeProvider.System, null, CancellationToken.None);
        Assert.Equal(baseline, manifest.SchemaVersion);

        var target = await TestDatabases.CreateEmptyAsync(store);
        var restored = await Restores.RestoreAsync(Path.Combine(dir.Path, manifest.File), target, KeysFrom(Convert.ToBase64String(new byte[32]), target), force: false, null, CancellationToken.None);

        Assert.Equal(later, restored.MigrationsApplied);
        Assert.NotEmpty(later);
        options = new DbContextOptionsBuilder<BosunDb>();
        target.Configure(options);
        await using var migrated = new BosunDb(options.Options);
        Assert.Empty((await Migrator.StatusAsync(migrated)).Pending);
        Assert.Equal(["old"], await DataSafetyKit.ColumnAsync(target, "SELECT slug FROM tenants"));
    }

    /// The command line for a store: --data-dir for a SQLite file named bosun.db, else --postgres.
    internal static string[] StoreArgs(StoreOptions store, params string[] args) =>
        store.Kind == StoreKind.Sqlite
            ? ["--data-dir", Path.GetDirectoryName(store.SqliteFile!)!, .. args]
            : ["--postgres", store.ConnectionString, .. args];
}
