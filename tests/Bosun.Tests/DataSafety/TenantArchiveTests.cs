using System.IO.Compression;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Core.Data.Safety;
using Bosun.Core.Integrations;
using Bosun.Core.Realtime;
using Bosun.Tests.Cli;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.DataSafety;

/// A tenant leaves one Bosun as an archive and arrives in another with every row of every table, ids and contents
/// alike, and the target's rules (append-only audit, no second tenant of a name) still hold.
public sealed class TenantArchiveTests
{
    /// The other store when this run has both, so archives cross from SQLite to PostgreSQL and back.
    private static StoreKind Other(StoreKind store)
    {
        var other = store == StoreKind.Sqlite ? StoreKind.Postgres : StoreKind.Sqlite;
        return TestStores.Enabled.Contains(other) ? other : store;
    }

    [Theory, BothStores]
    public async Task Export_then_import_into_another_Bosun_keeps_every_row_of_every_table(StoreKind store)
    {
        await using var source = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await source.CreateTenantAsync("acme");
        await DataSafetyKit.PopulateAsync(acme, source.Clock!.GetUtcNow());

        // A running server numbers its stream events within milliseconds; this one runs no background jobs.
        await source.Services.GetRequiredService<StreamSequencer>().CatchUpAllAsync(CancellationToken.None);
        await DataSafetyKit.FillEmptyTablesAsync(source.Store, acme.Id);
        var globex = await source.CreateTenantAsync("globex");
        await globex.CreateProjectAsync("OPS");
        var before = await DataSafetyKit.RowsAsync(source.Store, acme.Id);
        Assert.All(before, table => Assert.True(table.Value.Count > 0, $"{table.Key} has no row of the tenant, so the test would not cover it"));

        using var dir = new TempDir();
        var file = dir.File("acme.zip");
        var manifest = await TenantArchive.ExportAsync(source.Store, "acme", file, TimeProvider.System, null, CancellationToken.None);

        Assert.Equal(before.Keys, manifest.Tables.Select(t => t.Name));
        Assert.Equal(before.Values.Select(v => (long)v.Count), manifest.Tables.Select(t => t.Rows));
        Assert.Equal(acme.Id, manifest.Tenant.Id);
        using (var hook = JsonDocument.Parse(Assert.Single(before["webhooks"])))
        {
            Assert.StartsWith("v1.", hook.RootElement.GetProperty("secret_sealed").GetString());
            Assert.Equal([SecretBox.KeyIdOf(hook.RootElement.GetProperty("secret_sealed").GetString()!)], manifest.SecretKeyIds);
        }

        await using var target = await BosunTestApp.StartAsync(Other(store), fakeClock: true);
        await target.CreateTenantAsync("initech");
        var imported = await TenantArchive.ImportAsync(target.Store, file, Keys(source, target.Store), null, CancellationToken.None);

        Assert.Equal("acme", imported.Tenant.Slug);
        var after = await DataSafetyKit.RowsAsync(target.Store, acme.Id);
        foreach (var (table, rows) in before)
        {
            Assert.True(rows.SequenceEqual(after[table]), $"{table} differs after the import:\n{string.Join("\n", rows.Except(after[table]).Take(3))}\nbecame\n{string.Join("\n", after[table].Except(rows).Take(3))}");
        }

        Assert.Empty((await DataSafetyKit.RowsAsync(target.Store, globex.Id)).SelectMany(t => t.Value));

        // The audit trail stays append-only in the target, for the owner of the tables too.
        var change = await Assert.ThrowsAnyAsync<Exception>(() => DataSafetyKit.ExecuteAsync(target.Store, $"UPDATE audit_entries SET action = 'rewritten' WHERE tenant_id = '{acme.Id}'"));
        Assert.Contains("append-only", change.Message);
        await Assert.ThrowsAnyAsync<Exception>(() => DataSafetyKit.ExecuteAsync(target.Store, $"DELETE FROM audit_entries WHERE tenant_id = '{acme.Id}'"));

        // The imported tenant works: its owner's token, its numbering and its stream carry on.
        var owner = target.ClientFor(acme.OwnerToken);
        var next = await owner.PostJsonAsync("/api/v1/work", new { project_id = "WEB", title = "After the move" });
        Assert.Equal("WEB-5", next.Str("key"));
        var trail = await owner.GetJsonAsync($"/api/v1/audit?entity_id={next.Str("id")}");
        Assert.Equal("work_item.created", trail.GetProperty("items")[0].Str("action"));

        // The search index is not in the archive: the imported rows' own triggers built it again in the target.
        var indexed = await DataSafetyKit.ColumnAsync(target.Store, $"SELECT kind FROM search_entries WHERE tenant_id = '{acme.Id}'");
        Assert.Equal(before["work_items"].Count + 1, indexed.Count(k => k == "work_item"));
        Assert.Equal(before["comments"].Count, indexed.Count(k => k == "comment"));
        var found = (await owner.GetJsonAsync("/api/v1/search?q=page")).GetProperty("results").EnumerateArray().Select(r => r.Str("work_item_key")).Order();
        Assert.Equal(["WEB-2", "WEB-3"], found);
    }

    [Fact]
    public async Task A_damaged_archive_is_refused_before_anything_is_written()
    {
        await using var source = await BosunTestApp.StartAsync(StoreKind.Sqlite, fakeClock: true);
        var acme = await source.CreateTenantAsync("acme");
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Write the page");
        using var dir = new TempDir();
        var file = dir.File("acme.zip");
        await TenantArchive.ExportAsync(source.Store, "acme", file, TimeProvider.System, null, CancellationToken.None);

        // One title changed inside the archive, its manifest left as it was.
        using (var zip = ZipFile.Open(file, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry(TenantArchive.EntryOf("work_items"))!;
            string text;
            using (var reader = new StreamReader(entry.Open()))
            {
                text = await reader.ReadToEndAsync();
            }

            entry.Delete();
            await using var writer = new StreamWriter(zip.CreateEntry(TenantArchive.EntryOf("work_items")).Open());
            await writer.WriteAsync(text.Replace("Write the page", "Write the pages", StringComparison.Ordinal));
        }

        await using var target = await BosunTestApp.StartAsync(StoreKind.Sqlite, fakeClock: true);
        var before = await DataSafetyKit.CountsAsync(target.Store);
        var refused = await Assert.ThrowsAsync<DataSafetyException>(() => TenantArchive.ImportAsync(target.Store, file, Keys(source, target.Store), null, CancellationToken.None));

        Assert.Contains("tables/work_items.ndjson does not match its SHA-256 and row count in the manifest", refused.Message);
        Assert.Contains("Nothing was imported", refused.Message);
        Assert.Equal(before, await DataSafetyKit.CountsAsync(target.Store));
    }

    [Theory, BothStores]
    public async Task Every_table_of_the_database_is_in_the_model_and_every_table_of_the_model_in_an_archive(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        await app.CreateTenantAsync("acme");
        using var dir = new TempDir();
        var manifest = await TenantArchive.ExportAsync(app.Store, "acme", dir.File("acme.zip"), TimeProvider.System, null, CancellationToken.None);
        var model = StoreTables.Of(app.Store).Select(t => t.Name).ToList();

        // Tables made outside the model (by hand in a migration) would be left out of archives and store moves; only the
        // search index may be, since the rows it indexes rebuild it.
        var database = (await DataSafetyKit.ColumnAsync(app.Store, store == StoreKind.Sqlite
                ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                : "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition"))
            .Where(t => !t.StartsWith("__EF", StringComparison.Ordinal) && !StoreTables.IsDerived(t))
            .Order(StringComparer.Ordinal);
        Assert.Equal(database, model);

        // The instance's own tables (its operators) belong to no tenant, and no archive carries them.
        var tenantTables = StoreTables.Of(app.Store).Where(t => t.BelongsToTenant).Select(t => t.Name).ToList();
        Assert.Equal(["operator_tokens", "operators"], model.Except(tenantTables));
        Assert.Equal(tenantTables, manifest.Tables.Select(t => t.Name));
        using var zip = ZipFile.OpenRead(dir.File("acme.zip"));
        Assert.Equal(tenantTables.Select(TenantArchive.EntryOf).Append(ArchiveManifest.Entry).Order(StringComparer.Ordinal), zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_sealed_column_of_the_model_is_known_to_the_key_check()
    {
        var sealedColumns = StoreTables.ModelOf(StoreOptions.Sqlite("/tmp/bosun-model.db")).GetEntityTypes()
            .SelectMany(e => e.GetProperties().Where(p => p.Name.EndsWith("Sealed", StringComparison.Ordinal)).Select(p => $"{e.GetTableName()}.{p.GetColumnName()}"))
            .Order(StringComparer.Ordinal);

        var known = SealedColumns.All.Select(c => $"{c.Table}.{c.Name}").Concat(SealedColumns.UnderDataKey.Select(c => $"{c.Table}.{c.Name}"));
        Assert.Equal(sealedColumns, known.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Rows_load_after_the_rows_they_refer_to_and_circular_references_are_set_afterwards()
    {
        var tables = StoreTables.Of(StoreOptions.Sqlite("/tmp/bosun-model.db"));
        var order = StoreTables.LoadOrder(tables);

        Assert.Equal(tables.Select(t => t.Name).Order(StringComparer.Ordinal), order.Select(s => s.Table.Name).Order(StringComparer.Ordinal));
        var loaded = new HashSet<string>(StringComparer.Ordinal);
        foreach (var step in order)
        {
            foreach (var fk in step.Table.ForeignKeys.Where(fk => !loaded.Contains(fk.PrincipalTable)))
            {
                Assert.True(fk.NullableColumns.Count > 0 && fk.NullableColumns.All(step.LateColumns.Contains),
                    $"{step.Table.Name} refers to {fk.PrincipalTable}, loaded later, through {string.Join(", ", fk.Columns)}, which are not set afterwards");
            }

            loaded.Add(step.Table.Name);
        }

        Assert.Contains("parent_id", order.Single(s => s.Table.Name == "work_items").LateColumns);

        // Late columns are set by an UPDATE, which the append-only ledgers and ended runs refuse.
        Assert.All(order.Where(s => s.Table.Name is "audit_entries" or "llm_calls" or "tool_calls" or "stream_events" or "runs"), s => Assert.Empty(s.LateColumns));
    }

    /// The target configured with the key the source sealed its secrets with.
    private static SecretBox Keys(BosunTestApp source, StoreOptions target) => new(source.Services.GetRequiredService<IConfiguration>(), target.Kind == source.Store.Kind ? target : source.Store);
}
