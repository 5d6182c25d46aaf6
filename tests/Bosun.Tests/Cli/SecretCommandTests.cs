using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Cli;

/// `bosun secrets`: a value goes in from a file (never an argument) and no command prints it back.
[Collection("CLI")]
public sealed class SecretCommandTests
{
    private const string Value = "cli-value-3e8f-NEVER-PRINTED";

    [Fact]
    public async Task An_owner_keeps_secrets_on_the_command_line_and_no_output_holds_a_value()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var (_, agent, _) = await acme.CreateAgentAsync("coder", "backend");
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);
        var file = Path.Combine(Path.GetTempPath(), $"bosun-secret-{Guid.NewGuid():N}");
        var outputs = new List<CliResult>();
        try
        {
            await File.WriteAllTextAsync(file, Value + "\n");
            outputs.Add(await cli.OkAsync("secrets", "set", "DEPLOY_KEY", "--from-file", file, "--description", "deploys"));
            Assert.Contains("Stored", outputs[^1].Output);
            outputs.Add(await cli.OkAsync("secrets", "bind", "DEPLOY_KEY", "role:backend"));

            // The value is stored without the file's line break, and a second set makes version 2.
            await acme.CreateWorkAsync("WEB", "Deploy", new { status = "ready" });
            var run = (await agent.PostJsonAsync("/api/v1/work/claim", new { project = "WEB" })).GetProperty("items")[0].GetProperty("run").Str("run_id");
            Assert.Equal(Value, (await agent.GetJsonAsync($"/api/v1/runs/{run}/secrets/DEPLOY_KEY")).Str("value"));
            await File.WriteAllTextAsync(file, Value + "-v2");
            outputs.Add(await cli.OkAsync("secrets", "set", "DEPLOY_KEY", "--from-file", file, "--json"));
            Assert.Equal(2, outputs[^1].Json().GetProperty("version").GetInt32());

            outputs.Add(await cli.OkAsync("secrets", "list"));
            Assert.Contains("DEPLOY_KEY", outputs[^1].Output);
            outputs.Add(await cli.OkAsync("secrets", "list", "--json"));
            outputs.Add(await cli.OkAsync("secrets", "accesses", "DEPLOY_KEY"));
            Assert.Contains(run, outputs[^1].Output);

            var missing = await cli.RunAsync("secrets", "set", "OTHER", "--from-file", file + ".missing");
            Assert.NotEqual(0, missing.ExitCode);
            outputs.Add(missing);
            outputs.Add(await cli.OkAsync("secrets", "delete", "DEPLOY_KEY"));
        }
        finally
        {
            File.Delete(file);
        }

        Assert.All(outputs, o => Assert.DoesNotContain(Value, o.Output + o.Error, StringComparison.Ordinal));
    }
}
