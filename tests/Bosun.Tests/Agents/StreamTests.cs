using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Core.Realtime;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Agents;

public sealed class StreamTests
{
    [Theory, BothStores]
    public async Task Sse_resume_after_disconnect_delivers_every_missed_event_exactly_once_in_order(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");

        long last;
        await using (var stream = await SseClient.OpenAsync(acme.Owner, "/api/v1/stream"))
        {
            var item = await acme.CreateWorkAsync("WEB", "Write the landing page", new { status = "ready" });
            var created = (await stream.UntilAsync(e => e.Type == "work_item.created"))[^1];
            Assert.Equal(item.Str("id"), created.Data.Str("entity_id"));
            Assert.Equal("WEB-1", created.Data.Str("work_item_key"));
            last = created.Id!.Value;
        }

        // While the client is away, several writers commit concurrently: their transactions interleave and
        // finish in an order of their own.
        var (_, coder, _) = await acme.CreateAgentAsync("coder");
        var (_, reviewer, _) = await acme.CreateAgentAsync("reviewer");
        var writers = new[] { acme.Owner, coder, reviewer }.Select((client, w) => Task.Run(async () =>
        {
            for (var i = 0; i < 8; i++)
            {
                await client.PostJsonAsync("/api/v1/work/WEB-1/comments", new { body = $"writer {w} note {i}" });
            }
        }));
        var creators = Enumerable.Range(0, 4).Select(i => acme.CreateWorkAsync("WEB", $"Section {i}"));
        await Task.WhenAll(writers.Concat(creators));
        await acme.Owner.PatchJsonAsync("/api/v1/work/WEB-1", new { priority = "high" });

        await using (var stream = await SseClient.OpenAsync(acme.Owner, "/api/v1/stream", lastEventId: last))
        {
            var marker = await acme.CreateWorkAsync("WEB", "Marker");
            var replayed = await stream.UntilAsync(e => e.Type == "work_item.created" && e.Data.Str("entity_id") == marker.Str("id"));

            var ids = replayed.Select(e => e.Id!.Value).ToList();
            Assert.Equal(Enumerable.Range((int)last + 1, ids.Count).Select(i => (long)i), ids);
            Assert.All(replayed, e => Assert.Equal(e.Id, e.Data.GetProperty("id").GetInt64()));
            var comments = replayed.Where(e => e.Type == "comment.created").Select(e => e.Data.GetProperty("changes").GetProperty("body").GetProperty("after").GetString()).ToList();
            Assert.Equal(24, comments.Count);
            Assert.Equal(24, comments.Distinct().Count());
            Assert.Equal(5, replayed.Count(e => e.Type == "work_item.created"));
            Assert.Contains(replayed, e => e.Type == "work_item.changed" && e.Data.Str("work_item_key") == "WEB-1"
                                           && e.Data.GetProperty("changes").TryGetProperty("priority", out _));
        }
    }

    [Theory, BothStores]
    public async Task A_stream_shows_only_its_own_tenant_and_the_project_asked_for(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateProjectAsync("OPS");
        var globex = await app.CreateTenantAsync();
        await globex.CreateProjectAsync("WEB");
        var (_, globexAgent, _) = await globex.CreateAgentAsync("watcher");

        await using var globexStream = await SseClient.OpenAsync(globexAgent, "/api/v1/stream");
        await using var webStream = await SseClient.OpenAsync(acme.Owner, "/api/v1/stream?project=WEB&types=work_item.*,comment.created");

        await acme.CreateWorkAsync("OPS", "Rotate the keys", new { status = "ready" });
        await acme.CreateWorkAsync("WEB", "Write the page", new { status = "ready" });
        await acme.Owner.PostJsonAsync("/api/v1/work/WEB-1/comments", new { body = "go" });
        var globexItem = await globex.CreateWorkAsync("WEB", "Globex's own");

        var first = await globexStream.NextAsync();
        Assert.Equal(globexItem.Str("id"), first.Data.Str("entity_id"));

        var web = await webStream.UntilAsync(e => e.Type == "comment.created");
        Assert.Equal(["work_item.created", "comment.created"], web.Select(e => e.Type));
        Assert.All(web, e => Assert.Equal("WEB-1", e.Data.Str("work_item_key")));
    }

    /// Commits, as a Bosun process on PostgreSQL does, the events of comments c1..cN on WEB-1 with provisional numbers
    /// taken in that order, waiting for a sequencer to number them.
    private static Task CommitWaitingCommentEventsAsync(BosunTestApp app, string tenantId, int count) =>
        app.WithDbAsync(db => db.Database.ExecuteSqlRawAsync($$"""
            INSERT INTO stream_events (tenant_id, seq, type, entity_type, entity_id, work_item_key, actor_ref, actor_name, changes_json, created_at)
            SELECT {0}, nextval('stream_event_order') - {{StreamSequencer.ProvisionalBase}}, 'comment.created', 'comment', 'c' || n, 'WEB-1',
                   'system', 'Elsewhere', jsonb_build_object('body', jsonb_build_object('before', null, 'after', 'note ' || n))::text, now()
            FROM generate_series(1, {1}) AS n ORDER BY n
            """, tenantId, count));

    [Fact, Trait(TestCategory.Key, TestCategory.Postgres)]
    public async Task On_PostgreSQL_events_a_stopped_process_committed_but_never_numbered_still_reach_the_stream_in_order()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Postgres);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Write the page");
        await using var stream = await SseClient.OpenAsync(acme.Owner, "/api/v1/stream");

        // Another Bosun process committed three comments' events with provisional numbers, then stopped before numbering them.
        await CommitWaitingCommentEventsAsync(app, acme.Id, 3);

        var events = await stream.UntilAsync(e => e.Type == "comment.created" && e.Data.Str("entity_id") == "c3");
        var comments = events.Where(e => e.Type == "comment.created").ToList();
        Assert.Equal(["c1", "c2", "c3"], comments.Select(e => e.Data.Str("entity_id")));
        Assert.Equal(Enumerable.Range((int)comments[0].Id!.Value, 3).Select(i => (long)i), comments.Select(e => e.Id!.Value));
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<StreamEvent>().IgnoreQueryFilters().CountAsync(e => e.Seq < 0)));
    }

    [Fact, Trait(TestCategory.Key, TestCategory.Postgres)]
    public async Task On_PostgreSQL_a_new_tenants_first_burst_is_numbered_although_the_planners_statistics_predate_it()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Postgres);
        var established = await app.CreateTenantAsync();
        await established.CreateProjectAsync("WEB");
        await established.CreateWorkAsync("WEB", "Earlier work");

        // The statistics are gathered before the new tenant exists, as autovacuum last left them; then the new tenant's
        // agents commit a burst of events that wait for their numbers.
        await app.WithDbAsync(db => db.Database.ExecuteSqlRawAsync("ANALYZE stream_events"));
        var acme = await app.CreateTenantAsync();
        const int burst = 40_000;
        await CommitWaitingCommentEventsAsync(app, acme.Id, burst);

        await app.Services.GetRequiredService<StreamSequencer>().CatchUpAsync(acme.Id, CancellationToken.None);

        var numbered = await app.WithDbAsync(db => db.Set<StreamEvent>().IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.TenantId == acme.Id).OrderBy(e => e.Seq).Select(e => new { e.Seq, e.EntityType, e.EntityId }).ToListAsync());
        Assert.Equal(Enumerable.Range(1, numbered.Count).Select(i => (long)i), numbered.Select(e => e.Seq));
        var comments = numbered.Where(e => e.EntityType == "comment").Select(e => e.EntityId).ToList();
        Assert.Equal(Enumerable.Range(1, burst).Select(n => $"c{n}"), comments);
    }

    [Fact, Trait(TestCategory.Key, TestCategory.Postgres)]
    public async Task On_PostgreSQL_two_Bosun_processes_writing_at_once_give_one_gapless_stream()
    {
        await using var first = await BosunTestApp.StartAsync(StoreKind.Postgres);
        await using var second = await BosunTestApp.StartOnAsync(first.Store);
        var acme = await first.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Write the page");
        var clients = new[] { acme.Owner, second.ClientFor(acme.OwnerToken) };

        // Each process numbers what it committed with its own sequencer; both continue the tenant's one sequence.
        await Task.WhenAll(clients.SelectMany((client, p) => Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                await client.PostJsonAsync("/api/v1/work/WEB-1/comments", new { body = $"process {p} writer {w} note {i}" });
            }
        }))));

        await using var stream = await SseClient.OpenAsync(clients[1], "/api/v1/stream", lastEventId: 0);
        var seen = 0;
        var events = await stream.UntilAsync(e => e.Type == "comment.created" && ++seen == 60);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Id!.Value));
        var notes = events.Where(e => e.Type == "comment.created")
            .Select(e => e.Data.GetProperty("changes").GetProperty("body").GetProperty("after").GetString()).ToList();
        Assert.Equal(60, notes.Distinct().Count());
    }

    [Theory, BothStores]
    public async Task A_quiet_stream_sends_heartbeat_comments_and_bad_filters_are_refused(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        app.Services.GetRequiredService<RealtimeOptions>().HeartbeatInterval = TimeSpan.FromMilliseconds(200);
        var acme = await app.CreateTenantAsync();

        await using (var stream = await SseClient.OpenAsync(acme.Owner, "/api/v1/stream"))
        {
            Assert.Equal("heartbeat", await stream.NextCommentAsync());
        }

        var badType = await acme.Owner.GetAsync("/api/v1/stream?types=work_item.exploded");
        Assert.Equal(400, (int)badType.StatusCode);
        Assert.True((await badType.ReadJsonAsync()).GetProperty("errors").TryGetProperty("types", out _));
        var badId = await acme.Owner.GetAsync("/api/v1/stream?last_event_id=abc");
        Assert.Equal(400, (int)badId.StatusCode);
        Assert.Equal(401, (int)(await app.Anonymous().GetAsync("/api/v1/stream")).StatusCode);
    }

    [Theory, BothStores]
    public async Task Audit_rows_written_in_a_transaction_that_never_committed_never_reach_the_stream(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var itemId = (await acme.CreateWorkAsync("WEB", "Streamed")).Str("id");
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(acme.Id, Actor.System);
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        Task Change(string title, CancellationToken c) => new DirectAudit.Batch(db, DateTime.UtcNow)
            .Add("work_item", "updated", itemId, new DirectAudit.Changes().Set("title", "Streamed", title), itemId, null, "WEB-1").WriteAsync(c);

        // The first transaction is abandoned (disposed without a commit), as a claim retried after a deadlock is.
        await Assert.ThrowsAsync<TimeoutException>(() => db.InTransactionAsync(async c =>
        {
            await Change("phantom", c);
            throw new TimeoutException();
        }, write: true, CancellationToken.None));
        await db.InTransactionAsync(c => Change("kept", c), write: true, CancellationToken.None);

        var stream = scope.ServiceProvider.GetRequiredService<StreamService>();
        var titles = (await stream.ReadAfterAsync(0, null, CancellationToken.None))
            .Where(e => e.Type == "work_item.changed").Select(e => e.ChangesJson).ToList();
        Assert.Single(titles);
        Assert.Contains("kept", titles[0]);
    }
}
