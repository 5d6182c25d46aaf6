using System.Text.Json;
using Bosun.Cli.Client;
using Bosun.Cli.Import;
using Bosun.Core.Data;
using Bosun.Core.Ledger;
using Bosun.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Ledger;

public sealed class ImportTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"bosun-import-{Guid.NewGuid():N}");

    [Theory, BothStores]
    public async Task Claude_code_transcripts_import_each_message_once_with_exact_tokens_and_report_bad_lines(StoreKind store)
    {
        var projects = Path.Combine(_root, "claude", "projects");
        var session = WriteClaudeFixture(projects);
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.Owner.PatchJsonAsync("/api/v1/tenant", new { store_prompt_text = true });
        using var client = ClientFor(app, acme);
        var format = new ClaudeCodeTranscripts(BillingType.Api);

        var files = format.FindFiles(Path.Combine(_root, "claude"));
        var first = await TranscriptImporter.RunAsync(client, format, files, null, null, default);
        var again = await TranscriptImporter.RunAsync(client, format, files, null, null, default);

        Assert.Equal(2, files.Count);
        Assert.Equal((2, 3, 0), (first.Sessions, first.CallsRecorded, first.CallsAlreadyKnown));
        Assert.Equal((33L, 167L, 11_100L, 1000L), (first.InputTokens, first.OutputTokens, first.CacheReadTokens, first.CacheWriteTokens));
        var problem = Assert.Single(first.Problems);
        Assert.Equal((session, 5), (problem.File, problem.Line));
        Assert.Equal((0, 3), (again.CallsRecorded, again.CallsAlreadyKnown));

        var summary = await acme.Owner.GetJsonAsync("/api/v1/costs/summary?by=model&from=2026-03-01&to=2026-04-01");
        var total = summary.GetProperty("total");
        Assert.Equal(3, total.GetProperty("calls").GetInt64());
        Assert.Equal(33, total.GetProperty("input_tokens").GetInt64());
        Assert.Equal(167, total.GetProperty("output_tokens").GetInt64());
        Assert.Equal(11_100, total.GetProperty("cache_read_tokens").GetInt64());
        Assert.Equal(1000, total.GetProperty("cache_write_tokens").GetInt64());
        // Sonnet 4.5: 33×3 + 167×15 + 11,100×0.30 + 1000×3.75 per million.
        Assert.Equal(0.009684m, total.Usd("cost_usd"));
        var sessions = (await acme.Owner.GetJsonAsync("/api/v1/sessions")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, sessions.Count);
        var parent = sessions.Single(s => s.Str("external_id") == "sess-1");
        var child = sessions.Single(s => s.Str("external_id") != "sess-1");
        Assert.Equal(parent.Id(), child.Str("parent_id"));
        Assert.Equal(("/home/ada/acme", "main", "Fix the build"), (parent.Str("workspace_path"), parent.Str("git_branch"), parent.Str("title")));
        Assert.Equal(4, parent.GetProperty("message_count").GetInt32());
    }

    [Theory, BothStores]
    public async Task Sub_agents_whose_session_file_is_gone_import_as_sessions_and_link_once_the_parent_arrives(StoreKind store)
    {
        var projects = Path.Combine(_root, "claude", "projects");
        WriteClaudeFixture(projects);
        var orphanDir = Path.Combine(projects, "-home-ada-acme", "sess-2", "subagents");
        var orphanUsage = new[] { (Input: 7, Output: 11, CacheRead: 300, CacheWrite: 50), (Input: 2, Output: 30, CacheRead: 900, CacheWrite: 0) };
        WriteSubagent(Path.Combine(orphanDir, "agent-o1.jsonl"), "sess-2", orphanUsage[..1]);
        WriteSubagent(Path.Combine(orphanDir, "agent-o2.jsonl"), "sess-2", orphanUsage[1..]);
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        using var client = ClientFor(app, acme);
        var format = new ClaudeCodeTranscripts(BillingType.Api);

        var totals = await TranscriptImporter.RunAsync(client, format, format.FindFiles(Path.Combine(_root, "claude")), null, null, default);

        // The normal session and its sub-agent: 3 calls, 33/167/11,100/1000 tokens (see WriteClaudeFixture).
        Assert.Equal((4, 4, 2), (totals.Files, totals.Sessions, totals.Orphans));
        Assert.Equal(3 + orphanUsage.Length, totals.CallsRecorded);
        Assert.Equal(33L + orphanUsage.Sum(u => u.Input), totals.InputTokens);
        Assert.Equal(167L + orphanUsage.Sum(u => u.Output), totals.OutputTokens);
        Assert.Equal(11_100L + orphanUsage.Sum(u => u.CacheRead), totals.CacheReadTokens);
        Assert.Equal(1000L + orphanUsage.Sum(u => u.CacheWrite), totals.CacheWriteTokens);
        Assert.Single(totals.Problems); // the fixture's one corrupt line
        var summary = await acme.Owner.GetJsonAsync("/api/v1/costs/summary?by=model&from=2026-03-01&to=2026-04-01");
        Assert.Equal(totals.InputTokens, summary.GetProperty("total").GetProperty("input_tokens").GetInt64());
        var orphans = (await acme.Owner.GetJsonAsync("/api/v1/sessions")).GetProperty("items").EnumerateArray()
            .Where(s => s.Str("external_id").StartsWith("sess-2/", StringComparison.Ordinal)).ToList();
        Assert.Equal(["sess-2/agent-o1", "sess-2/agent-o2"], orphans.Select(s => s.Str("external_id")).Order());
        Assert.All(orphans, s => Assert.Equal(JsonValueKind.Null, s.GetProperty("parent_id").ValueKind));

        WriteSubagent(Path.Combine(projects, "-home-ada-acme", "sess-2.jsonl"), "sess-2", orphanUsage[..1], "parent");
        var again = await TranscriptImporter.RunAsync(client, format, format.FindFiles(Path.Combine(_root, "claude")), null, null, default);

        Assert.Equal(0, again.Orphans);
        var sessions = (await acme.Owner.GetJsonAsync("/api/v1/sessions")).GetProperty("items").EnumerateArray().ToList();
        var parent = sessions.Single(s => s.Str("external_id") == "sess-2");
        Assert.All(sessions.Where(s => s.Str("external_id").StartsWith("sess-2/", StringComparison.Ordinal)),
            s => Assert.Equal(parent.Id(), s.Str("parent_id")));
    }

    [Theory, BothStores]
    public async Task Resumed_compacted_and_copied_transcripts_add_up_to_an_independent_count_of_their_messages(StoreKind store)
    {
        var projects = Path.Combine(_root, "claude", "projects");
        const string model = "claude-sonnet-4-5-20250929";
        string Assistant(string session, string uuid, string message, string request, int seconds, int input, int output, int cacheRead, int cacheWrite) =>
            $"{{\"type\":\"assistant\",\"sessionId\":\"{session}\",\"uuid\":\"{uuid}\",\"requestId\":\"{request}\",\"timestamp\":\"2026-03-03T10:00:{seconds:D2}Z\",\"message\":{{\"id\":\"{message}\",\"role\":\"assistant\",\"model\":\"{model}\",\"content\":[{{\"type\":\"text\",\"text\":\"...\"}}],\"usage\":{{\"input_tokens\":{input},\"cache_creation_input_tokens\":{cacheWrite},\"cache_read_input_tokens\":{cacheRead},\"output_tokens\":{output}}}}}}}";
        string User(string session, string uuid, string text, string extra = "") =>
            $"{{\"type\":\"user\",\"sessionId\":\"{session}\",\"uuid\":\"{uuid}\",{extra}\"timestamp\":\"2026-03-03T10:00:00Z\",\"message\":{{\"role\":\"user\",\"content\":\"{text}\"}}}}";
        var original = Path.Combine(projects, "-home-ada-shop", "sess-o.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(original)!);
        File.WriteAllLines(original,
        [
            User("sess-o", "u1", "Add a cart"),
            Assistant("sess-o", "a1", "msg_1", "req_1", 1, 10, 5, 2000, 500),
            Assistant("sess-o", "a2", "msg_1", "req_1", 2, 10, 90, 2000, 500), // the same message streamed on: the last line counts
            Assistant("sess-o", "a3", "msg_2", "req_2", 3, 4, 60, 2600, 0),
            "{\"type\":\"assistant\",\"sessionId\":\"sess-o\",\"message\":{\"id\":\"msg_x\",\"usage\":{\"inp", // cut off mid-write
        ]);
        // `claude --resume` starts a new file that carries the earlier messages over, then compacts and goes on.
        File.WriteAllLines(Path.Combine(projects, "-home-ada-shop", "sess-r.jsonl"),
        [
            User("sess-r", "u1", "Add a cart"),
            Assistant("sess-r", "a1", "msg_1", "req_1", 1, 10, 90, 2000, 500),
            Assistant("sess-r", "a3", "msg_2", "req_2", 3, 4, 60, 2600, 0),
            "{\"type\":\"system\",\"subtype\":\"compact_boundary\",\"sessionId\":\"sess-r\",\"uuid\":\"c1\",\"timestamp\":\"2026-03-03T10:00:20Z\",\"content\":\"Conversation compacted\"}",
            User("sess-r", "u2", "This session is being continued from a previous conversation.", "\"isCompactSummary\":true,"),
            Assistant("sess-r", "a4", "msg_3", "req_3", 30, 6, 20, 300, 1200),
            Assistant("sess-r", "a5", "msg_3", "req_3", 31, 6, 150, 300, 1200),
        ]);
        // The same transcript copied into a second project folder (a moved checkout).
        var copy = Path.Combine(projects, "-home-ada-shop-old", "sess-o.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(original, copy);

        // Counted here without Bosun: per message id and request id, the last line with usage wins.
        var expected = new Dictionary<string, (long Input, long Output, long CacheRead, long CacheWrite)>();
        foreach (var line in Directory.EnumerateFiles(projects, "*.jsonl", SearchOption.AllDirectories).SelectMany(File.ReadLines))
        {
            try
            {
                using var json = JsonDocument.Parse(line);
                if (json.RootElement.TryGetProperty("message", out var m) && m.TryGetProperty("usage", out var u))
                {
                    expected[m.GetProperty("id").GetString() + "/" + json.RootElement.GetProperty("requestId").GetString()] = (
                        u.GetProperty("input_tokens").GetInt64(), u.GetProperty("output_tokens").GetInt64(),
                        u.GetProperty("cache_read_input_tokens").GetInt64(), u.GetProperty("cache_creation_input_tokens").GetInt64());
                }
            }
            catch (JsonException)
            {
                // the cut-off line counts for nothing
            }
        }

        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        using var client = ClientFor(app, acme);
        var format = new ClaudeCodeTranscripts(BillingType.Api);
        var files = format.FindFiles(Path.Combine(_root, "claude"));
        var result = await TranscriptImporter.RunAsync(client, format, files, null, null, default);

        Assert.Equal(3, files.Count);
        Assert.Equal(3, expected.Count);
        var total = (await acme.Owner.GetJsonAsync("/api/v1/costs/summary?from=2026-03-01&to=2026-04-01")).GetProperty("total");
        Assert.Equal(
            ((long)expected.Count, expected.Values.Sum(v => v.Input), expected.Values.Sum(v => v.Output), expected.Values.Sum(v => v.CacheRead), expected.Values.Sum(v => v.CacheWrite)),
            (total.GetProperty("calls").GetInt64(), total.GetProperty("input_tokens").GetInt64(), total.GetProperty("output_tokens").GetInt64(),
                total.GetProperty("cache_read_tokens").GetInt64(), total.GetProperty("cache_write_tokens").GetInt64()));
        Assert.Equal(expected.Count, result.CallsRecorded);
        Assert.Equal(2, result.Problems.Count); // the cut-off line, in the original and in its copy
        Assert.Equal(["sess-o", "sess-r"], (await acme.Owner.ListAllAsync("/api/v1/sessions")).Select(x => x.Str("external_id")).Order());
    }

    /// A transcript with one assistant message per usage, its message ids made from the file's name.
    private static void WriteSubagent(string file, string sessionId, IEnumerable<(int Input, int Output, int CacheRead, int CacheWrite)> usage, string? prefix = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var id = prefix ?? Path.GetFileNameWithoutExtension(file);
        File.WriteAllLines(file, usage.Select((u, i) =>
            $"{{\"type\":\"assistant\",\"sessionId\":\"{sessionId}\",\"uuid\":\"{id}-{i}\",\"timestamp\":\"2026-03-02T10:00:0{i}Z\",\"message\":{{\"id\":\"msg_{id}_{i}\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[{{\"type\":\"text\",\"text\":\"step {i}\"}}],\"usage\":{{\"input_tokens\":{u.Input},\"cache_creation_input_tokens\":{u.CacheWrite},\"cache_read_input_tokens\":{u.CacheRead},\"output_tokens\":{u.Output}}}}}}}"));
    }

    [Theory, BothStores]
    public async Task Codex_rollouts_count_each_turn_once_despite_repeated_and_empty_token_counts(StoreKind store)
    {
        var file = WriteCodexFixture(Path.Combine(_root, "codex", "sessions", "2026", "03", "01"));
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        using var client = ClientFor(app, acme);
        var format = new CodexRollouts();

        var files = format.FindFiles(Path.Combine(_root, "codex"));
        var first = await TranscriptImporter.RunAsync(client, format, files, null, null, default);
        var again = await TranscriptImporter.RunAsync(client, format, files, null, null, default);

        Assert.Equal([file], files);
        Assert.Equal((1, 2), (first.Sessions, first.CallsRecorded));
        Assert.Equal((2500L, 130L, 1200L), (first.InputTokens, first.OutputTokens, first.CacheReadTokens));
        Assert.Equal((file, 9), (Assert.Single(first.Problems).File, first.Problems[0].Line));
        Assert.Equal((0, 2), (again.CallsRecorded, again.CallsAlreadyKnown));
        var total = (await acme.Owner.GetJsonAsync("/api/v1/costs/summary?by=model&from=2026-03-01&to=2026-04-01")).GetProperty("total");
        // OpenAI counts cached tokens inside input: 2500 reported, 1200 of them cached, so 1300 billed as plain input.
        Assert.Equal((2L, 1300L, 1200L, 130L), (total.GetProperty("calls").GetInt64(), total.GetProperty("input_tokens").GetInt64(),
            total.GetProperty("cache_read_tokens").GetInt64(), total.GetProperty("output_tokens").GetInt64()));
        Assert.Equal(0m, total.Usd("cost_usd"));
        // gpt-5-codex: (800×1.25 + 200×0.125 + 50×10) + (500×1.25 + 1000×0.125 + 80×10) per million.
        Assert.Equal(0.003075m, total.Usd("list_cost_usd"));
        var session = Assert.Single((await acme.Owner.GetJsonAsync("/api/v1/sessions")).GetProperty("items").EnumerateArray());
        Assert.Equal(("codex-1", "feature", "gpt-5-codex"), (session.Str("external_id"), session.Str("git_branch"), session.Str("model")));
    }

    [Theory, BothStores]
    public async Task A_codex_session_on_gpt_5_3_codex_is_priced_by_the_shipped_catalog(StoreKind store)
    {
        var file = WriteCodexFixture(Path.Combine(_root, "codex53"), "gpt-5.3-codex");
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        using var client = ClientFor(app, acme);

        var imported = await TranscriptImporter.RunAsync(client, new CodexRollouts(), [file], null, null, default);

        Assert.Equal(2, imported.CallsRecorded);
        var total = (await acme.Owner.GetJsonAsync("/api/v1/costs/summary?by=model&from=2026-03-01&to=2026-04-01")).GetProperty("total");
        // gpt-5.3-codex at $1.75 input, $0.175 cached input, $14 output: (800×1.75 + 200×0.175 + 50×14) + (500×1.75 + 1000×0.175 + 80×14) per million.
        Assert.Equal((0.004305m, 0L), (total.Usd("list_cost_usd"), total.GetProperty("unpriced_calls").GetInt64()));
        Assert.Empty((await acme.Owner.GetJsonAsync("/api/v1/costs/unpriced-models")).EnumerateArray());
    }

    [Fact]
    public void The_default_folders_follow_CLAUDE_CONFIG_DIR_and_CODEX_HOME()
    {
        var claude = Environment.GetEnvironmentVariable("CLAUDE_CONFIG_DIR");
        var codex = Environment.GetEnvironmentVariable("CODEX_HOME");
        try
        {
            Environment.SetEnvironmentVariable("CLAUDE_CONFIG_DIR", "/srv/claude");
            Environment.SetEnvironmentVariable("CODEX_HOME", "/srv/codex");
            Assert.Equal("/srv/claude/projects", ClaudeCodeTranscripts.DefaultRoot());
            Assert.Equal("/srv/codex/sessions", CodexRollouts.DefaultRoot());
        }
        finally
        {
            Environment.SetEnvironmentVariable("CLAUDE_CONFIG_DIR", claude);
            Environment.SetEnvironmentVariable("CODEX_HOME", codex);
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static BosunClient ClientFor(BosunTestApp app, TestTenant tenant)
    {
        var server = (TestServer)app.Services.GetRequiredService<IServer>();
        BosunClient.HandlerOverride.Value = server.CreateHandler;
        return new BosunClient(new ClientSettings("http://localhost", tenant.OwnerToken));
    }

    private static string WriteClaudeFixture(string projects)
    {
        var project = Path.Combine(projects, "-home-ada-acme");
        Directory.CreateDirectory(Path.Combine(project, "sess-1", "subagents"));
        const string common = "\"sessionId\":\"sess-1\",\"cwd\":\"/home/ada/acme\",\"gitBranch\":\"main\",\"version\":\"2.0.0\"";
        const string model = "claude-sonnet-4-5-20250929";
        var file = Path.Combine(project, "sess-1.jsonl");
        File.WriteAllLines(file,
        [
            $"{{\"type\":\"user\",{common},\"uuid\":\"u1\",\"timestamp\":\"2026-03-01T10:00:00Z\",\"message\":{{\"role\":\"user\",\"content\":\"Fix the build\"}}}}",
            $"{{\"type\":\"assistant\",{common},\"uuid\":\"a1\",\"requestId\":\"req_A\",\"timestamp\":\"2026-03-01T10:00:05Z\",\"message\":{{\"id\":\"msg_A\",\"role\":\"assistant\",\"model\":\"{model}\",\"content\":[{{\"type\":\"text\",\"text\":\"Looking at it\"}}],\"usage\":{{\"input_tokens\":10,\"cache_creation_input_tokens\":1000,\"cache_read_input_tokens\":5000,\"output_tokens\":5}}}}}}",
            $"{{\"type\":\"assistant\",{common},\"uuid\":\"a2\",\"requestId\":\"req_A\",\"timestamp\":\"2026-03-01T10:00:07Z\",\"message\":{{\"id\":\"msg_A\",\"role\":\"assistant\",\"model\":\"{model}\",\"content\":[{{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"Bash\",\"input\":{{\"command\":\"make\"}}}}],\"usage\":{{\"input_tokens\":10,\"cache_creation_input_tokens\":1000,\"cache_read_input_tokens\":5000,\"output_tokens\":120}}}}}}",
            $"{{\"type\":\"user\",{common},\"uuid\":\"u2\",\"timestamp\":\"2026-03-01T10:00:09Z\",\"message\":{{\"role\":\"user\",\"content\":[{{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\",\"content\":\"ok\"}}]}}}}",
            $"{{\"type\":\"assistant\",{common},\"uuid\":\"a3\",\"message\":{{\"id\":\"msg_B\",\"usage\":{{\"input_tok",
            $"{{\"type\":\"assistant\",{common},\"uuid\":\"a4\",\"requestId\":\"req_C\",\"timestamp\":\"2026-03-01T10:00:12Z\",\"message\":{{\"id\":\"msg_C\",\"role\":\"assistant\",\"model\":\"{model}\",\"content\":[{{\"type\":\"text\",\"text\":\"Fixed.\"}}],\"usage\":{{\"input_tokens\":20,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":6000,\"output_tokens\":40}}}}}}",
            "{\"type\":\"summary\",\"summary\":\"Fix the build\",\"leafUuid\":\"a4\"}",
        ]);
        File.WriteAllLines(Path.Combine(project, "sess-1", "subagents", "agent-x1.jsonl"),
        [
            $"{{\"type\":\"user\",{common},\"isSidechain\":true,\"uuid\":\"s1\",\"timestamp\":\"2026-03-01T10:00:06Z\",\"message\":{{\"role\":\"user\",\"content\":\"Find the failing test\"}}}}",
            $"{{\"type\":\"assistant\",{common},\"isSidechain\":true,\"uuid\":\"s2\",\"requestId\":\"req_S\",\"timestamp\":\"2026-03-01T10:00:08Z\",\"message\":{{\"id\":\"msg_S\",\"role\":\"assistant\",\"model\":\"{model}\",\"content\":[{{\"type\":\"text\",\"text\":\"Found it\"}}],\"usage\":{{\"input_tokens\":3,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":100,\"output_tokens\":7}}}}}}",
        ]);
        return file;
    }

    private static string WriteCodexFixture(string dir, string model = "gpt-5-codex")
    {
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, "rollout-2026-03-01T10-00-00-codex-1.jsonl");
        static string Count(int input, int cached, int output, int reasoning) =>
            $"{{\"timestamp\":\"2026-03-01T10:01:00Z\",\"type\":\"event_msg\",\"payload\":{{\"type\":\"token_count\",\"info\":{{\"total_token_usage\":{{\"input_tokens\":{input},\"cached_input_tokens\":{cached},\"output_tokens\":{output},\"reasoning_output_tokens\":{reasoning},\"total_tokens\":{input + output}}},\"last_token_usage\":{{\"input_tokens\":0}},\"model_context_window\":272000}}}}}}";
        File.WriteAllLines(file,
        [
            "{\"timestamp\":\"2026-03-01T10:00:00Z\",\"type\":\"session_meta\",\"payload\":{\"id\":\"codex-1\",\"timestamp\":\"2026-03-01T10:00:00Z\",\"cwd\":\"/home/ada/acme\",\"originator\":\"codex_cli_rs\",\"cli_version\":\"0.50.0\",\"git\":{\"branch\":\"feature\"}}}",
            $"{{\"timestamp\":\"2026-03-01T10:00:01Z\",\"type\":\"turn_context\",\"payload\":{{\"cwd\":\"/home/ada/acme\",\"model\":\"{model}\"}}}}",
            "{\"timestamp\":\"2026-03-01T10:00:02Z\",\"type\":\"response_item\",\"payload\":{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Add a test\"}]}}",
            "{\"timestamp\":\"2026-03-01T10:00:03Z\",\"type\":\"event_msg\",\"payload\":{\"type\":\"token_count\",\"info\":null}}",
            Count(1000, 200, 50, 10),
            Count(1000, 200, 50, 10),
            "{\"timestamp\":\"2026-03-01T10:01:30Z\",\"type\":\"response_item\",\"payload\":{\"type\":\"function_call\",\"name\":\"shell\",\"arguments\":\"{\\\"command\\\":[\\\"ls\\\"]}\",\"call_id\":\"call_1\"}}",
            Count(2500, 1200, 130, 30),
            "garbage that is not json",
            "{\"timestamp\":\"2026-03-01T10:03:00Z\",\"type\":\"event_msg\",\"payload\":{\"type\":\"token_count\",\"info\":null}}",
        ]);
        return file;
    }
}
