using System.Net;
using Bosun.Core.Data;
using Bosun.Tests.Cli;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Web;

/// `bosun set-password` gives the first owner (made by `bosun init`, who has no password) a way into the web UI.
[Collection("CLI")]
public sealed class SetPasswordCommandTests
{
    [Fact]
    public async Task Set_password_on_the_command_line_lets_the_first_owner_sign_in()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"bosun-web-{Guid.NewGuid():N}");
        using var cli = new CliRunner(null);
        await cli.OkAsync("init", "--tenant", "acme", "--admin-email", "ada@acme.test", "--data-dir", dir);

        var set = await WithInputAsync("a long enough password\n", () => cli.RunAsync("set-password", "--tenant", "acme", "--email", "ada@acme.test", "--password-stdin", "--data-dir", dir));
        var tooShort = await WithInputAsync("short\n", () => cli.RunAsync("set-password", "--tenant", "acme", "--email", "ada@acme.test", "--password-stdin", "--data-dir", dir));
        var nobody = await WithInputAsync("a long enough password\n", () => cli.RunAsync("set-password", "--tenant", "acme", "--email", "bob@acme.test", "--password-stdin", "--data-dir", dir));

        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Contains("Password set for ada@acme.test", set.Output);
        Assert.Equal(2, tooShort.ExitCode);
        Assert.Equal(2, nobody.ExitCode);
        await using var app = await BosunTestApp.StartOnAsync(StoreOptions.Sqlite(Path.Combine(dir, "bosun.db")));
        using var web = new WebClient(app);
        Assert.Equal(HttpStatusCode.SeeOther, (await web.SignInAsync("ada@acme.test", "a long enough password")).Status);
        Assert.Contains("Sign out", (await web.GetAsync("/board")).Html);
    }

    private static async Task<CliResult> WithInputAsync(string input, Func<Task<CliResult>> run)
    {
        var previous = Console.In;
        Console.SetIn(new StringReader(input));
        try
        {
            return await run();
        }
        finally
        {
            Console.SetIn(previous);
        }
    }
}
