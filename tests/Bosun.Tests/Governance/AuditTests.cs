using System.Net;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Governance;

public sealed class AuditTests
{
    [Theory, BothStores]
    public async Task A_mutation_is_audited_with_actor_action_changes_request_and_time(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        var project = await acme.CreateProjectAsync("WEB", "Website");
        app.Clock!.Advance(TimeSpan.FromMinutes(3));
        await acme.Owner.PatchJsonAsync("/api/v1/projects/WEB", new { name = "Public website", default_branch = "main" });

        var entries = await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={project.Str("id")}");

        Assert.Equal(["project.updated", "project.created"], entries.Select(e => e.Str("action")));
        var updated = entries[0];
        Assert.Equal($"user:{acme.OwnerId}", updated.Str("actor"));
        Assert.Equal("Owner", updated.Str("actor_name"));
        Assert.Equal("project", updated.Str("entity_type"));
        Assert.Equal(app.Clock.GetUtcNow().UtcDateTime, updated.GetProperty("created_at").GetDateTime());
        Assert.False(string.IsNullOrEmpty(updated.Str("request_id")));
        Assert.NotEqual(entries[1].Str("request_id"), updated.Str("request_id"));
        var changes = updated.GetProperty("changes");
        Assert.Equal(["name"], changes.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Website", changes.GetProperty("name").Str("before"));
        Assert.Equal("Public website", changes.GetProperty("name").Str("after"));
        Assert.Equal("WEB", entries[1].GetProperty("changes").GetProperty("key").Str("after"));
    }

    [Theory, BothStores]
    public async Task Every_kind_of_mutation_leaves_an_audit_row(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var goal = await acme.CreateGoalAsync(new { title = "Goal" });
        await acme.Owner.PatchJsonAsync($"/api/v1/goals/{goal.Str("id")}", new { current_value = 3.0 });
        var (agent, agentClient, _) = await acme.CreateAgentAsync("bot");
        await acme.Owner.PatchJsonAsync($"/api/v1/agents/{agent.Str("id")}", new { model = "m1" });
        // An agent creates sub-items of the item it holds.
        var held = await acme.CreateWorkAsync("WEB", "Held", new { status = "ready", assignee = $"agent:{agent.Str("id")}" });
        await agentClient.PostJsonAsync("/api/v1/work/claim", new { });
        var item = await agentClient.PostJsonAsync("/api/v1/work", new { project_id = "WEB", parent_id = held.Str("id"), title = "By the agent" });
        await acme.Owner.PatchJsonAsync($"/api/v1/work/{item.Str("id")}", new { labels = new[] { "a" } });
        await acme.CreateWorkAsync("WEB", "Other");
        await acme.Owner.PostJsonAsync($"/api/v1/work/{item.Str("id")}/dependencies", new { depends_on = "WEB-3" });
        await agentClient.PostJsonAsync($"/api/v1/work/{item.Str("id")}/comments", new { body = "Done soon" });
        var member = await acme.AddPersonAsync("member");
        await acme.Owner.PatchJsonAsync($"/api/v1/users/{member.Id}", new { role = "reviewer" });
        await acme.Owner.PostJsonAsync($"/api/v1/users/{member.Id}/deactivate", new { });
        var token = await acme.Owner.PostJsonAsync("/api/v1/tokens", new { name = "spare" });
        await acme.Owner.PostJsonAsync($"/api/v1/tokens/{token.Str("id")}/revoke", new { });
        await acme.Owner.PatchJsonAsync("/api/v1/tenant", new { plan = "team" });

        var actions = (await acme.Owner.ListAllAsync("/api/v1/audit")).Select(e => e.Str("action")).ToHashSet();

        foreach (var action in new[]
                 {
                     "project.created", "goal.created", "goal.updated", "agent.created", "agent.updated", "api_token.created",
                     "work_item.created", "work_item.labels_changed", "work_item.dependency_added", "comment.created",
                     "invitation.created", "invitation.updated", "user.created", "user.updated", "api_token.updated", "tenant.updated",
                 })
        {
            Assert.Contains(action, actions);
        }

        var byAgent = await acme.Owner.ListAllAsync($"/api/v1/audit?actor=agent:{agent.Str("id")}");
        Assert.Equal(["comment.created", "work_item.created", "run.created", "work_item.claimed"], byAgent.Select(e => e.Str("action")));
        var roleChange = (await acme.Owner.ListAllAsync($"/api/v1/audit?entity_type=user&entity_id={member.Id}&action=user.updated"))
            .Select(e => e.GetProperty("changes")).First(c => c.TryGetProperty("role", out _));
        Assert.Equal("member", roleChange.GetProperty("role").Str("before"));
        Assert.Equal("reviewer", roleChange.GetProperty("role").Str("after"));
    }

    [Theory, BothStores]
    public async Task Changing_only_links_of_an_item_or_agent_is_audited_too(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var web = await acme.CreateProjectAsync("WEB");
        var (agent, _, _) = await acme.CreateAgentAsync("bot");
        var item = await acme.CreateWorkAsync("WEB", "Labelled", new { labels = new[] { "one" } });

        await acme.Owner.PatchJsonAsync($"/api/v1/agents/{agent.Str("id")}", new { project_ids = new[] { web.Str("id") } });
        await acme.Owner.PatchJsonAsync($"/api/v1/work/{item.Str("id")}", new { labels = new[] { "one", "two" } });

        var agentEntry = (await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={agent.Str("id")}"))[0];
        var projects = agentEntry.GetProperty("changes").GetProperty("project_ids");
        Assert.Empty(projects.GetProperty("before").EnumerateArray());
        Assert.Equal([web.Str("id")], projects.GetProperty("after").EnumerateArray().Select(p => p.GetString()));
        var labels = Assert.Single(await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={item.Str("id")}&action=work_item.labels_changed"))
            .GetProperty("changes").GetProperty("labels");
        Assert.Equal(["one"], labels.GetProperty("before").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal(["one", "two"], labels.GetProperty("after").EnumerateArray().Select(l => l.GetString()));
    }

    [Theory, BothStores]
    public async Task A_refused_mutation_leaves_no_audit_row_and_no_change(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "A");
        var before = (await acme.Owner.ListAllAsync("/api/v1/audit")).Count;

        await (await acme.Owner.PatchRawAsync("/api/v1/work/WEB-1", """{"title":"Changed","status":"done"}""")).ProblemAsync(HttpStatusCode.Conflict);
        await (await acme.Owner.PostRawAsync("/api/v1/work", """{"project_id":"WEB","title":"x","parent_id":"WEB-9"}""")).ProblemAsync(HttpStatusCode.BadRequest);
        await (await acme.Owner.PostRawAsync("/api/v1/work/WEB-1/dependencies", """{"depends_on":"WEB-1"}""")).ProblemAsync(HttpStatusCode.Conflict);

        Assert.Equal(before, (await acme.Owner.ListAllAsync("/api/v1/audit")).Count);
        Assert.Equal("A", (await acme.Owner.GetJsonAsync("/api/v1/work/WEB-1")).Str("title"));
        Assert.Equal("WEB-2", (await acme.CreateWorkAsync("WEB", "B")).Str("key"));
    }

    [Theory, BothStores]
    public async Task Only_owners_and_admins_read_the_audit_log(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var admin = await acme.AddPersonAsync("admin");
        var reviewer = await acme.AddPersonAsync("reviewer");
        var (_, agentClient, _) = await acme.CreateAgentAsync("bot");

        Assert.NotEmpty(await admin.Client.ListAllAsync("/api/v1/audit"));
        await (await reviewer.Client.GetAsync("/api/v1/audit")).ProblemAsync(HttpStatusCode.Forbidden);
        await (await agentClient.GetAsync("/api/v1/audit")).ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Theory, BothStores]
    public async Task The_database_refuses_to_update_or_delete_audit_rows(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var before = await acme.Owner.GetJsonAsync("/api/v1/audit?limit=500");

        foreach (var sql in new[] { "UPDATE audit_entries SET action = 'forged'", "DELETE FROM audit_entries" })
        {
            var refused = await app.WithDbAsync(async db =>
            {
                try
                {
                    await db.Database.ExecuteSqlRawAsync(sql);
                    return null;
                }
                catch (Exception ex)
                {
                    return ex;
                }
            });
            Assert.True(refused is not null, $"the database accepted: {sql}");
            Assert.Contains("append-only", refused.Message);
        }

        if (store == StoreKind.Postgres)
        {
            // As the application role inside a tenant transaction, the statement is refused before any trigger runs.
            await using var scope = app.Services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(acme.Id, Actor.System);
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            var refused = await Assert.ThrowsAnyAsync<Exception>(() =>
                db.InTransactionAsync(c => db.Database.ExecuteSqlRawAsync("DELETE FROM audit_entries", c), write: true, CancellationToken.None));
            Assert.Contains("permission denied", refused.Message);
        }

        Assert.Equal(before.GetRawText(), (await acme.Owner.GetJsonAsync("/api/v1/audit?limit=500")).GetRawText());
        Assert.DoesNotContain("forged", before.GetRawText());
    }
}
