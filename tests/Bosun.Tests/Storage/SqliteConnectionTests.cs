using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Tests.Storage;

/// On SQLite, units of work borrow connections that stay open between them (so statements stay compiled).
/// Whatever one unit of work leaves unfinished must not reach the next one.
public sealed class SqliteConnectionTests
{
    [Fact]
    public async Task A_unit_of_work_abandoned_inside_its_transaction_leaves_nothing_to_the_next()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync("acme");

        // Many abandoned units of work, so that a later borrower is sure to be handed a connection one of them used.
        for (var i = 0; i < 40; i++)
        {
            await app.WithDbAsync(async db =>
            {
                await db.Database.BeginTransactionAsync();
                await db.Database.ExecuteSqlRawAsync(
                    "INSERT INTO projects (tenant_id, id, key, name, default_branch, status, next_item_number, created_at, updated_at) VALUES ({0}, {1}, {2}, 'Lost', 'main', 'active', 1, '2026-01-01', '2026-01-01')",
                    acme.Id, $"01LOST{i:D20}", $"LOST{i}");
                return true; // neither committed nor rolled back
            });
        }

        var projects = await app.WithDbAsync(db => db.Database.SqlQueryRaw<int>("SELECT COUNT(*) AS \"Value\" FROM projects WHERE key LIKE 'LOST%'").SingleAsync());
        Assert.Equal(0, projects);

        // Every connection can still write: none was left holding SQLite's write lock.
        for (var i = 0; i < 40; i++)
        {
            await acme.CreateProjectAsync($"KEPT{i}");
        }

        Assert.Equal(40, (await acme.Owner.ListAllAsync("/api/v1/projects")).Count(p => p.Str("key").StartsWith("KEPT", StringComparison.Ordinal)));
    }
}
