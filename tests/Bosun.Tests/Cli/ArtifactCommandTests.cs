using Bosun.Cli;
using Bosun.Cli.Commands;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Cli;

[Collection("CLI")]
public sealed class ArtifactCommandTests
{
    [Theory, BothStores]
    public async Task Artifacts_are_put_listed_shown_linked_and_their_impact_read_on_the_command_line(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Keep the server in line with the spec");
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);
        var dir = Directory.CreateTempSubdirectory("bosun-artifact-");
        try
        {
            var file = Path.Combine(dir.FullName, "api.md");
            await File.WriteAllTextAsync(file, "# Orders API\n\nGET /orders\n");
            var put = await cli.OkAsync("artifact", "put", "--project", "WEB", "--type", "spec", "--key", "api", "--file", file);
            Assert.Contains("Created spec/api", put.Output);
            var spec = (await cli.OkAsync("artifact", "put", "--project", "WEB", "--type", "spec", "--key", "api", "--file", file, "--json")).Json();
            Assert.False(spec.GetProperty("created").GetBoolean());
            Assert.Equal(1, spec.GetProperty("artifact").GetProperty("version").GetInt32());
            await cli.OkAsync("artifact", "put", "--project", "WEB", "--type", "code", "--key", "server", "--content", "app.MapGet(\"/orders\")", "--encoding", "cl100k_base");
            Assert.Equal(BosunCli.UsageError, (await cli.RunAsync("artifact", "put", "--project", "WEB", "--type", "doc", "--key", "empty")).ExitCode);

            var deps = await cli.OkAsync("artifact", "deps", "code/server", "--project", "WEB", "--add", "spec/api", "--kind", "imports");
            Assert.Contains("spec/api", deps.Output);
            var cycle = await cli.RunAsync("artifact", "deps", "spec/api", "--project", "WEB", "--add", "code/server");
            Assert.Equal(CliContext.Conflict, cycle.ExitCode);
            Assert.Contains("spec/api -> code/server -> spec/api", cycle.Error);
            await acme.Owner.PostJsonAsync($"/api/v1/work/{item.Str("id")}/artifacts", new { artifact = "code/server" });

            var list = await cli.OkAsync("artifact", "list", "--project", "WEB");
            Assert.Contains("spec/api", list.Output);
            Assert.Contains("cl100k_base", list.Output);
            Assert.Contains("GET /orders", (await cli.OkAsync("artifact", "show", "spec/api", "--project", "WEB")).Output);
            var impact = await cli.OkAsync("artifact", "impact", spec.GetProperty("artifact").Str("id"));
            Assert.Contains("code/server", impact.Output);
            Assert.Contains(item.Str("key"), impact.Output);
            var json = (await cli.OkAsync("artifact", "impact", "spec/api", "--project", "WEB", "--json")).Json();
            Assert.Equal(item.Str("key"), json.GetProperty("work_items")[0].Str("key"));
            Assert.Equal(BosunCli.UsageError, (await cli.RunAsync("artifact", "show", "spec/api")).ExitCode);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
