using System.Net;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Identity;

public sealed class TokenTests
{
    [Theory, BothStores]
    public async Task A_token_is_shown_once_and_listed_by_prefix_only(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();

        var created = await acme.Owner.PostJsonAsync("/api/v1/tokens", new { name = "laptop" });
        var secret = created.Str("token");
        Assert.StartsWith("bsn_user_", secret);
        Assert.StartsWith(created.Str("prefix"), secret);
        Assert.True(created.Str("prefix").Length < secret.Length / 2);
        Assert.Equal($"user:{acme.OwnerId}", created.Str("principal"));

        var listed = (await acme.Owner.ListAllAsync("/api/v1/tokens")).Single(t => t.Str("id") == created.Str("id"));
        Assert.Equal(created.Str("prefix"), listed.Str("prefix"));
        Assert.False(listed.TryGetProperty("token", out _));
        Assert.False(listed.TryGetProperty("token_hash", out _));
        Assert.DoesNotContain(secret, await (await acme.Owner.GetAsync("/api/v1/tokens")).Content.ReadAsStringAsync());
        var audit = await (await acme.Owner.GetAsync("/api/v1/audit?limit=500")).Content.ReadAsStringAsync();
        Assert.Contains(created.Str("id"), audit);
        Assert.DoesNotContain(secret, audit);
        Assert.DoesNotContain(Bosun.Core.Common.Secrets.Hash(secret), audit);

        Assert.Equal(HttpStatusCode.OK, (await app.ClientFor(secret).GetAsync("/api/v1/users/me")).StatusCode);
    }

    [Theory, BothStores]
    public async Task A_revoked_token_is_401_and_other_tokens_keep_working(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var created = await acme.Owner.PostJsonAsync("/api/v1/tokens", new { name = "ci" });
        var ci = app.ClientFor(created.Str("token"));
        Assert.Equal(HttpStatusCode.OK, (await ci.GetAsync("/api/v1/work")).StatusCode);

        var revoked = await ci.PostJsonAsync($"/api/v1/tokens/{created.Str("id")}/revoke", new { });
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, revoked.GetProperty("revoked_at").ValueKind);

        var refused = await ci.GetAsync("/api/v1/work");
        Assert.Contains("revoked", (await refused.ProblemAsync(HttpStatusCode.Unauthorized)).Str("detail"));
        Assert.Equal(HttpStatusCode.OK, (await acme.Owner.GetAsync("/api/v1/work")).StatusCode);
    }

    [Theory, BothStores]
    public async Task A_token_stops_working_when_it_expires(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        var expiresAt = app.Clock!.GetUtcNow().AddHours(1);
        var created = await acme.Owner.PostJsonAsync("/api/v1/tokens", new { name = "short-lived", expires_at = expiresAt });
        var client = app.ClientFor(created.Str("token"));
        Assert.Equal(expiresAt.UtcDateTime, created.GetProperty("expires_at").GetDateTime());

        app.Clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/work")).StatusCode);
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await (await client.GetAsync("/api/v1/work")).ProblemAsync(HttpStatusCode.Unauthorized);

        var past = await acme.Owner.PostRawAsync("/api/v1/tokens", $$"""{"name":"old","expires_at":"{{app.Clock.GetUtcNow().AddSeconds(-1):O}}"}""");
        Assert.NotEmpty((await past.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("expires_at"));
    }

    [Theory, BothStores]
    public async Task Last_use_of_a_token_is_recorded(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        var created = await acme.Owner.PostJsonAsync("/api/v1/tokens", new { name = "bot" });
        Assert.Equal(System.Text.Json.JsonValueKind.Null, Listed(await acme.Owner.ListAllAsync("/api/v1/tokens"), created).GetProperty("last_used_at").ValueKind);

        app.Clock!.Advance(TimeSpan.FromMinutes(5));
        var usedAt = app.Clock.GetUtcNow().UtcDateTime;
        await app.ClientFor(created.Str("token")).GetJsonAsync("/api/v1/work");
        app.Clock.Advance(TimeSpan.FromMinutes(5));

        var listed = Listed(await acme.Owner.ListAllAsync("/api/v1/tokens"), created);
        Assert.Equal(usedAt, listed.GetProperty("last_used_at").GetDateTime());
    }

    [Theory, BothStores]
    public async Task People_make_tokens_for_themselves_owners_also_for_agents_and_others(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var member = await acme.AddPersonAsync("member");
        var (agent, agentClient, _) = await acme.CreateAgentAsync("builder");

        var own = await member.Client.PostJsonAsync("/api/v1/tokens", new { name = "mine" });
        Assert.Equal($"user:{member.Id}", own.Str("principal"));
        await (await member.Client.SendJsonAsync(HttpMethod.Post, "/api/v1/tokens", new { name = "x", agent_id = agent.Str("id") }))
            .ProblemAsync(HttpStatusCode.Forbidden);
        await (await member.Client.SendJsonAsync(HttpMethod.Post, "/api/v1/tokens", new { name = "x", user_id = acme.OwnerId }))
            .ProblemAsync(HttpStatusCode.Forbidden);
        await (await agentClient.SendJsonAsync(HttpMethod.Post, "/api/v1/tokens", new { name = "x" })).ProblemAsync(HttpStatusCode.Forbidden);

        var mine = await member.Client.ListAllAsync("/api/v1/tokens");
        Assert.All(mine, t => Assert.Equal($"user:{member.Id}", t.Str("principal")));
        Assert.Equal(2, mine.Count);
        var ownerToken = (await acme.Owner.ListAllAsync("/api/v1/tokens")).First(t => t.Str("principal") == $"user:{acme.OwnerId}");
        await (await member.Client.PostRawAsync($"/api/v1/tokens/{ownerToken.Str("id")}/revoke", "{}")).ProblemAsync(HttpStatusCode.Forbidden);

        var forMember = await acme.Owner.PostJsonAsync("/api/v1/tokens", new { name = "for member", user_id = member.Id });
        Assert.Equal($"user:{member.Id}", forMember.Str("principal"));
        var agentTokens = await acme.Owner.ListAllAsync($"/api/v1/tokens?agent_id={agent.Str("id")}");
        Assert.Equal([$"agent:{agent.Str("id")}"], agentTokens.Select(t => t.Str("principal")));
        Assert.Equal(agentTokens.Select(t => t.Str("id")), (await agentClient.ListAllAsync("/api/v1/tokens")).Select(t => t.Str("id")));
    }

    [Fact]
    public async Task A_read_is_answered_while_another_process_holds_SQLites_write_lock_and_the_tokens_use_is_recorded_later()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync();
        var created = await acme.Owner.PostJsonAsync("/api/v1/tokens", new { name = "laptop" });

        // Another process takes the write lock and keeps it past the command timeout (30 s).
        await using (var other = new Microsoft.Data.Sqlite.SqliteConnection(app.Store.ConnectionString))
        {
            await other.OpenAsync();
            await using var begin = other.CreateCommand();
            begin.CommandText = "BEGIN IMMEDIATE";
            await begin.ExecuteNonQueryAsync();

            var me = await app.ClientFor(created.Str("token")).GetAsync("/api/v1/users/me");
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);

            await using var rollback = other.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }

        Assert.Equal(System.Text.Json.JsonValueKind.Null, Listed(await acme.Owner.ListAllAsync("/api/v1/tokens"), created).GetProperty("last_used_at").ValueKind);
        Assert.Equal(HttpStatusCode.OK, (await app.ClientFor(created.Str("token")).GetAsync("/api/v1/users/me")).StatusCode);
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, Listed(await acme.Owner.ListAllAsync("/api/v1/tokens"), created).GetProperty("last_used_at").ValueKind);
    }

    private static System.Text.Json.JsonElement Listed(List<System.Text.Json.JsonElement> tokens, System.Text.Json.JsonElement created) =>
        tokens.Single(t => t.Str("id") == created.Str("id"));
}
