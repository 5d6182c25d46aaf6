using Bosun.Core.Data;
using Bosun.Core.Identity;
using Bosun.Tests.Cli;
using Bosun.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Agents;

public sealed class AgentRunSuspendedTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bosun-agent-suspended-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Agent_run_stops_its_command_and_itself_when_a_heartbeat_says_the_tenant_is_suspended()
    {
        await using var app = await BosunTestApp.StartOnAsync(await TestDatabases.CreateAsync(StoreKind.Sqlite), realServer: true);
        var acme = await app.CreateTenantAsync("acme");
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Long job", new { status = "ready" });
        var (_, _, token) = await acme.CreateAgentAsync("coder");
        var started = Path.Combine(_dir, "started");
        var script = Path.Combine(_dir, "agent.sh");
        await File.WriteAllTextAsync(script, $"#!/usr/bin/env bash\ntouch '{started}'\nsleep 120\n");

        using var cli = new CliRunner(null);
        var running = cli.RunAsync("agent", "run", "--url", app.BaseUrl, "--token", token, "--agent", "coder", "--heartbeat", "1", "--wait", "0", "--", "bash", script);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!File.Exists(started) && DateTime.UtcNow < deadline && !running.IsCompleted)
        {
            await Task.Delay(100);
        }

        Assert.True(File.Exists(started), running.IsCompleted ? (await running).ToString() : "the command never started");
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var ops = await scope.ServiceProvider.GetRequiredService<OperatorService>().CreateOperatorAsync("ops@example.test", null, CancellationToken.None);
            await app.ClientFor(ops.Token).PostJsonAsync($"/api/v1/operator/tenants/{acme.Id}/suspend", new { });
        }

        var finished = await running.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, finished.ExitCode);
        Assert.Contains("suspended", finished.Error);
        Assert.Contains("contact the instance operator", finished.Error, StringComparison.OrdinalIgnoreCase);
    }
}
