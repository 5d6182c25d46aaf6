using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Server.Http;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Cli;

/// Real `bosun` command lines against the in-process server. One collection: every root command the CLI
/// builds shares the same global option objects (--url, --token, --data-dir), so the runs are kept sequential.
[Collection("CLI")]
public sealed class CliTests
{
    [Fact]
    public async Task Login_checks_the_token_and_saves_it_readable_only_by_the_user()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync();
        using var cli = new CliRunner(app);

        var refused = await cli.RunAsync("login", "--url", CliRunner.Url, "--token", "bsn_user_not-a-real-token");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("Unauthorized", refused.Error);
        Assert.False(File.Exists(cli.ConfigPath));

        var login = await cli.LoginAsync(acme.OwnerToken);
        Assert.Contains("owner@example.test", login.Output);
        Assert.Contains(acme.Slug, login.Output);
        Assert.Contains(acme.OwnerToken, await File.ReadAllTextAsync(cli.ConfigPath));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cli.ConfigPath));
        }

        var whoami = await cli.OkAsync("whoami", "--json");
        Assert.Equal(acme.OwnerId, whoami.Json().GetProperty("user").Str("id"));
        Assert.Equal(CliRunner.Url, whoami.Json().Str("url"));

        await cli.OkAsync("logout");
        Assert.False(File.Exists(cli.ConfigPath));
        var loggedOut = await cli.RunAsync("whoami");
        Assert.Equal(2, loggedOut.ExitCode);
        Assert.Contains("Not logged in", loggedOut.Error);
    }

    [Theory, BothStores]
    public async Task Projects_and_work_created_on_the_command_line_are_what_the_api_returns(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);

        var project = (await cli.OkAsync("project", "create", "WEB", "--name", "Website", "--json")).Json();
        await cli.OkAsync("work", "create", "Write the landing page", "--project", "WEB", "--priority", "high", "--label", "launch", "--label", "web");
        var created = await cli.OkAsync("work", "create", "Ship it", "--project", "web", "--depends-on", "WEB-1");
        Assert.Contains("WEB-2", created.Output);

        var first = await acme.Owner.GetJsonAsync("/api/v1/work/WEB-1");
        Assert.Equal(project.Str("id"), first.Str("project_id"));
        Assert.Equal("high", first.Str("priority"));
        Assert.Equal(["launch", "web"], first.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        var second = await acme.Owner.GetJsonAsync("/api/v1/work/WEB-2");
        Assert.Equal("WEB-1", Assert.Single(second.GetProperty("depends_on").EnumerateArray()).Str("key"));

        var shown = await cli.OkAsync("work", "show", "WEB-2");
        Assert.Contains("Ship it", shown.Output);
        Assert.Contains("Write the landing page", shown.Output);
        Assert.Contains("ready, blocked, cancelled", shown.Output);
        var labelled = await cli.OkAsync("work", "show", "WEB-1");
        Assert.Contains("launch, web", labelled.Output);
    }

    [Fact]
    public async Task An_illegal_move_prints_the_allowed_moves_and_exits_3()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Write the landing page");
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);

        var refused = await cli.RunAsync("work", "move", "WEB-1", "done");

        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("WEB-1 cannot move from backlog to done. Allowed: ready, blocked, cancelled.", refused.Error);
        Assert.Equal("backlog", (await acme.Owner.GetJsonAsync("/api/v1/work/WEB-1")).Str("status"));

        var moved = await cli.OkAsync("work", "move", "WEB-1", "ready");
        Assert.Contains("WEB-1 is now ready", moved.Output);
        Assert.Equal("ready", (await acme.Owner.GetJsonAsync("/api/v1/work/WEB-1")).Str("status"));
    }

    [Fact]
    public async Task Sub_items_are_reordered_and_work_projects_and_goals_archived_and_restored_on_the_command_line()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var parent = await acme.CreateWorkAsync("WEB", "Launch");
        foreach (var title in new[] { "Copy", "Design", "Build" })
        {
            await acme.CreateWorkAsync("WEB", title, new { parent_id = parent.Str("id") });
        }

        var goal = await acme.CreateGoalAsync(new { title = "Sign-ups" });
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);

        Assert.Contains("WEB-4 now stands before WEB-2", (await cli.OkAsync("work", "move", "WEB-4", "--before", "WEB-2")).Output);
        await cli.OkAsync("work", "move", "WEB-2", "--after", "WEB-3");
        var children = (await cli.OkAsync("work", "list", "--parent", "WEB-1", "--json")).Json().GetProperty("items").EnumerateArray();
        Assert.Equal(["Build", "Design", "Copy"], children.Select(w => w.Str("title")));
        var both = await cli.RunAsync("work", "move", "WEB-2", "done", "--before", "WEB-3");
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("exactly one", both.Error);
        var stranger = await cli.RunAsync("work", "move", "WEB-2", "--before", "WEB-1");
        Assert.Equal(2, stranger.ExitCode);
        Assert.Contains("before", stranger.Error);

        Assert.Contains("WEB-2 is archived.", (await cli.OkAsync("work", "archive", "WEB-2")).Output);
        Assert.Contains("Project WEB is archived.", (await cli.OkAsync("project", "archive", "WEB")).Output);
        Assert.Contains("Goal Sign-ups is archived.", (await cli.OkAsync("goal", "archive", goal.Str("id"))).Output);
        Assert.DoesNotContain("WEB-2", (await cli.OkAsync("work", "list")).Output);
        Assert.Contains("WEB-2", (await cli.OkAsync("work", "list", "--archived")).Output);
        Assert.Contains("WEB", (await cli.OkAsync("project", "list", "--archived")).Output);
        Assert.Contains("Sign-ups", (await cli.OkAsync("goal", "list", "--archived")).Output);
        Assert.Empty(await acme.Owner.ListAllAsync("/api/v1/projects"));

        await cli.OkAsync("work", "restore", "WEB-2");
        await cli.OkAsync("project", "restore", "WEB");
        var restored = (await cli.OkAsync("goal", "restore", goal.Str("id"), "--json")).Json();
        Assert.Equal(JsonValueKind.Null, restored.GetProperty("archived_at").ValueKind);
        Assert.Contains("WEB-2", (await cli.OkAsync("work", "list")).Output);
        Assert.Equal("active", (await acme.Owner.GetJsonAsync("/api/v1/projects/WEB")).Str("status"));
        Assert.Single(await acme.Owner.ListAllAsync("/api/v1/goals"));
    }

    [Fact]
    public async Task Work_list_all_follows_next_cursor_through_every_page()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        for (var i = 1; i <= 7; i++)
        {
            await acme.CreateWorkAsync("WEB", $"Task number {i}");
        }

        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);

        var onePage = (await cli.OkAsync("work", "list", "--limit", "3", "--json")).Json();
        Assert.Equal(3, onePage.GetProperty("items").GetArrayLength());
        var cursor = onePage.Str("next_cursor");

        var nextPage = (await cli.OkAsync("work", "list", "--limit", "3", "--cursor", cursor, "--json")).Json();
        Assert.Equal(["WEB-4", "WEB-5", "WEB-6"], nextPage.GetProperty("items").EnumerateArray().Select(w => w.Str("key")));

        var everything = (await cli.OkAsync("work", "list", "--limit", "3", "--all", "--json")).Json();
        Assert.Equal(Enumerable.Range(1, 7).Select(i => $"WEB-{i}"), everything.GetProperty("items").EnumerateArray().Select(w => w.Str("key")));
        Assert.Equal(JsonValueKind.Null, everything.GetProperty("next_cursor").ValueKind);

        var table = await cli.OkAsync("work", "list", "--limit", "3", "--all");
        Assert.All(Enumerable.Range(1, 7), i => Assert.Contains($"Task number {i}", table.Output));
        Assert.DoesNotContain("--cursor", table.Output);
    }

    [Fact]
    public async Task Work_mine_shows_the_runs_an_agent_holds_and_the_items_assigned_to_it()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var (agent, coder, token) = await acme.CreateAgentAsync("coder");
        await acme.CreateWorkAsync("WEB", "Write the landing page", new { status = "ready" });
        await acme.CreateWorkAsync("WEB", "Fix the footer later", new { status = "backlog", assignee = $"agent:{agent.Str("id")}" });
        var run = (await coder.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0].GetProperty("run").Str("run_id");
        using var cli = new CliRunner(app);
        await cli.LoginAsync(token);

        var mine = (await cli.OkAsync("work", "mine", "--json")).Json();
        Assert.Equal(run, mine.GetProperty("holding")[0].Str("run_id"));
        Assert.Equal("WEB-2", mine.GetProperty("assigned")[0].Str("key"));
        var table = await cli.OkAsync("work", "mine");
        Assert.Contains(run, table.Output);
        Assert.Contains("Write the landing page", table.Output);
        Assert.Contains("Fix the footer later", table.Output);
    }

    [Fact]
    public async Task Work_tables_and_details_name_the_assigned_agent_and_json_keeps_its_id()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var (agent, _, _) = await acme.CreateAgentAsync("coder");
        await acme.CreateWorkAsync("WEB", "Write the landing page");
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);

        var assigned = await cli.OkAsync("work", "assign", "WEB-1", "agent:coder");
        var table = await cli.OkAsync("work", "list");
        var shown = await cli.OkAsync("work", "show", "WEB-1");
        var json = (await cli.OkAsync("work", "show", "WEB-1", "--json")).Json();

        Assert.Contains("WEB-1 is assigned to agent:coder.", assigned.Output);
        Assert.Contains("agent:coder", table.Output);
        Assert.Contains("agent:coder", shown.Output);
        Assert.DoesNotContain(agent.Str("id"), shown.Output);
        Assert.Equal($"agent:{agent.Str("id")}", json.Str("assignee"));
        Assert.Equal("coder", json.Str("assignee_name"));
    }

    [Fact]
    public async Task Agent_token_is_printed_once_and_authenticates_as_the_agent()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync();
        var project = await acme.CreateProjectAsync("WEB");
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);

        var agent = (await cli.OkAsync("agent", "create", "coder", "--role", "backend", "--adapter", "claude", "--project", "WEB", "--json")).Json();
        Assert.Equal([project.Str("id")], agent.GetProperty("project_ids").EnumerateArray().Select(p => p.GetString()));

        var issued = (await cli.OkAsync("agent", "token", "coder", "--expires", "30d", "--json")).Json();
        var secret = issued.Str("token");
        Assert.Equal($"agent:{agent.Str("id")}", issued.Str("principal"));
        Assert.InRange(issued.GetProperty("expires_at").GetDateTime(), DateTime.UtcNow.AddDays(29), DateTime.UtcNow.AddDays(31));

        var asAgent = await cli.OkAsync("whoami", "--token", secret);
        Assert.Contains("agent coder (role backend)", asAgent.Output);
        await app.ClientFor(secret).GetJsonAsync("/api/v1/tenant");

        var plain = await cli.OkAsync("agent", "token", "coder", "--name", "second");
        Assert.Contains("shown only now", plain.Output);
        var listed = await cli.OkAsync("token", "list", "--agent", "coder");
        Assert.Contains("second", listed.Output);
        Assert.DoesNotContain(secret, listed.Output);
    }

    [Fact]
    public async Task Refused_input_names_each_field_and_exits_2()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync();
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);

        var refused = await cli.RunAsync("agent", "create", "coder", "--role", "backend", "--adapter", "nope", "--max-concurrent-runs", "0");

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("Invalid request", refused.Error);
        Assert.Contains("adapter: must be one of: claude", refused.Error);
        Assert.Contains("max_concurrent_runs: must be between 1 and 1000", refused.Error);
        Assert.Empty((await acme.Owner.GetJsonAsync("/api/v1/agents")).GetProperty("items").EnumerateArray());

        var asJson = await cli.RunAsync("work", "create", " ", "--project", "NOPE", "--json");
        Assert.Equal(2, asJson.ExitCode);
        var problem = JsonDocument.Parse(asJson.Error).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty("title", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("project_id", out _));
        Assert.Empty(asJson.Output);

        var missing = await cli.RunAsync("work", "show", "WEB-99");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("Work item was not found", missing.Error);
    }

    [Fact]
    public async Task Command_line_mistakes_exit_2_before_anything_changes()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Task");
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);

        Assert.Equal(2, (await cli.RunAsync("work", "show")).ExitCode);
        Assert.Equal(2, (await cli.RunAsync("work", "create", "No project")).ExitCode);
        var badDate = await cli.RunAsync("work", "update", "WEB-1", "--due", "someday");
        Assert.Equal(2, badDate.ExitCode);
        Assert.Contains("--due", badDate.Error);
        var nothing = await cli.RunAsync("work", "update", "WEB-1");
        Assert.Equal(2, nothing.ExitCode);
        Assert.Contains("Nothing to change", nothing.Error);
        var badJson = await cli.RunAsync("work", "update", "WEB-1", "--input", "{not json");
        Assert.Equal(2, badJson.ExitCode);
        Assert.Contains("--input is not valid JSON", badJson.Error);
        Assert.Equal(JsonValueKind.Null, (await acme.Owner.GetJsonAsync("/api/v1/work/WEB-1")).GetProperty("input").ValueKind);
    }

    [Fact]
    public async Task A_server_that_is_not_running_exits_1_with_a_hint()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var cli = new CliRunner(app: null);

        var result = await cli.RunAsync("project", "list", "--url", $"http://127.0.0.1:{port}", "--token", "bsn_user_whatever");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"Could not reach Bosun at http://127.0.0.1:{port}", result.Error);
        Assert.Contains("bosun serve", result.Error);
    }

    [Fact]
    public async Task Dependencies_are_added_and_removed_and_a_cycle_is_refused()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Design");
        await acme.CreateWorkAsync("WEB", "Build");
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);

        var added = await cli.OkAsync("work", "depend", "WEB-2", "WEB-1");
        Assert.Contains("WEB-2 waits for: WEB-1 (backlog)", added.Output);

        var cycle = await cli.RunAsync("work", "depend", "WEB-1", "WEB-2");
        Assert.Equal(3, cycle.ExitCode);
        Assert.Contains("depends_on: would create the cycle WEB-1 → WEB-2 → WEB-1", cycle.Error);

        await cli.OkAsync("work", "undepend", "WEB-2", "WEB-1");
        Assert.Empty((await acme.Owner.GetJsonAsync("/api/v1/work/WEB-2")).GetProperty("depends_on").EnumerateArray());
    }

    [Fact]
    public async Task Invite_prints_a_link_and_a_token_that_accepts_the_invitation()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync();
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);

        var invited = await cli.OkAsync("user", "invite", "bob@example.test", "--role", "reviewer");

        var lines = invited.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var token = lines[^1];
        Assert.Contains($"{CliRunner.Url}/invite/{token}", lines);
        var accepted = await app.Anonymous().PostAsJsonAsync("/api/v1/invitations/accept", new { token, name = "Bob" }, BosunJson.Options);
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);

        var people = await cli.OkAsync("user", "list", "--json");
        Assert.Equal("reviewer", people.Json().GetProperty("items").EnumerateArray().Single(u => u.Str("email") == "bob@example.test").Str("role"));
        var invitations = await cli.OkAsync("user", "invitations");
        Assert.Contains("accepted", invitations.Output);
    }

    [Theory, BothStores]
    public async Task Templates_are_created_from_a_file_versioned_copied_instantiated_and_archived_on_the_command_line(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);
        var file = Path.Combine(Path.GetTempPath(), $"template-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """
            {"name": "Release notes", "kind": "release",
             "variables": [{"key": "version", "label": "Version", "required": true}, {"key": "areas", "type": "list"}],
             "steps": [{"key": "collect", "title": "Collect {{version}}: {{areas}}"},
                       {"key": "write", "title": "Write {{version}}", "approval_required": true, "after": ["collect"]}]}
            """);
        try
        {
            var created = (await cli.OkAsync("template", "create", "--file", file, "--json")).Json();
            var id = created.Str("id");
            Assert.Equal(1, created.GetProperty("version").GetInt32());

            var listed = await cli.OkAsync("template", "list");
            Assert.Contains("global:content_pipeline", listed.Output);
            Assert.Contains("Release notes", listed.Output);
            var shown = await cli.OkAsync("template", "show", id);
            Assert.Contains("Collect {{version}}: {{areas}}", shown.Output);
            Assert.Contains("required", shown.Output);

            var made = await cli.OkAsync("template", "instantiate", id, "--project", "WEB", "--var", "version=2.1", "--var", "areas=api, web");
            Assert.Contains("Created WEB-1: Release notes with 2 steps.", made.Output);
            Assert.Contains("Collect 2.1: api, web", made.Output);
            Assert.Contains("WEB-2", made.Output);
            Assert.Equal("Write 2.1", (await acme.Owner.GetJsonAsync("/api/v1/work/WEB-3")).Str("title"));

            var refused = await cli.RunAsync("template", "instantiate", id, "--project", "WEB");
            Assert.Equal(2, refused.ExitCode);
            Assert.Contains("variables.version", refused.Error);

            await cli.OkAsync("template", "update", id, "--name", "Notes");
            await File.WriteAllTextAsync(file, """{"steps": [{"key": "write", "title": "Write {{version}}"}]}""");
            var updated = (await cli.OkAsync("template", "update", id, "--file", file, "--json")).Json();
            Assert.Equal(2, updated.GetProperty("version").GetInt32());
            Assert.Equal("Notes", updated.Str("name"));
            var first = (await cli.OkAsync("template", "show", id, "--version", "1", "--json")).Json();
            Assert.Equal(2, first.GetProperty("steps").GetArrayLength());

            var copy = (await cli.OkAsync("template", "copy", "global:card_build", "--name", "Our card build", "--json")).Json();
            Assert.Equal("global:card_build", copy.Str("source_template_id"));
            var global = await cli.RunAsync("template", "update", "global:card_build", "--name", "Mine");
            Assert.Equal(3, global.ExitCode);

            await cli.OkAsync("template", "archive", id);
            Assert.DoesNotContain("Notes", (await cli.OkAsync("template", "list")).Output);
            Assert.Contains("Notes", (await cli.OkAsync("template", "list", "--archived")).Output);
            await cli.OkAsync("template", "restore", id);
            Assert.Contains(id, (await cli.OkAsync("template", "list", "--kind", "release", "--json")).Output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Goals_show_progress_and_the_tenant_takes_a_spend_cap_in_usd()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);

        await cli.OkAsync("goal", "create", "Cut p95 latency", "--project", "WEB", "--metric", "p95 ms", "--baseline", "100", "--target", "0", "--current", "30");
        var goals = await cli.OkAsync("goal", "list", "--project", "WEB");
        Assert.Contains("Cut p95 latency", goals.Output);
        Assert.Contains("███████░░░ 70%", goals.Output);

        var tenant = await cli.OkAsync("tenant", "update", "--spend-cap", "250.5");
        Assert.Contains("$250.50", tenant.Output);
        Assert.Equal(250.5m, (await acme.Owner.GetJsonAsync("/api/v1/tenant")).GetProperty("monthly_spend_cap_usd").GetDecimal());

        var audit = await cli.OkAsync("audit", "--entity-type", "tenant", "--json");
        Assert.Equal("tenant.updated", audit.Json().GetProperty("items")[0].Str("action"));
    }

    [Fact]
    public async Task Caps_on_concurrent_runs_and_an_agents_pause_are_set_shown_and_lifted_on_the_command_line()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync();
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);

        Assert.Equal(10, (await cli.OkAsync("tenant", "update", "--max-concurrent-runs", "10", "--json")).Json().GetProperty("max_concurrent_runs").GetInt32());
        Assert.Contains("Max concurrent runs", (await cli.OkAsync("tenant", "show")).Output);
        await cli.OkAsync("project", "create", "WEB", "--name", "Website");
        Assert.Equal(2, (await cli.OkAsync("project", "update", "WEB", "--max-concurrent-runs", "2", "--json")).Json().GetProperty("max_concurrent_runs").GetInt32());
        var cleared = await cli.OkAsync("project", "update", "WEB", "--no-max-concurrent-runs", "--json");
        Assert.Equal(JsonValueKind.Null, cleared.Json().GetProperty("max_concurrent_runs").ValueKind);
        var refused = await cli.RunAsync("project", "update", "WEB", "--max-concurrent-runs", "0");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("max_concurrent_runs", refused.Error);

        await acme.CreateWorkAsync("WEB", "Task", new { status = "ready" });
        var (agent, client, _) = await acme.CreateAgentAsync("coder");
        var claimed = (await client.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0];
        await (await client.PostAsJsonAsync($"/api/v1/runs/{claimed.GetProperty("run").Str("run_id")}/fail",
            new { lease_token = claimed.GetProperty("run").Str("lease_token"), error = "quota spent", limit = "quota" }, BosunJson.Options)).ReadSuccessAsync();

        Assert.Contains("(quota)", (await cli.OkAsync("agent", "show", "coder")).Output);
        Assert.Contains("claims work again", (await cli.OkAsync("agent", "resume", "coder")).Output);
        var shown = await acme.Owner.GetJsonAsync($"/api/v1/agents/{agent.Str("id")}");
        Assert.Equal(JsonValueKind.Null, shown.GetProperty("claims_paused_until").ValueKind);
        Assert.Contains("not paused", (await cli.OkAsync("agent", "show", "coder")).Output);
    }
}
