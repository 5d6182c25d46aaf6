using System.Net;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Api;

/// The token decides the tenant: another tenant's ids behave exactly like ids that do not exist.
public sealed class CrossTenantTests
{
    [Theory, BothStores]
    public async Task Every_endpoint_answers_404_for_another_tenants_ids_and_changes_nothing(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var victim = await app.CreateTenantAsync();
        var b = await SeedAsync(victim, "SEC");
        var attacker = await app.CreateTenantAsync();
        await attacker.CreateProjectAsync("WEB");
        var ownItem = await attacker.CreateWorkAsync("WEB", "Mine");
        var before = await SnapshotAsync(victim, b);

        var requests = new (HttpMethod Method, string Url, object? Body)[]
        {
            (HttpMethod.Get, $"/api/v1/projects/{b.ProjectId}", null),
            (HttpMethod.Get, "/api/v1/projects/SEC", null),
            (HttpMethod.Patch, $"/api/v1/projects/{b.ProjectId}", new { name = "Taken over" }),
            (HttpMethod.Patch, "/api/v1/projects/SEC", new { status = "archived" }),
            (HttpMethod.Post, $"/api/v1/projects/{b.ProjectId}/archive", null),
            (HttpMethod.Post, "/api/v1/projects/SEC/restore", null),
            (HttpMethod.Get, "/api/v1/projects/SEC/story-map", null),
            (HttpMethod.Get, $"/api/v1/goals/{b.GoalId}", null),
            (HttpMethod.Post, $"/api/v1/goals/{b.GoalId}/archive", null),
            (HttpMethod.Post, $"/api/v1/goals/{b.GoalId}/restore", null),
            (HttpMethod.Patch, $"/api/v1/goals/{b.GoalId}", new { current_value = 99.0 }),
            (HttpMethod.Get, $"/api/v1/work/{b.ItemId}", null),
            (HttpMethod.Get, "/api/v1/work/SEC-1", null),
            (HttpMethod.Patch, $"/api/v1/work/{b.ItemId}", new { title = "Taken over", status = "ready" }),
            (HttpMethod.Patch, "/api/v1/work/SEC-1", new { priority = "urgent" }),
            (HttpMethod.Post, $"/api/v1/work/{b.ItemId}/dependencies", new { depends_on = ownItem.Str("id") }),
            (HttpMethod.Post, $"/api/v1/work/{b.ItemId}/move", new { before = b.DependencyId }),
            (HttpMethod.Post, "/api/v1/work/SEC-1/move", new { after = ownItem.Str("id") }),
            (HttpMethod.Post, $"/api/v1/work/{b.ItemId}/archive", null),
            (HttpMethod.Post, "/api/v1/work/SEC-1/restore", null),
            (HttpMethod.Delete, $"/api/v1/work/{b.ItemId}/dependencies/{b.DependencyId}", null),
            (HttpMethod.Delete, $"/api/v1/work/{ownItem.Str("id")}/dependencies/{b.DependencyId}", null),
            (HttpMethod.Get, $"/api/v1/work/{b.ItemId}/comments", null),
            (HttpMethod.Post, $"/api/v1/work/{b.ItemId}/comments", new { body = "hello from outside" }),
            (HttpMethod.Get, $"/api/v1/agents/{b.AgentId}", null),
            (HttpMethod.Get, "/api/v1/agents/sec-builder", null),
            (HttpMethod.Patch, $"/api/v1/agents/{b.AgentId}", new { enabled = false }),
            (HttpMethod.Post, $"/api/v1/tokens/{b.TokenId}/revoke", null),
            (HttpMethod.Post, $"/api/v1/tokens/{b.OwnerTokenId}/revoke", null),
            (HttpMethod.Get, $"/api/v1/users/{b.OwnerId}", null),
            (HttpMethod.Patch, $"/api/v1/users/{b.OwnerId}", new { role = "member" }),
            (HttpMethod.Patch, $"/api/v1/users/{b.MemberId}", new { name = "Renamed" }),
            (HttpMethod.Post, $"/api/v1/users/{b.MemberId}/deactivate", null),
            (HttpMethod.Post, $"/api/v1/users/{b.MemberId}/reactivate", null),
            (HttpMethod.Post, $"/api/v1/invitations/{b.InvitationId}/revoke", null),
        };
        foreach (var (method, url, body) in requests)
        {
            var response = await attacker.Owner.SendJsonAsync(method, url, body);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {url}: {(int)response.StatusCode} {text}");
            Assert.Equal("/problems/not-found", JsonDocument.Parse(text).RootElement.Str("type"));
        }

        Assert.Equal(before, await SnapshotAsync(victim, b));
    }

    [Theory, BothStores]
    public async Task References_to_another_tenants_rows_are_refused_like_unknown_ones(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var victim = await app.CreateTenantAsync();
        var b = await SeedAsync(victim, "SEC");
        var attacker = await app.CreateTenantAsync();
        await attacker.CreateProjectAsync("WEB");
        var ownItem = await attacker.CreateWorkAsync("WEB", "Mine");
        var before = await SnapshotAsync(victim, b);

        var requests = new (HttpMethod Method, string Url, object Body, string Field)[]
        {
            (HttpMethod.Post, "/api/v1/work", new { project_id = b.ProjectId, title = "x" }, "project_id"),
            (HttpMethod.Post, "/api/v1/work", new { project_id = "WEB", title = "x", parent_id = b.ItemId }, "parent_id"),
            (HttpMethod.Post, "/api/v1/work", new { project_id = "WEB", title = "x", goal_id = b.GoalId }, "goal_id"),
            (HttpMethod.Post, "/api/v1/work", new { project_id = "WEB", title = "x", assignee = $"agent:{b.AgentId}" }, "assignee"),
            (HttpMethod.Post, "/api/v1/work", new { project_id = "WEB", title = "x", assignee = $"user:{b.OwnerId}" }, "assignee"),
            (HttpMethod.Post, "/api/v1/work", new { project_id = "WEB", title = "x", depends_on = new[] { b.ItemId } }, "depends_on"),
            (HttpMethod.Patch, $"/api/v1/work/{ownItem.Str("id")}", new { parent_id = b.ItemId }, "parent_id"),
            (HttpMethod.Patch, $"/api/v1/work/{ownItem.Str("id")}", new { assignee = "agent:sec-builder" }, "assignee"),
            (HttpMethod.Post, $"/api/v1/work/{ownItem.Str("id")}/dependencies", new { depends_on = b.ItemId }, "depends_on"),
            (HttpMethod.Post, $"/api/v1/work/{ownItem.Str("id")}/move", new { before = b.ItemId }, "before"),
            (HttpMethod.Post, $"/api/v1/work/{ownItem.Str("id")}/move", new { after = "SEC-1" }, "after"),
            (HttpMethod.Post, "/api/v1/goals", new { title = "x", project_id = b.ProjectId }, "project_id"),
            (HttpMethod.Post, "/api/v1/agents", new { name = "x", role = "r", project_ids = new[] { b.ProjectId } }, "project_ids"),
            (HttpMethod.Patch, "/api/v1/projects/WEB", new { lead_user_id = b.OwnerId }, "lead_user_id"),
            (HttpMethod.Post, "/api/v1/tokens", new { name = "x", agent_id = b.AgentId }, "agent_id"),
            (HttpMethod.Post, "/api/v1/tokens", new { name = "x", user_id = b.MemberId }, "user_id"),
        };
        foreach (var (method, url, body, field) in requests)
        {
            var response = await attacker.Owner.SendJsonAsync(method, url, body);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{method} {url}: {(int)response.StatusCode} {text}");
            Assert.NotEmpty(JsonDocument.Parse(text).RootElement.FieldErrors(field));
        }

        Assert.Single(await attacker.Owner.ListAllAsync("/api/v1/work"));
        Assert.Empty(await attacker.Owner.ListAllAsync("/api/v1/goals"));
        Assert.Empty(await attacker.Owner.ListAllAsync("/api/v1/agents"));
        Assert.Equal(before, await SnapshotAsync(victim, b));
    }

    [Theory, BothStores]
    public async Task Lists_and_filters_never_show_another_tenants_rows(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var victim = await app.CreateTenantAsync();
        var b = await SeedAsync(victim, "SEC");
        var attacker = await app.CreateTenantAsync();
        var (agent, agentClient, _) = await attacker.CreateAgentAsync("own-agent");

        foreach (var client in new[] { attacker.Owner, agentClient })
        {
            var work = await client.ListAllAsync("/api/v1/work");
            Assert.Empty(work);
            Assert.Empty(await client.ListAllAsync($"/api/v1/work?parent={b.ItemId}"));
            Assert.Empty(await client.ListAllAsync($"/api/v1/work?assignee=agent:{b.AgentId}"));
            Assert.Empty(await client.ListAllAsync($"/api/v1/work?goal={b.GoalId}"));
            Assert.Empty(await client.ListAllAsync("/api/v1/work?label=secret"));
            Assert.Empty(await client.ListAllAsync("/api/v1/projects"));
            Assert.Empty(await client.ListAllAsync("/api/v1/goals"));
            Assert.Equal([agent.Str("id")], (await client.ListAllAsync("/api/v1/agents")).Select(a => a.Str("id")));
        }

        Assert.Equal([attacker.OwnerId], (await attacker.Owner.ListAllAsync("/api/v1/users")).Select(u => u.Str("id")));
        Assert.Empty(await attacker.Owner.ListAllAsync("/api/v1/invitations"));
        Assert.Empty(await attacker.Owner.ListAllAsync($"/api/v1/tokens?agent_id={b.AgentId}"));
        Assert.DoesNotContain(await attacker.Owner.ListAllAsync("/api/v1/tokens"), t => t.Str("id") == b.TokenId || t.Str("id") == b.OwnerTokenId);
        Assert.Empty(await attacker.Owner.ListAllAsync($"/api/v1/audit?entity_id={b.ItemId}"));
        Assert.DoesNotContain(await attacker.Owner.ListAllAsync("/api/v1/audit"), a => a.GetRawText().Contains(b.ItemId));
        Assert.Equal(attacker.Id, (await attacker.Owner.GetJsonAsync("/api/v1/tenant")).Str("id"));
        foreach (var url in new[] { "/api/v1/work?project=SEC", $"/api/v1/work?project={b.ProjectId}", $"/api/v1/goals?project={b.ProjectId}" })
        {
            Assert.NotEmpty((await (await attacker.Owner.GetAsync(url)).ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("project"));
        }
    }

    private sealed record Seeded(
        string ProjectId, string GoalId, string ItemId, string DependencyId, string AgentId, string TokenId,
        string OwnerId, string OwnerTokenId, string MemberId, string InvitationId);

    private static async Task<Seeded> SeedAsync(TestTenant t, string key)
    {
        var project = await t.CreateProjectAsync(key);
        var goal = await t.CreateGoalAsync(new { title = "Grow", project_id = project.Str("id"), baseline = 0.0, target = 10.0 });
        var (agent, _, _) = await t.CreateAgentAsync("sec-builder");
        var dependency = await t.CreateWorkAsync(key, "First");
        var item = await t.CreateWorkAsync(key, "Secret plan", new
        {
            labels = new[] { "secret" },
            goal_id = goal.Str("id"),
            assignee = $"agent:{agent.Str("id")}",
            depends_on = new[] { dependency.Str("id") },
        });
        await t.CreateWorkAsync(key, "Child", new { parent_id = item.Str("id") });
        await t.Owner.PostJsonAsync($"/api/v1/work/{item.Str("id")}/comments", new { body = "Keep it quiet" });
        var tokens = await t.Owner.ListAllAsync("/api/v1/tokens");
        var member = await t.AddPersonAsync("member");
        var invitation = await t.Owner.PostJsonAsync("/api/v1/invitations", new { email = "later@example.test" });
        return new Seeded(
            project.Str("id"), goal.Str("id"), item.Str("id"), dependency.Str("id"), agent.Str("id"),
            tokens.Single(x => x.Str("principal") == $"agent:{agent.Str("id")}").Str("id"), t.OwnerId,
            tokens.Single(x => x.Str("principal") == $"user:{t.OwnerId}").Str("id"), member.Id,
            invitation.GetProperty("invitation").Str("id"));
    }

    /// Everything the victim's owner can read, as text; equal snapshots mean nothing changed.
    private static async Task<string> SnapshotAsync(TestTenant t, Seeded b)
    {
        var parts = new List<string>();
        foreach (var url in new[]
                 {
                     "/api/v1/tenant", $"/api/v1/projects/{b.ProjectId}", $"/api/v1/goals/{b.GoalId}", "/api/v1/work?limit=500",
                     "/api/v1/work?archived=true&limit=500", $"/api/v1/work?parent={b.ItemId}&limit=500",
                     $"/api/v1/work/{b.ItemId}/comments", $"/api/v1/agents/{b.AgentId}", "/api/v1/users?limit=500",
                     "/api/v1/invitations?limit=500", "/api/v1/audit?limit=500",
                 })
        {
            parts.Add((await t.Owner.GetJsonAsync(url)).GetRawText());
        }

        // Token rows carry last_used_at, which reading them may advance; their revocation is what matters.
        var tokens = await t.Owner.ListAllAsync("/api/v1/tokens");
        parts.Add(string.Join(",", tokens.Select(x => $"{x.Str("id")}:{x.GetProperty("revoked_at")}")));
        return string.Join("\n", parts);
    }
}
