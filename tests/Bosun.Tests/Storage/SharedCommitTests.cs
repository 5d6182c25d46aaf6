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

    [Fact]
    public async Task A_write_that_finds_the_disk_full_fails_alone_and_the_others_of_its_group_are_kept()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite, fakeClock: true);
        var acme = await app.CreateTenantAsync("acme");
        var (file, queue) = GateOf(app);
        var before = queue.Counts;

        List<Task> writes;
        using (await SqliteWriteGate.HoldAsync(file, CancellationToken.None))
        {
            writes = await QueueAsync(queue, 3, n => WriteAsync(app, acme.Id, async (services, db, c) =>
            {
                await CreateProjectAsync(services, $"D{n}", c);
                if (n == 1)
                {
                    // The file may grow by a few pages only: this write's next statement finds the disk full.
                    var limit = await ScalarAsync(db, "PRAGMA max_page_count", c);
                    await db.Database.ExecuteSqlRawAsync("CREATE TABLE filler (x BLOB)", c);
                    await RunAsync(db, $"PRAGMA max_page_count = {await ScalarAsync(db, "PRAGMA page_count", c) + 8}", c);
                    try
                    {
                        await db.Database.ExecuteSqlRawAsync(
                            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO filler SELECT randomblob(4096) FROM n", c);
                    }
                    finally
                    {
                        await RunAsync(db, $"PRAGMA max_page_count = {limit}", c);
                    }
                }
            }));
        }

        await writes[0];
        var full = await Assert.ThrowsAsync<SqliteException>(() => writes[1]);
        Assert.Equal(13, full.SqliteErrorCode);
        await writes[2];

        // Its project and its table went with it; the writes before and after it committed together.
        Assert.Equal(["D0", "D2"], (await ReadProjectKeysAsync(app, acme.Id)).Order());
        var after = queue.Counts;
        Assert.Equal((2L, 1L), (after.Writers - before.Writers, after.Commits - before.Commits));
        await acme.CreateProjectAsync("AFTER");
        Assert.Equal(["AFTER", "D0", "D2"], (await ReadProjectKeysAsync(app, acme.Id)).Order());
    }

    [Fact]
    public async Task A_write_in_a_shared_commit_answers_and_is_seen_only_once_the_group_commits()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite, fakeClock: true);
        var acme = await app.CreateTenantAsync("acme");
        var (file, queue) = GateOf(app);
        var secondRuns = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondMayEnd = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        List<Task> writes;
        using (await SqliteWriteGate.HoldAsync(file, CancellationToken.None))
        {
            writes = await QueueAsync(queue, 2, n => WriteAsync(app, acme.Id, async (services, _, c) =>
            {
                await CreateProjectAsync(services, $"S{n}", c);
                if (n == 1)
                {
                    secondRuns.SetResult();
                    await secondMayEnd.Task;
                }
            }));
        }

        // The first write ended well and handed the open transaction on: it has not answered, and nobody sees it.
        await secondRuns.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(writes[0].IsCompleted);
        Assert.Empty(await ReadProjectKeysAsync(app, acme.Id));

        secondMayEnd.SetResult();
        await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["S0", "S1"], (await ReadProjectKeysAsync(app, acme.Id)).Order());
    }

    [Fact]
    public async Task A_group_whose_writes_all_failed_leaves_nothing_behind_for_the_next_group()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite, fakeClock: true);
        var acme = await app.CreateTenantAsync("acme");
        var (file, queue) = GateOf(app);
        var before = queue.Counts;

        // Each group is queued behind the held gate, so the first ends (rolled back: none of it was kept) before the second begins.
        foreach (var (group, failing) in new[] { ("G", (Func<int, bool>)(_ => true)), ("H", n => n == 1) })
        {
            List<Task> writes;
            using (await SqliteWriteGate.HoldAsync(file, CancellationToken.None))
            {
                writes = await QueueAsync(queue, 3, n => WriteAsync(app, acme.Id, async (services, db, c) =>
                {
                    await CreateProjectAsync(services, $"{group}{n}", c);
                    if (failing(n))
                    {
                        // Another savepoint of the write's own, left open by the failure.
                        await db.Database.CurrentTransaction!.CreateSavepointAsync("inner", c);
                        await CreateProjectAsync(services, $"{group}{n}X", c);
                        throw new TimeoutException("this write fails after its changes were made");
                    }
                }));
            }

            foreach (var (write, n) in writes.Select((t, n) => (t, n)))
            {
                if (failing(n))
                {
                    await Assert.ThrowsAsync<TimeoutException>(() => write);
                }
                else
                {
                    await write;
                }
            }
        }

        Assert.Equal(["H0", "H2"], (await ReadProjectKeysAsync(app, acme.Id)).Order());
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(acme.Id, Actor.System);
        Assert.Equal(2, await scope.ServiceProvider.GetRequiredService<BosunDb>().AuditEntries.CountAsync(a => a.Action == "project.created"));
        var events = await scope.ServiceProvider.GetRequiredService<StreamService>().ReadAfterAsync(0, null, CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(n => (long)n), events.Select(e => e.Seq));
        Assert.Equal(2, events.Count(e => e.Type == "project.created"));

        // The first group committed nothing, the second once for both of its kept writes.
        var after = queue.Counts;
        Assert.Equal((2L, 1L), (after.Writers - before.Writers, after.Commits - before.Commits));
    }

    private static (string File, SqliteWriteQueue Queue) GateOf(BosunTestApp app)
    {
        var file = app.Store.SqliteFile!;
        var queue = SqliteWriteGate.Of(file);

        // The writes of a test share groups as the test queued them; a loaded machine must not end a group by its age.
        queue.MaxAge = TimeSpan.FromMinutes(1);
        return (file, queue);
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

    /// The tenant's project keys as a reader on a connection of its own sees them.
    private static async Task<List<string>> ReadProjectKeysAsync(BosunTestApp app, string tenantId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(tenantId, Actor.System);
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        return await db.InTransactionAsync(c => db.Projects.Select(p => p.Key).ToListAsync(c), write: false, CancellationToken.None);
    }

    private static async Task RunAsync(BosunDb db, string sql, CancellationToken ct)
    {
        await using var command = Sql.Command(db, sql);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<long> ScalarAsync(BosunDb db, string sql, CancellationToken ct)
    {
        await using var command = Sql.Command(db, sql);
        return await command.ScalarLongAsync(ct);
    }

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
