using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Cli;

/// `bosun init --operator` and `bosun operator ...`: an operator made on the database manages tenants over the API.
[Collection("CLI")]
public sealed class OperatorCommandTests
{
    [Fact]
    public async Task An_operator_made_by_init_creates_lists_suspends_and_resumes_tenants_from_the_command_line()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"bosun-operator-{Guid.NewGuid():N}");
        using var offline = new CliRunner(null);
        var made = (await offline.OkAsync("init", "--operator", "--email", "ops@example.test", "--name", "Ops", "--json", "--data-dir", dir)).Json();
        var token = made.Str("token");
        Assert.StartsWith("bop_", token);
        Assert.Equal("ops@example.test", made.GetProperty("operator").Str("email"));
        Assert.Equal(3, (await offline.RunAsync("operator", "create", "--email", "ops@example.test", "--json", "--data-dir", dir)).ExitCode);
        Assert.Equal(2, (await offline.RunAsync("init", "--operator", "--data-dir", dir)).ExitCode);
        Assert.Equal(2, (await offline.RunAsync("init", "--admin-email", "a@b.test", "--data-dir", dir)).ExitCode);

        await using var app = await BosunTestApp.StartOnAsync(StoreOptions.Sqlite(Path.Combine(dir, "bosun.db")));
        using var cli = new CliRunner(app);
        string[] As(params string[] args) => [.. args, "--url", CliRunner.Url, "--token", token];

        var created = (await cli.OkAsync(As("operator", "tenants", "create", "--slug", "globex", "--owner-email", "boss@globex.test", "--json"))).Json();
        Assert.Equal("globex", created.GetProperty("tenant").Str("slug"));
        var owner = app.ClientFor(created.Str("owner_token"));
        Assert.Equal("active", (await owner.GetJsonAsync("/api/v1/tenant")).Str("status"));

        var listed = (await cli.OkAsync(As("operator", "tenants", "list", "--json"))).Json();
        Assert.Equal("globex", Assert.Single(listed.GetProperty("items").EnumerateArray()).Str("slug"));
        Assert.Equal("suspended", (await cli.OkAsync(As("operator", "tenants", "suspend", "globex", "--json"))).Json().Str("status"));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await owner.GetAsync("/api/v1/tenant")).StatusCode);
        Assert.Contains("suspended", (await cli.OkAsync(As("operator", "tenants", "list"))).Output);
        Assert.Equal("active", (await cli.OkAsync(As("operator", "tenants", "resume", "globex", "--json"))).Json().Str("status"));
        Assert.Equal("trialing", (await cli.OkAsync(As("operator", "tenants", "update", "globex", "--status", "trialing", "--json"))).Json().Str("status"));
        Assert.Equal("cancelled", (await cli.OkAsync(As("operator", "tenants", "cancel", "globex", "--json"))).Json().Str("status"));

        // A tenant's token is refused by the operator API, and the CLI says so.
        var refused = await cli.RunAsync("operator", "tenants", "list", "--url", CliRunner.Url, "--token", created.Str("owner_token"));
        Assert.Equal(2, refused.ExitCode);
    }
}
