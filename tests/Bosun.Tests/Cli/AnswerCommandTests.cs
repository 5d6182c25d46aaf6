using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Cli;

/// `bosun questions` and `bosun answer` against the in-process server.
[Collection("CLI")]
public sealed class AnswerCommandTests
{
    [Fact]
    public async Task A_person_lists_the_questions_asked_of_them_and_answers_one_on_the_command_line()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var (_, coder, _) = await acme.CreateAgentAsync("coder");
        await acme.CreateWorkAsync("WEB", "Ship the release", new { status = "ready" });
        var lease = (await coder.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0].GetProperty("run");
        var asked = await coder.PostJsonAsync($"/api/v1/runs/{lease.Str("run_id")}/ask", new
        {
            lease_token = lease.Str("lease_token"), question = "Which day?", to = "role:owner", blocking = false,
            form = new { fields = new object[] { new { key = "day", type = "date", label = "Day", required = true }, new { key = "notes", type = "long_text", label = "Notes" } } },
        });
        Assert.Equal("active", asked.GetProperty("run").Str("status"));
        var key = asked.GetProperty("question").Str("key");
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);

        var listed = await cli.OkAsync("questions");
        Assert.Contains(key, listed.Output);

        var refused = await cli.RunAsync("answer", key, "--value", "day=next tuesday");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("values.day", refused.Error);

        var answered = (await cli.OkAsync("answer", key, "--value", "day=2026-12-08", "--value", "notes=After the freeze", "--key", "cli-1", "--json")).Json();
        Assert.Equal("2026-12-08", answered.GetProperty("question").GetProperty("answer").Str("day"));
        var replayed = (await cli.OkAsync("answer", key, "--value", "day=2026-12-08", "--value", "notes=After the freeze", "--key", "cli-1", "--json")).Json();
        Assert.Equal(answered.GetProperty("submission").Str("id"), replayed.GetProperty("submission").Str("id"));

        var item = await acme.Owner.GetJsonAsync($"/api/v1/work/{asked.GetProperty("item").Str("key")}");
        Assert.Equal("claimed", item.Str("status"));
        Assert.Equal("2026-12-08", item.GetProperty("answers")[0].GetProperty("answer").Str("day"));
    }
}
