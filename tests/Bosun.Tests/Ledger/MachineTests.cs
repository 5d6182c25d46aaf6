using System.Net;
using Bosun.Cli.Commands;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;
using Bosun.Tests.Web;

namespace Bosun.Tests.Ledger;

/// Machines and workspaces: check-ins from agents (one row per machine however many agents check in), runs linked to
/// where they happen, imports registering the machine of their transcripts, and the machines page.
public sealed class MachineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bosun-machines-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory, BothStores]
    public async Task Agents_check_in_to_one_machine_and_their_runs_show_where_they_happen(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var globex = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Landing page", new { status = "ready" });
        var (_, coder, _) = await acme.CreateAgentAsync("coder");
        var (_, reviewer, _) = await acme.CreateAgentAsync("reviewer");
        var here = new
        {
            machine_id = "build-box-linux", hostname = "build-box", os = "linux", os_version = "6.1", user = "ci", type = "ci",
            workspace = new { path = "/srv/checkouts/web", project = "WEB", git_branch = "main", git_commit = "0123456789abcdef0123456789abcdef01234567" },
        };

        var first = await coder.PostJsonAsync("/api/v1/machines/check-in", here);
        var claimed = (await coder.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0];
        var runId = claimed.GetProperty("run").Str("run_id");
        var linked = await coder.PostJsonAsync("/api/v1/machines/check-in", new { here.machine_id, here.hostname, here.workspace, run_id = runId });
        var second = await reviewer.PostJsonAsync("/api/v1/machines/check-in", new { machine_id = "build-box-linux", hostname = "build-box", workspace = new { path = "/srv/checkouts/api" } });

        Assert.Equal(first.Str("machine_id"), second.Str("machine_id"));
        Assert.Equal((first.Str("workspace_id"), runId), (linked.Str("workspace_id"), linked.Str("run_id")));
        var machine = Assert.Single(await acme.Owner.ListAllAsync("/api/v1/machines"));
        Assert.Equal(("build-box-linux", "build-box", "linux", "ci", "ci"), (machine.Str("machine_id"), machine.Str("hostname"), machine.Str("os"), machine.Str("user"), machine.Str("type")));
        Assert.Equal(["/srv/checkouts/api", "/srv/checkouts/web"], machine.GetProperty("workspaces").EnumerateArray().Select(w => w.Str("path")).Order());
        var web = machine.GetProperty("workspaces").EnumerateArray().Single(w => w.Str("path") == "/srv/checkouts/web");
        Assert.Equal(("main", "0123456789abcdef0123456789abcdef01234567"), (web.Str("git_branch"), web.Str("git_commit")));
        var running = Assert.Single(machine.GetProperty("active_runs").EnumerateArray());
        Assert.Equal(("WEB-1", "coder", web.Str("id")), (running.Str("work_item_key"), running.Str("agent"), running.Str("workspace_id")));
        Assert.Equal(machine.Str("id"), (await acme.Owner.GetJsonAsync("/api/v1/machines/build-box-linux")).Str("id"));
        var projectId = (await acme.Owner.GetJsonAsync("/api/v1/projects/WEB")).Str("id");
        Assert.Equal([web.Str("id")], (await acme.Owner.ListAllAsync("/api/v1/workspaces?project=WEB")).Select(w => w.Str("id")));
        Assert.Equal(projectId, web.Str("project_id"));

        // A finished run is no longer running there.
        await coder.PostJsonAsync($"/api/v1/runs/{runId}/complete", new { lease_token = claimed.GetProperty("run").Str("lease_token"), output = new { } });
        Assert.Empty((await acme.Owner.GetJsonAsync($"/api/v1/machines/{machine.Str("id")}")).GetProperty("active_runs").EnumerateArray());

        // Bad check-ins name the field; someone else's run cannot be placed.
        foreach (var (json, field) in new[]
                 {
                     ("""{"machine_id":"x"}""", "hostname"), ("""{"hostname":"h","workspace":{}}""", "workspace.path"),
                     ("""{"hostname":"h","workspace":{"path":"/w","project":"NOPE"}}""", "workspace.project"),
                     ($$"""{"hostname":"h","run_id":"{{runId}}"}""", "run_id"),
                 })
        {
            var response = await reviewer.PostRawAsync("/api/v1/machines/check-in", json);
            Assert.NotEmpty((await response.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors(field));
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await reviewer.PostRawAsync("/api/v1/machines/check-in", """{"hostname":"h","type":"mainframe"}""")).StatusCode);
        Assert.Single(await acme.Owner.ListAllAsync("/api/v1/machines"));

        // Another tenant sees none of it.
        Assert.Empty(await globex.Owner.ListAllAsync("/api/v1/machines"));
        Assert.Empty(await globex.Owner.ListAllAsync("/api/v1/workspaces"));
        Assert.Equal(HttpStatusCode.NotFound, (await globex.Owner.GetAsync($"/api/v1/machines/{machine.Str("id")}")).StatusCode);
    }

    [Theory, BothStores]
    public async Task Events_are_listed_by_the_machine_their_run_or_session_was_on(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var globex = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Landing page", new { status = "ready" });
        var (_, coder, _) = await acme.CreateAgentAsync("coder");
        var runId = (await coder.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0].GetProperty("run").Str("run_id");
        await coder.PostJsonAsync("/api/v1/machines/check-in", new { machine_id = "ci-runner-7", hostname = "ci-runner-7", type = "ci", run_id = runId });
        await acme.Owner.PostJsonAsync("/api/v1/sessions/import", new { source = "claude_code", external_id = "sess-laptop", machine = "marv-laptop", messages = Array.Empty<object>() });
        var now = DateTimeOffset.UtcNow;
        await acme.Owner.PostJsonAsync("/api/v1/events", new object[]
        {
            new { id = "on-ci", timestamp = now.AddSeconds(-3), type = "command", run = runId },
            new { id = "on-laptop", timestamp = now.AddSeconds(-2), type = "file_edit", session = "sess-laptop" },
            new { id = "nowhere", timestamp = now.AddSeconds(-1), type = "command", session = "sess-unknown" },
        });

        async Task<string[]> IdsAsync(string machine) =>
            (await acme.Owner.GetJsonAsync($"/api/v1/events?machine={machine}")).EnumerateArray().Select(e => e.Str("id")).ToArray();

        Assert.Equal(["on-ci"], await IdsAsync("ci-runner-7"));
        Assert.Equal(["on-laptop"], await IdsAsync("marv-laptop"));
        var laptop = (await acme.Owner.GetJsonAsync("/api/v1/machines/marv-laptop")).Str("id");
        Assert.Equal(["on-laptop"], await IdsAsync(laptop));
        var unknown = await acme.Owner.GetAsync("/api/v1/events?machine=nope");
        Assert.NotEmpty((await unknown.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("machine"));
        var theirs = await globex.Owner.GetAsync("/api/v1/events?machine=ci-runner-7");
        Assert.Equal(HttpStatusCode.BadRequest, theirs.StatusCode);
    }

    [Theory, BothStores]
    public async Task An_imported_session_registers_its_machine_and_workspace_and_the_page_shows_what_runs_where(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Pricing <table>", new { status = "ready" });
        var imported = await acme.Owner.PostJsonAsync("/api/v1/sessions/import", new
        {
            source = "generic", external_id = "s-1", machine = "Ada-Laptop", workspace_path = "/home/ada/acme", git_branch = "feature",
            messages = new[] { new { external_id = "m1", role = "user", text = "hi" } },
        });
        var (_, coder, _) = await acme.CreateAgentAsync("coder");
        var claimed = (await coder.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0];
        await coder.PostJsonAsync("/api/v1/machines/check-in", new { hostname = "ada-laptop", workspace = new { path = "/home/ada/acme" }, run_id = claimed.GetProperty("run").Str("run_id") });

        var machine = Assert.Single(await acme.Owner.ListAllAsync("/api/v1/machines"));
        Assert.Equal("ada-laptop", machine.Str("machine_id"));
        var workspace = Assert.Single(machine.GetProperty("workspaces").EnumerateArray());
        Assert.Equal(("/home/ada/acme", "feature"), (workspace.Str("path"), workspace.Str("git_branch")));
        var session = (await acme.Owner.GetJsonAsync($"/api/v1/sessions/{imported.Str("session_id")}")).GetProperty("session");
        Assert.Equal((machine.Str("id"), workspace.Str("id")), (session.Str("machine_id"), session.Str("workspace_id")));

        using var web = new Bosun.Tests.Web.WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password);
        var page = await web.GetAsync("/machines");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("href=\"/machines\" aria-current=\"page\"", page.Html);
        Assert.Contains("<h2 id=\"machine-" + machine.Str("id") + "\">ada-laptop", page.Html);
        Assert.Contains("<a href=\"/work/WEB-1\">WEB-1</a> by agent:coder in /home/ada/acme", page.Html);
        Assert.Contains("<code>/home/ada/acme</code>", page.Html);
    }

    [Fact]
    public void The_runner_reads_branch_and_commit_from_the_checkout_without_git()
    {
        var repo = Path.Combine(_dir, "repo");
        Directory.CreateDirectory(Path.Combine(repo, ".git", "refs", "heads", "feature"));
        Directory.CreateDirectory(Path.Combine(repo, "src", "deep"));
        File.WriteAllText(Path.Combine(repo, ".git", "HEAD"), "ref: refs/heads/feature/pay\n");
        File.WriteAllText(Path.Combine(repo, ".git", "refs", "heads", "feature", "pay"), "1111111111111111111111111111111111111111\n");
        Assert.Equal(("feature/pay", "1111111111111111111111111111111111111111"), Placement.Git(Path.Combine(repo, "src", "deep")));

        File.WriteAllText(Path.Combine(repo, ".git", "HEAD"), "ref: refs/heads/main\n");
        File.WriteAllText(Path.Combine(repo, ".git", "packed-refs"), "# pack-refs with: peeled\n2222222222222222222222222222222222222222 refs/heads/main\n");
        Assert.Equal(("main", "2222222222222222222222222222222222222222"), Placement.Git(repo));

        File.WriteAllText(Path.Combine(repo, ".git", "HEAD"), "3333333333333333333333333333333333333333\n");
        Assert.Equal((null, "3333333333333333333333333333333333333333"), Placement.Git(repo));
        Assert.Equal((null, null), Placement.Git(_dir));
    }
}
