using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Tests.Agents;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Knowledge;

/// Skills: versioned Markdown instructions, global or the tenant's, attached to agents and roles.
public sealed class SkillTests
{
    [Theory, BothStores]
    public async Task Editing_a_skill_makes_a_new_version_and_the_old_ones_stay_readable(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var listed = await acme.Owner.GetJsonAsync("/api/v1/skills");
        Assert.Contains(listed.EnumerateArray(), s => s.Str("id") == "global:writing-commits" && s.GetProperty("global").GetBoolean());
        Assert.Contains(listed.EnumerateArray(), s => s.Str("id") == "global:reviewing-code");

        var skill = await acme.Owner.PostJsonAsync("/api/v1/skills", new { name = "testing-api", description = "How we test", content = "# Test through HTTP" });
        Assert.Equal(1, skill.GetProperty("version").GetInt32());
        var edited = await acme.Owner.PatchJsonAsync($"/api/v1/skills/{skill.Str("id")}", new { content = "# Test through HTTP, on both stores" });
        Assert.Equal(2, edited.GetProperty("version").GetInt32());
        Assert.Equal("How we test", edited.Str("description"));
        var renamed = await acme.Owner.PatchJsonAsync($"/api/v1/skills/{skill.Str("id")}", new { description = "How Bosun tests" });
        Assert.Equal(2, renamed.GetProperty("version").GetInt32());

        var old = await acme.Owner.GetJsonAsync($"/api/v1/skills/testing-api?version=1");
        Assert.Equal("# Test through HTTP", old.Str("content"));
        Assert.Equal(2, old.GetProperty("current_version").GetInt32());
        var versions = await acme.Owner.GetJsonAsync($"/api/v1/skills/{skill.Str("id")}/versions");
        Assert.Equal([2, 1], versions.EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));

        // Global skills are read, never changed; bad input names the field; another tenant's skill is not there.
        Assert.Contains("Writing commits", (await acme.Owner.GetJsonAsync("/api/v1/skills/global:writing-commits")).Str("content"));
        Assert.Equal(HttpStatusCode.Conflict, (await acme.Owner.PatchAsJsonAsync("/api/v1/skills/global:writing-commits", new { content = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await acme.Owner.PostAsJsonAsync("/api/v1/skills", new { name = "testing-api", content = "again" })).StatusCode);
        foreach (var (body, field) in new (object, string)[]
                 {
                     (new { name = "Bad Name", content = "x" }, "name"),
                     (new { name = "fine", content = "" }, "content"),
                     (new { name = "writing-commits", content = "x" }, "name"),
                 })
        {
            var problem = await (await acme.Owner.PostAsJsonAsync("/api/v1/skills", body)).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{field}: {problem}");
        }

        var globex = await app.CreateTenantAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await globex.Owner.GetAsync($"/api/v1/skills/{skill.Str("id")}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await globex.Owner.DeleteAsync($"/api/v1/skills/{skill.Str("id")}")).StatusCode);
        var member = await acme.AddPersonAsync("member");
        Assert.Equal(HttpStatusCode.Forbidden, (await member.Client.PostAsJsonAsync("/api/v1/skills", new { name = "mine", content = "x" })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await acme.Owner.DeleteAsync($"/api/v1/skills/{skill.Str("id")}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.Owner.GetAsync($"/api/v1/skills/{skill.Str("id")}")).StatusCode);
    }

    [Theory, BothStores]
    public async Task An_agent_gets_the_skills_attached_to_it_and_to_its_role_over_mcp(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var (coder, _, token) = await acme.CreateAgentAsync("coder", "backend");
        var (_, _, otherToken) = await acme.CreateAgentAsync("writer", "docs");
        var style = await acme.Owner.PostJsonAsync("/api/v1/skills", new { name = "api-style", content = "# Endpoints per feature" });
        await acme.Owner.PatchJsonAsync($"/api/v1/skills/{style.Str("id")}", new { content = "# Endpoints per feature, TypedResults" });

        var toAgent = await acme.Owner.PostJsonAsync($"/api/v1/skills/{style.Str("id")}/attachments", new { agent = "coder" });
        Assert.Equal(coder.Str("id"), toAgent.Str("agent_id"));
        await acme.Owner.PostJsonAsync("/api/v1/skills/global:writing-commits/attachments", new { role = "backend" });
        await acme.Owner.PostJsonAsync("/api/v1/skills/global:writing-commits/attachments", new { role = "backend" });
        await acme.Owner.PostJsonAsync($"/api/v1/skills/{style.Str("id")}/attachments", new { role = "backend" });

        await using var mcp = await McpServerTests.ConnectAsync(app, token);
        var skills = (await McpServerTests.CallAsync(mcp, "get_skills")).GetProperty("skills").EnumerateArray().ToList();
        Assert.Equal(["api-style", "writing-commits"], skills.Select(s => s.Str("name")));
        Assert.Equal("# Endpoints per feature, TypedResults", skills[0].Str("content"));
        Assert.Equal(2, skills[0].GetProperty("version").GetInt32());
        Assert.Equal(["agent", "role:backend"], skills[0].GetProperty("via").EnumerateArray().Select(v => v.GetString()));
        Assert.Contains("Writing commits", skills[1].Str("content"));

        await using var otherMcp = await McpServerTests.ConnectAsync(app, otherToken);
        Assert.Empty((await McpServerTests.CallAsync(otherMcp, "get_skills")).GetProperty("skills").EnumerateArray());

        // Detaching, with the target in the body or the query string.
        var detach = new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/skills/{style.Str("id")}/attachments") { Content = JsonContent.Create(new { agent = "coder" }) };
        Assert.Equal(HttpStatusCode.NoContent, (await acme.Owner.SendAsync(detach)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await acme.Owner.DeleteAsync("/api/v1/skills/global:writing-commits/attachments?role=backend")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.Owner.DeleteAsync("/api/v1/skills/global:writing-commits/attachments?role=backend")).StatusCode);
        var left = (await McpServerTests.CallAsync(mcp, "get_skills")).GetProperty("skills").EnumerateArray().ToList();
        Assert.Equal(["role:backend"], Assert.Single(left).GetProperty("via").EnumerateArray().Select(v => v.GetString()));

        var neither = await (await acme.Owner.PostAsJsonAsync($"/api/v1/skills/{style.Str("id")}/attachments", new { })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(neither.GetProperty("errors").TryGetProperty("agent", out _));
        var unknown = await (await acme.Owner.PostAsJsonAsync($"/api/v1/skills/{style.Str("id")}/attachments", new { agent = "ghost" })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(unknown.GetProperty("errors").TryGetProperty("agent", out _));
    }
}
