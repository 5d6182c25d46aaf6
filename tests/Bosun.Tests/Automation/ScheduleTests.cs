using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bosun.Core.Automation;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Server.Http;
using Bosun.Tests.Infrastructure;
using Bosun.Tests.Planning;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Bosun.Tests.Automation.ScheduleTestKit;

namespace Bosun.Tests.Automation;

/// Schedules with a fake clock that starts on Monday 2 March 2026, 09:00 UTC; the tests run the loop's passes
/// themselves, as the background job does every second.
public sealed class ScheduleTests
{
    [Theory, BothStores]
    public async Task A_cron_schedule_fires_each_time_once_making_an_item_with_its_placeholders_audited_as_the_schedule(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("OPS");
        var schedule = await acme.CreateScheduleAsync(new
        {
            name = "Daily standup", cron = "0 9 * * *", time_zone = "Europe/Berlin", project = "OPS",
            title = "Standup {{date}}", description = "Period {{period}}, fired at {{fire_time}}",
        });
        var id = schedule.Str("id");
        Assert.Equal("cron", schedule.Str("trigger"));
        Assert.Equal("item", schedule.Str("makes"));
        var next = schedule.GetProperty("next_fire_times").EnumerateArray().Select(t => t.GetProperty("at").GetDateTime()).ToList();
        Assert.Equal(Enumerable.Range(3, 5).Select(d => Utc($"2026-03-0{d}T08:00:00Z")), next);

        Assert.Equal(0, (await app.TickAsync()).Fired);
        app.SetTo("2026-03-03T08:00:20Z");
        Assert.Equal(1, (await app.TickAsync()).Fired);
        Assert.Equal(0, (await app.TickAsync()).Fired);

        var firing = Assert.Single(await acme.FiringsAsync(id));
        Assert.Equal(("fired", "scheduled"), (firing.Str("status"), firing.Str("trigger")));
        Assert.Equal(Utc("2026-03-03T08:00:00Z"), firing.GetProperty("fire_time").GetDateTime());
        var item = Assert.Single(firing.GetProperty("items").EnumerateArray());
        var made = await acme.Owner.GetJsonAsync($"/api/v1/work/{item.Str("key")}");
        Assert.Equal("Standup 2026-03-03", made.Str("title"));
        Assert.Equal("Period 2026-03-03, fired at 2026-03-03T09:00:00+01:00", made.Str("description"));

        var read = await acme.Owner.GetJsonAsync($"/api/v1/schedules/{id}");
        Assert.Equal("fired", read.Str("last_status"));
        Assert.Equal(Utc("2026-03-04T08:00:00Z"), read.GetProperty("next_fire_at").GetDateTime());
        Assert.Equal(firing.Str("id"), Assert.Single(read.GetProperty("last_firings").EnumerateArray()).Str("id"));

        // One audit row for the firing, by the schedule; the schedule's own bookkeeping writes none.
        var audit = await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={id}");
        Assert.Equal(["schedule.fired", "schedule.created"], audit.Select(a => a.Str("action")));
        Assert.Equal($"schedule:{id}", audit[0].Str("actor"));
        Assert.Equal($"schedule:{id}", made.Str("created_by"));
    }

    [Theory, BothStores]
    public async Task A_spring_forward_gap_fires_at_the_first_instant_after_it_and_a_fall_back_overlap_fires_once(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("OPS");

        // 02:30 does not exist in New York on 8 March 2026: the clocks go from 02:00 EST to 03:00 EDT.
        var gap = (await acme.CreateScheduleAsync(new { name = "Nightly backup", cron = "30 2 * * *", time_zone = "America/New_York", project = "OPS", title = "Backup {{fire_time}}" })).Str("id");
        var times = (await acme.Owner.GetJsonAsync($"/api/v1/schedules/{gap}/next?count=8")).EnumerateArray().ToList();
        Assert.Equal(
            [Utc("2026-03-06T07:30:00Z"), Utc("2026-03-07T07:30:00Z"), Utc("2026-03-08T07:00:00Z"), Utc("2026-03-09T06:30:00Z")],
            times.Select(t => t.GetProperty("at").GetDateTime()).Skip(3).Take(4));
        Assert.Equal("2026-03-08T03:00:00-04:00", times[5].GetProperty("local").GetDateTimeOffset().ToString("yyyy-MM-dd'T'HH:mm:sszzz"));

        app.SetTo("2026-03-08T06:59:00Z");
        await app.TickAsync();
        app.SetTo("2026-03-08T07:00:05Z");
        Assert.Equal(1, (await app.TickAsync()).Fired);
        var firing = (await acme.FiringsAsync(gap))[0];
        Assert.Equal(Utc("2026-03-08T07:00:00Z"), firing.GetProperty("fire_time").GetDateTime());
        Assert.Equal("Backup 2026-03-08T03:00:00-04:00", firing.GetProperty("items")[0].Str("title"));

        // 01:30 happens twice in New York on 1 November 2026 (EDT, then EST): a daily schedule fires at the first.
        app.SetTo("2026-10-30T12:00:00Z");
        var overlap = (await acme.CreateScheduleAsync(new { name = "Early report", cron = "30 1 * * *", time_zone = "America/New_York", project = "OPS", title = "Report {{date}}" })).Str("id");
        var fallBack = (await acme.Owner.GetJsonAsync($"/api/v1/schedules/{overlap}/next?count=3")).EnumerateArray().Select(t => t.GetProperty("at").GetDateTime());
        Assert.Equal([Utc("2026-10-31T05:30:00Z"), Utc("2026-11-01T05:30:00Z"), Utc("2026-11-02T06:30:00Z")], fallBack);

        var fired = new List<DateTime>();
        for (var at = DateTime.Parse("2026-11-01T05:00:00Z").ToUniversalTime(); at <= Utc("2026-11-01T07:30:00Z"); at = at.AddMinutes(15))
        {
            app.SetTo(at.ToString("O"));
            await app.TickAsync();
        }

        fired.AddRange((await acme.FiringsAsync(overlap)).Select(f => f.GetProperty("fire_time").GetDateTime()));
        Assert.Equal([Utc("2026-11-01T05:30:00Z")], fired);
    }

    [Theory, BothStores]
    public async Task After_downtime_skip_fires_none_of_the_missed_times_once_fires_one_and_all_fires_the_latest_n(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("OPS");
        async Task<string> Hourly(string catchUp) => (await acme.CreateScheduleAsync(new
        {
            name = $"Hourly {catchUp}", interval_seconds = 3600, project = "OPS", title = "Check {{fire_time}}", catch_up = catchUp, catch_up_max = 3,
        })).Str("id");
        var (skip, once, all) = (await Hourly("skip"), await Hourly("once"), await Hourly("all"));

        // Down from 09:00 to 19:30: the times 10:00 to 19:00 were missed.
        app.Advance(TimeSpan.FromHours(10.5));
        await app.TickAsync();
        async Task<List<DateTime>> Times(string id) => [.. (await acme.FiringsAsync(id)).Select(f => f.GetProperty("fire_time").GetDateTime()).Order()];
        Assert.Empty(await Times(skip));
        Assert.Equal([Utc("2026-03-02T19:00:00Z")], await Times(once));
        Assert.Equal([Utc("2026-03-02T17:00:00Z"), Utc("2026-03-02T18:00:00Z"), Utc("2026-03-02T19:00:00Z")], await Times(all));
        foreach (var id in new[] { skip, once, all })
        {
            Assert.Equal(Utc("2026-03-02T20:00:00Z"), (await acme.Owner.GetJsonAsync($"/api/v1/schedules/{id}")).GetProperty("next_fire_at").GetDateTime());
        }

        // Up again, each fires its next time once.
        app.Advance(TimeSpan.FromMinutes(30.5));
        Assert.Equal(3, (await app.TickAsync()).Fired);
        Assert.Equal([Utc("2026-03-02T20:00:00Z")], await Times(skip));
        Assert.Equal(2, (await Times(once)).Count);
        Assert.Equal(4, (await Times(all)).Count);
    }

    [Theory, BothStores]
    public async Task Overlap_allow_fires_skip_if_open_skips_and_queue_waits_until_the_previous_items_are_done(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("OPS");
        async Task<string> Minutely(string overlap) => (await acme.CreateScheduleAsync(new
        {
            name = $"Every minute, {overlap}", interval_seconds = 60, project = "OPS", title = "Sweep {{fire_time}}", overlap,
        })).Str("id");
        var (allow, skip, queue) = (await Minutely("allow"), await Minutely("skip_if_open"), await Minutely("queue"));

        app.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(3, (await app.TickAsync()).Fired);
        app.Advance(TimeSpan.FromSeconds(60));
        var second = await app.TickAsync();
        Assert.Equal((1, 1, 1), (second.Fired, second.Skipped, second.Queued));
        async Task<List<string>> Statuses(string id) => [.. (await acme.FiringsAsync(id)).Select(f => f.Str("status"))];
        Assert.Equal(["fired", "fired"], await Statuses(allow));
        Assert.Equal(["skipped", "fired"], await Statuses(skip));
        Assert.Contains("not all done", (await acme.FiringsAsync(skip))[0].Str("error"));
        Assert.Equal(["queued", "fired"], await Statuses(queue));

        // Nothing happens to the queued firing while the first firing's item is open.
        Assert.Equal(0, (await app.TickAsync()).Fired);
        var first = (await acme.FiringsAsync(queue))[1].GetProperty("items")[0].Str("key");
        await acme.Owner.DoAsync(first);
        Assert.Equal(1, (await app.TickAsync()).Fired);
        var queued = (await acme.FiringsAsync(queue))[0];
        Assert.Equal("fired", queued.Str("status"));
        Assert.Equal(Utc("2026-03-02T09:02:00Z"), queued.GetProperty("fire_time").GetDateTime());
        Assert.Single(queued.GetProperty("items").EnumerateArray());
    }

    [Theory, BothStores]
    public async Task A_firing_whose_template_is_gone_is_recorded_with_its_error_alerts_the_owner_once_and_the_loop_goes_on(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("MKT");
        var template = await acme.AddTemplateAsync("Weekly newsletter",
            [new { key = "draft", title = "Draft the {{topic}} newsletter for {{period}}" }, new { key = "send", title = "Send it", after = new[] { "draft" } }],
            [new { key = "topic", label = "Topic", type = "text", required = true }]);
        var broken = (await acme.CreateScheduleAsync(new
        {
            name = "Newsletter", interval_seconds = 7 * 24 * 3600, project = "MKT", template_id = template, variables = new { topic = "product" },
            title = "Newsletter {{period}}",
        })).Str("id");
        var healthy = (await acme.CreateScheduleAsync(new { name = "Weekly review", interval_seconds = 7 * 24 * 3600, project = "MKT", title = "Review {{period}}" })).Str("id");

        // While the template exists the schedule makes a pipeline with its values and the firing's period.
        await acme.Owner.PostJsonAsync($"/api/v1/schedules/{broken}/run", new { });
        var pipeline = (await acme.FiringsAsync(broken))[0].GetProperty("items")[0];
        Assert.Equal("Newsletter 2026-W10", pipeline.Str("title"));
        var steps = await acme.Owner.ListAllAsync($"/api/v1/work?parent={pipeline.Str("id")}");
        Assert.Contains(steps, s => s.Str("title") == "Draft the product newsletter for 2026-W10");

        await acme.Owner.PostJsonAsync($"/api/v1/templates/{template}/archive", new { });
        app.Advance(TimeSpan.FromDays(7));
        var tick = await app.TickAsync();
        Assert.Equal((1, 1), (tick.Fired, tick.Failed));
        var failed = (await acme.FiringsAsync(broken))[0];
        Assert.Equal("failed", failed.Str("status"));
        Assert.Contains("archived", failed.Str("error"));
        Assert.Empty(failed.GetProperty("items").EnumerateArray());
        var schedule = await acme.Owner.GetJsonAsync($"/api/v1/schedules/{broken}");
        Assert.Equal(("failed", failed.Str("error")), (schedule.Str("last_status"), schedule.Str("last_error")));
        Assert.Equal("fired", (await acme.Owner.GetJsonAsync($"/api/v1/schedules/{healthy}")).Str("last_status"));

        var alerts = await acme.Owner.ListAllAsync("/api/v1/work?type=escalation");
        var alert = Assert.Single(alerts);
        Assert.Equal($"user:{acme.OwnerId}", alert.Str("assignee"));
        Assert.Contains("Newsletter", alert.Str("title"));

        // The next failure in a row is recorded too, and raises no second alert.
        app.Advance(TimeSpan.FromDays(7));
        Assert.Equal(1, (await app.TickAsync()).Failed);
        Assert.Equal(["failed", "failed", "fired"], (await acme.FiringsAsync(broken)).Select(f => f.Str("status")));
        Assert.Single(await acme.Owner.ListAllAsync("/api/v1/work?type=escalation"));
        var audit = await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={broken}&action=schedule.failed");
        Assert.Equal(2, audit.Count);
    }

    [Theory, BothStores]
    public async Task Run_now_fires_a_manual_schedule_with_variables_once_per_idempotency_key(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("OPS");
        var id = (await acme.CreateScheduleAsync(new { name = "Deploy", project = "OPS", title = "Deploy {{service}} on {{date}}", item_type = "deploy" })).Str("id");
        var schedule = await acme.Owner.GetJsonAsync($"/api/v1/schedules/{id}");
        Assert.Equal("manual", schedule.Str("trigger"));
        Assert.Empty(schedule.GetProperty("next_fire_times").EnumerateArray());

        async Task<JsonElement> Run(string key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/schedules/{id}/run")
            {
                Content = JsonContent.Create(new { variables = new { service = "billing" } }, options: BosunJson.Options),
            };
            request.Headers.Add("Idempotency-Key", key);
            return await (await acme.Owner.SendAsync(request)).ReadSuccessAsync();
        }

        var first = await Run("deploy-1");
        var again = await Run("deploy-1");
        Assert.Equal(first.Str("id"), again.Str("id"));
        Assert.Equal(("fired", "manual"), (first.Str("status"), first.Str("trigger")));
        Assert.Equal($"user:{acme.OwnerId}", first.Str("actor_ref"));
        Assert.Equal("Deploy billing on 2026-03-02", first.GetProperty("items")[0].Str("title"));
        app.Advance(TimeSpan.FromSeconds(1));
        await Run("deploy-2");
        Assert.Equal(2, (await acme.FiringsAsync(id)).Count);
        Assert.Equal(2, (await acme.Owner.ListAllAsync("/api/v1/work?type=deploy")).Count);
    }

    [Theory, BothStores]
    public async Task A_run_now_at_the_instant_of_a_scheduled_time_does_not_take_that_time_from_the_scheduled_firing(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("OPS");
        var id = (await acme.CreateScheduleAsync(new { name = "Hourly", cron = "0 * * * *", project = "OPS", title = "Check {{fire_time}}" })).Str("id");
        app.SetTo("2026-03-02T10:00:00Z");

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/schedules/{id}/run") { Content = JsonContent.Create(new { }) };
        request.Headers.Add("Idempotency-Key", "by-hand");
        var manual = await (await acme.Owner.SendAsync(request)).ReadSuccessAsync();
        Assert.Equal(Utc("2026-03-02T10:00:00Z"), manual.GetProperty("fire_time").GetDateTime());
        Assert.Equal(1, (await app.TickAsync()).Fired);

        var firings = await acme.FiringsAsync(id);
        Assert.Equal(["manual", "scheduled"], firings.Select(f => f.Str("trigger")).Order());
        Assert.All(firings, f => Assert.Equal(("fired", Utc("2026-03-02T10:00:00Z")), (f.Str("status"), f.GetProperty("fire_time").GetDateTime())));
        Assert.Equal(Utc("2026-03-02T11:00:00Z"), (await acme.Owner.GetJsonAsync($"/api/v1/schedules/{id}")).GetProperty("next_fire_at").GetDateTime());
    }

    [Theory, BothStores]
    public async Task Bad_cron_or_time_zone_is_a_400_naming_the_field_and_another_tenants_schedule_is_404(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("OPS");
        var cron = await acme.Owner.PostAsJsonAsync("/api/v1/schedules", new { name = "Bad", cron = "61 * * * *", project = "OPS", title = "x" }, BosunJson.Options);
        Assert.Contains("is not a cron expression", (await cron.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("cron")[0]);
        var zone = await acme.Owner.PostAsJsonAsync("/api/v1/schedules", new { name = "Bad", cron = "0 9 * * *", time_zone = "Mars/Olympus", project = "OPS", title = "x" }, BosunJson.Options);
        Assert.Contains("not an IANA time zone", (await zone.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("time_zone")[0]);
        var interval = await acme.Owner.PostAsJsonAsync("/api/v1/schedules", new { name = "Bad", trigger = "interval", project = "OPS", title = "x" }, BosunJson.Options);
        Assert.NotEmpty((await interval.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("interval_seconds"));
        var policy = await acme.Owner.PostAsJsonAsync("/api/v1/schedules", new { name = "Bad", project = "OPS", title = "x", overlap = "sometimes" }, BosunJson.Options);
        Assert.NotEmpty((await policy.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("overlap"));

        var id = (await acme.CreateScheduleAsync(new { name = "Good", cron = "0 9 * * 1-5", project = "OPS", title = "x" })).Str("id");
        var bad = await acme.Owner.PatchAsJsonAsync($"/api/v1/schedules/{id}", new { cron = "0 9 * *" }, BosunJson.Options);
        Assert.NotEmpty((await bad.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("cron"));

        var globex = await app.CreateTenantAsync();
        foreach (var response in new[]
                 {
                     await globex.Owner.GetAsync($"/api/v1/schedules/{id}"),
                     await globex.Owner.GetAsync($"/api/v1/schedules/{id}/next"),
                     await globex.Owner.GetAsync($"/api/v1/schedules/{id}/firings"),
                     await globex.Owner.PostAsJsonAsync($"/api/v1/schedules/{id}/run", new { }),
                     await globex.Owner.PostAsJsonAsync($"/api/v1/schedules/{id}/pause", new { }),
                     await globex.Owner.PatchAsJsonAsync($"/api/v1/schedules/{id}", new { name = "Mine" }),
                     await globex.Owner.DeleteAsync($"/api/v1/schedules/{id}"),
                 })
        {
            await response.ProblemAsync(HttpStatusCode.NotFound);
        }

        Assert.Empty(await globex.Owner.ListAllAsync("/api/v1/schedules"));
    }

    [Theory, BothStores]
    public async Task A_paused_schedule_does_not_fire_and_resumes_from_its_next_time_without_catching_up(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("OPS");
        var id = (await acme.CreateScheduleAsync(new { name = "Ten minutes", interval_seconds = 600, project = "OPS", title = "Tick", catch_up = "all" })).Str("id");
        var paused = await acme.Owner.PostJsonAsync($"/api/v1/schedules/{id}/pause", new { });
        Assert.False(paused.GetProperty("active").GetBoolean());
        Assert.Equal(JsonValueKind.Null, paused.GetProperty("next_fire_at").ValueKind);
        Assert.Single(await acme.Owner.ListAllAsync("/api/v1/schedules?active=false"));
        app.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, (await app.TickAsync()).Fired);

        var resumed = await acme.Owner.PostJsonAsync($"/api/v1/schedules/{id}/resume", new { });
        Assert.Equal(Utc("2026-03-02T10:10:00Z"), resumed.GetProperty("next_fire_at").GetDateTime());
        app.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(1, (await app.TickAsync()).Fired);
        Assert.Single(await acme.FiringsAsync(id));
    }

    [Theory, BothStores]
    public async Task A_firing_whose_transaction_never_committed_happens_once_after_a_restart(StoreKind store)
    {
        var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("OPS");
        var id = (await acme.CreateScheduleAsync(new { name = "Hourly", interval_seconds = 3600, project = "OPS", title = "Hour {{fire_time}}", item_type = "hourly" })).Str("id");
        app.Advance(TimeSpan.FromHours(1));

        // A process makes the firing and its item and dies before committing.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(acme.Id, Actor.Automation($"schedule:{id}", "schedule Hourly"));
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            await using var transaction = await TransactionExtensions.BeginAsync(db, write: true, CancellationToken.None);
            var firer = scope.ServiceProvider.GetRequiredService<ScheduleFirer>();
            var due = await firer.DueAsync(id, CancellationToken.None);
            Assert.NotNull(due);
            await firer.FireAsync(due, CancellationToken.None);
        }

        var clock = app.Clock!;
        await app.DisposeAsync();
        await using var restarted = await BosunTestApp.StartOnAsync(app.Store, clock);
        Assert.Equal(0, await restarted.WithDbAsync(db => db.ScheduleFirings.IgnoreQueryFilters().CountAsync(f => f.ScheduleId == id)));
        Assert.Equal(1, (await restarted.TickAsync()).Fired);
        Assert.Equal(0, (await restarted.TickAsync()).Fired);
        var count = await restarted.WithDbAsync(db => db.ScheduleFirings.IgnoreQueryFilters().CountAsync(f => f.ScheduleId == id));
        var items = await restarted.WithDbAsync(db => db.WorkItems.IgnoreQueryFilters().CountAsync(w => w.TenantId == acme.Id && w.Type == "hourly"));
        Assert.Equal((1, 1), (count, items));
    }

    [Theory, BothStores]
    public async Task An_agent_lists_schedules_and_fires_one_over_mcp(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("OPS");
        var id = (await acme.CreateScheduleAsync(new { name = "Triage", project = "OPS", title = "Triage {{queue}}" })).Str("id");
        var (_, _, token) = await acme.CreateAgentAsync("triager");
        await using var mcp = await Agents.McpServerTests.ConnectAsync(app, token);
        var listed = await Agents.McpServerTests.CallAsync(mcp, "list_schedules");
        Assert.Equal(id, Assert.Single(listed.GetProperty("items").EnumerateArray()).Str("id"));
        var firing = await Agents.McpServerTests.CallAsync(mcp, "run_schedule", new { schedule = id, variables = new { queue = "support" } });
        Assert.Equal("Triage support", firing.GetProperty("items")[0].Str("title"));
        Assert.Single(await acme.FiringsAsync(id));
    }

    [Fact, Trait(TestCategory.Key, TestCategory.Postgres)]
    public async Task Three_processes_on_one_postgresql_fire_200_schedules_every_second_for_a_minute_each_time_exactly_once()
    {
        var database = await TestDatabases.CreateAsync(StoreKind.Postgres);
        var start = DateTimeOffset.Parse("2026-03-02T09:00:00Z");
        var clocks = Enumerable.Range(0, 3).Select(_ => new Microsoft.Extensions.Time.Testing.FakeTimeProvider(start)).ToList();
        var processes = new List<BosunTestApp>();
        foreach (var clock in clocks)
        {
            processes.Add(await BosunTestApp.StartOnAsync(database, clock));
        }

        await using var a = processes[0];
        await using var b = processes[1];
        await using var c = processes[2];
        var acme = await a.CreateTenantAsync();
        await acme.CreateProjectAsync("OPS");
        const int schedules = 200;
        const int seconds = 60;
        for (var i = 0; i < schedules; i++)
        {
            await acme.CreateScheduleAsync(new { name = $"Every second {i}", interval_seconds = 1, project = "OPS", title = $"S{i} {{{{fire_time}}}}", catch_up = "all", catch_up_max = 100 });
        }

        var fired = 0;
        for (var s = 0; s < seconds; s++)
        {
            clocks.ForEach(clock => clock.Advance(TimeSpan.FromSeconds(1)));
            var results = await Task.WhenAll(processes.Select(p => p.TickAsync()));
            Assert.All(results, r => Assert.Equal((0, 0), (r.Failed, r.Skipped)));
            fired += results.Sum(r => r.Fired);
        }

        var rows = await a.WithDbAsync(db => db.ScheduleFirings.IgnoreQueryFilters().Where(f => f.TenantId == acme.Id)
            .Select(f => new { f.ScheduleId, f.FireTime, f.Status }).ToListAsync());
        Assert.Equal(schedules * seconds, fired);
        Assert.Equal(schedules * seconds, rows.Count);
        Assert.All(rows, r => Assert.Equal(FiringStatus.Fired, r.Status));
        foreach (var perSchedule in rows.GroupBy(r => r.ScheduleId))
        {
            Assert.Equal(Enumerable.Range(1, seconds).Select(k => start.UtcDateTime.AddSeconds(k)), perSchedule.Select(r => r.FireTime).Order());
        }

        var items = await a.WithDbAsync(db => db.WorkItems.IgnoreQueryFilters().CountAsync(w => w.TenantId == acme.Id));
        var audits = await a.WithDbAsync(db => db.AuditEntries.IgnoreQueryFilters().CountAsync(e => e.TenantId == acme.Id && e.Action == "schedule.fired"));
        Assert.Equal((schedules * seconds, schedules * seconds), (items, audits));
    }
}
