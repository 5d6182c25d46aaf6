using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Core.Realtime;
using Bosun.Tests.Agents;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.ML.Tokenizers;

namespace Bosun.Tests.Knowledge;

public sealed class ArtifactTests
{
    [Theory, BothStores]
    public async Task A_seed_001_graph_keeps_old_versions_and_reports_what_a_change_reaches(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var spec = await CreateAsync(acme, "spec", "api", "GET /orders returns the orders.");
        var server = await CreateAsync(acme, "code", "server", "app.MapGet(\"/orders\", ...);");
        var tests = await CreateAsync(acme, "test", "api-tests", "Assert orders come back.");
        var readme = await CreateAsync(acme, "doc", "readme", "How to run it.");
        await acme.Owner.PostJsonAsync($"/api/v1/artifacts/{server.Str("id")}/dependencies", new { depends_on = spec.Str("id"), kind = "imports" });
        var linked = await acme.Owner.PostJsonAsync($"/api/v1/artifacts/{tests.Str("id")}/dependencies", new { depends_on = "code/server" });
        Assert.Equal(["code/server"], linked.GetProperty("depends_on").EnumerateArray().Select(Label));
        Assert.Equal("references", linked.GetProperty("depends_on")[0].Str("kind"));
        await acme.Owner.PostJsonAsync($"/api/v1/artifacts/{readme.Str("id")}/dependencies", new { depends_on = tests.Str("id"), kind = "includes" });

        var open = await acme.CreateWorkAsync("WEB", "Keep the API tests green");
        var done = await acme.CreateWorkAsync("WEB", "Write the server");
        await acme.Owner.PostJsonAsync($"/api/v1/work/{open.Str("id")}/artifacts", new { artifact = "test/api-tests" });
        await acme.Owner.PostJsonAsync($"/api/v1/work/{done.Str("id")}/artifacts", new { artifact = server.Str("id") });
        await acme.Owner.PatchJsonAsync($"/api/v1/work/{done.Str("id")}", new { status = "cancelled" });

        var changed = await acme.Owner.PatchJsonAsync($"/api/v1/artifacts/{spec.Str("id")}", new { content = "GET /orders returns the orders, newest first." });
        Assert.Equal(2, changed.GetProperty("version").GetInt32());
        Assert.NotEqual(spec.Str("content_sha256"), changed.Str("content_sha256"));
        Assert.Equal(["code/server"], changed.GetProperty("depended_on_by").EnumerateArray().Select(Label));

        var again = await acme.Owner.PatchJsonAsync($"/api/v1/artifacts/{spec.Str("id")}", new { content = "GET /orders returns the orders, newest first.", title = "Orders API" });
        Assert.Equal(2, again.GetProperty("version").GetInt32());
        Assert.Equal("Orders API", again.Str("title"));

        var versions = (await acme.Owner.GetJsonAsync($"/api/v1/artifacts/{spec.Str("id")}/versions")).EnumerateArray().ToList();
        Assert.Equal([2, 1], versions.Select(v => v.GetProperty("version").GetInt32()));
        var first = await acme.Owner.GetJsonAsync($"/api/v1/artifacts/{spec.Str("id")}/versions/1");
        Assert.Equal("GET /orders returns the orders.", first.Str("content"));
        Assert.Equal(spec.Str("content_sha256"), first.Str("content_sha256"));
        await (await acme.Owner.GetAsync($"/api/v1/artifacts/{spec.Str("id")}/versions/3")).ProblemAsync(HttpStatusCode.NotFound);

        var impact = await acme.Owner.GetJsonAsync($"/api/v1/artifacts/{spec.Str("id")}/impact");
        var reached = impact.GetProperty("artifacts").EnumerateArray().ToList();
        Assert.Equal(["code/server", "test/api-tests", "doc/readme"], reached.Select(Label));
        Assert.Equal([1, 2, 3], reached.Select(a => a.GetProperty("depth").GetInt32()));
        Assert.Equal(["spec/api", "code/server", "test/api-tests"], reached.Select(a => a.Str("via")));
        var items = impact.GetProperty("work_items").EnumerateArray().ToList();
        Assert.Equal([open.Str("key")], items.Select(w => w.Str("key")));
        Assert.Equal([tests.Str("id")], items[0].GetProperty("artifact_ids").EnumerateArray().Select(a => a.GetString()));

        // The change is on the stream with what it reached.
        var events = await app.WithDbAsync(db => db.Set<StreamEvent>().IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.TenantId == acme.Id && e.Type == "artifact.changed").ToListAsync());
        var changeEvent = Assert.Single(events);
        Assert.Equal(spec.Str("id"), changeEvent.EntityId);
        Assert.Equal(spec.Str("project_id"), changeEvent.ProjectId);
        using var payload = JsonDocument.Parse(changeEvent.ChangesJson);
        Assert.Equal(2, payload.RootElement.GetProperty("version").GetProperty("after").GetInt32());
        Assert.Equal(new[] { server.Str("id"), tests.Str("id"), readme.Str("id") }.Order(),
            payload.RootElement.GetProperty("impacted_artifact_ids").EnumerateArray().Select(i => i.GetString()).Order());
        Assert.Equal([open.Str("id")], payload.RootElement.GetProperty("open_work_item_ids").EnumerateArray().Select(i => i.GetString()));

        var actions = (await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={spec.Str("id")}")).Select(a => a.Str("action")).ToList();
        Assert.Contains("artifact.created", actions);
        Assert.Equal(2, actions.Count(a => a == "artifact.updated"));
        Assert.Equal(1, actions.Count(a => a == "artifact.changed"));
        Assert.Contains("artifact.dependency_added", (await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={server.Str("id")}")).Select(a => a.Str("action")));

        var listed = await acme.Owner.ListAllAsync("/api/v1/artifacts?project=WEB&type=code");
        Assert.Equal(["code/server"], listed.Select(Label));
        Assert.False(listed[0].TryGetProperty("content", out _));

        await (await acme.Owner.DeleteAsync($"/api/v1/artifacts/{server.Str("id")}")).ReadSuccessAsync();
        Assert.Empty((await acme.Owner.GetJsonAsync($"/api/v1/artifacts/{tests.Str("id")}")).GetProperty("depends_on").EnumerateArray());
        Assert.Empty((await acme.Owner.GetJsonAsync($"/api/v1/artifacts/{spec.Str("id")}/impact")).GetProperty("artifacts").EnumerateArray());
        Assert.Contains("artifact.deleted", (await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={server.Str("id")}")).Select(a => a.Str("action")));
    }

    [Theory, BothStores]
    public async Task A_dependency_that_would_close_a_cycle_is_refused_naming_the_cycle(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var spec = await CreateAsync(acme, "spec", "api", "The API.");
        var server = await CreateAsync(acme, "code", "server", "The server.");
        var client = await CreateAsync(acme, "code", "client", "The client.");
        await acme.Owner.PostJsonAsync($"/api/v1/artifacts/{server.Str("id")}/dependencies", new { depends_on = "spec/api", kind = "imports" });
        await acme.Owner.PostJsonAsync($"/api/v1/artifacts/{client.Str("id")}/dependencies", new { depends_on = "code/server", kind = "extends" });

        var refused = await acme.Owner.PostRawAsync($"/api/v1/artifacts/{spec.Str("id")}/dependencies", $$"""{"depends_on":"{{client.Str("id")}}"}""");

        var problem = await refused.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("/problems/dependency-cycle", problem.Str("type"));
        Assert.Contains("spec/api -> code/client -> code/server -> spec/api", problem.Str("detail"));
        Assert.Equal(["spec/api", "code/client", "code/server", "spec/api"], problem.GetProperty("cycle").EnumerateArray().Select(c => c.GetString()));
        Assert.NotEmpty(problem.FieldErrors("depends_on"));
        Assert.Empty((await acme.Owner.GetJsonAsync($"/api/v1/artifacts/{spec.Str("id")}")).GetProperty("depends_on").EnumerateArray());

        var self = await acme.Owner.PostRawAsync($"/api/v1/artifacts/{spec.Str("id")}/dependencies", """{"depends_on":"spec/api"}""");
        Assert.Contains("spec/api -> spec/api", (await self.ProblemAsync(HttpStatusCode.Conflict)).Str("detail"));

        var unknown = await acme.Owner.PostRawAsync($"/api/v1/artifacts/{spec.Str("id")}/dependencies", """{"depends_on":"spec/nothing"}""");
        Assert.NotEmpty((await unknown.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("depends_on"));
        var badKind = await acme.Owner.PostRawAsync($"/api/v1/artifacts/{client.Str("id")}/dependencies", """{"depends_on":"spec/api","kind":"likes"}""");
        Assert.NotEmpty((await badKind.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("kind"));

        var removed = await (await acme.Owner.DeleteAsync($"/api/v1/artifacts/{client.Str("id")}/dependencies/code%2Fserver")).ReadSuccessAsync();
        Assert.Empty(removed.GetProperty("depends_on").EnumerateArray());
        await (await acme.Owner.DeleteAsync($"/api/v1/artifacts/{client.Str("id")}/dependencies/{server.Str("id")}")).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains("artifact.dependency_removed", (await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={client.Str("id")}")).Select(a => a.Str("action")));

        // With the client's dependency gone, the API may now depend on the client.
        var allowed = await acme.Owner.PostJsonAsync($"/api/v1/artifacts/{spec.Str("id")}/dependencies", new { depends_on = client.Str("id") });
        Assert.Equal(["code/client"], allowed.GetProperty("depends_on").EnumerateArray().Select(Label));
    }

    [Theory, BothStores]
    public async Task An_artifact_needs_content_a_uri_or_an_integration_reference_and_bad_input_names_its_field(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");

        var empty = await acme.Owner.PostRawAsync("/api/v1/artifacts", """{"project":"WEB","type":"spec","key":"api","title":"API"}""");
        Assert.NotEmpty((await empty.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("content"));

        var byUri = await acme.Owner.PostJsonAsync("/api/v1/artifacts", new { project = "WEB", type = "spec", key = "api", uri = "https://example.com/api.md" });
        Assert.Equal(JsonValueKind.Null, byUri.GetProperty("content_sha256").ValueKind);
        Assert.Equal((0, 0L, "api"), (byUri.GetProperty("token_count").GetInt32(), byUri.GetProperty("size_bytes").GetInt64(), byUri.Str("title")));
        var byRef = await acme.Owner.PostJsonAsync("/api/v1/artifacts", new
        {
            project = "WEB", type = "Schema", key = "orders", integration_ref = "github:acme/web/db/orders.sql@main", metadata = new { owner = "data" },
        });
        Assert.Equal("schema", byRef.Str("type"));
        Assert.Equal("data", byRef.GetProperty("metadata").Str("owner"));
        var custom = await acme.Owner.PostJsonAsync("/api/v1/artifacts", new { project = "WEB", type = "runbook", key = "deploy", content = "1. Ship it." });
        Assert.Equal("runbook", custom.Str("type"));

        var cleared = await acme.Owner.PatchRawAsync($"/api/v1/artifacts/{custom.Str("id")}", """{"content":""}""");
        Assert.NotEmpty((await cleared.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("content"));
        var moved = await acme.Owner.PatchJsonAsync($"/api/v1/artifacts/{byUri.Str("id")}", new { content = "Now inline.", uri = "" });
        Assert.Equal((2, JsonValueKind.Null), (moved.GetProperty("version").GetInt32(), moved.GetProperty("uri").ValueKind));

        async Task Refused(string json, string field)
        {
            var response = await acme.Owner.PostRawAsync("/api/v1/artifacts", json);
            Assert.NotEmpty((await response.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors(field));
        }

        await Refused("""{"project":"WEB","type":"spec","key":"api","content":"again"}""", "key");
        await Refused("""{"project":"NOPE","type":"spec","key":"x","content":"x"}""", "project");
        await Refused("""{"project":"WEB","type":"not a slug","key":"x","content":"x"}""", "type");
        await Refused("""{"project":"WEB","type":"spec","key":"has space","content":"x"}""", "key");
        await Refused("""{"project":"WEB","type":"spec","key":"x","content":"x","encoding":"gpt2"}""", "encoding");
        await Refused("""{"project":"WEB","type":"spec","key":"x","content":"x","metadata":[1,2]}""", "metadata");
        await Refused("""{"project":"WEB","type":"spec","key":"x","uri":"not a uri"}""", "uri");
        var renamed = await acme.Owner.PatchRawAsync($"/api/v1/artifacts/{custom.Str("id")}", """{"key":"other"}""");
        Assert.NotEmpty((await renamed.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("key"));
        var badList = await acme.Owner.GetAsync("/api/v1/artifacts?project=NOPE");
        Assert.NotEmpty((await badList.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("project"));
    }

    [Theory, BothStores]
    public async Task Token_counts_are_the_tokenizers_and_record_the_encoding_that_counted(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        const string text = "Bosun hands agents their work — and counts every token: naïve café, 東京, <tag/> 12345.";
        var o200k = TiktokenTokenizer.CreateForEncoding("o200k_base").CountTokens(text);
        var cl100k = TiktokenTokenizer.CreateForEncoding("cl100k_base").CountTokens(text);
        Assert.NotEqual(o200k, cl100k);

        var counted = await acme.Owner.PostJsonAsync("/api/v1/artifacts", new { project = "WEB", type = "doc", key = "intro", content = text });
        Assert.Equal((o200k, "o200k_base"), (counted.GetProperty("token_count").GetInt32(), counted.Str("encoding")));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))), counted.Str("content_sha256"));
        Assert.Equal(Encoding.UTF8.GetByteCount(text), counted.GetProperty("size_bytes").GetInt64());

        var recounted = await acme.Owner.PatchJsonAsync($"/api/v1/artifacts/{counted.Str("id")}", new { encoding = "cl100k_base" });
        Assert.Equal((cl100k, "cl100k_base", 1), (recounted.GetProperty("token_count").GetInt32(), recounted.Str("encoding"), recounted.GetProperty("version").GetInt32()));
        var claude = await acme.Owner.PostJsonAsync("/api/v1/artifacts", new { project = "WEB", type = "doc", key = "for-claude", content = text, encoding = "claude" });
        Assert.Equal(((int)Math.Ceiling(o200k * 1.1), "claude"), (claude.GetProperty("token_count").GetInt32(), claude.Str("encoding")));
        var hello = await acme.Owner.PostJsonAsync("/api/v1/artifacts", new { project = "WEB", type = "doc", key = "hello", content = "hello world" });
        Assert.Equal(2, hello.GetProperty("token_count").GetInt32());

        var version = await acme.Owner.GetJsonAsync($"/api/v1/artifacts/{claude.Str("id")}/versions/1");
        Assert.Equal("claude", version.Str("encoding"));
    }

    [Theory, BothStores]
    public async Task A_seed_002_card_carries_linked_artifacts_and_knowledge_items(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var card = await acme.CreateWorkAsync("WEB", "Checkout shows the total with tax", new { type = "card" });
        var spec = await CreateAsync(acme, "spec", "checkout", "The checkout page.");
        await CreateAsync(acme, "research", "tax-rules", "VAT by country.");
        var url = $"/api/v1/work/{card.Str("key")}";

        await acme.Owner.PostJsonAsync($"{url}/artifacts", new { artifact = spec.Str("id") });
        await acme.Owner.PostJsonAsync($"{url}/artifacts", new { artifact = "research/tax-rules" });
        var twice = (await acme.Owner.PostJsonAsync($"{url}/artifacts", new { artifact = "spec/checkout" })).EnumerateArray().ToList();
        Assert.Equal(["research/tax-rules", "spec/checkout"], twice.Select(Label));
        Assert.Equal(["research/tax-rules", "spec/checkout"], (await acme.Owner.GetJsonAsync($"{url}/artifacts")).EnumerateArray().Select(Label));
        var missing = await acme.Owner.PostRawAsync($"{url}/artifacts", """{"artifact":"spec/nothing"}""");
        Assert.NotEmpty((await missing.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("artifact"));

        var requirement = await acme.Owner.PostJsonAsync($"{url}/knowledge", new { kind = "requirement", text = "Show the total with tax before payment." });
        await acme.Owner.PostJsonAsync($"{url}/knowledge", new { kind = "fact", text = "Tax depends on the shipping country." });
        await acme.Owner.PostJsonAsync($"{url}/knowledge", new { kind = "assumption", text = "Prices are stored without tax." });
        var question = await acme.Owner.PostJsonAsync($"{url}/knowledge", new { kind = "question", text = "Do we round per line or per order?" });
        Assert.Equal(JsonValueKind.Null, question.GetProperty("answer").ValueKind);

        var answered = await acme.Owner.PatchJsonAsync($"{url}/knowledge/{question.Str("id")}", new { answer = "Per order." });
        Assert.Equal(("Per order.", $"user:{acme.OwnerId}"), (answered.Str("answer"), answered.Str("answered_by")));
        var wrongAnswer = await acme.Owner.PatchRawAsync($"{url}/knowledge/{requirement.Str("id")}", """{"answer":"yes"}""");
        Assert.NotEmpty((await wrongAnswer.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("answer"));
        var noKind = await acme.Owner.PostRawAsync($"{url}/knowledge", """{"kind":"rumour","text":"x"}""");
        Assert.NotEmpty((await noKind.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("kind"));
        var noText = await acme.Owner.PostRawAsync($"{url}/knowledge", """{"kind":"fact"}""");
        Assert.NotEmpty((await noText.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("text"));

        var all = (await acme.Owner.GetJsonAsync($"{url}/knowledge")).EnumerateArray().ToList();
        Assert.Equal(["requirement", "fact", "assumption", "question"], all.Select(k => k.Str("kind")));
        var questions = (await acme.Owner.GetJsonAsync($"{url}/knowledge?kind=question")).EnumerateArray().ToList();
        Assert.Equal("Per order.", Assert.Single(questions).Str("answer"));

        await (await acme.Owner.DeleteAsync($"{url}/knowledge/{requirement.Str("id")}")).ReadSuccessAsync();
        await (await acme.Owner.DeleteAsync($"{url}/knowledge/{requirement.Str("id")}")).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(3, (await acme.Owner.GetJsonAsync($"{url}/knowledge")).GetArrayLength());
        var knowledgeAudit = (await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={question.Str("id")}")).Select(a => a.Str("action")).ToList();
        Assert.Equal(["knowledge_item.created", "knowledge_item.updated"], knowledgeAudit.Order());

        var unlinked = (await (await acme.Owner.DeleteAsync($"{url}/artifacts/{spec.Str("id")}")).ReadSuccessAsync()).EnumerateArray().ToList();
        Assert.Equal(["research/tax-rules"], unlinked.Select(Label));
        await (await acme.Owner.DeleteAsync($"{url}/artifacts/{spec.Str("id")}")).ProblemAsync(HttpStatusCode.NotFound);
        var itemAudit = (await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={card.Str("id")}")).Select(a => a.Str("action")).ToList();
        Assert.Equal(2, itemAudit.Count(a => a == "work_item.artifact_linked"));
        Assert.Equal(1, itemAudit.Count(a => a == "work_item.artifact_unlinked"));
    }

    [Theory, BothStores]
    public async Task Another_tenants_artifacts_and_knowledge_items_are_not_found(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var victim = await app.CreateTenantAsync();
        await victim.CreateProjectAsync("SEC");
        var secret = await CreateAsync(victim, "spec", "vault", "Where the keys are.", "SEC");
        var item = await victim.CreateWorkAsync("SEC", "Rotate keys");
        await victim.Owner.PostJsonAsync($"/api/v1/work/{item.Str("id")}/artifacts", new { artifact = secret.Str("id") });
        var fact = await victim.Owner.PostJsonAsync($"/api/v1/work/{item.Str("id")}/knowledge", new { kind = "fact", text = "Keys rotate monthly." });
        var attacker = await app.CreateTenantAsync();
        await attacker.CreateProjectAsync("SEC");
        var own = await CreateAsync(attacker, "spec", "mine", "Mine.", "SEC");
        var ownItem = await attacker.CreateWorkAsync("SEC", "Mine");
        var a = secret.Str("id");
        var w = item.Str("id");

        var requests = new (HttpMethod Method, string Url, object? Body)[]
        {
            (HttpMethod.Get, $"/api/v1/artifacts/{a}", null),
            (HttpMethod.Patch, $"/api/v1/artifacts/{a}", new { content = "Taken over" }),
            (HttpMethod.Delete, $"/api/v1/artifacts/{a}", null),
            (HttpMethod.Get, $"/api/v1/artifacts/{a}/versions", null),
            (HttpMethod.Get, $"/api/v1/artifacts/{a}/versions/1", null),
            (HttpMethod.Get, $"/api/v1/artifacts/{a}/impact", null),
            (HttpMethod.Post, $"/api/v1/artifacts/{a}/dependencies", new { depends_on = own.Str("id") }),
            (HttpMethod.Delete, $"/api/v1/artifacts/{own.Str("id")}/dependencies/{a}", null),
            (HttpMethod.Get, $"/api/v1/work/{w}/artifacts", null),
            (HttpMethod.Post, $"/api/v1/work/{w}/artifacts", new { artifact = own.Str("id") }),
            (HttpMethod.Delete, $"/api/v1/work/{w}/artifacts/{a}", null),
            (HttpMethod.Get, $"/api/v1/work/{w}/knowledge", null),
            (HttpMethod.Post, $"/api/v1/work/{w}/knowledge", new { kind = "fact", text = "Planted." }),
            (HttpMethod.Patch, $"/api/v1/work/{w}/knowledge/{fact.Str("id")}", new { text = "Changed." }),
            (HttpMethod.Delete, $"/api/v1/work/{w}/knowledge/{fact.Str("id")}", null),
            (HttpMethod.Delete, $"/api/v1/work/{ownItem.Str("id")}/artifacts/{a}", null),
        };
        foreach (var (method, url, body) in requests)
        {
            await (await attacker.Owner.SendJsonAsync(method, url, body)).ProblemAsync(HttpStatusCode.NotFound);
        }

        // Naming another tenant's artifact from one's own is a reference to nothing, as for any unknown id.
        var link = await attacker.Owner.PostRawAsync($"/api/v1/work/{ownItem.Str("id")}/artifacts", $$"""{"artifact":"{{a}}"}""");
        Assert.NotEmpty((await link.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("artifact"));
        var dependency = await attacker.Owner.PostRawAsync($"/api/v1/artifacts/{own.Str("id")}/dependencies", $$"""{"depends_on":"{{a}}"}""");
        Assert.NotEmpty((await dependency.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("depends_on"));
        Assert.Equal(["spec/mine"], (await attacker.Owner.ListAllAsync("/api/v1/artifacts")).Select(Label));

        var kept = await victim.Owner.GetJsonAsync($"/api/v1/artifacts/{a}");
        Assert.Equal(("Where the keys are.", 1), (kept.Str("content"), kept.GetProperty("version").GetInt32()));
        Assert.Equal(["Keys rotate monthly."], (await victim.Owner.GetJsonAsync($"/api/v1/work/{w}/knowledge")).EnumerateArray().Select(k => k.Str("text")));
        Assert.Single((await victim.Owner.GetJsonAsync($"/api/v1/work/{w}/artifacts")).EnumerateArray());
    }

    [Theory, BothStores]
    public async Task Simultaneous_changes_each_make_their_own_version(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var spec = await CreateAsync(acme, "spec", "api", "v0");

        var responses = await Task.WhenAll(Enumerable.Range(1, 8).Select(i =>
            acme.Owner.PatchAsJsonAsync($"/api/v1/artifacts/{spec.Str("id")}", new { content = $"change {i}" })));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var versions = (await acme.Owner.GetJsonAsync($"/api/v1/artifacts/{spec.Str("id")}/versions")).EnumerateArray().Select(v => v.GetProperty("version").GetInt32());
        Assert.Equal(Enumerable.Range(1, 9).Reverse(), versions);
        Assert.Equal(9, (await acme.Owner.GetJsonAsync($"/api/v1/artifacts/{spec.Str("id")}")).GetProperty("version").GetInt32());
    }

    [Theory, BothStores]
    public async Task Two_dependencies_that_close_a_cycle_together_are_never_both_added(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var pairs = new List<(string A, string B)>();
        for (var i = 0; i < 6; i++)
        {
            pairs.Add(((await CreateAsync(acme, "code", $"a{i}", "a")).Str("id"), (await CreateAsync(acme, "code", $"b{i}", "b")).Str("id")));
        }

        var responses = await Task.WhenAll(pairs.SelectMany(p => new[] { (p.A, p.B), (p.B, p.A) }).Select(edge =>
            acme.Owner.PostAsJsonAsync($"/api/v1/artifacts/{edge.Item1}/dependencies", new { depends_on = edge.Item2 })));

        Assert.Equal(6, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(6, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
    }

    [Theory, BothStores]
    public async Task An_agent_puts_lists_and_reads_artifacts_over_mcp(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var (_, _, token) = await acme.CreateAgentAsync("writer", role: "backend");
        await using var mcp = await McpServerTests.ConnectAsync(app, token);

        var created = await McpServerTests.CallAsync(mcp, "put_artifact", new { project = "WEB", type = "spec", key = "api", content = "v1" });
        Assert.True(created.GetProperty("created").GetBoolean());
        var same = await McpServerTests.CallAsync(mcp, "put_artifact", new { project = "WEB", type = "spec", key = "api", content = "v1" });
        Assert.Equal((false, 1), (same.GetProperty("created").GetBoolean(), same.GetProperty("artifact").GetProperty("version").GetInt32()));
        var changed = await McpServerTests.CallAsync(mcp, "put_artifact", new { project = "WEB", type = "spec", key = "api", content = "v2", title = "The API" });
        Assert.Equal(2, changed.GetProperty("artifact").GetProperty("version").GetInt32());
        var refused = await McpServerTests.CallRawAsync(mcp, "put_artifact", new { project = "WEB", type = "spec", key = "empty" });
        Assert.True(refused.IsError);

        var listed = await McpServerTests.CallAsync(mcp, "list_artifacts", new { project = "WEB" });
        Assert.Equal(["spec/api"], listed.GetProperty("items").EnumerateArray().Select(Label));
        var read = await McpServerTests.CallAsync(mcp, "get_artifact", new { project = "WEB", type = "spec", key = "api" });
        Assert.Equal(("v2", "The API"), (read.Str("content"), read.Str("title")));
        var old = await McpServerTests.CallAsync(mcp, "get_artifact", new { artifact = read.Str("id"), version = 1 });
        Assert.Equal("v1", old.Str("content"));
        Assert.Contains($"agent:", (await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={read.Str("id")}")).First().Str("actor"));
    }

    private static string Label(JsonElement artifact) => $"{artifact.Str("type")}/{artifact.Str("key")}";

    private static async Task<JsonElement> CreateAsync(TestTenant tenant, string type, string key, string content, string project = "WEB") =>
        await tenant.Owner.PostJsonAsync("/api/v1/artifacts", new { project, type, key, title = $"{type} {key}", content });
}
