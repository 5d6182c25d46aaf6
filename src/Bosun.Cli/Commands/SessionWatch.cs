using System.Text.Json;
using System.Text.RegularExpressions;

namespace Bosun.Cli.Commands;

/// Finds the id of the agent's own session in what the command prints, the first time it appears: Claude Code's
/// `session_id` in its JSON and stream-JSON output, Codex's `thread_id` (`codex exec --json`) or its
/// `session id: ...` header line, or a `session_id` / `sessionId` field of any other agent's JSON line.
internal sealed partial class SessionWatch(string command, Func<string, string, Task> found)
{
    private readonly string _source = Path.GetFileNameWithoutExtension(command).ToLowerInvariant() switch
    {
        var name when name.Contains("claude", StringComparison.Ordinal) => "claude_code",
        var name when name.Contains("codex", StringComparison.Ordinal) => "codex",
        _ => "generic",
    };

    private int _seen;

    public Task LookAsync(string line)
    {
        if (Volatile.Read(ref _seen) != 0 || SessionIn(line) is not { } session || Interlocked.Exchange(ref _seen, 1) != 0)
        {
            return Task.CompletedTask;
        }

        return found(session.Source ?? _source, session.Id);
    }

    private (string? Source, string Id)? SessionIn(string line)
    {
        var text = line.Trim();
        if (text.StartsWith('{') && (text.Contains("session", StringComparison.OrdinalIgnoreCase) || text.Contains("\"thread_id\"", StringComparison.Ordinal)))
        {
            try
            {
                using var json = JsonDocument.Parse(text);
                var root = json.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    return null;
                }

                if ((Id(root, "session_id") ?? Id(root, "sessionId")) is { } id)
                {
                    return (null, id);
                }

                return root.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "thread.started"
                       && Id(root, "thread_id") is { } thread
                    ? ("codex", thread)
                    : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        return Header().Match(text) is { Success: true } match ? ("codex", match.Groups[1].Value) : null;
    }

    private static string? Id(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 and <= 200 } id ? id : null;

    [GeneratedRegex(@"^session id:\s*([0-9A-Za-z][0-9A-Za-z_-]{7,199})$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Header();
}
