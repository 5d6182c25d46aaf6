using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Planning;
using Bosun.Core.Realtime;
using Bosun.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Storage;

/// On SQLite, writes queued behind one another commit together. Each must still be all or nothing on its own.
public sealed class SharedCommitTests
{
    [Fact]
    public async Task Queued_SQLite_writes_share_commits_and_one_that_fails_leaves_no_trace_while_the_others_are_kept()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync("acme");
        var file = new SqliteConnectionStringBuilder(app.Store.ConnectionString).DataSource;
        var queue = SqliteWriteGate.Of(file);
        var before = queue.Counts;
        const int writes = 24;

        // The gate is held until all the writes wait behind it, so they run back to back and hand the open transaction on.
        var tasks = new List<Task>();
        using (await SqliteWriteGate.HoldAsync(file, CancellationToken.None))
        {
            for (var i = 0; i < writes; i++)
            {
                var n = i;
                tasks.Add(Task.Run(async () =>
                {
                    await using var scope = app.Services.CreateAsyncScope();
                    scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(acme.Id, Actor.System);
                    var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
                    var projects = scope.ServiceProvider.GetRequiredService<ProjectService>();
                    await db.InTransactionAsync(async c =>
                    {
                        await projects.CreateAsync(new ProjectRequest($"P{n}", $"Project {n}", null, null, null, null, null), c);
                        if (n % 4 == 3)
                        {
                            throw new TimeoutException("this write fails after its changes were made");
                        }
                    }, write: true, CancellationToken.None);
                }));
            }

            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (queue.Waiting < writes && waited.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(10);
            }

            Assert.True(queue.Waiting >= writes, $"{queue.Waiting} of {writes} writes waiting");
        }

        foreach (var (task, n) in tasks.Select((t, n) => (t, n)))
        {
            if (n % 4 == 3)
            {
                await Assert.ThrowsAsync<TimeoutException>(() => task);
            }
            else
            {
                await task;
            }
        }

        var kept = Enumerable.Range(0, writes).Where(n => n % 4 != 3).Select(n => $"P{n}").ToHashSet();
        var keys = (await acme.Owner.ListAllAsync("/api/v1/projects")).Select(p => p.Str("key")).ToHashSet();
        Assert.Equal(kept, keys);

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
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync("acme");
        var file = new SqliteConnectionStringBuilder(app.Store.ConnectionString).DataSource;
        var queue = SqliteWriteGate.Of(file);

        var writes = new List<Task>();
        Task<IDisposable> alone;
        using (await SqliteWriteGate.HoldAsync(file, CancellationToken.None))
        {
            for (var i = 0; i < 5; i++)
            {
                var n = i;
                writes.Add(Task.Run(async () =>
                {
                    await using var scope = app.Services.CreateAsyncScope();
                    scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(acme.Id, Actor.System);
                    await scope.ServiceProvider.GetRequiredService<BosunDb>().InTransactionAsync(
                        c => scope.ServiceProvider.GetRequiredService<ProjectService>().CreateAsync(new ProjectRequest($"Q{n}", $"Project {n}", null, null, null, null, null), c),
                        write: true, CancellationToken.None);
                }));
                await WaitForAsync(() => queue.Waiting == n + 1);
            }

            // Last in the queue: a writer of its own (as the log's truncation is), which the last write hands the open transaction to.
            alone = SqliteWriteGate.HoldAsync(file, CancellationToken.None);
            await WaitForAsync(() => queue.Waiting == 6);
        }

        // The writes are done, and visible to everyone, while that writer still holds the gate: it committed them when it took over.
        using (await alone)
        {
            await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(30));
            var keys = (await acme.Owner.ListAllAsync("/api/v1/projects")).Select(p => p.Str("key")).ToHashSet();
            Assert.Equal(Enumerable.Range(0, 5).Select(n => $"Q{n}").ToHashSet(), keys);
        }
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
