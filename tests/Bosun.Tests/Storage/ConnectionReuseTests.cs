using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Data.Sqlite;
using Bosun.Core.Governance;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Storage;

/// Units of work reuse connections: SQLite's stay open between them (so statements stay compiled), and PostgreSQL's
/// go back to the pool without a session reset. Whatever one unit of work leaves unfinished must not reach the next.
public sealed class ConnectionReuseTests
{
    [Theory, BothStores]
    public async Task A_unit_of_work_abandoned_inside_its_transaction_leaves_nothing_to_the_next(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync("acme");

        // Many abandoned units of work, so that a later borrower is sure to be handed a connection one of them used. On
        // PostgreSQL each ran as the tenant (its role and id set for the transaction).
        for (var i = 0; i < 40; i++)
        {
            await using var scope = app.Services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(acme.Id, Actor.System);
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            await db.Database.BeginTransactionAsync();
            await db.Database.ExecuteSqlRawAsync(
                "INSERT INTO projects (tenant_id, id, key, name, default_branch, status, next_item_number, created_at, updated_at) VALUES ({0}, {1}, {2}, 'Lost', 'main', 'active', 1, '2026-01-01', '2026-01-01')",
                acme.Id, $"01LOST{i:D20}", $"LOST{i}");

            // Neither committed nor rolled back.
        }

        var projects = await app.WithDbAsync(db => db.Database.SqlQueryRaw<int>("SELECT COUNT(*) AS \"Value\" FROM projects WHERE key LIKE 'LOST%'").SingleAsync());
        Assert.Equal(0, projects);

        if (store == StoreKind.Postgres)
        {
            // No connection kept the tenant's role or id: work outside a tenant runs as the owner, with no tenant set.
            for (var i = 0; i < 40; i++)
            {
                var session = await app.WithDbAsync(db => db.Database
                    .SqlQueryRaw<string>("SELECT current_user || '/' || coalesce(current_setting('app.tenant_id', true), '') AS \"Value\"").SingleAsync());
                Assert.Equal("postgres/", session);
            }
        }

        // Every connection can still write: none was left holding SQLite's write lock.
        for (var i = 0; i < 40; i++)
        {
            await acme.CreateProjectAsync($"KEPT{i}");
        }

        Assert.Equal(40, (await acme.Owner.ListAllAsync("/api/v1/projects")).Count(p => p.Str("key").StartsWith("KEPT", StringComparison.Ordinal)));
    }

    [Theory, BothStores]
    public async Task A_reused_context_serves_each_unit_of_work_only_its_own_tenant_and_nothing_left_by_the_last(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync("acme");
        await acme.CreateProjectAsync("ACME");
        var globex = await app.CreateTenantAsync("globex");
        await globex.CreateProjectAsync("GLOBEX");

        // Contexts are pooled: units of work one after another mostly get the same one back.
        var contexts = new HashSet<BosunDb>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < 20; i++)
        {
            var (tenant, key) = i % 2 == 0 ? (acme.Id, "ACME") : (globex.Id, "GLOBEX");
            await using var scope = app.Services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(tenant, Actor.System);
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            contexts.Add(db);
            Assert.False(db.GenericPlans);
            Assert.Empty(db.DirectAudits);
            Assert.Equal([key], await db.InTransactionAsync(c => db.Projects.Select(p => p.Key).ToListAsync(c), write: false, CancellationToken.None));

            // Left behind on purpose, as an abandoned unit of work would leave it.
            db.GenericPlans = true;
            await db.Database.BeginTransactionAsync();
            await new DirectAudit.Batch(db, DateTime.UtcNow).Add("project", "updated", "01LEFTOVER0000000000000000", new DirectAudit.Changes().Set("name", "a", "b"), null, null, null).WriteAsync(CancellationToken.None);
        }

        Assert.True(contexts.Count < 20, $"{contexts.Count} contexts for 20 units of work");
        Assert.Equal(0, await app.WithDbAsync(db => db.Database.SqlQueryRaw<int>("SELECT COUNT(*) AS \"Value\" FROM audit_entries WHERE entity_id = '01LEFTOVER0000000000000000'").SingleAsync()));
    }

    [Fact]
    public async Task A_kept_open_SQLite_connection_runs_a_statement_whose_compiled_copy_is_busy_and_more_statements_than_it_keeps()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync("acme");
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(acme.Id, Actor.System);
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        await db.InTransactionAsync(async ct =>
        {
            const string text = "SELECT id FROM tenants WHERE id = @id";
            await using var outer = Sql.Command(db, text).With("id", acme.Id);
            await using var reader = await outer.ExecuteReaderAsync(ct);
            Assert.True(await reader.ReadAsync(ct));

            // The same text while the first one's reader is still open.
            await using (var inner = Sql.Command(db, text).With("id", acme.Id))
            {
                Assert.Equal(acme.Id, await inner.ExecuteScalarAsync(ct));
            }

            // More distinct statements than a connection keeps compiled, and EF's queries among them.
            for (var i = 0; i < 300; i++)
            {
                await using var command = Sql.Command(db, $"SELECT {i} + @x").With("x", 1);
                Assert.Equal(i + 1L, await command.ExecuteScalarAsync(ct));
                Assert.Equal(acme.Id, await db.Tenants.Where(t => t.Id == acme.Id && i >= 0).Select(t => t.Id).SingleAsync(ct));
            }
        }, write: false, CancellationToken.None);
    }

    [Fact]
    public async Task Once_the_kept_open_SQLite_connections_are_closed_units_of_work_still_open_the_database()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync("acme");
        await acme.CreateProjectAsync("WEB");

        // As when the server stops while requests are still running: contexts that ran on kept-open connections are
        // reused for units of work that must open their own.
        app.Services.GetRequiredService<SqliteConnections>().Dispose();
        for (var i = 0; i < 20; i++)
        {
            await using var scope = app.Services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(acme.Id, Actor.System);
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            Assert.Equal(["WEB"], await db.InTransactionAsync(c => db.Projects.Select(p => p.Key).ToListAsync(c), write: false, CancellationToken.None));
        }
    }
    [Fact]
    public async Task Under_sustained_writes_the_SQLite_log_is_copied_back_and_stays_small()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync("acme");
        await acme.CreateProjectAsync("WEB");
        var log = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(app.Store.ConnectionString).DataSource + "-wal";

        // Each item writes its row, a dozen index entries, an audit row and a stream event, about 150 KB of log: 220 MB
        // in all, had the log never been copied back and started over.
        long largest = 0;
        for (var i = 0; i < 1500; i++)
        {
            await acme.CreateWorkAsync("WEB", $"Item {i}", new { description = new string('x', 16_000) });
            largest = Math.Max(largest, new FileInfo(log).Length);
        }

        Assert.True(largest < 64 << 20, $"the log grew to {largest:N0} bytes");
    }

    /// What every SQLite connection of Bosun must carry, readers and the writer alike: a wait for the writer rather than
    /// an immediate "database is locked", foreign keys enforced, WAL commits without a sync each, temporary files in memory.
    [Fact]
    public async Task Every_SQLite_connection_waits_for_the_writer_enforces_references_and_keeps_temporary_files_in_memory()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        const string read = "SELECT (SELECT timeout FROM pragma_busy_timeout) || '/' || (SELECT foreign_keys FROM pragma_foreign_keys) || '/' || "
                            + "(SELECT synchronous FROM pragma_synchronous) || '/' || (SELECT temp_store FROM pragma_temp_store)";
        async Task<string> SettingsAsync(BosunDb db, bool write) => await db.InTransactionAsync(async ct =>
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.Transaction = db.Database.CurrentTransaction!.GetDbTransaction();
            command.CommandText = read;
            return (string)(await command.ExecuteScalarAsync(ct))!;
        }, write, CancellationToken.None);

        // busy_timeout 10 s, foreign_keys on, synchronous NORMAL (1), temp_store MEMORY (2).
        Assert.Equal("10000/1/1/2", await app.WithDbAsync(db => SettingsAsync(db, write: false)));
        Assert.Equal("10000/1/1/2", await app.WithDbAsync(db => SettingsAsync(db, write: true)));
    }
}
