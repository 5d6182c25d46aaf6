using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Cli;

/// `bosun connections`: created with the client secret from a file, listed, shown, refused a refresh before it is
/// connected, and revoked, and no output holds the client secret.
[Collection("CLI")]
public sealed class ConnectionCommandTests
{
    private const string ClientSecret = "cli-client-secret-NEVER-PRINTED-71a";

    [Fact]
    public async Task An_owner_creates_shows_and_revokes_a_connection_on_the_command_line()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync();
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);
        var file = Path.Combine(Path.GetTempPath(), $"bosun-client-secret-{Guid.NewGuid():N}");
        var outputs = new List<CliResult>();
        try
        {
            await File.WriteAllTextAsync(file, ClientSecret + "\n");
            outputs.Add(await cli.OkAsync("connections", "create", "github-acme", "--provider", "github", "--client-id", "Iv1.abc",
                "--client-secret-file", file, "--scope", "repo", "--scope", "read:org"));
            Assert.Contains("Created", outputs[^1].Output);
            outputs.Add(await cli.OkAsync("connection", "list"));
            Assert.Contains("github-acme", outputs[^1].Output);
            outputs.Add(await cli.OkAsync("connections", "show", "github-acme", "--json"));
            var shown = outputs[^1].Json();
            Assert.Equal("pending", shown.Str("status"));
            Assert.Equal(["repo", "read:org"], shown.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));

            var refused = await cli.RunAsync("connections", "refresh", "github-acme");
            Assert.NotEqual(0, refused.ExitCode);
            outputs.Add(refused);

            outputs.Add(await cli.OkAsync("connections", "revoke", "github-acme", "--json"));
            Assert.Equal("revoked", outputs[^1].Json().Str("status"));
            Assert.All(outputs, o => Assert.DoesNotContain(ClientSecret, o.Output + o.Error, StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
