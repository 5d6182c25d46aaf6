using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Storage;

/// On PostgreSQL the database itself keeps tenants apart, so a query that forgot its tenant filter still cannot leak.
[Trait(TestCategory.Key, TestCategory.Postgres)]
public sealed class RowLevelSecurityTests
{
    [Fact]
    public async Task A_tenant_transaction_sees_only_its_rows_even_without_the_query_filter()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Postgres);
        var (a, b) = await SeedAsync(app);
        await using var scope = TenantScope(app, a);
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();

        var seen = await db.InTransactionAsync(async ct => new
        {
            Raw = await db.Database.SqlQueryRaw<int>("SELECT count(*)::int AS \"Value\" FROM work_items").SingleAsync(ct),
            Unfiltered = await db.WorkItems.IgnoreQueryFilters().CountAsync(ct),
            Tenants = await db.Tenants.IgnoreQueryFilters().Select(t => t.Id).ToListAsync(ct),
            UserTenants = await db.Users.IgnoreQueryFilters().Select(u => u.TenantId).Distinct().ToListAsync(ct),
            Audit = await db.Database.SqlQueryRaw<string>("SELECT DISTINCT tenant_id AS \"Value\" FROM audit_entries").ToListAsync(ct),
        }, write: false, CancellationToken.None);

        Assert.Equal(2, seen.Raw);
        Assert.Equal(2, seen.Unfiltered);
        Assert.Equal([a.Id], seen.Tenants);
        Assert.Equal([a.Id], seen.UserTenants);
        Assert.Equal([a.Id], seen.Audit);
        Assert.Equal(5, await app.WithDbAsync(d => d.WorkItems.IgnoreQueryFilters().CountAsync()));
        Assert.NotEqual(a.Id, b.Id);
    }

    [Fact]
    public async Task A_tenant_transaction_cannot_change_or_add_another_tenants_rows()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Postgres);
        var (a, b) = await SeedAsync(app);
        await using var scope = TenantScope(app, a);
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();

        var updated = await db.InTransactionAsync(c => db.Database.ExecuteSqlRawAsync("UPDATE work_items SET title = 'overwritten'", c), write: true, CancellationToken.None);
        var globexItem = (await b.Owner.ListAllAsync("/api/v1/work"))[0].Str("id");
        var insert = await Assert.ThrowsAnyAsync<Exception>(() => db.InTransactionAsync(c => db.Database.ExecuteSqlAsync($"""
            INSERT INTO comments (tenant_id, id, work_item_id, author_ref, author_name, body, created_at)
            VALUES ({b.Id}, {Ids.New()}, {globexItem}, 'system', 'system', 'planted', now())
            """, c), write: true, CancellationToken.None));

        Assert.Equal(2, updated);
        Assert.Contains("row-level security", insert.Message);
        Assert.Equal(["Globex 1", "Globex 2", "Globex 3"], (await b.Owner.ListAllAsync("/api/v1/work")).Select(w => w.Str("title")));
        Assert.Empty(await b.Owner.ListAllAsync($"/api/v1/work/{globexItem}/comments"));
    }

    [Fact]
    public async Task The_tenant_and_role_last_only_for_their_transaction()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Postgres);
        var (a, _) = await SeedAsync(app);
        await using var scope = TenantScope(app, a);
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        await db.Database.OpenConnectionAsync();

        var inside = await db.InTransactionAsync(
            c => db.Database.SqlQueryRaw<string>("SELECT current_user || '/' || current_setting('app.tenant_id', true) AS \"Value\"").SingleAsync(c),
            write: false, CancellationToken.None);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "SELECT current_user || '/' || coalesce(current_setting('app.tenant_id', true), '')";
        var after = (string?)await command.ExecuteScalarAsync();

        Assert.Equal($"bosun_app/{a.Id}", inside);
        Assert.Equal("postgres/", after);
        await Assert.ThrowsAsync<InvalidOperationException>(() => db.WorkItems.CountAsync());
    }

    [Fact]
    public async Task Every_tenant_table_has_a_policy_and_the_app_role_cannot_bypass_it()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Postgres);

        var unprotected = await app.WithDbAsync(db => db.Database.SqlQueryRaw<string>("""
            SELECT c.relname AS "Value" FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
            WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
              AND (NOT c.relrowsecurity OR NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid))
            """).ToListAsync());

        // Partitions are reached through their parent's policies; bosun_app must not be able to read one directly.
        var openPartitions = await app.WithDbAsync(db => db.Database.SqlQueryRaw<string>("""
            SELECT c.relname AS "Value" FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
            WHERE c.relkind = 'r' AND c.relispartition AND has_table_privilege('bosun_app', c.oid, 'SELECT')
            """).ToListAsync());
        var tenantTables = await app.WithDbAsync(db => db.Database.SqlQueryRaw<int>("""
            SELECT count(*)::int AS "Value" FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'tenant_id'
            """).SingleAsync());
        var role = await app.WithDbAsync(db => db.Database.SqlQueryRaw<string>("""
            SELECT (rolsuper OR rolbypassrls)::text || '/' || (SELECT count(*) FROM pg_tables WHERE tableowner = 'bosun_app')::text AS "Value"
            FROM pg_roles WHERE rolname = 'bosun_app'
            """).SingleAsync());

        Assert.Empty(unprotected);
        Assert.Empty(openPartitions);
        Assert.True(tenantTables >= 13, $"only {tenantTables} tables have tenant_id");
        Assert.Equal("false/0", role);
    }

    private static async Task<(TestTenant A, TestTenant B)> SeedAsync(BosunTestApp app)
    {
        var a = await app.CreateTenantAsync();
        var b = await app.CreateTenantAsync();
        await a.CreateProjectAsync("WEB");
        await b.CreateProjectAsync("WEB");
        for (var i = 1; i <= 3; i++)
        {
            if (i <= 2)
            {
                await a.CreateWorkAsync("WEB", $"Acme {i}");
            }

            await b.CreateWorkAsync("WEB", $"Globex {i}");
        }

        return (a, b);
    }

    private static AsyncServiceScope TenantScope(BosunTestApp app, TestTenant tenant)
    {
        var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(tenant.Id, Actor.System);
        return scope;
    }
}
