using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Core.Knowledge;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Knowledge;

/// Context assembled under a token budget (seed 001): priorities, the cut, the cache, the request log and the claim.
public sealed class ContextTests
{
    /// n o200k tokens, near enough: each of these words is one token.
    private static string Words(string word, int n) => string.Join(' ', Enumerable.Repeat(word, n));

    [Theory, BothStores]
    public async Task A_seed_001_context_fits_8000_tokens_drops_the_lowest_priority_artifact_and_is_cached_until_an_input_changes(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Build the orders API", new { description = "Follow the spec." });
        async Task<JsonElement> ArtifactAsync(string type, string key, string content) =>
            await acme.Owner.PostJsonAsync("/api/v1/artifacts", new { project = "WEB", type, key, title = $"{type} {key}", content });
        var spec = await ArtifactAsync("spec", "orders", Words("the", 2000));
        var code = await ArtifactAsync("code", "server", Words("and", 2000));
        var schema = await ArtifactAsync("schema", "db", Words("of", 1000));
        var research = await ArtifactAsync("research", "notes", Words("to", 3000));
        await acme.Owner.PostJsonAsync($"/api/v1/artifacts/{code.Str("id")}/dependencies", new { depends_on = schema.Str("id"), kind = "imports" });
        foreach (var a in new[] { spec, code, research })
        {
            await acme.Owner.PostJsonAsync($"/api/v1/work/{item.Str("id")}/artifacts", new { artifact = a.Str("id") });
        }

        await acme.Owner.PostJsonAsync($"/api/v1/work/{item.Str("id")}/knowledge", new { kind = "requirement", text = "Orders are paged by cursor." });
        await acme.Owner.PostJsonAsync("/api/v1/context/profiles", new { name = "builder", item_type = "task", max_tokens = 8000, reserved_tokens = 1000 });

        var first = await acme.Owner.PostJsonAsync("/api/v1/context/assemble", new { work_item = "WEB-1" });
        var parts = first.GetProperty("parts").EnumerateArray().ToList();
        Assert.Equal(["item", "knowledge", "artifact", "artifact", "artifact"], parts.Select(p => p.Str("section")));
        // Linked artifacts by type (spec, code), then what they depend on (schema, ten below its type).
        Assert.Equal(["spec/orders v1", "code/server v1", "schema/db v1"], parts.Skip(2).Select(p => p.Str("ref")));
        Assert.All(parts, p => Assert.Equal(TokenCounter.Count(p.Str("content")), p.GetProperty("tokens").GetInt32()));
        var left = Assert.Single(first.GetProperty("left_out").EnumerateArray());
        Assert.Equal(("research/notes v1", "budget_exceeded"), (left.Str("ref"), left.Str("reason")));
        var total = first.GetProperty("total_tokens").GetInt32();
        Assert.Equal(parts.Sum(p => p.GetProperty("tokens").GetInt32()), total);
        Assert.InRange(total, 5000, 7000);
        Assert.True(first.GetProperty("budget_exceeded").GetBoolean());
        Assert.False(first.GetProperty("cache_hit").GetBoolean());
        Assert.Equal("builder", first.Str("profile"));

        var second = await acme.Owner.PostJsonAsync("/api/v1/context/assemble", new { work_item = "WEB-1" });
        Assert.True(second.GetProperty("cache_hit").GetBoolean());
        Assert.Equal(parts.Select(p => p.Str("ref")), second.GetProperty("parts").EnumerateArray().Select(p => p.Str("ref")));

        // A new version of a linked artifact is a new input.
        await acme.Owner.PatchJsonAsync($"/api/v1/artifacts/{spec.Str("id")}", new { content = Words("the", 1500) });
        var third = await acme.Owner.PostJsonAsync("/api/v1/context/assemble", new { work_item = "WEB-1" });
        Assert.False(third.GetProperty("cache_hit").GetBoolean());
        Assert.Contains(third.GetProperty("parts").EnumerateArray(), p => p.Str("ref") == "spec/orders v2");

        // A bigger budget given in the request takes everything.
        var wide = await acme.Owner.PostJsonAsync("/api/v1/context/assemble", new { work_item = "WEB-1", max_tokens = 20000 });
        Assert.Empty(wide.GetProperty("left_out").EnumerateArray());
        Assert.False(wide.GetProperty("budget_exceeded").GetBoolean());

        var log = (await acme.Owner.GetJsonAsync("/api/v1/context/requests?work_item=WEB-1")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([false, false, true, false], log.Select(r => r.GetProperty("cache_hit").GetBoolean()));
        Assert.Equal([0, 1, 1, 1], log.Select(r => r.GetProperty("left_out").GetInt32()));
        Assert.All(log, r => Assert.Equal($"user:{acme.OwnerId}", r.Str("requested_by")));
        Assert.Equal(4, log[0].GetProperty("artifacts_resolved").GetInt32());
        var member = await acme.AddPersonAsync("member");
        Assert.Equal(HttpStatusCode.Forbidden, (await member.Client.GetAsync("/api/v1/context/requests")).StatusCode);
    }

    [Theory, BothStores]
    public async Task An_agent_with_a_profile_claims_its_item_with_the_assembled_context_and_one_without_does_not(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Write the changelog", new { status = "ready" });
        await acme.CreateWorkAsync("WEB", "Write the release notes", new { status = "ready" });
        var (_, writer, _) = await acme.CreateAgentAsync("writer", role: "writer");
        var (_, plain, _) = await acme.CreateAgentAsync("plain", role: "coder");
        await acme.Owner.PostJsonAsync("/api/v1/context/profiles", new { name = "writers", role = "writer", max_tokens = 4000 });

        var claimed = Assert.Single((await (await writer.PostAsJsonAsync("/api/v1/work/claim", new { })).ReadSuccessAsync()).GetProperty("items").EnumerateArray());
        var assembled = claimed.GetProperty("assembled");
        Assert.Equal("writers", assembled.Str("profile"));
        Assert.Equal(4000, assembled.GetProperty("max_tokens").GetInt32());
        Assert.Equal("item", assembled.GetProperty("parts")[0].Str("section"));
        Assert.Equal(claimed.GetProperty("item").Str("key"), assembled.Str("work_item_key"));

        var other = Assert.Single((await (await plain.PostAsJsonAsync("/api/v1/work/claim", new { })).ReadSuccessAsync()).GetProperty("items").EnumerateArray());
        Assert.False(other.TryGetProperty("assembled", out var none) && none.ValueKind != JsonValueKind.Null);
    }

    [Theory, BothStores]
    public async Task Bad_profiles_and_requests_are_400s_naming_the_field_and_another_tenants_item_is_404(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var globex = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await globex.CreateProjectAsync("WEB");
        var theirs = await globex.CreateWorkAsync("WEB", "Theirs");

        foreach (var (body, field) in new (object, string)[]
                 {
                     (new { name = "a", max_tokens = 100, reserved_tokens = 100 }, "reserved_tokens"),
                     (new { name = "a", max_tokens = 0 }, "max_tokens"),
                     (new { name = "a", encoding = "bytes" }, "encoding"),
                     (new { name = "a", agent = "nobody" }, "agent"),
                     (new { name = "a", role = "writer", item_type = "task" }, "item_type"),
                     (new { name = "a", priorities = new Dictionary<string, int> { ["Spec!"] = 5 } }, "priorities"),
                     (new { max_tokens = 100 }, "name"),
                 })
        {
            var problem = await (await acme.Owner.PostAsJsonAsync("/api/v1/context/profiles", body, Bosun.Server.Http.BosunJson.Options)).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{field}: {problem}");
        }

        Assert.Empty((await acme.Owner.GetJsonAsync("/api/v1/context/profiles")).EnumerateArray());
        foreach (var (body, field) in new (string, string)[]
                 {
                     ("{}", "work_item"), ("""{"work_item": "WEB-9", "max_tokens": 0}""", "max_tokens"),
                     ("""{"work_item": "WEB-1", "profile": "nope"}""", "profile"), ("""{"work_item": "WEB-1", "encoding": "x"}""", "encoding"),
                 })
        {
            await acme.CreateWorkAsync("WEB", "Ours");
            var problem = await (await acme.Owner.PostRawAsync("/api/v1/context/assemble", body)).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{field}: {problem}");
        }

        Assert.Equal(HttpStatusCode.NotFound, (await acme.Owner.PostRawAsync("/api/v1/context/assemble", $$"""{"work_item": "{{theirs.Str("id")}}"}""")).StatusCode);
        Assert.Empty((await acme.Owner.GetJsonAsync("/api/v1/context/requests")).GetProperty("items").EnumerateArray());
    }
}
