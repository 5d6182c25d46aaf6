using System.Net;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Storage;

public sealed class RestartTests
{
    [Theory, BothStores]
    public async Task A_restart_keeps_all_data_and_tokens(StoreKind store)
    {
        var app = await BosunTestApp.StartAsync(store);
        string before;
        TestTenant acme;
        TestPerson member;
        string agentToken;
        try
        {
            acme = await app.CreateTenantAsync("acme");
            await acme.Owner.PatchJsonAsync("/api/v1/tenant", new { monthly_spend_cap_usd = 99.5m });
            await acme.CreateProjectAsync("WEB");
            var goal = await acme.CreateGoalAsync(new { title = "Ship", baseline = 0.0, target = 4.0, current_value = 1.0 });
            var (_, _, token) = await acme.CreateAgentAsync("builder", "backend", new { max_cost_per_work_item_usd = 0.25m });
            agentToken = token;
            await acme.CreateWorkAsync("WEB", "First", new { labels = new[] { "a" }, input = new { n = 1 } });
            await acme.CreateWorkAsync("WEB", "Second", new { depends_on = new[] { "WEB-1" }, goal_id = goal.Str("id"), assignee = "agent:builder", due_at = "2026-05-01T10:30:00Z" });
            await acme.Owner.PostJsonAsync("/api/v1/work/WEB-2/comments", new { body = "Remember me" });
            member = await acme.AddPersonAsync("reviewer");
            await acme.Owner.PostJsonAsync("/api/v1/invitations", new { email = "pending@acme.test" });
            await acme.Owner.PostRawAsync("/api/v1/projects", """{"key":"OPS","name":"Ops"}""", "restart-key");
            before = await SnapshotAsync(acme.Owner);
        }
        finally
        {
            await app.DisposeAsync();
        }

        await using var restarted = await BosunTestApp.StartOnAsync(app.Store);
        var owner = restarted.ClientFor(acme.OwnerToken);

        Assert.Equal(before, await SnapshotAsync(owner));
        Assert.Equal(HttpStatusCode.OK, (await restarted.ClientFor(member.Token).GetAsync("/api/v1/users/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await restarted.ClientFor(agentToken).GetAsync("/api/v1/work")).StatusCode);
        Assert.Equal("WEB-3", (await owner.PostJsonAsync("/api/v1/work", new { project_id = "WEB", title = "Third" })).Str("key"));
        var replay = await owner.PostRawAsync("/api/v1/projects", """{"key":"OPS","name":"Ops"}""", "restart-key");
        Assert.True(replay.Headers.Contains("Idempotent-Replayed"));
    }

    private static async Task<string> SnapshotAsync(HttpClient owner)
    {
        var parts = new List<string>();
        foreach (var url in new[]
                 {
                     "/api/v1/tenant", "/api/v1/projects?limit=500", "/api/v1/goals?limit=500", "/api/v1/work?limit=500",
                     "/api/v1/work/WEB-2/comments", "/api/v1/agents?limit=500", "/api/v1/users?limit=500", "/api/v1/invitations?limit=500",
                     "/api/v1/audit?limit=500",
                 })
        {
            parts.Add((await owner.GetJsonAsync(url)).GetRawText());
        }

        var tokens = await owner.ListAllAsync("/api/v1/tokens");
        parts.Add(string.Join(",", tokens.Select(t => $"{t.Str("id")}:{t.Str("prefix")}:{t.Str("principal")}:{t.GetProperty("created_at")}")));
        return string.Join("\n", parts);
    }
}
