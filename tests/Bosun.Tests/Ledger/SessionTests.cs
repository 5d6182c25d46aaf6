using System.Net;
using System.Text.Json;
using Bosun.Cli.Client;
using Bosun.Cli.Import;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Core.Ledger;
using Bosun.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Ledger;

/// Agent sessions as people read them (one session with its usage, sub-agents and messages page by page), the generic
/// session format other agents write, and rating sessions by outcome and quality.
public sealed class SessionTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"bosun-sessions-{Guid.NewGuid():N}");

    [Theory, BothStores]
    public async Task A_generic_session_imports_each_message_and_call_once_and_reads_back_as_a_timeline(StoreKind store)
    {
        var (parentFile, childFile) = WriteGenericFixture();
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.Owner.PatchJsonAsync("/api/v1/tenant", new { store_prompt_text = true });
        using var client = ClientFor(app, acme);
        var format = new GenericSessions(BillingType.Api);

        var files = format.FindFiles(_root);
        var first = await TranscriptImporter.RunAsync(client, format, files, null, null, default);
        var again = await TranscriptImporter.RunAsync(client, format, files, null, null, default);

        // The child names its parent, so it comes after it whatever the file names say.
        Assert.Equal([parentFile, childFile], files);
        // m2 was written twice as it grew: counted once, with its last line's tokens. Line 6 is not JSON.
        Assert.Equal((2, 5, 3, 0), (first.Sessions, first.Messages, first.CallsRecorded, first.CallsAlreadyKnown));
        Assert.Equal((100L + 300 + 7, 40L + 9), (first.InputTokens, first.OutputTokens));
        var problem = Assert.Single(first.Problems);
        Assert.Equal((parentFile, 6), (problem.File, problem.Line));
        Assert.Equal((0, 3), (again.CallsRecorded, again.CallsAlreadyKnown));

        var sessions = await acme.Owner.ListAllAsync("/api/v1/sessions?source=generic");
        var parent = sessions.Single(s => s.Str("external_id") == "run-42");
        var child = sessions.Single(s => s.Str("external_id") == "run-42/reviewer");
        Assert.Equal(parent.Id(), child.Str("parent_id"));
        Assert.Equal(("generic", "Summarise the incident", "/srv/work", "ops-bot-host"),
            (parent.Str("source"), parent.Str("title"), parent.Str("workspace_path"), parent.Str("machine")));

        var detail = await acme.Owner.GetJsonAsync($"/api/v1/sessions/{parent.Id()}");
        var usage = detail.GetProperty("usage");
        Assert.Equal((2L, 400L, 40L), (usage.GetProperty("calls").GetInt64(), usage.GetProperty("input_tokens").GetInt64(), usage.GetProperty("output_tokens").GetInt64()));
        Assert.Equal(child.Id(), Assert.Single(detail.GetProperty("sub_agents").EnumerateArray()).Id());

        // Page by page, two at a time, the messages come back in order, each with the call billed for it.
        var messages = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await acme.Owner.GetJsonAsync($"/api/v1/sessions/{parent.Id()}/messages?limit=2{(cursor is null ? "" : $"&cursor={cursor}")}");
            messages.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.GetProperty("next_cursor").ValueKind == JsonValueKind.String ? page.Str("next_cursor") : null;
        }
        while (cursor is not null);

        Assert.Equal(["m1", "m2", "m3", "m4"], messages.Select(m => m.Str("external_id")));
        Assert.Equal(["user", "assistant", "tool", "assistant"], messages.Select(m => m.Str("role")));
        var answer = messages[1];
        Assert.Equal("Looking at the logs, then the timeline.", answer.Str("text"));
        Assert.Equal(("read_logs", "t1"), (answer.GetProperty("tool_uses")[0].Str("name"), answer.GetProperty("tool_uses")[0].Str("id")));
        var call = Assert.Single(answer.GetProperty("llm_calls").EnumerateArray());
        Assert.Equal((300L, 30L, "gpt-5.1"), (call.GetProperty("input_tokens").GetInt64(), call.GetProperty("output_tokens").GetInt64(), call.Str("model")));
        Assert.Empty(messages[2].GetProperty("llm_calls").EnumerateArray());

        var bad = await acme.Owner.GetAsync($"/api/v1/sessions/{parent.Id()}/messages?cursor=abc");
        Assert.NotEmpty((await bad.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("cursor"));
    }

    [Theory, BothStores]
    public async Task Sessions_are_rated_by_agents_and_people_then_filtered_and_rolled_up_by_outcome(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var (_, agent, _) = await acme.CreateAgentAsync("coder");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var imported = await agent.PostJsonAsync("/api/v1/sessions/import", new
            {
                source = "generic", external_id = $"s-{i}", title = $"Session {i}",
                messages = new[] { new { external_id = "m1", role = "user", text = "go" } },
                llm_calls = new[] { new { external_id = $"s-{i}-m1", provider = "openai", model = "gpt-5.1", input_tokens = 1_000_000, output_tokens = 0 } },
            });
            ids.Add(imported.Str("session_id"));
        }

        // The agent says how its own session went; a person scores another one.
        var rated = await agent.PatchJsonAsync($"/api/v1/sessions/{ids[0]}", new { outcome = "success", quality_score = 90 });
        Assert.Equal(("success", 90), (rated.Str("outcome"), rated.GetProperty("quality_score").GetInt32()));
        await acme.Owner.PatchJsonAsync($"/api/v1/sessions/{ids[1]}", new { outcome = "failure", quality_score = 20 });
        await acme.Owner.PatchJsonAsync($"/api/v1/sessions/{ids[1]}", new { quality_score = 30 });

        var detail = await acme.Owner.GetJsonAsync($"/api/v1/sessions/{ids[1]}");
        Assert.Equal(("failure", 30), (detail.GetProperty("session").Str("outcome"), detail.GetProperty("session").GetProperty("quality_score").GetInt32()));

        Assert.Equal([ids[0]], (await acme.Owner.ListAllAsync("/api/v1/sessions?outcome=success")).Select(s => s.Id()));
        Assert.Equal([ids[2]], (await acme.Owner.ListAllAsync("/api/v1/sessions?outcome=none")).Select(s => s.Id()));
        Assert.Equal([ids[0]], (await acme.Owner.ListAllAsync("/api/v1/sessions?min_quality=50")).Select(s => s.Id()));

        var outcomes = (await acme.Owner.GetJsonAsync("/api/v1/sessions/outcomes")).EnumerateArray()
            .ToDictionary(r => r.Str("outcome"), r => (r.GetProperty("sessions").GetInt64(), r.GetProperty("average_quality").ValueKind == JsonValueKind.Number ? r.GetProperty("average_quality").GetDouble() : (double?)null));
        Assert.Equal(new Dictionary<string, (long, double?)> { ["success"] = (1, 90), ["failure"] = (1, 30), ["none"] = (1, null) }, outcomes);

        // Every rating is audited with who gave it.
        var audit = await app.WithDbAsync(db => db.Set<AuditEntry>().IgnoreQueryFilters().AsNoTracking()
            .Where(a => a.TenantId == acme.Id && a.Action == "agent_session.rated").OrderBy(a => a.Id).Select(a => a.ActorRef).ToListAsync());
        Assert.Equal(3, audit.Count);
        Assert.StartsWith("agent:", audit[0]);
        Assert.StartsWith("user:", audit[1]);

        // Bad ratings are 400s naming the field, and change nothing.
        foreach (var (json, field) in new[]
                 {
                     ("""{"outcome":"great"}""", "outcome"), ("""{"quality_score":101}""", "quality_score"), ("""{"quality_score":-1}""", "quality_score"), ("{}", "outcome"),
                 })
        {
            var response = await acme.Owner.PatchRawAsync($"/api/v1/sessions/{ids[0]}", json);
            Assert.NotEmpty((await response.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors(field));
        }

        Assert.NotEmpty((await (await acme.Owner.GetAsync("/api/v1/sessions?outcome=great")).ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("outcome"));
        Assert.NotEmpty((await (await acme.Owner.GetAsync("/api/v1/sessions?source=cursor")).ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("source"));
        Assert.Equal(90, (await acme.Owner.GetJsonAsync($"/api/v1/sessions/{ids[0]}")).GetProperty("session").GetProperty("quality_score").GetInt32());
    }

    [Theory, BothStores]
    public async Task Another_tenants_sessions_are_not_found(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var globex = await app.CreateTenantAsync();
        var imported = await acme.Owner.PostJsonAsync("/api/v1/sessions/import", new
        {
            source = "generic", external_id = "private", messages = new[] { new { external_id = "m1", role = "user", text = "secret plans" } },
        });
        var id = imported.Str("session_id");

        Assert.Equal(HttpStatusCode.NotFound, (await globex.Owner.GetAsync($"/api/v1/sessions/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await globex.Owner.GetAsync($"/api/v1/sessions/{id}/messages")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await globex.Owner.PatchRawAsync($"/api/v1/sessions/{id}", """{"outcome":"failure"}""")).StatusCode);
        Assert.Empty(await globex.Owner.ListAllAsync("/api/v1/sessions"));
        Assert.Empty((await globex.Owner.GetJsonAsync("/api/v1/sessions/outcomes")).EnumerateArray());
        Assert.Equal(JsonValueKind.Null, (await acme.Owner.GetJsonAsync($"/api/v1/sessions/{id}")).GetProperty("session").GetProperty("outcome").ValueKind);
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

    /// A parent session with a streamed answer written twice (m2) and a corrupt line, and a reviewer sub-agent whose
    /// file sorts first by name.
    private (string Parent, string Child) WriteGenericFixture()
    {
        Directory.CreateDirectory(_root);
        var parent = Path.Combine(_root, "b-run-42.ndjson");
        File.WriteAllLines(parent,
        [
            """{"type":"session","id":"run-42","title":"Summarise the incident","cwd":"/srv/work","machine":"ops-bot-host","model":"gpt-5.1"}""",
            """{"type":"message","id":"m1","role":"user","text":"What happened last night?","at":"2026-03-01T10:00:00Z"}""",
            """{"type":"message","id":"m2","role":"assistant","text":"Looking","at":"2026-03-01T10:00:02Z","usage":{"provider":"openai","model":"gpt-5.1","input_tokens":300,"output_tokens":5}}""",
            """{"type":"message","id":"m2","role":"assistant","text":"Looking at the logs, then the timeline.","at":"2026-03-01T10:00:03Z","tool_uses":[{"name":"read_logs","id":"t1","input":{"since":"22:00"}}],"usage":{"provider":"openai","model":"gpt-5.1","input_tokens":300,"output_tokens":30}}""",
            """{"type":"message","id":"m3","role":"tool","text":"disk full at 23:10","at":"2026-03-01T10:00:04Z"}""",
            """{"type":"message","id":"m4","role":"assis""",
            """{"type":"message","id":"m4","role":"assistant","text":"The disk filled at 23:10.","at":"2026-03-01T10:00:06Z","usage":{"provider":"openai","model":"gpt-5.1","input_tokens":100,"output_tokens":10}}""",
        ]);
        var child = Path.Combine(_root, "a-reviewer.ndjson");
        File.WriteAllLines(child,
        [
            """{"type":"session","id":"run-42/reviewer","parent_id":"run-42","title":"Review the summary"}""",
            """{"type":"message","id":"r1","role":"assistant","text":"Looks right.","at":"2026-03-01T10:00:05Z","usage":{"provider":"openai","model":"gpt-5.1-mini","input_tokens":7,"output_tokens":9}}""",
        ]);
        return (parent, child);
    }
}
