using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Core.Integrations;
using Bosun.Tests.Agents;
using Bosun.Tests.DataSafety;
using Bosun.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bosun.Tests.Integrations;

public sealed class SecretTests : IDisposable
{
    private const string Value = "sk-live-7f3a9c1e-NEVER-SHOW-ME-41b2";
    private readonly string _dir = Directory.CreateTempSubdirectory("bosun-vault-").FullName;
    private readonly LogCapture _logs = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string KeyFile => Path.Combine(_dir, "secret.key");

    /// The app with a key file of its own, and every log line of every level kept.
    private async Task<BosunTestApp> StartAsync(StoreKind store) => await StartOnAsync(await TestDatabases.CreateAsync(store));

    private async Task<BosunTestApp> StartOnAsync(StoreOptions store) =>
        await BosunTestApp.StartOnAsync(store, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-03-02T09:00:00Z")),
            configure: builder =>
            {
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["BOSUN_SECRET_KEY_FILE"] = KeyFile });
                builder.Logging.SetMinimumLevel(LogLevel.Trace);
                builder.Logging.AddProvider(_logs);
            });

    internal static async Task<(string RunId, HttpClient Agent, string Token, string Lease)> AgentHoldingARunAsync(TestTenant tenant, string name = "coder", string role = "backend")
    {
        var (_, agent, token) = await tenant.CreateAgentAsync(name, role);
        await tenant.CreateWorkAsync("WEB", $"Deploy for {name}", new { status = "ready" });
        var run = (await agent.PostJsonAsync("/api/v1/work/claim", new { project = "WEB" })).GetProperty("items")[0].GetProperty("run");
        return (run.Str("run_id"), agent, token, run.Str("lease_token"));
    }

    [Theory, BothStores]
    public async Task A_secret_value_is_write_only_and_read_only_by_a_bound_agent_during_its_active_run(StoreKind store)
    {
        await using var app = await StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");

        var created = await acme.Owner.PostJsonAsync("/api/v1/secrets", new { name = "DEPLOY_KEY", type = "api_key", value = Value, description = "deploys" });
        Assert.False(created.TryGetProperty("value", out _));
        Assert.Equal("tenant", created.Str("scope"));
        Assert.Equal("active", created.Str("status"));
        Assert.Equal(1, created.GetProperty("version").GetInt32());
        Assert.DoesNotContain(Value, (await acme.Owner.GetStringAsync("/api/v1/secrets")));
        Assert.DoesNotContain(Value, (await acme.Owner.GetStringAsync($"/api/v1/secrets/{created.Str("id")}")));

        // Stored sealed, under a data key sealed with the configured key.
        var row = await app.WithDbAsync(db => db.Set<Secret>().IgnoreQueryFilters().SingleAsync());
        Assert.DoesNotContain(Value, row.ValueSealed);
        Assert.Equal(app.Services.GetRequiredService<SecretBox>().CurrentKeyId, row.KeyId);

        // Bad input names the field and never repeats the value.
        var bad = await acme.Owner.PostAsJsonAsync("/api/v1/secrets", new { name = "1 bad", type = "ssh", value = Value });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadAsStringAsync();
        Assert.Contains("\"name\"", problem);
        Assert.Contains("\"type\"", problem);
        Assert.DoesNotContain(Value, problem);
        var taken = await acme.Owner.PostAsJsonAsync("/api/v1/secrets", new { name = "DEPLOY_KEY", value = "other" });
        Assert.Equal(HttpStatusCode.BadRequest, taken.StatusCode);

        var (run, agent, _, lease) = await AgentHoldingARunAsync(acme);
        // Not bound yet.
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync($"/api/v1/runs/{run}/secrets/DEPLOY_KEY")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync($"/api/v1/runs/{run}/secrets/NO_SUCH")).StatusCode);

        await acme.Owner.PostJsonAsync("/api/v1/secrets/DEPLOY_KEY/bindings", new { subject = "role:backend" });
        var read = await agent.GetAsync($"/api/v1/runs/{run}/secrets/DEPLOY_KEY");
        Assert.Equal("no-store", read.Headers.CacheControl?.ToString());
        var value = await read.ReadSuccessAsync();
        Assert.Equal(Value, value.Str("value"));

        // A person, another agent (bound by role too, but not holding this run) and the agent of another tenant are refused.
        Assert.Equal(HttpStatusCode.Forbidden, (await acme.Owner.GetAsync($"/api/v1/runs/{run}/secrets/DEPLOY_KEY")).StatusCode);
        var (_, other, _) = await acme.CreateAgentAsync("other", "backend");
        Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync($"/api/v1/runs/{run}/secrets/DEPLOY_KEY")).StatusCode);
        var globex = await app.CreateTenantAsync();
        var (_, stranger, _) = await globex.CreateAgentAsync("coder", "backend");
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/runs/{run}/secrets/DEPLOY_KEY")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await globex.Owner.GetAsync($"/api/v1/secrets/{created.Str("id")}")).StatusCode);

        // Once the run has ended, the same agent reads nothing.
        await agent.PostJsonAsync($"/api/v1/runs/{run}/complete", new { lease_token = lease, output = new { ok = true } });
        var ended = await agent.GetAsync($"/api/v1/runs/{run}/secrets/DEPLOY_KEY");
        Assert.Equal(HttpStatusCode.Forbidden, ended.StatusCode);
        Assert.DoesNotContain(Value, await ended.Content.ReadAsStringAsync());

        // The one read is recorded: who, which run, through what.
        var accesses = (await acme.Owner.GetJsonAsync("/api/v1/secrets/DEPLOY_KEY/accesses")).GetProperty("items").EnumerateArray().ToList();
        var access = Assert.Single(accesses);
        Assert.Equal(run, access.Str("run_id"));
        Assert.Equal("coder", access.Str("actor_name"));
        Assert.Equal("rest", access.Str("via"));
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync("/api/v1/secret-accesses")).StatusCode);
        Assert.NotNull((await acme.Owner.GetJsonAsync("/api/v1/secrets/DEPLOY_KEY")).GetProperty("last_used_at").GetString());

        // Archived: the value is erased and nobody reads it any more.
        await acme.Owner.DeleteAsync("/api/v1/secrets/DEPLOY_KEY");
        var archived = await app.WithDbAsync(db => db.Set<Secret>().IgnoreQueryFilters().SingleAsync());
        Assert.Null(archived.ValueSealed);
        Assert.Equal(SecretStatus.Archived, archived.Status);
    }

    [Theory, BothStores]
    public async Task Rotating_the_key_moves_every_secret_to_the_new_key_and_each_still_opens(StoreKind store)
    {
        await using var app = await StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var globex = await app.CreateTenantAsync();
        for (var i = 0; i < 7; i++)
        {
            await acme.Owner.PostJsonAsync("/api/v1/secrets", new { name = $"ACME_{i}", value = $"acme-value-{i}" });
            await globex.Owner.PostJsonAsync("/api/v1/secrets", new { name = $"GLOBEX_{i}", value = $"globex-value-{i}" });
        }

        var box = app.Services.GetRequiredService<SecretBox>();
        var oldKey = box.CurrentKeyId;

        // A new key goes first in the key file; the old one stays below it so values sealed with it still open.
        await File.WriteAllTextAsync(KeyFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) + "\n" + await File.ReadAllTextAsync(KeyFile));
        var progress = new List<RotationProgress>();
        var result = await app.Services.GetRequiredService<SecretRotation>().RotateAsync(3, progress.Add, CancellationToken.None);

        Assert.NotEqual(oldKey, result.KeyId);
        Assert.Equal(14, result.Total);
        Assert.Equal(14, result.Rewrapped);
        Assert.Equal(0, result.Remaining);
        Assert.True(result.Batches >= 5, $"{result.Batches} batches");
        Assert.Equal(14, progress[^1].Done);
        var secrets = await app.WithDbAsync(db => db.Set<Secret>().IgnoreQueryFilters().ToListAsync());
        Assert.All(secrets, s => Assert.Equal(result.KeyId, s.KeyId));
        var vault = app.Services.GetRequiredService<SecretVault>();
        Assert.All(secrets, s => Assert.Equal(s.Name.StartsWith("ACME", StringComparison.Ordinal) ? $"acme-value-{s.Name[5..]}" : $"globex-value-{s.Name[7..]}", vault.Open(s)));

        // The running server reads them through a run, and a second rotation has nothing left to do.
        var (run, agent, _, _) = await AgentHoldingARunAsync(acme, "coder2");
        await acme.Owner.PostJsonAsync("/api/v1/secrets/ACME_3/bindings", new { subject = "agent:coder2" });
        Assert.Equal("acme-value-3", (await agent.GetJsonAsync($"/api/v1/runs/{run}/secrets/ACME_3")).Str("value"));
        var again = await app.Services.GetRequiredService<SecretRotation>().RotateAsync(3, null, CancellationToken.None);
        Assert.Equal(0, again.Total);

        // Each re-sealed data key is audited with the key ids, nothing more.
        var audit = await acme.Owner.GetStringAsync("/api/v1/audit?action=secret.key_rotated&limit=100");
        Assert.Contains(result.KeyId, audit);
        Assert.DoesNotContain("acme-value", audit);
    }

    [Theory, BothStores]
    public async Task A_secret_sealed_under_a_key_this_server_lost_is_answered_as_a_conflict_not_an_error(StoreKind store)
    {
        var database = await TestDatabases.CreateAsync(store);
        TestTenant acme;
        await using (var before = await StartOnAsync(database))
        {
            acme = await before.CreateTenantAsync("acme");
            await acme.CreateProjectAsync("WEB");
            await acme.Owner.PostJsonAsync("/api/v1/secrets", new { name = "DEPLOY_KEY", value = Value });
            await acme.Owner.PostJsonAsync("/api/v1/secrets/DEPLOY_KEY/bindings", new { subject = "role:backend" });
        }

        // The server starts again with a key file that holds only a new key: the secret's is gone.
        await File.WriteAllTextAsync(KeyFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) + "\n");
        await using var app = await StartOnAsync(database);
        var owner = app.ClientFor(acme.OwnerToken);
        var (run, agent, _, _) = await AgentHoldingARunAsync(acme with { App = app, Owner = owner });
        var read = await agent.GetAsync($"/api/v1/runs/{run}/secrets/DEPLOY_KEY");
        var problem = await read.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Conflict, read.StatusCode);
        Assert.Contains("/problems/secret-unreadable", problem);
        Assert.DoesNotContain(Value, problem);
        Assert.Empty((await owner.GetJsonAsync("/api/v1/secret-accesses")).GetProperty("items").EnumerateArray());
    }

    [Theory, BothStores]
    public async Task A_full_scenario_never_shows_the_value_in_logs_audit_events_webhooks_or_answers(StoreKind store)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.Owner.PostJsonAsync("/api/v1/webhooks", new { url = receiver.Url, events = new[] { "*" } });
        var answers = new ConcurrentQueue<string>();
        async Task<JsonElement> Answer(Task<HttpResponseMessage> call)
        {
            var response = await call;
            var text = await response.Content.ReadAsStringAsync();
            answers.Enqueue(text);
            Assert.True(response.IsSuccessStatusCode, text);
            return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        }

        var created = await Answer(acme.Owner.PostAsJsonAsync("/api/v1/secrets", new { name = "API_TOKEN", type = "oauth2", value = Value }));
        var (run, agent, token, lease) = await AgentHoldingARunAsync(acme);
        await Answer(acme.Owner.PostAsJsonAsync("/api/v1/secrets/API_TOKEN/bindings", new { subject = "agent:coder" }));

        // The agent reads it over REST and over MCP: the only answers allowed to hold it.
        var rest = await agent.GetJsonAsync($"/api/v1/runs/{run}/secrets/API_TOKEN");
        Assert.Equal(Value, rest.Str("value"));
        await using (var mcp = await McpServerTests.ConnectAsync(app, token))
        {
            Assert.Contains("get_secret", (await mcp.ListToolsAsync()).Select(t => t.Name));
            var viaMcp = await McpServerTests.CallAsync(mcp, "get_secret", new { run_id = run, name = "API_TOKEN" });
            Assert.Equal(Value, viaMcp.Str("value"));
            var refused = await McpServerTests.CallRawAsync(mcp, "get_secret", new { run_id = run, name = "MISSING" });
            Assert.True(refused.IsError);
            answers.Enqueue(McpServerTests.Text(refused));
        }

        // A new value, a check, and a rotation to a new key.
        var second = Value + "-v2";
        await Answer(acme.Owner.PatchAsJsonAsync("/api/v1/secrets/API_TOKEN", new { value = second, description = "rotated" }));
        await Answer(acme.Owner.PatchAsJsonAsync("/api/v1/secrets/API_TOKEN", new { status = "failing" }));
        var tooLong = await acme.Owner.PatchAsJsonAsync("/api/v1/secrets/API_TOKEN", new { value = Value + new string('x', SecretService.ValueLength) });
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        answers.Enqueue(await tooLong.Content.ReadAsStringAsync());
        Assert.Equal(second, (await agent.GetJsonAsync($"/api/v1/runs/{run}/secrets/API_TOKEN")).Str("value"));
        await File.WriteAllTextAsync(KeyFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) + "\n" + await File.ReadAllTextAsync(KeyFile));
        await app.Services.GetRequiredService<SecretRotation>().RotateAsync(10, null, CancellationToken.None);
        Assert.Equal(second, (await agent.GetJsonAsync($"/api/v1/runs/{run}/secrets/API_TOKEN")).Str("value"));

        // Everything people and machines can see afterwards.
        await Answer(acme.Owner.GetAsync("/api/v1/secrets"));
        await Answer(acme.Owner.GetAsync($"/api/v1/secrets/{created.Str("id")}"));
        await Answer(acme.Owner.GetAsync("/api/v1/secret-accesses"));
        await Answer(acme.Owner.GetAsync("/api/v1/audit?limit=500"));
        await Answer(agent.PostAsJsonAsync($"/api/v1/runs/{run}/complete", new { lease_token = lease, output = new { ok = true } }));
        await app.Services.GetRequiredService<Core.Realtime.StreamSequencer>().CatchUpAllAsync(CancellationToken.None);
        while (await app.Services.GetRequiredService<WebhookDispatcher>().RunOnceAsync(CancellationToken.None) > 0)
        {
        }

        Assert.NotEmpty(receiver.Received);
        var tables = await DataSafetyKit.RowsAsync(app.Store, acme.Id);
        Assert.NotEmpty(tables["audit_entries"]);
        Assert.NotEmpty(tables["secret_accesses"]);
        Assert.True(_logs.Lines.Count > 50, $"only {_logs.Lines.Count} log lines were kept");
        foreach (var secret in new[] { Value, second })
        {
            Assert.DoesNotContain(_logs.Lines, l => l.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(answers, a => a.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(receiver.Received, r => r.Body.Contains(secret, StringComparison.Ordinal));
            foreach (var (table, rows) in tables)
            {
                Assert.False(rows.Any(r => r.Contains(secret, StringComparison.Ordinal)), $"table {table} holds the value");
            }
        }
    }

    /// Keeps every line every logger writes, at every level.
    internal sealed class LogCapture : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull
            {
                lines.Enqueue($"{category} scope {state}");
                return null;
            }

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category} {logLevel} {formatter(state, exception)} {exception}");
        }
    }
}
