using Bosun.Cli.Commands;

namespace Bosun.Tests.Agents;

/// `bosun agent run` finds the agent's own session id in what the agent prints, as each agent prints it, once.
public sealed class SessionWatchTests
{
    [Theory]
    [InlineData("claude", """{"type":"system","subtype":"init","session_id":"6f1d0c52-7d7a","tools":[]}""", "claude_code", "6f1d0c52-7d7a")]
    [InlineData("/usr/local/bin/claude", """{"type":"result","is_error":false,"session_id":"abc-123-def"}""", "claude_code", "abc-123-def")]
    [InlineData("codex", """{"type":"thread.started","thread_id":"0199a213-81c0-7800"}""", "codex", "0199a213-81c0-7800")]
    [InlineData("codex", "session id: 0199a213-81c0-7800-8aa1-bbab2a035a53", "codex", "0199a213-81c0-7800-8aa1-bbab2a035a53")]
    [InlineData("my-agent", """{"sessionId":"run-42-session"}""", "generic", "run-42-session")]
    public async Task The_session_is_read_from_the_agents_own_output(string command, string line, string source, string id)
    {
        var seen = new List<(string, string)>();
        var watch = new SessionWatch(command, (s, i) => { seen.Add((s, i)); return Task.CompletedTask; });

        await watch.LookAsync("starting up");
        await watch.LookAsync(line);
        await watch.LookAsync("""{"session_id":"a-second-one"}""");

        Assert.Equal([(source, id)], seen);
    }

    [Theory]
    [InlineData("""{"type":"assistant","message":{"content":"my session_id is secret"}}""")]
    [InlineData("""{"session_id": 42}""")]
    [InlineData("{not json at all, session}")]
    [InlineData("the session id: is not here")]
    public async Task Other_lines_name_no_session(string line)
    {
        var seen = 0;
        var watch = new SessionWatch("claude", (_, _) => { seen++; return Task.CompletedTask; });

        await watch.LookAsync(line);

        Assert.Equal(0, seen);
    }
}
