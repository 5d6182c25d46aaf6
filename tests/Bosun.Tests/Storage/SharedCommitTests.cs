using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Data.Sqlite;
using Bosun.Core.Planning;
using Bosun.Core.Realtime;
using Bosun.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Storage;

/// On SQLite, writes queued behind one another commit together. Each must still be all or nothing on its own.
/// Each test holds the write gate while its writes queue up one by one, so that they then run back to back, in order,
/// and hand the open transaction on. The apps run no background jobs (a fake clock), so only those writes queue.
public sealed class SharedCommitTests
{
    [Fact]
    public async Task Queued_SQLite_writes_share_commits_and_one_that_fails_leaves_no_trace_while_the_others_are_kept()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite, fakeClock: true);
        var acme = await app.CreateTenantAsync("acme");
        var (file, queue) = GateOf(app);
        var before = queue.Counts;
        const int count = 24;

        List<Task> writes;
        using (await SqliteWriteGate.HoldAsync(file, CancellationToken.None))
        {
            writes = await QueueAsync(queue, count, n => WriteAsync(app, acme.Id, async (services, _, c) =>
            {
                await CreateProjectAsync(services, $"P{n}", c);
                if (n % 4 == 3)
                {
                    throw new TimeoutException("this write fails after its changes were made");
                }
            }));
        }

        foreach (var (write, n) in writes.Select((t, n) => (t, n)))
        {
            if (n % 4 == 3)
            {
                await Assert.ThrowsAsync<TimeoutException>(() => write);
            }
            else
            {
                await write;
            }
        }

        var kept = Enumerable.Range(0, count).Where(n => n % 4 != 3).Select(n => $"P{n}").ToHashSet();
        Assert.Equal(kept, await ProjectKeysAsync(acme));

        // Their audit rows and stream events were kept or dropped with them, and the stream has no gap.
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(acme.Id, Actor.System);
        var audited = await scope.ServiceProvider.GetRequiredService<BosunDb>().AuditEntries.CountAsync(a => a.Action == "project.created");
        Assert.Equal(kept.Count, audited);
        var events = await scope.ServiceProvider.GetRequiredService<StreamService>().ReadAfterAsync(0, null, CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(n => (long)n), events.Select(e => e.Seq));
        Assert.Equal(kept.Count, events.Count(e => e.Type == "project.created"));

        // And they did share: fewer commits than writes.
        var after = queue.Counts;
        Assert.True(after.Writers - before.Writers >= kept.Count);
        Assert.True(after.Commits - before.Commits < kept.Count / 2, $"{after.Commits - before.Commits} commits for {kept.Count} writes");
    }

    [Fact]
    public async Task Writes_handed_on_to_a_writer_that_does_not_share_are_committed_before_it_runs()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite, fakeClock: true);
        var acme = await app.CreateTenantAsync("acme");
        var (file, queue) = GateOf(app);

        List<Task> writes;
        Task<IDisposable> alone;
        using (await SqliteWriteGate.HoldAsync(file, CancellationToken.None))
        {
            writes = await QueueAsync(queue, 5, n => WriteAsync(app, acme.Id, (services, _, c) => CreateProjectAsync(services, $"Q{n}", c)));

            // Last in the queue: a writer of its own (as the log's truncation is), which the last write hands the open transaction to.
            alone = SqliteWriteGate.HoldAsync(file, CancellationToken.None);
            await WaitForAsync(() => queue.Waiting == 6);
        }

        // The writes are done, and visible to everyone, while that writer still holds the gate: it committed them when it took over.
        using (await alone)
        {
            await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(Enumerable.Range(0, 5).Select(n => $"Q{n}").ToHashSet(), await ProjectKeysAsync(acme));
        }
    }

    [Fact]
    public async Task When_a_shared_commit_fails_every_write_in_it_fails_and_none_is_kept()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite, fakeClock: true);
        var acme = await app.CreateTenantAsync("acme");
        var (file, queue) = GateOf(app);

        List<Task> writes;
        using (await SqliteWriteGate.HoldAsync(file, CancellationToken.None))
        {
            writes = await QueueAsync(queue, 4, n => WriteAsync(app, acme.Id, async (services, db, c) =>
            {
                await CreateProjectAsync(services, $"F{n}", c);
                if (n == 2)
                {
                    // A broken reference checked only at COMMIT, so this write itself ends well and the commit fails.
                    await db.Database.ExecuteSqlRawAsync("PRAGMA defer_foreign_keys = ON", c);
                    await db.Database.ExecuteSqlRawAsync(
                        "INSERT INTO comments (tenant_id, id, work_item_id, author_ref, author_name, body, created_at) VALUES ({0}, '01BROKEN000000000000000000', '01NOSUCHITEM00000000000000', 'system', 'System', 'x', '2026-01-01')",
                        [acme.Id], c);
                }
            }));
        }

        foreach (var write in writes)
        {
            await Assert.ThrowsAsync<SqliteException>(() => write);
        }

        // Nothing of the group is kept, and the next write goes through.
        await acme.CreateProjectAsync("AFTER");
        Assert.Equal(["AFTER"], await ProjectKeysAsync(acme));
    }

    private static (string File, SqliteWriteQueue Queue) GateOf(BosunTestApp app)
    {
        var file = new SqliteConnectionStringBuilder(app.Store.ConnectionString).DataSource;
        return (file, SqliteWriteGate.Of(file));
    }

    /// Starts the writes one at a time, each once the one before waits at the gate, so they queue in order.
    private static async Task<List<Task>> QueueAsync(SqliteWriteQueue queue, int count, Func<int, Task> start)
    {
        var writes = new List<Task>();
        for (var n = 0; n < count; n++)
        {
            var waiting = queue.Waiting;
            writes.Add(start(n));
            await WaitForAsync(() => queue.Waiting == waiting + 1);
        }

        return writes;
    }

    /// One unit of work of the tenant, in a write transaction of its own, as a claim or a heartbeat runs.
    private static Task WriteAsync(BosunTestApp app, string tenantId, Func<IServiceProvider, BosunDb, CancellationToken, Task> work) => Task.Run(async () =>
    {
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(tenantId, Actor.System);
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        await db.InTransactionAsync(c => work(scope.ServiceProvider, db, c), write: true, CancellationToken.None);
    });

    private static Task<ProjectView> CreateProjectAsync(IServiceProvider services, string key, CancellationToken ct) =>
        services.GetRequiredService<ProjectService>().CreateAsync(new ProjectRequest(key, $"Project {key}", null, null, null, null, null), ct);

    private static async Task<HashSet<string>> ProjectKeysAsync(TestTenant tenant) =>
        (await tenant.Owner.ListAllAsync("/api/v1/projects")).Select(p => p.Str("key")).ToHashSet();

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "timed out");
            await Task.Delay(5);
        }
    }
}
