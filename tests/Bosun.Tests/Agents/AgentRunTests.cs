using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Tests.Cli;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Tests.Agents;

public sealed class AgentRunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bosun-agent-run-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Script(string name, string body)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, "#!/usr/bin/env bash\nset -euo pipefail\n" + body.Replace("$DIR", _dir));
        return path;
    }

    private static async Task<CliResult> RunAsync(BosunTestApp app, string token, params string[] args)
    {
        using var cli = new CliRunner(null);
        return await cli.RunAsync(["agent", "run", "--url", app.BaseUrl, "--token", token, .. args]);
    }

    [Theory, BothStores]
    public async Task Agent_run_turns_a_shell_script_into_a_worker_that_completes_and_fails_items(StoreKind store)
    {
        await using var app = await BosunTestApp.StartOnAsync(await TestDatabases.CreateAsync(store), realServer: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        foreach (var title in new[] { "Header", "Footer", "Pricing", "Broken build" })
        {
            await acme.CreateWorkAsync("WEB", title, new { status = "ready" });
        }

        var (_, _, token) = await acme.CreateAgentAsync("coder", extra: new { max_concurrent_runs = 2, failures_before_escalation = 2 });
        var script = Script("agent.sh", """
            cat > "$DIR/$BOSUN_WORK_ITEM_KEY.stdin.json"
            printf '%s' "$BOSUN_WORK_ITEM" > "$DIR/$BOSUN_WORK_ITEM_KEY.env.json"
            curl -sf -X POST "$BOSUN_URL/api/v1/work/$BOSUN_WORK_ITEM_KEY/comments" -H "Authorization: Bearer $BOSUN_TOKEN" \
                 -H 'Content-Type: application/json' -d '{"body": "working on it"}' > /dev/null
            if grep -q 'Broken build' "$DIR/$BOSUN_WORK_ITEM_KEY.stdin.json"; then
                echo "compiler exploded" >&2
                exit 3
            fi
            echo "{\"done\": \"$BOSUN_WORK_ITEM_KEY\", \"run\": \"$BOSUN_RUN_ID\"}"
            """);

        var result = await RunAsync(app, token, "--agent", "coder", "--until-idle", "--wait", "0", "--parallel", "4", "--", "bash", script);
        Assert.True(result.ExitCode == 0, result.ToString());

        foreach (var key in new[] { "WEB-1", "WEB-2", "WEB-3" })
        {
            var item = await acme.Owner.GetJsonAsync($"/api/v1/work/{key}");
            Assert.Equal("done", item.Str("status"));
            Assert.Equal(key, item.GetProperty("output").Str("done"));
            var stdin = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, $"{key}.stdin.json"))).RootElement;
            Assert.Equal(item.Str("title"), stdin.GetProperty("item").Str("title"));
            Assert.Equal(item.GetProperty("output").Str("run"), stdin.GetProperty("run").Str("run_id"));
            var env = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, $"{key}.env.json"))).RootElement;
            Assert.Equal(key, env.GetProperty("item").Str("key"));
            var comments = await acme.Owner.GetJsonAsync($"/api/v1/work/{key}/comments");
            Assert.Contains(comments.GetProperty("items").EnumerateArray(), c => c.Str("body") == "working on it");
        }

        var broken = await acme.Owner.GetJsonAsync("/api/v1/work/WEB-4");
        Assert.Equal("failed", broken.Str("status"));
        var runs = (await acme.Owner.GetJsonAsync($"/api/v1/runs?work_item=WEB-4")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, runs.Count);
        Assert.All(runs, r =>
        {
            Assert.Equal("failed", r.Str("status"));
            Assert.Contains("exit code 3", r.Str("error"));
            Assert.Contains("compiler exploded", r.Str("error"));
        });

        // The agent never held more than it may: two slots, although four were asked for.
        Assert.Contains("up to 2 item(s)", result.Error);

        // The runner said where it works, and every run it took is linked there.
        var machine = Assert.Single(await acme.Owner.ListAllAsync("/api/v1/machines"));
        Assert.Equal(Environment.MachineName, machine.Str("hostname"));
        var workspace = Assert.Single(machine.GetProperty("workspaces").EnumerateArray());
        Assert.Equal(Directory.GetCurrentDirectory(), workspace.Str("path"));
        var placed = await app.WithDbAsync(db => db.Runs.IgnoreQueryFilters().AsNoTracking().Where(r => r.TenantId == acme.Id)
            .Select(r => new { r.MachineId, r.WorkspaceId }).ToListAsync());
        Assert.Equal(5, placed.Count);
        Assert.All(placed, r => Assert.Equal((machine.Str("id"), workspace.Str("id")), (r.MachineId, r.WorkspaceId)));
    }

    [Theory, BothStores]
    public async Task Agent_run_links_the_session_the_agent_prints_so_its_live_telemetry_is_the_runs(StoreKind store)
    {
        await using var app = await BosunTestApp.StartOnAsync(await TestDatabases.CreateAsync(store), realServer: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Landing page", new { status = "ready" });
        var (_, _, token) = await acme.CreateAgentAsync("coder");
        // Stands in for `claude -p --output-format stream-json`: its first line names the session; its OTLP exporter
        // sends an API request event for that session without naming the run.
        var claude = Script("claude", """
            printf '%s' "$OTEL_RESOURCE_ATTRIBUTES" > "$DIR/resource.txt"
            echo '{"type":"system","subtype":"init","session_id":"6f1d0c52-7d7a-4c0e-9a51-0c7d4bfb3f10","model":"claude-sonnet-4-5"}'
            for _ in $(seq 1 100); do
              if curl -sf "$BOSUN_URL/api/v1/runs/$BOSUN_RUN_ID/sessions" -H "Authorization: Bearer $BOSUN_TOKEN" | grep -q 6f1d0c52; then break; fi
              sleep 0.1
            done
            curl -sf -X POST "$BOSUN_URL/otlp/v1/logs" -H "Authorization: Bearer $BOSUN_TOKEN" -H 'Content-Type: application/json' -d '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[
                {"key":"event.name","value":{"stringValue":"claude_code.api_request"}},
                {"key":"session.id","value":{"stringValue":"6f1d0c52-7d7a-4c0e-9a51-0c7d4bfb3f10"}},
                {"key":"model","value":{"stringValue":"claude-sonnet-4-5"}},
                {"key":"input_tokens","value":{"stringValue":"120"}},{"key":"output_tokens","value":{"stringValue":"30"}},
                {"key":"cost_usd","value":{"stringValue":"0.004"}}]}]}]}]}' > /dev/null
            echo '{"type":"result","subtype":"success","session_id":"6f1d0c52-7d7a-4c0e-9a51-0c7d4bfb3f10"}'
            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(claude, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var result = await RunAsync(app, token, "--agent", "coder", "--once", "--", claude);

        Assert.True(result.ExitCode == 0, result.ToString());
        var run = (await acme.Owner.GetJsonAsync("/api/v1/runs?work_item=WEB-1")).GetProperty("items")[0];
        Assert.EndsWith($"bosun.run_id={run.Str("id")}", await File.ReadAllTextAsync(Path.Combine(_dir, "resource.txt")));
        var session = Assert.Single(await acme.Owner.ListAllAsync($"/api/v1/runs/{run.Str("id")}/sessions"));
        Assert.Equal(("claude_code", "6f1d0c52-7d7a-4c0e-9a51-0c7d4bfb3f10"), (session.Str("source"), session.Str("external_id")));
        var call = Assert.Single(await acme.Owner.ListAllAsync($"/api/v1/runs/{run.Str("id")}/llm-calls"));
        Assert.Equal(120, call.GetProperty("input_tokens").GetInt64());
        Assert.Contains("linked to run", result.Error);
    }

    [Theory, BothStores]
    public async Task Agent_run_kills_the_command_when_a_budget_stop_arrives_on_the_next_heartbeat(StoreKind store)
    {
        await using var app = await BosunTestApp.StartOnAsync(await TestDatabases.CreateAsync(store), realServer: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Expensive research", new { status = "ready" });
        var (agent, _, token) = await acme.CreateAgentAsync("researcher");
        await acme.Owner.PostJsonAsync("/api/v1/budgets", new { scope = "agent", scope_id = "researcher", amount_usd = 1, window = "month", action = "stop" });
        var script = Script("spend.sh", """
            curl -sf -X POST "$BOSUN_URL/api/v1/runs/$BOSUN_RUN_ID/llm-calls" -H "Authorization: Bearer $BOSUN_TOKEN" \
                 -H 'Content-Type: application/json' \
                 -d '{"provider": "anthropic", "model": "claude-sonnet-4-5", "input_tokens": 90000, "output_tokens": 4000, "cost_usd": 2.5}' \
                 > "$DIR/usage.json"
            sleep 30
            touch "$DIR/finished"
            """);

        var result = await RunAsync(app, token, "--agent", "researcher", "--once", "--heartbeat", "1", "--", "bash", script);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("budget", result.Error);

        var usage = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "usage.json"))).RootElement;
        Assert.True(usage.GetProperty("stop").GetBoolean());
        Assert.False(File.Exists(Path.Combine(_dir, "finished")));

        var run = (await acme.Owner.GetJsonAsync($"/api/v1/runs?agent={agent.Str("id")}")).GetProperty("items").EnumerateArray().Single();
        Assert.Equal("released", run.Str("status"));
        Assert.Equal("budget", run.Str("stop_reason"));
        Assert.Equal("ready", (await acme.Owner.GetJsonAsync("/api/v1/work/WEB-1")).Str("status"));
    }

    [Theory, BothStores]
    public async Task Agent_run_reports_a_provider_limit_and_sleeps_through_the_pause_instead_of_claiming(StoreKind store)
    {
        await using var app = await BosunTestApp.StartOnAsync(await TestDatabases.CreateAsync(store), realServer: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Summarise the week", new { status = "ready" });
        var (_, _, token) = await acme.CreateAgentAsync("summariser", extra: new { failures_before_escalation = 1 });

        // The first call meets the provider's rate limit; the next one, after the reset, succeeds.
        var script = Script("limited.sh", """
            if [ ! -f "$DIR/limited" ]; then
                touch "$DIR/limited"
                echo '{"limit": "rate", "retry_after": 3, "error": "429 from the provider"}'
                exit 1
            fi
            echo '{"summary": "a quiet week"}'
            """);

        // Run in-process with a token to stop it by, since without --until-idle the runner goes on for ever.
        Bosun.Cli.Client.ClientSettings.ConfigPathOverride.Value = Path.Combine(_dir, "config.json");
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var output = new StringWriter();
        using var error = new StringWriter();
        var running = Bosun.Cli.BosunCli.RunAsync(
            ["agent", "run", "--url", app.BaseUrl, "--token", token, "--agent", "summariser", "--wait", "0", "--", "bash", script],
            new System.CommandLine.InvocationConfiguration { Output = output, Error = error }, stop.Token);
        JsonElement item;
        do
        {
            await Task.Delay(200);
            item = await acme.Owner.GetJsonAsync("/api/v1/work/WEB-1");
        }
        while (item.Str("status") != "done" && !running.IsCompleted);

        await stop.CancelAsync();
        await running;
        Assert.True(item.Str("status") == "done", error.ToString());

        var runs = (await acme.Owner.GetJsonAsync("/api/v1/runs?work_item=WEB-1")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["failed", "completed"], runs.Select(r => r.Str("status")));
        Assert.StartsWith("rate limit until", runs[0].Str("error"));
        Assert.Contains("429 from the provider", runs[0].Str("error"));
        Assert.Equal([1, 1], runs.Select(r => r.GetProperty("attempt").GetInt32()));

        // One refused claim, answered with the time left, and the next claim only after the reset.
        var log = error.ToString();
        Assert.Single(log.Split('\n'), line => line.StartsWith("Claim refused", StringComparison.Ordinal));
        Assert.Contains("claims no work until", log);
        var waited = runs[1].GetProperty("started_at").GetDateTime() - runs[0].GetProperty("ended_at").GetDateTime();
        Assert.True(waited >= TimeSpan.FromSeconds(2), $"claimed again after {waited}");
    }
}
