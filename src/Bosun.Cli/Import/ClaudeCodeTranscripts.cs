using System.Text;
using System.Text.Json;
using Bosun.Core.Ledger;

namespace Bosun.Cli.Import;

/// Claude Code session transcripts: ~/.claude/projects/&lt;project&gt;/&lt;session&gt;.jsonl (or under CLAUDE_CONFIG_DIR),
/// sub-agents in &lt;project&gt;/&lt;session&gt;/subagents/*.jsonl. Claude Code writes one line per content block of an
/// assistant message and repeats the message id and usage on each, with output tokens growing; a message is
/// therefore counted once, with the usage of its last line.
public sealed class ClaudeCodeTranscripts(BillingType billing = BillingType.Subscription) : ITranscriptFormat
{
    private const int MaxText = 20_000;

    public SessionSource Source => SessionSource.ClaudeCode;

    public static string DefaultRoot()
    {
        var config = Environment.GetEnvironmentVariable("CLAUDE_CONFIG_DIR") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".claude");
        return Path.Combine(config, "projects");
    }

    public IReadOnlyList<string> FindFiles(string root)
    {
        if (File.Exists(root))
        {
            return [root];
        }

        var projects = Directory.Exists(Path.Combine(root, "projects")) ? Path.Combine(root, "projects") : root;
        if (!Directory.Exists(projects))
        {
            return [];
        }

        var sessions = Directory.EnumerateFiles(projects, "*.jsonl")
            .Concat(Directory.EnumerateDirectories(projects).SelectMany(d => Directory.EnumerateFiles(d, "*.jsonl")))
            .Order(StringComparer.Ordinal)
            .ToList();
        var files = new List<string>();
        foreach (var session in sessions)
        {
            files.Add(session);
            var subagents = Path.Combine(Path.GetDirectoryName(session)!, Path.GetFileNameWithoutExtension(session), "subagents");
            if (Directory.Exists(subagents))
            {
                files.AddRange(Directory.EnumerateFiles(subagents, "*.jsonl").Order(StringComparer.Ordinal));
            }
        }

        // A session's sub-agent folder can outlive its session file; those sub-agents' messages and tokens count too.
        var listed = files.ToHashSet(StringComparer.Ordinal);
        files.AddRange(Directory.EnumerateFiles(projects, "*.jsonl", SearchOption.AllDirectories)
            .Where(f => IsSubagent(f) && !listed.Contains(f))
            .Order(StringComparer.Ordinal));
        return files;
    }

    public ParsedSession Parse(string file, Action<int>? linesRead = null)
    {
        var problems = new List<LineProblem>();
        var messages = new List<Message>();
        var byMessageId = new Dictionary<string, Message>();
        string? sessionId = null, cwd = null, branch = null, model = null, title = null;
        DateTimeOffset? started = null, ended = null;
        var lines = 0;
        foreach (var (number, line) in Json.Lines(file, problems, n => { lines += n; linesRead?.Invoke(n); }))
        {
            var type = line.Text("type");
            if (type == "summary")
            {
                title ??= line.Text("summary");
                continue;
            }

            if (type is not ("user" or "assistant"))
            {
                continue;
            }

            sessionId ??= line.Text("sessionId");
            cwd ??= line.Text("cwd");
            branch ??= line.Text("gitBranch") is { Length: > 0 } b ? b : null;
            var at = line.Time("timestamp");
            started ??= at;
            ended = at ?? ended;
            var message = line.Obj("message");
            if (message.ValueKind != JsonValueKind.Object)
            {
                problems.Add(new LineProblem(file, number, "a user or assistant line without a message"));
                continue;
            }

            if (type == "user")
            {
                var content = message.Obj("content");
                var toolResults = content.ValueKind == JsonValueKind.Array && content.EnumerateArray().All(c => c.Text("type") == "tool_result");
                messages.Add(new Message(line.Text("uuid"), toolResults ? "tool" : "user", at) { Model = null }.Append(content));
                continue;
            }

            var id = message.Text("id") ?? line.Text("requestId") ?? line.Text("uuid") ?? $"line-{number}";
            if (!byMessageId.TryGetValue(id, out var assistant))
            {
                assistant = new Message(id, "assistant", at);
                byMessageId[id] = assistant;
                messages.Add(assistant);
            }

            assistant.Model = message.Text("model") ?? assistant.Model;
            model = assistant.Model is { } m && m != "<synthetic>" ? m : model;
            assistant.Append(message.Obj("content"));
            if (message.Obj("usage") is { ValueKind: JsonValueKind.Object } usage)
            {
                assistant.Usage = usage;
                assistant.UsageAt = at;
            }
        }

        var name = Path.GetFileNameWithoutExtension(file);
        var isSubagent = IsSubagent(file);
        var sessionDir = isSubagent ? Path.GetDirectoryName(Path.GetDirectoryName(file))! : null;
        var parent = sessionDir is null ? null : Path.GetFileName(sessionDir);
        var externalId = isSubagent ? $"{parent}/{name}" : sessionId ?? name;
        var calls = messages
            .Where(m => m.Role == "assistant" && m.Usage.ValueKind == JsonValueKind.Object && m.Model != "<synthetic>")
            .Select(m => new ImportedLlmCall(
                m.Id, "anthropic", m.Model ?? model ?? "unknown",
                m.Usage.Long("input_tokens"), m.Usage.Long("output_tokens"), m.Usage.Long("cache_read_input_tokens"),
                m.Usage.Long("cache_creation_input_tokens"), 0, billing, m.UsageAt ?? m.At))
            .ToList();
        var session = new SessionImport(
            SessionSource.ClaudeCode, externalId, parent, Environment.MachineName, cwd, branch, model, title, started, ended,
            messages.Select(m => m.ToImport()).ToList(), calls);
        return new ParsedSession(file, session, lines, problems, Orphan: sessionDir is not null && !File.Exists(sessionDir + ".jsonl"));
    }

    private static bool IsSubagent(string file) => Path.GetFileName(Path.GetDirectoryName(file)) == "subagents";

    private sealed class Message(string? id, string role, DateTimeOffset? at)
    {
        private readonly StringBuilder _text = new();
        private readonly List<ToolUseImport> _tools = [];

        public string? Id { get; } = id;
        public string Role { get; } = role;
        public DateTimeOffset? At { get; } = at;
        public string? Model { get; set; }
        public JsonElement Usage { get; set; }
        public DateTimeOffset? UsageAt { get; set; }

        public Message Append(JsonElement content)
        {
            if (content.ValueKind == JsonValueKind.String)
            {
                Add(content.GetString());
                return this;
            }

            if (content.ValueKind != JsonValueKind.Array)
            {
                return this;
            }

            foreach (var block in content.EnumerateArray())
            {
                switch (block.Text("type"))
                {
                    case "text":
                        Add(block.Text("text"));
                        break;
                    case "tool_use":
                        _tools.Add(new ToolUseImport(block.Text("name"), block.Text("id"),
                            block.TryGetProperty("input", out var input) ? Json.Truncate(input.GetRawText(), 2000) : null));
                        break;
                    case "tool_result":
                        var result = block.Obj("content");
                        Add(result.ValueKind == JsonValueKind.String ? result.GetString()
                            : result.ValueKind == JsonValueKind.Array ? string.Join("\n", result.EnumerateArray().Select(r => r.Text("text")).Where(t => t is not null)) : null);
                        break;
                }
            }

            return this;
        }

        private void Add(string? text)
        {
            if (string.IsNullOrEmpty(text) || _text.Length >= MaxText)
            {
                return;
            }

            if (_text.Length > 0)
            {
                _text.Append('\n');
            }

            _text.Append(Json.Truncate(text, MaxText - _text.Length));
        }

        public MessageImport ToImport() => new(Id, Role, _text.ToString(), _tools.Count > 0 ? _tools : null, Model, At);
    }
}
