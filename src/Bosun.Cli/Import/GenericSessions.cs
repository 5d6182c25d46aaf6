using System.Text.Json;
using Bosun.Core.Ledger;

namespace Bosun.Cli.Import;

/// Bosun's own session format, for agents other than Claude Code and Codex (docs/sessions.md): NDJSON, one object per
/// line, a `session` line with the session's id and what it ran on, then `message` lines. A message with `usage` is
/// one billed LLM call keyed by the message's id; when an id repeats (a streamed answer written as it grew), its last
/// line wins, so every message and call counts once.
public sealed class GenericSessions(BillingType billing) : ITranscriptFormat
{
    private const int MaxText = 20_000;

    public SessionSource Source => SessionSource.Generic;

    public static string DefaultRoot() => Directory.GetCurrentDirectory();

    /// Every .ndjson and .jsonl file under the root, sessions that name a parent after the others, so a parent in the
    /// same folder is imported before its sub-agents.
    public IReadOnlyList<string> FindFiles(string root)
    {
        if (File.Exists(root))
        {
            return [root];
        }

        if (!Directory.Exists(root))
        {
            return [];
        }

        return Directory.EnumerateFiles(root, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            .OrderBy(f => NamesParent(f))
            .ThenBy(f => f, StringComparer.Ordinal)
            .ToList();
    }

    public ParsedSession Parse(string file, Action<int>? linesRead = null)
    {
        var problems = new List<LineProblem>();
        var order = new List<string>();
        var messages = new Dictionary<string, (MessageImport Message, ImportedLlmCall? Call)>(StringComparer.Ordinal);
        string? id = null, parent = null, title = null, model = null, cwd = null, branch = null, machine = null;
        DateTimeOffset? started = null, ended = null;
        var lines = 0;
        foreach (var (number, line) in Json.Lines(file, problems, n => { lines += n; linesRead?.Invoke(n); }))
        {
            switch (line.Text("type"))
            {
                case "session":
                    id ??= line.Text("id");
                    parent ??= line.Text("parent_id");
                    title = line.Text("title") ?? title;
                    model = line.Text("model") ?? model;
                    cwd = line.Text("cwd") ?? cwd;
                    branch = line.Text("git_branch") ?? branch;
                    machine = line.Text("machine") ?? machine;
                    started = line.Time("started_at") ?? started;
                    ended = line.Time("ended_at") ?? ended;
                    break;
                case "message":
                    var role = line.Text("role");
                    if (role is not ("user" or "assistant" or "tool" or "system"))
                    {
                        problems.Add(new LineProblem(file, number, "a message needs a role: user, assistant, tool or system"));
                        break;
                    }

                    var at = line.Time("at");
                    started ??= at;
                    ended = at ?? ended;
                    var key = line.Text("id") ?? $"line-{number}";
                    var message = new MessageImport(key, role, Json.Truncate(line.Text("text"), MaxText), ToolUses(line), line.Text("model"), at);
                    var usage = line.Obj("usage");
                    var call = usage.ValueKind == JsonValueKind.Object
                        ? new ImportedLlmCall(key, usage.Text("provider") ?? "unknown", usage.Text("model") ?? message.Model ?? model ?? "unknown",
                            usage.Long("input_tokens"), usage.Long("output_tokens"), usage.Long("cache_read_tokens"), usage.Long("cache_write_tokens"),
                            usage.Long("reasoning_tokens"), billing, at)
                        : null;
                    if (!messages.ContainsKey(key))
                    {
                        order.Add(key);
                    }

                    messages[key] = (message, call);
                    break;
                default:
                    problems.Add(new LineProblem(file, number, "not a session or message line (\"type\" must be session or message)"));
                    break;
            }
        }

        var ordered = order.Select(k => messages[k]).ToList();
        var session = new SessionImport(
            SessionSource.Generic, id ?? Path.GetFileNameWithoutExtension(file), parent, machine ?? Environment.MachineName, cwd, branch,
            model ?? ordered.Select(m => m.Message.Model).LastOrDefault(m => m is not null),
            title ?? (ordered.FirstOrDefault(m => m.Message.Role == "user").Message?.Text is { } first ? Json.Truncate(first, 200) : null),
            started, ended, ordered.Select(m => m.Message).ToList(), ordered.Where(m => m.Call is not null).Select(m => m.Call!).ToList());
        return new ParsedSession(file, session, lines, problems, Orphan: parent is not null);
    }

    private static List<ToolUseImport>? ToolUses(JsonElement line) =>
        line.Obj("tool_uses") is { ValueKind: JsonValueKind.Array } uses
            ? uses.EnumerateArray().Select(u => new ToolUseImport(u.Text("name"), u.Text("id"),
                Json.Truncate(u.Obj("input") is { ValueKind: JsonValueKind.Object or JsonValueKind.Array } input ? input.GetRawText() : u.Text("input"), 2000))).ToList()
            : null;

    /// Whether the file's session line names a parent; read from the first lines only, to order the files.
    private static bool NamesParent(string file)
    {
        foreach (var text in File.ReadLines(file).Take(5))
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                if (document.RootElement.Text("type") == "session")
                {
                    return document.RootElement.Text("parent_id") is not null;
                }
            }
            catch (JsonException)
            {
            }
        }

        return false;
    }
}
