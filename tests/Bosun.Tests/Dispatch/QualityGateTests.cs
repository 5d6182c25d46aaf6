using System.Net;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Dispatch;

/// A project's policy names the checks a run must pass; a card whose run fails them is not done.
public sealed class QualityGateTests
{
    private static async Task<JsonElement> SetPolicyAsync(HttpClient client, string project, object policy) =>
        await (await client.SendJsonAsync(HttpMethod.Put, $"/api/v1/projects/{project}/policy", policy)).ReadSuccessAsync();

    private static async Task<(string Run, string Lease, JsonElement Context)> ClaimAsync(HttpClient agent)
    {
        var claimed = (await agent.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items").EnumerateArray().Single();
        var run = claimed.GetProperty("run");
        return (run.Str("run_id"), run.Str("lease_token"), claimed.GetProperty("context"));
    }

    private static Task<HttpResponseMessage> CompleteAsync(HttpClient agent, (string Run, string Lease, JsonElement) claim, object? artifacts, string? summary = null) =>
        agent.SendJsonAsync(HttpMethod.Post, $"/api/v1/runs/{claim.Run}/complete", new Dictionary<string, object?>
        {
            ["lease_token"] = claim.Lease, ["output"] = new { branch = "card-1" }, ["summary"] = summary, ["artifacts"] = artifacts,
        });

    private static object Check(string name, string status, string? url = null, string? summary = null) => new { name, status, url, summary };

    private static List<(string Name, string Reason)> Failed(JsonElement outcome) =>
        outcome.GetProperty("failed_checks").EnumerateArray().Select(f => (f.Str("name"), f.Str("reason"))).ToList();

    [Theory, BothStores]
    public async Task A_card_blocked_by_a_failed_required_check_is_done_once_its_checks_pass(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var project = await acme.CreateProjectAsync("MAP", "Story map");
        var policy = await SetPolicyAsync(acme.Owner, "MAP", new { required_checks = new[] { "tests", "lint" } });
        Assert.Equal(["tests", "lint"], policy.GetProperty("required_checks").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("block", policy.Str("on_failure"));
        var card = await acme.CreateWorkAsync("MAP", "Checkout card: pay with a saved card", new { type = "card", status = "ready" });
        var (_, agent, _) = await acme.CreateAgentAsync("coder");

        var first = await ClaimAsync(agent);
        var blocked = await (await CompleteAsync(agent, first, new
        {
            commits = new[] { "a1b2c3" },
            checks = new[] { Check("tests", "passed", "https://ci.example.test/runs/1"), Check("lint", "failed", "https://ci.example.test/runs/2", "3 errors in checkout.ts") },
        }, "Implemented the saved-card payment")).ReadSuccessAsync();

        Assert.Equal("completed", blocked.GetProperty("run").Str("status"));
        Assert.Equal("blocked", blocked.GetProperty("item").Str("status"));
        Assert.Equal([("lint", "failed")], Failed(blocked));
        Assert.Equal("3 errors in checkout.ts", blocked.GetProperty("failed_checks")[0].Str("summary"));
        var notes = blocked.GetProperty("item").Str("revision_notes");
        Assert.Contains("lint: failed (3 errors in checkout.ts)", notes);
        Assert.DoesNotContain("tests", notes);
        var audit = (await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={card.Str("id")}&action=work_item.checks_failed")).Single();
        Assert.Equal(first.Run, audit.GetProperty("changes").GetProperty("run_id").Str("after"));
        Assert.Equal("lint", audit.GetProperty("changes").GetProperty("failed_checks").GetProperty("after")[0].Str("name"));

        var itemChecks = await acme.Owner.ListAllAsync("/api/v1/work/MAP-1/checks");
        Assert.Equal(["lint", "tests"], itemChecks.Select(c => c.Str("name")));
        Assert.All(itemChecks, c => Assert.Equal(first.Run, c.Str("run_id")));
        Assert.Equal("https://ci.example.test/runs/2", itemChecks[0].Str("url"));
        var failedLint = Assert.Single(await acme.Owner.ListAllAsync($"/api/v1/projects/{project.Str("id")}/checks?status=failed&name=lint"));
        Assert.Equal("MAP-1", failedLint.Str("work_item_key"));
        Assert.Equal("3 errors in checkout.ts", failedLint.Str("summary"));

        await acme.Owner.PatchJsonAsync("/api/v1/work/MAP-1", new { status = "ready" });
        var second = await ClaimAsync(agent);
        Assert.Contains("lint: failed", second.Context.Str("revision_notes"));
        var done = await (await CompleteAsync(agent, second, new { checks = new[] { Check("tests", "passed"), Check("lint", "passed") } })).ReadSuccessAsync();

        Assert.Equal("done", done.GetProperty("item").Str("status"));
        Assert.Equal(JsonValueKind.Null, done.GetProperty("failed_checks").ValueKind);
        Assert.Equal(JsonValueKind.Null, done.GetProperty("item").GetProperty("revision_notes").ValueKind);
        var history = await acme.Owner.ListAllAsync("/api/v1/work/MAP-1/checks");
        Assert.Equal([second.Run, second.Run, first.Run, first.Run], history.Select(c => c.Str("run_id")));
        Assert.Equal(4, (await acme.Owner.ListAllAsync("/api/v1/projects/MAP/checks")).Count);
        Assert.Single(await acme.Owner.ListAllAsync("/api/v1/projects/MAP/checks?status=failed"));
    }

    [Theory, BothStores]
    public async Task A_required_check_the_run_did_not_report_blocks_the_item(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("MAP");
        await SetPolicyAsync(acme.Owner, "MAP", new { required_checks = new[] { "tests", "lint" } });
        await acme.CreateWorkAsync("MAP", "Card without lint", new { status = "ready" });
        await acme.CreateWorkAsync("MAP", "Card without any checks", new { status = "ready" });
        await acme.CreateWorkAsync("MAP", "Card still waiting for CI", new { status = "ready" });
        var (_, agent, _) = await acme.CreateAgentAsync("coder", extra: new { max_concurrent_runs = 3 });

        var onlyTests = await (await CompleteAsync(agent, await ClaimAsync(agent), new { checks = new[] { Check("Tests", "passed") } })).ReadSuccessAsync();
        Assert.Equal("blocked", onlyTests.GetProperty("item").Str("status"));
        Assert.Equal([("lint", "missing")], Failed(onlyTests));

        var nothing = await (await CompleteAsync(agent, await ClaimAsync(agent), null)).ReadSuccessAsync();
        Assert.Equal([("tests", "missing"), ("lint", "missing")], Failed(nothing));
        Assert.Empty(await acme.Owner.ListAllAsync("/api/v1/work/MAP-2/checks"));

        var pending = await (await CompleteAsync(agent, await ClaimAsync(agent), new
        {
            checks = new[] { Check("tests", "pending"), Check("lint", "skipped"), Check("e2e", "failed") },
        })).ReadSuccessAsync();
        Assert.Equal([("tests", "pending"), ("lint", "skipped"), ("e2e", "failed")], Failed(pending));
        Assert.Equal("blocked", pending.GetProperty("item").Str("status"));
    }

    [Theory, BothStores]
    public async Task With_on_failure_approval_a_person_may_accept_the_work_despite_its_checks(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("MAP");
        await SetPolicyAsync(acme.Owner, "MAP", new { required_checks = new[] { "tests", "lint" }, on_failure = "approval" });
        var card = await acme.CreateWorkAsync("MAP", "Card with a flaky lint", new { status = "ready" });
        var (_, agent, _) = await acme.CreateAgentAsync("coder");

        var waiting = await (await CompleteAsync(agent, await ClaimAsync(agent), new
        {
            checks = new[] { Check("tests", "passed"), Check("lint", "failed", summary: "the linter crashed") },
        }, "Done, but the linter crashed")).ReadSuccessAsync();
        Assert.Equal("awaiting_approval", waiting.GetProperty("item").Str("status"));
        Assert.Equal([("lint", "failed")], Failed(waiting));

        var approval = await acme.Owner.GetJsonAsync($"/api/v1/approvals/{waiting.Str("approval_id")}");
        Assert.Equal("work_output", approval.Str("kind"));
        Assert.Equal(card.Str("id"), approval.Str("work_item_id"));
        Assert.Contains("lint failed", approval.Str("subject"));
        Assert.Contains("lint: failed (the linter crashed)", approval.Str("summary"));
        Assert.Contains("Done, but the linter crashed", approval.Str("summary"));

        var decided = await acme.Owner.PostJsonAsync($"/api/v1/approvals/{approval.Str("id")}/approve", new { note = "Lint is broken on main; accepted." });
        Assert.Equal("done", decided.GetProperty("item").Str("status"));
        Assert.Equal("done", (await acme.Owner.GetJsonAsync("/api/v1/work/MAP-1")).Str("status"));
    }

    [Theory, BothStores]
    public async Task A_changed_path_outside_the_allowed_paths_counts_as_a_failed_check(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("MAP");
        await SetPolicyAsync(acme.Owner, "MAP", new { allowed_paths = new[] { "src/**", "docs/*.md" } });
        await acme.CreateWorkAsync("MAP", "Card touching the deploy script", new { status = "ready" });
        await acme.CreateWorkAsync("MAP", "Card that stays in its lane", new { status = "ready" });
        await acme.CreateWorkAsync("MAP", "Card that climbs out", new { status = "ready" });
        var (_, agent, _) = await acme.CreateAgentAsync("coder", extra: new { max_concurrent_runs = 3 });

        var outside = await (await CompleteAsync(agent, await ClaimAsync(agent), new
        {
            changed_paths = new[] { "src/checkout/pay.ts", "docs/checkout.md", "scripts/deploy.sh", "docs/api/deep.md" },
        })).ReadSuccessAsync();
        Assert.Equal("blocked", outside.GetProperty("item").Str("status"));
        Assert.Equal([("allowed_paths", "failed")], Failed(outside));
        var summary = outside.GetProperty("failed_checks")[0].Str("summary");
        Assert.Contains("scripts/deploy.sh", summary);
        Assert.Contains("docs/api/deep.md", summary);
        Assert.DoesNotContain("pay.ts", summary);
        Assert.Equal("failed", Assert.Single(await acme.Owner.ListAllAsync("/api/v1/work/MAP-1/checks")).Str("status"));

        var inside = await (await CompleteAsync(agent, await ClaimAsync(agent), new { changed_paths = new[] { "src/a.ts", "./src/b/c.ts", "docs/x.md" } })).ReadSuccessAsync();
        Assert.Equal("done", inside.GetProperty("item").Str("status"));
        var passed = Assert.Single(await acme.Owner.ListAllAsync("/api/v1/work/MAP-2/checks"));
        Assert.Equal(("allowed_paths", "passed"), (passed.Str("name"), passed.Str("status")));

        var escaping = await (await CompleteAsync(agent, await ClaimAsync(agent), new { changed_paths = new[] { "src/../.github/workflows/ci.yml" } })).ReadSuccessAsync();
        Assert.Equal("blocked", escaping.GetProperty("item").Str("status"));
    }

    [Theory, BothStores]
    public async Task A_gated_card_meets_its_checks_before_it_reaches_a_reviewer(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("MAP");
        await SetPolicyAsync(acme.Owner, "MAP", new { required_checks = new[] { "tests" } });
        await acme.CreateWorkAsync("MAP", "Reviewed card", new { status = "ready", approval_required = true });
        var (_, agent, _) = await acme.CreateAgentAsync("coder");

        var blocked = await (await CompleteAsync(agent, await ClaimAsync(agent), new { checks = new[] { Check("tests", "failed") } })).ReadSuccessAsync();
        Assert.Equal("blocked", blocked.GetProperty("item").Str("status"));
        Assert.Equal(JsonValueKind.Null, blocked.GetProperty("approval_id").ValueKind);
        Assert.Empty(await acme.Owner.ListAllAsync("/api/v1/approvals?status=pending"));

        await acme.Owner.PatchJsonAsync("/api/v1/work/MAP-1", new { status = "ready" });
        var review = await (await CompleteAsync(agent, await ClaimAsync(agent), new { checks = new[] { Check("tests", "passed") } })).ReadSuccessAsync();
        Assert.Equal("awaiting_approval", review.GetProperty("item").Str("status"));
        var approval = Assert.Single(await acme.Owner.ListAllAsync("/api/v1/approvals?status=pending"));
        Assert.StartsWith("Review MAP-1", approval.Str("subject"));
    }

    [Theory, BothStores]
    public async Task A_project_without_a_policy_records_the_checks_and_finishes_the_item(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("MAP");
        var empty = await acme.Owner.GetJsonAsync("/api/v1/projects/MAP/policy");
        Assert.Empty(empty.GetProperty("required_checks").EnumerateArray());
        Assert.Empty(empty.GetProperty("allowed_paths").EnumerateArray());
        Assert.Equal("block", empty.Str("on_failure"));
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("updated_at").ValueKind);
        await acme.CreateWorkAsync("MAP", "Ungated card", new { status = "ready" });
        var (_, agent, _) = await acme.CreateAgentAsync("coder");

        var done = await (await CompleteAsync(agent, await ClaimAsync(agent), new { checks = new[] { Check("lint", "failed") }, changed_paths = new[] { "anywhere.txt" } })).ReadSuccessAsync();

        Assert.Equal("done", done.GetProperty("item").Str("status"));
        Assert.Equal("failed", Assert.Single(await acme.Owner.ListAllAsync("/api/v1/work/MAP-1/checks")).Str("status"));
    }

    [Theory, BothStores]
    public async Task Malformed_checks_are_refused_naming_the_entry_and_nothing_is_stored(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("MAP");
        await SetPolicyAsync(acme.Owner, "MAP", new { required_checks = new[] { "tests" } });
        await acme.CreateWorkAsync("MAP", "Card", new { status = "ready" });
        var (_, agent, _) = await acme.CreateAgentAsync("coder");
        var claim = await ClaimAsync(agent);

        var cases = new (object Artifacts, string Field)[]
        {
            (new { checks = "tests passed" }, "artifacts.checks"),
            (new { checks = new object[] { Check("tests", "passed"), "lint" } }, "artifacts.checks[1]"),
            (new { checks = new object[] { new { status = "passed" } } }, "artifacts.checks[0].name"),
            (new { checks = new object[] { Check("tests", "green") } }, "artifacts.checks[0].status"),
            (new { checks = new object[] { new { name = "tests" } } }, "artifacts.checks[0].status"),
            (new { checks = new object[] { Check("tests", "passed"), new { name = "lint", status = "passed", url = 42 } } }, "artifacts.checks[1].url"),
            (new { checks = new object[] { Check("tests", "passed"), Check("lint", "passed"), Check("TESTS", "failed") } }, "artifacts.checks[2].name"),
            (new { checks = new object[] { Check(new string('x', 201), "passed") } }, "artifacts.checks[0].name"),
            (new { checks = new object[] { Check("tests", "passed") }, changed_paths = "src/a.ts" }, "artifacts.changed_paths"),
            (new { checks = new object[] { Check("tests", "passed") }, changed_paths = new object[] { "src/a.ts", 7 } }, "artifacts.changed_paths[1]"),
        };
        foreach (var (artifacts, field) in cases)
        {
            var problem = await (await CompleteAsync(agent, claim, artifacts)).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.NotEmpty(problem.FieldErrors(field));
        }

        Assert.Empty(await acme.Owner.ListAllAsync("/api/v1/work/MAP-1/checks"));
        Assert.Equal("active", (await acme.Owner.GetJsonAsync($"/api/v1/runs/{claim.Run}")).Str("status"));
        Assert.Equal("claimed", (await acme.Owner.GetJsonAsync("/api/v1/work/MAP-1")).Str("status"));

        var done = await (await CompleteAsync(agent, claim, new { checks = new[] { Check("tests", "passed") } })).ReadSuccessAsync();
        Assert.Equal("done", done.GetProperty("item").Str("status"));
    }

    [Theory, BothStores]
    public async Task A_policy_is_set_by_people_validated_field_by_field_and_audited(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var project = await acme.CreateProjectAsync("MAP");

        var cases = new (string Json, string Field)[]
        {
            ("""{"required_checks":[""]}""", "required_checks[0]"),
            ("""{"required_checks":["tests",null]}""", "required_checks[1]"),
            ($$"""{"required_checks":["{{new string('x', 101)}}"]}""", "required_checks[0]"),
            ("""{"required_checks":["tests","lint","Tests"]}""", "required_checks[2]"),
            ($$"""{"required_checks":[{{string.Join(",", Enumerable.Range(0, 51).Select(i => $"\"c{i}\""))}}]}""", "required_checks"),
            ("""{"required_checks":"tests"}""", "required_checks"),
            ("""{"allowed_paths":["src/**","src/**"]}""", "allowed_paths[1]"),
            ("""{"allowed_paths":["../secrets/**"]}""", "allowed_paths[0]"),
            ("""{"allowed_paths":["/etc/**"]}""", "allowed_paths[0]"),
            ("""{"on_failure":"warn"}""", "on_failure"),
        };
        foreach (var (json, field) in cases)
        {
            var problem = await (await acme.Owner.SendRawAsync(HttpMethod.Put, "/api/v1/projects/MAP/policy", json)).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.NotEmpty(problem.FieldErrors(field));
        }

        Assert.Equal(JsonValueKind.Null, (await acme.Owner.GetJsonAsync("/api/v1/projects/MAP/policy")).GetProperty("updated_at").ValueKind);

        var set = await SetPolicyAsync(acme.Owner, project.Str("id"), new { required_checks = new[] { " tests ", "lint" }, allowed_paths = new[] { "src/**" } });
        Assert.Equal(["tests", "lint"], set.GetProperty("required_checks").EnumerateArray().Select(c => c.GetString()));
        var changed = await SetPolicyAsync(acme.Owner, "map", new { on_failure = "approval" });
        Assert.Equal(["tests", "lint"], changed.GetProperty("required_checks").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(["src/**"], changed.GetProperty("allowed_paths").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("approval", changed.Str("on_failure"));
        Assert.Equal("MAP", changed.Str("project_key"));
        var cleared = await SetPolicyAsync(acme.Owner, "MAP", new { allowed_paths = Array.Empty<string>() });
        Assert.Empty(cleared.GetProperty("allowed_paths").EnumerateArray());

        var trail = (await acme.Owner.ListAllAsync($"/api/v1/audit?entity_type=project_policy&entity_id={project.Str("id")}")).AsEnumerable().Reverse().ToList();
        Assert.Equal(["project_policy.created", "project_policy.updated", "project_policy.updated"], trail.Select(a => a.Str("action")));
        Assert.Equal("approval", trail[1].GetProperty("changes").GetProperty("on_failure").Str("after"));

        var (_, agent, _) = await acme.CreateAgentAsync("coder");
        Assert.Equal("approval", (await agent.GetJsonAsync("/api/v1/projects/MAP/policy")).Str("on_failure"));
        await (await agent.SendJsonAsync(HttpMethod.Put, "/api/v1/projects/MAP/policy", new { required_checks = Array.Empty<string>() })).ProblemAsync(HttpStatusCode.Forbidden);
        var reviewer = await acme.AddPersonAsync("reviewer");
        await (await reviewer.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/projects/MAP/policy", new { required_checks = Array.Empty<string>() })).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(2, (await acme.Owner.GetJsonAsync("/api/v1/projects/MAP/policy")).GetProperty("required_checks").GetArrayLength());
    }

    [Theory, BothStores]
    public async Task Another_tenants_policy_and_checks_are_not_found(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var project = await acme.CreateProjectAsync("MAP");
        await SetPolicyAsync(acme.Owner, "MAP", new { required_checks = new[] { "tests" } });
        var card = await acme.CreateWorkAsync("MAP", "Secret card", new { status = "ready" });
        var (_, agent, _) = await acme.CreateAgentAsync("coder");
        await (await CompleteAsync(agent, await ClaimAsync(agent), new { checks = new[] { Check("tests", "passed") } })).ReadSuccessAsync();

        var globex = await app.CreateTenantAsync();
        var projectId = project.Str("id");
        await (await globex.Owner.GetAsync($"/api/v1/projects/{projectId}/policy")).ProblemAsync(HttpStatusCode.NotFound);
        await (await globex.Owner.SendJsonAsync(HttpMethod.Put, $"/api/v1/projects/{projectId}/policy", new { required_checks = Array.Empty<string>() }))
            .ProblemAsync(HttpStatusCode.NotFound);
        await (await globex.Owner.GetAsync($"/api/v1/projects/{projectId}/checks")).ProblemAsync(HttpStatusCode.NotFound);
        await (await globex.Owner.GetAsync($"/api/v1/work/{card.Str("id")}/checks")).ProblemAsync(HttpStatusCode.NotFound);
        await (await globex.Owner.GetAsync("/api/v1/projects/MAP/checks")).ProblemAsync(HttpStatusCode.NotFound);

        Assert.Single((await acme.Owner.GetJsonAsync("/api/v1/projects/MAP/policy")).GetProperty("required_checks").EnumerateArray());
        Assert.Single(await acme.Owner.ListAllAsync("/api/v1/work/MAP-1/checks"));
    }

    [Theory, BothStores]
    public async Task Project_checks_page_newest_first_by_cursor(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("MAP");
        await acme.CreateWorkAsync("MAP", "Card", new { status = "ready" });
        var (_, agent, _) = await acme.CreateAgentAsync("coder");
        var names = Enumerable.Range(1, 5).Select(i => $"check-{i}").ToList();
        await (await CompleteAsync(agent, await ClaimAsync(agent), new { checks = names.Select(n => Check(n, "passed")) })).ReadSuccessAsync();

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await acme.Owner.GetJsonAsync($"/api/v1/projects/MAP/checks?limit=2{(cursor is null ? "" : $"&cursor={cursor}")}");
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(c => c.Str("name")));
            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(names.AsEnumerable().Reverse(), seen);
        var problem = await (await acme.Owner.GetAsync("/api/v1/projects/MAP/checks?status=green")).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(problem.FieldErrors("status"));
    }
}
