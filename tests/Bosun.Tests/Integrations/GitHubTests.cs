using System.Net;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Core.Realtime;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Bosun.Tests.Integrations.GitHubFixtures;

namespace Bosun.Tests.Integrations;

public sealed class GitHubTests
{
    private static async Task<JsonElement> PullRequestsAsync(TestTenant tenant, string item) =>
        (await tenant.Owner.GetJsonAsync($"/api/v1/work/{item}/pull-requests")).GetProperty("items");

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    [Theory, BothStores]
    public async Task A_signed_pull_request_naming_an_item_key_becomes_its_candidate_and_follows_its_state(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Write the landing page");
        var (id, secret) = await CreateIntegrationAsync(acme);

        var opened = await ReadAsync(await SendAsync(app, id, secret, "pull_request", PullRequest("opened", 7, "Landing page", "web-1-landing", "aaa111", draft: true)), HttpStatusCode.OK);
        Assert.Equal(["WEB-1"], opened.GetProperty("work_items").EnumerateArray().Select(k => k.GetString()));
        var candidate = Assert.Single((await PullRequestsAsync(acme, "WEB-1")).EnumerateArray());
        Assert.Equal(("acme/web", 7, "open", true, "aaa111"), (candidate.Str("repository"), candidate.GetProperty("number").GetInt32(), candidate.Str("state"),
            candidate.GetProperty("draft").GetBoolean(), candidate.Str("head_sha")));
        Assert.Equal("https://github.com/acme/web/pull/7", candidate.Str("url"));

        await ReadAsync(await SendAsync(app, id, secret, "pull_request", PullRequest("synchronize", 7, "Landing page", "web-1-landing", "bbb222")), HttpStatusCode.OK);
        await ReadAsync(await SendAsync(app, id, secret, "pull_request", PullRequest("closed", 7, "Landing page", "web-1-landing", "bbb222", "closed", merged: true)), HttpStatusCode.OK);
        candidate = Assert.Single((await PullRequestsAsync(acme, "WEB-1")).EnumerateArray());
        Assert.Equal(("merged", false, "bbb222"), (candidate.Str("state"), candidate.GetProperty("draft").GetBoolean(), candidate.Str("head_sha")));

        // Announced for rules, as the integration, on the item.
        // In written order: PostgreSQL numbers events just after their commit, and the ones not numbered yet carry
        // negative provisional numbers, in written order, after all numbered ones.
        var events = await app.WithDbAsync(db => db.Set<StreamEvent>().IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.TenantId == acme.Id && e.Type == "github.pull_request").OrderBy(e => e.Seq < 0).ThenBy(e => e.Seq).ToListAsync());
        Assert.Equal(3, events.Count);
        Assert.All(events, e => Assert.Equal((item.Str("id"), "WEB-1", $"integration:{id}"), (e.WorkItemId, e.WorkItemKey, e.ActorRef)));
        Assert.Contains("\"merged\"", events[^1].ChangesJson);
    }

    [Theory, BothStores]
    public async Task Bad_or_missing_signatures_are_refused_and_store_nothing(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Write the landing page");
        var (id, secret) = await CreateIntegrationAsync(acme);
        var payload = PullRequest("opened", 7, "WEB-1 landing", "web-1", "aaa111");

        await ReadAsync(await SendAsync(app, id, "ghwh_not-the-secret", "pull_request", payload), HttpStatusCode.Unauthorized);
        await ReadAsync(await SendAsync(app, id, secret, "pull_request", payload, signature: ""), HttpStatusCode.Unauthorized);
        await ReadAsync(await SendAsync(app, id, secret, "pull_request", payload, signature: Core.Integrations.GitHubPayloads.Sign(secret, "{}"u8.ToArray())), HttpStatusCode.Unauthorized);
        await ReadAsync(await SendAsync(app, id, secret, "pull_request", payload, signature: "sha1=0123"), HttpStatusCode.Unauthorized);
        await ReadAsync(await SendAsync(app, "01JUNKNOWNINTEGRATION00000", secret, "pull_request", payload), HttpStatusCode.NotFound);

        Assert.Equal(0, (await PullRequestsAsync(acme, "WEB-1")).GetArrayLength());
        Assert.Equal(0, (await acme.Owner.GetJsonAsync($"/api/v1/github/integrations/{id}/deliveries")).GetProperty("items").GetArrayLength());

        // Signed but malformed: 400 naming what is wrong; unknown events are accepted and ignored; a ping is answered.
        var bad = await ReadAsync(await SendAsync(app, id, secret, "pull_request", "[1, 2"), HttpStatusCode.BadRequest);
        Assert.NotEmpty(bad.FieldErrors("body"));
        await ReadAsync(await SendAsync(app, id, secret, "push", "{\"ref\": \"refs/heads/main\"}"), HttpStatusCode.Accepted);
        Assert.Equal("pong", (await ReadAsync(await SendAsync(app, id, secret, "ping", Ping()), HttpStatusCode.OK)).Str("outcome"));
    }

    [Theory, BothStores]
    public async Task A_redelivery_does_nothing_twice(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Write the landing page");
        var (id, secret) = await CreateIntegrationAsync(acme);
        var delivery = Guid.NewGuid().ToString();

        var first = await ReadAsync(await SendAsync(app, id, secret, "pull_request", PullRequest("opened", 7, "Landing", "web-1", "aaa111"), delivery), HttpStatusCode.OK);
        Assert.False(first.GetProperty("duplicate").GetBoolean());
        var again = await ReadAsync(await SendAsync(app, id, secret, "pull_request", PullRequest("opened", 7, "Landing", "web-1", "aaa111"), delivery), HttpStatusCode.OK);
        Assert.True(again.GetProperty("duplicate").GetBoolean());

        Assert.Single((await PullRequestsAsync(acme, "WEB-1")).EnumerateArray());
        Assert.Single(await acme.Owner.ListAllAsync("/api/v1/audit?entity_type=github_pull_request"));
        Assert.Single(await acme.Owner.ListAllAsync($"/api/v1/github/integrations/{id}/deliveries"));
    }

    [Theory, BothStores]
    public async Task GitHub_reporting_a_required_check_passed_releases_the_item_the_gate_blocked(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await (await acme.Owner.SendJsonAsync(HttpMethod.Put, "/api/v1/projects/WEB/policy", new { required_checks = new[] { "tests", "ci/lint" } })).ReadSuccessAsync();
        await acme.CreateWorkAsync("WEB", "Write the landing page", new { status = "ready" });
        var (_, agent, _) = await acme.CreateAgentAsync("coder");
        var run = (await agent.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0].GetProperty("run");
        var blocked = await agent.PostJsonAsync($"/api/v1/runs/{run.Str("run_id")}/complete", new
        {
            lease_token = run.Str("lease_token"),
            artifacts = new { checks = new[] { new { name = "tests", status = "failed" } } },
        });
        Assert.Equal("blocked", blocked.GetProperty("item").Str("status"));

        var (id, secret) = await CreateIntegrationAsync(acme);
        await ReadAsync(await SendAsync(app, id, secret, "pull_request", PullRequest("opened", 9, "Fix the tests", "fix-tests", "ccc333", body: "Closes WEB-1")), HttpStatusCode.OK);
        await ReadAsync(await SendAsync(app, id, secret, "check_run", CheckRun("created", "tests", "ccc333", "in_progress", null)), HttpStatusCode.OK);
        await ReadAsync(await SendAsync(app, id, secret, "status", Status("ci/lint", "ccc333", "success", "No problems")), HttpStatusCode.OK);
        Assert.Equal("blocked", (await acme.Owner.GetJsonAsync("/api/v1/work/WEB-1")).Str("status"));

        // A check of another commit counts for nothing.
        await ReadAsync(await SendAsync(app, id, secret, "check_run", CheckRun("completed", "tests", "old000", "completed", "success")), HttpStatusCode.OK);
        Assert.Equal("blocked", (await acme.Owner.GetJsonAsync("/api/v1/work/WEB-1")).Str("status"));

        var passed = await ReadAsync(await SendAsync(app, id, secret, "check_run", CheckRun("completed", "tests", "ccc333", "completed", "success")), HttpStatusCode.OK);
        Assert.Contains("checks now pass for WEB-1", passed.Str("outcome"));
        var done = await acme.Owner.GetJsonAsync("/api/v1/work/WEB-1");
        Assert.Equal("done", done.Str("status"));

        await ReadAsync(await SendAsync(app, id, secret, "check_suite", CheckSuite("completed", "ccc333", "completed", "success")), HttpStatusCode.OK);
        var checks = (await PullRequestsAsync(acme, "WEB-1"))[0].GetProperty("checks").EnumerateArray()
            .Select(c => (c.Str("name"), c.Str("status"), c.Str("source"))).OrderBy(c => c.Item1, StringComparer.Ordinal).ToList();
        Assert.Equal([("GitHub Actions", "passed", "github"), ("ci/lint", "passed", "github"), ("tests", "passed", "github")], checks);

        // The item's check rows hold GitHub's next to the run's.
        var rows = await acme.Owner.ListAllAsync("/api/v1/work/WEB-1/checks");
        Assert.Contains(rows, r => r.Str("source") == "run" && r.Str("name") == "tests" && r.Str("status") == "failed");
        Assert.Contains(rows, r => r.Str("source") == "github" && r.Str("name") == "tests" && r.Str("status") == "passed");
        var audit = (await acme.Owner.ListAllAsync("/api/v1/audit?action=work_item.checks_passed")).Single();
        Assert.Equal($"integration:{id}", audit.Str("actor"));
    }

    [Theory, BothStores]
    public async Task With_done_on_merge_a_merged_pull_request_makes_its_item_done(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Write the landing page", new { status = "ready" });
        await acme.CreateWorkAsync("WEB", "Write the pricing page", new { status = "ready" });
        var (id, secret) = await CreateIntegrationAsync(acme, new { done_on_merge = true });

        await ReadAsync(await SendAsync(app, id, secret, "pull_request", PullRequest("opened", 3, "WEB-1 and WEB-2", "pages", "ddd444")), HttpStatusCode.OK);
        Assert.Equal("ready", (await acme.Owner.GetJsonAsync("/api/v1/work/WEB-1")).Str("status"));
        await ReadAsync(await SendAsync(app, id, secret, "pull_request", PullRequest("closed", 3, "WEB-1 and WEB-2", "pages", "ddd444", "closed", merged: true)), HttpStatusCode.OK);

        foreach (var key in new[] { "WEB-1", "WEB-2" })
        {
            Assert.Equal("done", (await acme.Owner.GetJsonAsync($"/api/v1/work/{key}")).Str("status"));
        }

        var moves = await acme.Owner.ListAllAsync("/api/v1/audit?action=work_item.done_on_merge");
        Assert.Equal(2, moves.Count);
        Assert.All(moves, m => Assert.Equal($"integration:{id}", m.Str("actor")));
    }

    [Theory, BothStores]
    public async Task An_integration_never_touches_another_tenants_items_even_when_the_keys_match(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var globex = await app.CreateTenantAsync();
        foreach (var tenant in new[] { acme, globex })
        {
            await tenant.CreateProjectAsync("WEB");
            await tenant.CreateWorkAsync("WEB", "Write the landing page");
        }

        await acme.CreateProjectAsync("OPS");
        await acme.CreateWorkAsync("OPS", "Rotate the keys");
        var (id, secret) = await CreateIntegrationAsync(acme, new { project = "WEB" });

        var linked = await ReadAsync(await SendAsync(app, id, secret, "pull_request", PullRequest("opened", 5, "WEB-1 and OPS-1", "web-1", "eee555")), HttpStatusCode.OK);
        Assert.Equal(["WEB-1"], linked.GetProperty("work_items").EnumerateArray().Select(k => k.GetString()));
        await ReadAsync(await SendAsync(app, id, secret, "check_run", CheckRun("completed", "tests", "eee555", "completed", "failure")), HttpStatusCode.OK);

        Assert.Single((await PullRequestsAsync(acme, "WEB-1")).EnumerateArray());
        Assert.Equal(0, (await PullRequestsAsync(acme, "OPS-1")).GetArrayLength());
        Assert.Equal(0, (await PullRequestsAsync(globex, "WEB-1")).GetArrayLength());
        Assert.Empty(await globex.Owner.ListAllAsync("/api/v1/work/WEB-1/checks"));
        await (await globex.Owner.GetAsync($"/api/v1/github/integrations/{id}")).ProblemAsync(HttpStatusCode.NotFound);
        await (await globex.Owner.DeleteAsync($"/api/v1/github/integrations/{id}")).ProblemAsync(HttpStatusCode.NotFound);

        // A repository the integration does not cover is ignored.
        await ReadAsync(await SendAsync(app, id, secret, "pull_request", PullRequest("opened", 6, "WEB-1", "web-1", "fff666", repo: "acme/other")), HttpStatusCode.Accepted);
        Assert.Single((await PullRequestsAsync(acme, "WEB-1")).EnumerateArray());
    }

    [Theory, BothStores]
    public async Task The_webhook_secret_is_shown_once_and_never_again(StoreKind store)
    {
        var logs = new LogCapture();
        await using var app = await BosunTestApp.StartAsync(store, logs: logs);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Write the landing page");
        var created = await acme.Owner.PostJsonAsync("/api/v1/github/integrations", new { repositories = new[] { "Acme/Web" }, description = "Website" });
        var (id, secret) = (created.Str("id"), created.Str("secret"));
        Assert.StartsWith("ghwh_", secret);
        Assert.Equal(["acme/web"], created.GetProperty("repositories").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal($"/api/v1/github/{id}/webhook", created.Str("webhook_path"));

        await ReadAsync(await SendAsync(app, id, secret, "pull_request", PullRequest("opened", 7, "WEB-1", "web-1", "aaa111")), HttpStatusCode.OK);
        await ReadAsync(await SendAsync(app, id, "wrong", "pull_request", PullRequest("opened", 7, "WEB-1", "web-1", "aaa111")), HttpStatusCode.Unauthorized);

        var answers = new List<string>
        {
            await acme.Owner.GetStringAsync("/api/v1/github/integrations"),
            await acme.Owner.GetStringAsync($"/api/v1/github/integrations/{id}"),
            await acme.Owner.GetStringAsync($"/api/v1/github/integrations/{id}/deliveries"),
            await acme.Owner.GetStringAsync("/api/v1/work/WEB-1/pull-requests"),
            await acme.Owner.GetStringAsync("/api/v1/audit?limit=500"),
        };
        var stream = await app.WithDbAsync(db => db.Set<StreamEvent>().IgnoreQueryFilters().AsNoTracking().Select(e => e.ChangesJson).ToListAsync());
        Assert.All(answers.Concat(stream).Concat(logs.Lines), text => Assert.DoesNotContain(secret[5..], text));
        Assert.Contains(logs.Lines, l => l.Contains(id) && l.Contains("refused"));

        // Bad input names the field; members may not manage integrations.
        var bad = await (await acme.Owner.SendJsonAsync(HttpMethod.Post, "/api/v1/github/integrations", new { repositories = new[] { "not a repo" }, project = "NOPE" }))
            .ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(bad.FieldErrors("repositories"));
        Assert.NotEmpty(bad.FieldErrors("project"));
        var member = await acme.AddPersonAsync("member");
        await (await member.Client.SendJsonAsync(HttpMethod.Post, "/api/v1/github/integrations", new { repositories = new[] { "acme/web" } }))
            .ProblemAsync(HttpStatusCode.Forbidden);

        await (await acme.Owner.DeleteAsync($"/api/v1/github/integrations/{id}")).EnsureSuccessStatusCodeAsync();
        Assert.Single((await PullRequestsAsync(acme, "WEB-1")).EnumerateArray());
    }
}

internal static class ResponseChecks
{
    public static async Task EnsureSuccessStatusCodeAsync(this HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
