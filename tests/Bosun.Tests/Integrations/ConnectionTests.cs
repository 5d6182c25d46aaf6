using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Core.Integrations;
using Bosun.Core.Realtime;
using Bosun.Tests.DataSafety;
using Bosun.Tests.Infrastructure;
using Bosun.Tests.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using WebClient = Bosun.Tests.Web.WebClient;

namespace Bosun.Tests.Integrations;

public sealed class ConnectionTests : IAsyncLifetime
{
    private const string Name = "github-acme";
    private readonly SecretTests.LogCapture _logs = new();
    private FakeOAuthServer _oauth = null!;

    public async Task InitializeAsync() => _oauth = await FakeOAuthServer.StartAsync();

    public async Task DisposeAsync() => await _oauth.DisposeAsync();

    // The fake clock starts at the real time: the browser keeps the session cookie only while it has not expired.
    private async Task<BosunTestApp> StartAsync(StoreKind store) =>
        await BosunTestApp.StartOnAsync(await TestDatabases.CreateAsync(store), new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds())), logs: _logs);

    private object Request(string name = Name, string? tokenAuth = null) => new
    {
        name,
        provider = "github",
        authorize_url = _oauth.AuthorizeUrl,
        token_url = _oauth.TokenUrl,
        client_id = FakeOAuthServer.ClientId,
        client_secret = FakeOAuthServer.ClientSecret,
        token_auth = tokenAuth,
        scopes = new[] { "repo", "read:org" },
    };

    /// A tenant with a project, its owner signed in to the web UI, and a connection created over REST.
    private async Task<(TestTenant Tenant, WebClient Web, JsonElement Connection)> TenantWithConnectionAsync(BosunTestApp app, string? tokenAuth = null)
    {
        var tenant = await app.CreateTenantAsync();
        await tenant.SetOwnerPasswordAsync();
        await tenant.CreateProjectAsync("WEB");
        var web = new WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password, tenant.Slug);
        var connection = await tenant.Owner.PostJsonAsync("/api/v1/connections", Request(tokenAuth: tokenAuth));
        return (tenant, web, connection);
    }

    /// Presses Connect, lets the provider send the browser back, and returns the callback the browser followed.
    private static async Task<string> ConnectAsync(WebClient web, string connectionId)
    {
        var start = await web.GetAsync($"/connections/{connectionId}/connect");
        Assert.Equal(HttpStatusCode.Redirect, start.Status);
        var authorize = new Uri(start.Location!);
        Assert.Contains("code_challenge_method=S256", authorize.Query);
        Assert.Contains("code_challenge=", authorize.Query);
        Assert.Contains("state=", authorize.Query);

        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var back = await browser.GetAsync(authorize);
        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        var callback = back.Headers.Location!;
        Assert.Equal("/connections/callback", callback.AbsolutePath);
        var done = await web.GetAsync(callback.PathAndQuery);
        Assert.Equal(HttpStatusCode.SeeOther, done.Status);
        Assert.Equal("/connections", done.Location);
        return callback.PathAndQuery;
    }

    [Theory, BothStores]
    public async Task An_owner_connects_with_pkce_and_no_answer_page_audit_row_or_log_shows_a_token(StoreKind store)
    {
        await using var app = await StartAsync(store);
        var (acme, web, created) = await TenantWithConnectionAsync(app);
        Assert.Equal("pending", created.Str("status"));
        Assert.Equal([$"{Name}.client_secret"], created.GetProperty("secrets").EnumerateArray().Select(s => s.GetString()));

        var callback = await ConnectAsync(web, created.Str("id"));

        var connected = await acme.Owner.GetJsonAsync($"/api/v1/connections/{Name}");
        Assert.True(connected.Str("status") == "connected", connected.ToString());
        Assert.Equal($"user:{acme.OwnerId}", connected.Str("owner"));
        Assert.Equal(app.Clock!.GetUtcNow().UtcDateTime.AddHours(1), connected.GetProperty("expires_at").GetDateTime().ToUniversalTime());
        Assert.Equal(["repo", "read:org"], connected.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Contains($"{Name}.access_token", connected.GetProperty("secrets").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("post", _oauth.LastClientAuth);
        var page = await web.GetAsync("/connections");
        Assert.Contains($"data-connection=\"{Name}\"", page.Html);
        Assert.Contains("Reconnect", page.Html);

        // The state worked once; the same callback again, or a state never issued, is refused.
        var replay = await web.GetAsync(callback);
        Assert.Equal(HttpStatusCode.BadRequest, replay.Status);
        Assert.Contains("state", replay.Html);
        var forged = await web.GetAsync("/connections/callback?code=code-1&state=bsn_state_forged");
        Assert.Equal(HttpStatusCode.BadRequest, forged.Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await web.GetAsync("/connections/callback?code=code-1")).Status);

        // Stored in the vault, sealed.
        var rows = await app.WithDbAsync(db => db.Set<Secret>().IgnoreQueryFilters().Where(s => s.TenantId == acme.Id).ToListAsync());
        Assert.Equal(3, rows.Count);
        var vault = app.Services.GetRequiredService<SecretVault>();
        Assert.Equal(_oauth.LastAccessToken, vault.Open(rows.Single(s => s.Name == $"{Name}.access_token")));

        var answers = new List<string>
        {
            await acme.Owner.GetStringAsync("/api/v1/connections"),
            await acme.Owner.GetStringAsync($"/api/v1/connections/{created.Str("id")}"),
            await acme.Owner.GetStringAsync("/api/v1/secrets"),
            await acme.Owner.GetStringAsync("/api/v1/audit?limit=500"),
            page.Html,
            (await web.GetAsync("/secrets")).Html,
        };
        await app.Services.GetRequiredService<StreamSequencer>().CatchUpAllAsync(CancellationToken.None);
        var tables = await DataSafetyKit.RowsAsync(app.Store, acme.Id);
        Assert.NotEmpty(tables["connection_authorizations"]);
        foreach (var secret in _oauth.Issued.Append(FakeOAuthServer.ClientSecret))
        {
            Assert.DoesNotContain(answers, a => a.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(_logs.Lines, l => l.Contains(secret, StringComparison.Ordinal));
            foreach (var (table, tableRows) in tables)
            {
                Assert.False(tableRows.Any(r => r.Contains(secret, StringComparison.Ordinal)), $"table {table} holds a token");
            }
        }
    }

    [Theory, BothStores]
    public async Task The_refresh_job_refreshes_ahead_of_expiry_and_a_failed_refresh_expires_the_connection_for_its_owner(StoreKind store)
    {
        await using var app = await StartAsync(store);
        var (acme, web, created) = await TenantWithConnectionAsync(app);
        await ConnectAsync(web, created.Str("id"));
        var first = _oauth.LastAccessToken;
        var refresh = app.Services.GetRequiredService<ConnectionRefresh>();

        // Eleven minutes before expiry nothing is due; nine minutes before, it is refreshed.
        app.Clock!.Advance(TimeSpan.FromMinutes(49));
        Assert.Equal(0, await refresh.SweepAsync(CancellationToken.None));
        Assert.Equal(0, _oauth.Refreshes);
        app.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await refresh.SweepAsync(CancellationToken.None));
        Assert.NotEqual(first, _oauth.LastAccessToken);
        var refreshed = await acme.Owner.GetJsonAsync($"/api/v1/connections/{Name}");
        Assert.Equal("connected", refreshed.Str("status"));
        Assert.Equal(app.Clock.GetUtcNow().UtcDateTime.AddHours(1), refreshed.GetProperty("expires_at").GetDateTime().ToUniversalTime());
        Assert.NotNull(refreshed.GetProperty("refreshed_at").GetString());
        Assert.Null((await app.WithDbAsync(db => db.Set<Connection>().IgnoreQueryFilters().SingleAsync(c => c.TenantId == acme.Id))).RefreshingUntil);

        // While another process refreshes it, a refresh asked for here leaves the provider alone.
        var until = app.Clock.GetUtcNow().UtcDateTime.AddMinutes(1);
        await app.WithDbAsync(db => db.Set<Connection>().IgnoreQueryFilters().Where(c => c.TenantId == acme.Id)
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.RefreshingUntil, until)));
        Assert.Equal("connected", (await acme.Owner.PostJsonAsync($"/api/v1/connections/{Name}/refresh", new { })).Str("status"));
        Assert.Equal(1, _oauth.Refreshes);

        // The provider refuses the next refresh: expired, audited, announced, and the owner has an item to reconnect.
        _oauth.FailRefresh = true;
        app.Clock.Advance(TimeSpan.FromMinutes(55));
        Assert.Equal(0, await refresh.SweepAsync(CancellationToken.None));
        var expired = await acme.Owner.GetJsonAsync($"/api/v1/connections/{Name}");
        Assert.Equal("expired", expired.Str("status"));
        Assert.Contains("invalid_grant", expired.Str("last_error"));

        var audit = (await acme.Owner.GetJsonAsync("/api/v1/audit?action=connection.expired")).GetProperty("items");
        Assert.Equal(created.Str("id"), Assert.Single(audit.EnumerateArray()).Str("entity_id"));
        await app.Services.GetRequiredService<StreamSequencer>().CatchUpAllAsync(CancellationToken.None);
        var events = await app.WithDbAsync(db => db.Set<StreamEvent>().IgnoreQueryFilters().Where(e => e.TenantId == acme.Id && e.Type == "connection.expired").ToListAsync());
        Assert.Equal("connection", Assert.Single(events).EntityType);
        Assert.Contains("connection.expired", StreamEvents.Types);

        var items = await app.WithDbAsync(db => db.WorkItems.IgnoreQueryFilters().Where(w => w.TenantId == acme.Id).ToListAsync());
        var item = Assert.Single(items);
        Assert.Equal(acme.OwnerId, item.AssigneeUserId);
        Assert.Contains(Name, item.Title);

        // The owner is told in the app: the connection expired, and the item to reconnect it is theirs.
        await Bosun.Core.Notifications.NotificationOutbox.RunOnceAsync(app.Services.GetRequiredService<Bosun.Core.Notifications.NotificationRouter>(),
            app.Services.GetRequiredService<Bosun.Core.Notifications.NotificationSender>(), CancellationToken.None);
        var told = (await acme.Owner.GetJsonAsync("/api/v1/notifications")).GetProperty("items").EnumerateArray().Select(n => n.Str("kind")).ToList();
        Assert.Contains("connection_expired", told);
        Assert.Contains("assigned", told);

        // Nothing more is due, and a failed manual refresh raises no second item.
        Assert.Equal(0, await refresh.SweepAsync(CancellationToken.None));
        Assert.Equal("expired", (await acme.Owner.PostJsonAsync($"/api/v1/connections/{Name}/refresh", new { })).Str("status"));
        Assert.Single(await app.WithDbAsync(db => db.WorkItems.IgnoreQueryFilters().Where(w => w.TenantId == acme.Id).ToListAsync()));

        // Reconnecting makes it connected again.
        _oauth.FailRefresh = false;
        await ConnectAsync(web, created.Str("id"));
        Assert.Equal("connected", (await acme.Owner.GetJsonAsync($"/api/v1/connections/{Name}")).Str("status"));
        foreach (var secret in _oauth.Issued)
        {
            Assert.DoesNotContain(_logs.Lines, l => l.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Theory, BothStores]
    public async Task An_agent_reads_the_token_only_while_holding_a_run_and_when_bound(StoreKind store)
    {
        await using var app = await StartAsync(store);
        var (acme, web, created) = await TenantWithConnectionAsync(app, tokenAuth: ConnectionService.ClientSecretBasic);
        var (run, agent, agentToken, lease) = await SecretTests.AgentHoldingARunAsync(acme);
        var url = $"/api/v1/runs/{run}/connections/{Name}/token";

        // Not connected yet, then not bound.
        Assert.Equal(HttpStatusCode.Conflict, (await agent.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await acme.Owner.PostAsJsonAsync($"/api/v1/connections/{Name}/bindings", new { subject = "role:backend" })).StatusCode);
        await ConnectAsync(web, created.Str("id"));
        Assert.Equal("basic", _oauth.LastClientAuth);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync($"/api/v1/runs/{run}/connections/no-such/token")).StatusCode);

        await acme.Owner.PostJsonAsync($"/api/v1/connections/{Name}/bindings", new { subject = "role:backend" });
        var read = await agent.GetAsync(url);
        Assert.Equal("no-store", read.Headers.CacheControl?.ToString());
        var token = await read.ReadSuccessAsync();
        Assert.Equal(_oauth.LastAccessToken, token.Str("access_token"));
        Assert.Equal("github", token.Str("provider"));

        // A person, an agent not holding the run and another tenant's agent are refused.
        Assert.Equal(HttpStatusCode.Forbidden, (await acme.Owner.GetAsync(url)).StatusCode);
        var (_, other, _) = await acme.CreateAgentAsync("other", "backend");
        Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync(url)).StatusCode);
        var globex = await app.CreateTenantAsync();
        var (_, stranger, _) = await globex.CreateAgentAsync("coder", "backend");
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync(url)).StatusCode);

        // The read is recorded; once the run ends the agent reads nothing.
        var access = Assert.Single((await acme.Owner.GetJsonAsync($"/api/v1/secret-accesses?run={run}")).GetProperty("items").EnumerateArray());
        Assert.Equal($"{Name}.access_token", access.Str("secret_name"));

        // The same over MCP, recorded too.
        await using (var mcp = await Agents.McpServerTests.ConnectAsync(app, agentToken))
        {
            var viaMcp = await Agents.McpServerTests.CallAsync(mcp, "get_connection_token", new { run_id = run, name = Name });
            Assert.Equal(_oauth.LastAccessToken, viaMcp.Str("access_token"));
        }

        Assert.Equal(2, (await acme.Owner.GetJsonAsync($"/api/v1/secret-accesses?run={run}")).GetProperty("items").GetArrayLength());
        await agent.PostJsonAsync($"/api/v1/runs/{run}/complete", new { lease_token = lease, output = new { ok = true } });
        var ended = await agent.GetAsync(url);
        Assert.Equal(HttpStatusCode.Forbidden, ended.StatusCode);
        Assert.DoesNotContain(_oauth.LastAccessToken!, await ended.Content.ReadAsStringAsync());

        // Revoked: the tokens are erased and the name is free again.
        var revoked = await (await acme.Owner.DeleteAsync($"/api/v1/connections/{Name}")).ReadSuccessAsync();
        Assert.Equal("revoked", revoked.Str("status"));
        var secrets = await app.WithDbAsync(db => db.Set<Secret>().IgnoreQueryFilters().Where(s => s.TenantId == acme.Id).ToListAsync());
        Assert.All(secrets, s => Assert.Null(s.ValueSealed));
        Assert.Equal(HttpStatusCode.Created, (await acme.Owner.PostAsJsonAsync("/api/v1/connections", Request())).StatusCode);
    }

    [Theory, BothStores]
    public async Task Another_tenant_finds_no_connection_and_bad_input_names_the_field_over_the_api_and_on_the_page(StoreKind store)
    {
        await using var app = await StartAsync(store);
        var (acme, web, created) = await TenantWithConnectionAsync(app);
        var id = created.Str("id");

        // The page's form comes back with the field named, and never with the client secret typed into it.
        await web.GetAsync("/connections");
        var refused = await web.PostAsync("/connections", new Dictionary<string, string>
        {
            ["name"] = "1 bad", ["provider"] = "github", ["type"] = "oauth2", ["client_id"] = "id", ["client_secret"] = FakeOAuthServer.ClientSecret,
        });
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.NotNull(refused.FieldError("new-name"));
        Assert.DoesNotContain(FakeOAuthServer.ClientSecret, refused.Html);
        var added = await web.PostAsync("/connections", new Dictionary<string, string>
        {
            ["name"] = "slack", ["provider"] = "slack", ["type"] = "oauth2", ["client_id"] = "id", ["token_auth"] = ConnectionService.ClientSecretPost,
        }, refused.FormToken);
        Assert.Equal(HttpStatusCode.SeeOther, added.Status);
        Assert.Contains("data-connection=\"slack\"", (await web.GetAsync("/connections")).Html);

        var globex = await app.CreateTenantAsync();
        await globex.SetOwnerPasswordAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await globex.Owner.GetAsync($"/api/v1/connections/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await globex.Owner.GetAsync($"/api/v1/connections/{Name}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await globex.Owner.PatchAsJsonAsync($"/api/v1/connections/{id}", new { description = "mine" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await globex.Owner.PostAsJsonAsync($"/api/v1/connections/{id}/refresh", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await globex.Owner.DeleteAsync($"/api/v1/connections/{id}")).StatusCode);
        Assert.Empty((await globex.Owner.GetJsonAsync("/api/v1/connections")).GetProperty("items").EnumerateArray());
        using var stranger = new WebClient(app);
        await stranger.SignInAsync("owner@example.test", WebTestTenants.Password, globex.Slug);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/connections/{id}/connect")).Status);
        Assert.DoesNotContain($"data-connection=\"{Name}\"", (await stranger.GetAsync("/connections")).Html);

        async Task<string> RefusedAsync(HttpResponseMessage response)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return await response.Content.ReadAsStringAsync();
        }

        var bad = await RefusedAsync(await acme.Owner.PostAsJsonAsync("/api/v1/connections",
            new { name = "1 bad", provider = "github", type = "ssh", authorize_url = "ftp://example.test", token_auth = "none" }));
        foreach (var field in new[] { "\"name\"", "\"type\"", "\"authorize_url\"", "\"token_auth\"" })
        {
            Assert.Contains(field, bad);
        }

        var unknown = await RefusedAsync(await acme.Owner.PostAsJsonAsync("/api/v1/connections", new { name = "acme-crm", provider = "acme-crm" }));
        Assert.Contains("\"token_url\"", unknown);
        Assert.Contains("\"client_id\"", unknown);
        Assert.Contains("\"name\"", await RefusedAsync(await acme.Owner.PostAsJsonAsync("/api/v1/connections", Request())));
        Assert.Contains("\"secrets\"", await RefusedAsync(await acme.Owner.PostAsJsonAsync("/api/v1/connections",
            new { name = "linear", provider = "linear", type = "api_key", secrets = new[] { "NO_SUCH_SECRET" } })));
        Assert.Contains("\"status\"", await RefusedAsync(await acme.Owner.PatchAsJsonAsync($"/api/v1/connections/{id}", new { status = "connected" })));
        Assert.Contains("\"status\"", await RefusedAsync(await acme.Owner.PostAsJsonAsync($"/api/v1/connections/{id}/refresh", new { })));

        // A preset fills in the provider's URLs; an API key connection names the vault secret it uses.
        await acme.Owner.PostJsonAsync("/api/v1/secrets", new { name = "LINEAR_KEY", value = "lin-key-value" });
        var linear = await acme.Owner.PostJsonAsync("/api/v1/connections", new { name = "linear", provider = "Linear", type = "api_key", secrets = new[] { "LINEAR_KEY" } });
        Assert.Equal("connected", linear.Str("status"));
        var google = await acme.Owner.PostJsonAsync("/api/v1/connections", new { name = "google", provider = "google", client_id = "id" });
        Assert.Equal(ConnectionService.Presets["google"].TokenUrl, google.Str("token_url"));
        var page = await acme.Owner.GetJsonAsync("/api/v1/connections?limit=3");
        Assert.Equal(3, page.GetProperty("items").GetArrayLength());
        Assert.Single((await acme.Owner.GetJsonAsync($"/api/v1/connections?limit=3&cursor={page.Str("next_cursor")}")).GetProperty("items").EnumerateArray());
    }
}
