using System.Net;
using System.Text;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Api;

public sealed class IdempotencyTests
{
    [Theory, BothStores]
    public async Task A_retried_create_returns_the_first_response_and_creates_once(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        const string body = """{"project_id":"WEB","title":"Only once","labels":["x"]}""";

        var first = await acme.Owner.PostRawAsync("/api/v1/work", body, "create-1");
        var retry = await acme.Owner.PostRawAsync("/api/v1/work", body, "create-1");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal("application/json", retry.Content.Headers.ContentType?.MediaType);
        Assert.True(retry.Headers.Contains("Idempotent-Replayed"));
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(["WEB-1"], (await acme.Owner.ListAllAsync("/api/v1/work")).Select(w => w.Str("key")));
        Assert.Single(await acme.Owner.ListAllAsync("/api/v1/audit?action=work_item.created"));
        Assert.Equal("WEB-2", (await acme.CreateWorkAsync("WEB", "Next")).Str("key"));
    }

    [Theory, BothStores]
    public async Task A_key_is_remembered_for_a_day_and_then_pruned(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        const string body = """{"project_id":"WEB","title":"Daily"}""";

        await (await acme.Owner.PostRawAsync("/api/v1/work", body, "daily-1")).ReadSuccessAsync();
        app.Clock!.Advance(TimeSpan.FromHours(23));
        Assert.True((await acme.Owner.PostRawAsync("/api/v1/work", body, "daily-1")).Headers.Contains("Idempotent-Replayed"));

        // Past the retention the key starts over: the request is carried out again.
        app.Clock.Advance(TimeSpan.FromHours(2));
        var late = await acme.Owner.PostRawAsync("/api/v1/work", body, "daily-1");
        Assert.False(late.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("WEB-2", (await late.ReadSuccessAsync()).Str("key"));

        await (await acme.Owner.PostRawAsync("/api/v1/work", body, "daily-2")).ReadSuccessAsync();
        app.Clock.Advance(IdempotencyJanitor.Retention + TimeSpan.FromMinutes(1));
        await (await acme.Owner.PostRawAsync("/api/v1/work", body, "daily-3")).ReadSuccessAsync();
        Assert.Equal(2, await app.Services.GetRequiredService<IdempotencyJanitor>().PruneAsync(CancellationToken.None));
        Assert.True((await acme.Owner.PostRawAsync("/api/v1/work", body, "daily-3")).Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(4, (await acme.Owner.ListAllAsync("/api/v1/work")).Count);
    }

    [Theory, BothStores]
    public async Task A_retried_patch_is_not_applied_again(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Original");
        var url = $"/api/v1/work/{item.Str("id")}";

        var first = await acme.Owner.PatchRawAsync(url, """{"title":"First edit"}""", "edit-1");
        await acme.Owner.PatchJsonAsync(url, new { title = "Second edit" });
        var retry = await acme.Owner.PatchRawAsync(url, """{"title":"First edit"}""", "edit-1");

        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal("First edit", (await retry.ReadJsonAsync()).Str("title"));
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        Assert.Equal("Second edit", (await acme.Owner.GetJsonAsync(url)).Str("title"));
    }

    [Theory, BothStores]
    public async Task The_same_key_with_a_different_request_is_422(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.Owner.PostRawAsync("/api/v1/work", """{"project_id":"WEB","title":"A"}""", "key-1");

        var otherBody = await acme.Owner.PostRawAsync("/api/v1/work", """{"project_id":"WEB","title":"B"}""", "key-1");
        var otherRoute = await acme.Owner.PostRawAsync("/api/v1/projects", """{"project_id":"WEB","title":"A"}""", "key-1");

        Assert.Equal("/problems/idempotency-key-reused", (await otherBody.ProblemAsync(HttpStatusCode.UnprocessableEntity)).Str("type"));
        await otherRoute.ProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(["A"], (await acme.Owner.ListAllAsync("/api/v1/work")).Select(w => w.Str("title")));
    }

    [Theory, BothStores]
    public async Task A_failed_request_is_not_remembered_so_its_retry_can_succeed(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        const string body = """{"project_id":"API","title":"Needs the project"}""";

        var failed = await acme.Owner.PostRawAsync("/api/v1/work", body, "retry-me");
        await failed.ProblemAsync(HttpStatusCode.BadRequest);
        await acme.CreateProjectAsync("API");
        var retried = await acme.Owner.PostRawAsync("/api/v1/work", body, "retry-me");

        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        Assert.False(retried.Headers.Contains("Idempotent-Replayed"));
    }

    [Theory, BothStores]
    public async Task Keys_belong_to_one_tenant(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var globex = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await globex.CreateProjectAsync("WEB");
        const string body = """{"project_id":"WEB","title":"Same key"}""";

        var fromAcme = await acme.Owner.PostRawAsync("/api/v1/work", body, "shared-key");
        var fromGlobex = await globex.Owner.PostRawAsync("/api/v1/work", body, "shared-key");

        Assert.Equal(HttpStatusCode.Created, fromGlobex.StatusCode);
        Assert.False(fromGlobex.Headers.Contains("Idempotent-Replayed"));
        Assert.NotEqual((await fromAcme.ReadJsonAsync()).Str("id"), (await fromGlobex.ReadJsonAsync()).Str("id"));
        Assert.Single(await globex.Owner.ListAllAsync("/api/v1/work"));
    }

    [Theory, BothStores]
    public async Task A_replayed_secret_is_not_kept_in_the_database(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();

        var first = await (await acme.Owner.PostRawAsync("/api/v1/tokens", """{"name":"ci"}""", "token-key")).ReadSuccessAsync();
        var replay = await (await acme.Owner.PostRawAsync("/api/v1/tokens", """{"name":"ci"}""", "token-key")).ReadSuccessAsync();
        var invited = await (await acme.Owner.PostRawAsync("/api/v1/invitations", """{"email":"new@acme.test"}""", "invite-key")).ReadSuccessAsync();
        var invitedAgain = await (await acme.Owner.PostRawAsync("/api/v1/invitations", """{"email":"new@acme.test"}""", "invite-key")).ReadSuccessAsync();

        Assert.Equal(first.Str("id"), replay.Str("id"));
        Assert.Equal(first.Str("prefix"), replay.Str("prefix"));
        Assert.Equal(JsonValueKind.Null, replay.GetProperty("token").ValueKind);
        Assert.Equal(invited.GetProperty("invitation").Str("id"), invitedAgain.GetProperty("invitation").Str("id"));
        Assert.Equal(JsonValueKind.Null, invitedAgain.GetProperty("token").ValueKind);
        var stored = await app.WithDbAsync(db => db.IdempotencyRecords.IgnoreQueryFilters().Select(r => r.ResponseBody).ToListAsync());
        Assert.Equal(2, stored.Count);
        Assert.All(stored.Select(Encoding.UTF8.GetString), body =>
        {
            Assert.DoesNotContain(first.Str("token"), body);
            Assert.DoesNotContain(invited.Str("token"), body);
        });
        Assert.Equal(HttpStatusCode.OK, (await app.ClientFor(first.Str("token")).GetAsync("/api/v1/work")).StatusCode);
    }

    [Theory, BothStores]
    public async Task An_overlong_key_is_refused(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();

        var response = await acme.Owner.PostRawAsync("/api/v1/projects", """{"key":"WEB","name":"Web"}""", new string('k', 201));

        Assert.NotEmpty((await response.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("Idempotency-Key"));
        Assert.Empty(await acme.Owner.ListAllAsync("/api/v1/projects"));
    }
}
