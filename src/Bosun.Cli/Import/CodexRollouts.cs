using System.Text.Json;
using Bosun.Core.Ledger;

namespace Bosun.Cli.Import;

/// OpenAI Codex CLI rollout files: ~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl (or under CODEX_HOME).
/// Token usage arrives as token_count events carrying the session's running total; Codex repeats identical
/// ones and sends some with info: null, so a turn is counted when the total grows, with the difference.
public sealed class CodexRollouts(BillingType billing = BillingType.Subscription) : ITranscriptFormat
{
    private const int MaxText = 20_000;

    public SessionSource Source => SessionSource.Codex;

    public static string DefaultRoot()
    {
        var home = Environment.GetEnvironmentVariable("CODEX_HOME") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".codex");
        return Path.Combine(home, "sessions");
    }

    public IReadOnlyList<string> FindFiles(string root)
    {
        if (File.Exists(root))
        {
            return [root];
        }

        var sessions = Directory.Exists(Path.Combine(root, "sessions")) ? Path.Combine(root, "sessions") : root;
        return Directory.Exists(sessions)
            ? Directory.EnumerateFiles(sessions, "*.jsonl", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList()
            : [];
    }

    public ParsedSession Parse(string file, Action<int>? linesRead = null)
    {
        var problems = new List<LineProblem>();
        var messages = new List<MessageImport>();
        var calls = new List<ImportedLlmCall>();
        string? sessionId = null, cwd = null, branch = null, model = null;
        DateTimeOffset? started = null, ended = null;
        var previous = new Usage(0, 0, 0, 0);
        var lines = 0;
        foreach (var (number, line) in Json.Lines(file, problems, n => { lines += n; linesRead?.Invoke(n); }))
        {
            var at = line.Time("timestamp");
            started ??= at;
            ended = at ?? ended;
            var type = line.Text("type");
            var payload = line.Obj("payload");
            if (type is null && line.Text("id") is { } legacyId && sessionId is null)
            {
                sessionId = legacyId;
                continue;
            }

            switch (type)
            {
                case "session_meta":
                    sessionId ??= payload.Text("id");
                    cwd ??= payload.Text("cwd");
                    branch ??= payload.Obj("git").Text("branch");
                    break;
                case "turn_context":
                    model = payload.Text("model") ?? model;
                    cwd ??= payload.Text("cwd");
                    break;
                case "response_item":
                    if (Item(payload, at, model) is { } message)
                    {
                        messages.Add(message);
                    }

                    break;
                case "event_msg" when payload.Text("type") == "token_count":
                    var info = payload.Obj("info");
                    if (info.ValueKind != JsonValueKind.Object)
                    {
                        break;
                    }

                    var total = info.Obj("total_token_usage");
                    var now = new Usage(total.Long("input_tokens"), total.Long("cached_input_tokens"), total.Long("output_tokens"), total.Long("reasoning_output_tokens"));
                    if (now == previous)
                    {
                        break;
                    }

                    if (now.Input < previous.Input || now.Output < previous.Output)
                    {
                        problems.Add(new LineProblem(file, number, "token total went down; counted from here"));
                        previous = new Usage(0, 0, 0, 0);
                    }

                    var delta = now - previous;
                    previous = now;
                    calls.Add(new ImportedLlmCall(
                        $"{sessionId ?? Path.GetFileNameWithoutExtension(file)}:{now.Input}:{now.Output}", "openai", model ?? "unknown",
                        delta.Input, delta.Output, delta.Cached, 0, delta.Reasoning, billing, at));
                    break;
            }
        }

        var session = new SessionImport(
            SessionSource.Codex, sessionId ?? Path.GetFileNameWithoutExtension(file), null, Environment.MachineName, cwd, branch, model,
            messages.FirstOrDefault(m => m.Role == "user")?.Text is { } first ? Json.Truncate(first, 200) : null, started, ended, messages, calls);
        return new ParsedSession(file, session, lines, problems);
    }

    private static MessageImport? Item(JsonElement payload, DateTimeOffset? at, string? model)
    {
        switch (payload.Text("type"))
        {
            case "message":
                var content = payload.Obj("content");
                var text = content.ValueKind == JsonValueKind.Array
                    ? string.Join("\n", content.EnumerateArray().Select(c => c.Text("text")).Where(t => t is not null))
                    : content.ValueKind == JsonValueKind.String ? content.GetString() : null;
                var role = payload.Text("role") ?? "assistant";
                return new MessageImport(payload.Text("id"), role, Json.Truncate(text, MaxText), null, role == "assistant" ? model : null, at);
            case "function_call" or "custom_tool_call" or "local_shell_call":
                var input = payload.Text("arguments") ?? payload.Text("input") ?? (payload.TryGetProperty("action", out var action) ? action.GetRawText() : null);
                return new MessageImport(payload.Text("call_id"), "assistant", "", [new ToolUseImport(payload.Text("name") ?? payload.Text("type"), payload.Text("call_id"), Json.Truncate(input, 2000))], model, at);
            case "function_call_output" or "custom_tool_call_output":
                var output = payload.Obj("output");
                return new MessageImport(payload.Text("call_id"), "tool",
                    Json.Truncate(output.ValueKind == JsonValueKind.String ? output.GetString() : output.ValueKind == JsonValueKind.Object ? output.Text("content") : null, MaxText), null, null, at);
            default:
                return null;
        }
    }

    private readonly record struct Usage(long Input, long Cached, long Output, long Reasoning)
    {
        public static Usage operator -(Usage a, Usage b) => new(a.Input - b.Input, a.Cached - b.Cached, a.Output - b.Output, a.Reasoning - b.Reasoning);
    }
}
