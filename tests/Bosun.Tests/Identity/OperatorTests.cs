using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Bosun.Server.Http;
using Bosun.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Identity;

public sealed class OperatorTests
{
    private static async Task<(string Id, HttpClient Client)> CreateOperatorAsync(BosunTestApp app, string email = "ops@example.test")
    {
        await using var scope = app.Services.CreateAsyncScope();
        var created = await scope.ServiceProvider.GetRequiredService<OperatorService>().CreateOperatorAsync(email, "Ops", CancellationToken.None);
        Assert.StartsWith("bop_", created.Token);
        return (created.Operator.Id, app.ClientFor(created.Token));
    }

    private static async Task<JsonElement> ClaimOneAsync(HttpClient agent) =>
        (await (await agent.PostAsJsonAsync("/api/v1/work/claim", new { }, BosunJson.Options)).ReadSuccessAsync()).GetProperty("items").EnumerateArray().Single();

    [Theory, BothStores]
    public async Task An_operator_creates_lists_suspends_and_resumes_tenants(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var (operatorId, ops) = await CreateOperatorAsync(app);
        var acme = await app.CreateTenantAsync("acme");

        var created = await ops.PostJsonAsync("/api/v1/operator/tenants", new { slug = "globex", name = "Globex", owner_email = "boss@globex.test" });
        Assert.Equal("globex", created.GetProperty("tenant").Str("slug"));
        Assert.Equal("active", created.GetProperty("tenant").Str("status"));
        var globexOwner = app.ClientFor(created.Str("owner_token"));
        Assert.Equal("globex", (await globexOwner.GetJsonAsync("/api/v1/tenant")).Str("slug"));

        var firstPage = await ops.GetJsonAsync("/api/v1/operator/tenants?limit=1");
        var secondPage = await ops.GetJsonAsync($"/api/v1/operator/tenants?limit=1&cursor={firstPage.Str("next_cursor")}");
        Assert.Equal(["acme", "globex"], firstPage.GetProperty("items").EnumerateArray().Concat(secondPage.GetProperty("items").EnumerateArray()).Select(t => t.Str("slug")));
        Assert.Equal(JsonValueKind.Null, secondPage.GetProperty("next_cursor").ValueKind);

        var suspended = await ops.PostJsonAsync($"/api/v1/operator/tenants/{acme.Id}/suspend", new { });
        Assert.Equal("suspended", suspended.Str("status"));
        Assert.Equal("suspended", (await ops.GetJsonAsync("/api/v1/operator/tenants?status=suspended")).GetProperty("items").EnumerateArray().Single().Str("status"));
        var refused = await (await acme.Owner.GetAsync("/api/v1/work")).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(TenantAccess.SuspendedType, refused.Str("type"));
        Assert.Contains("contact the instance operator", refused.Str("detail"), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("globex", (await globexOwner.GetJsonAsync("/api/v1/tenant")).Str("slug"));

        Assert.Equal("active", (await ops.PostJsonAsync("/api/v1/operator/tenants/acme/resume", new { })).Str("status"));
        Assert.Equal("acme", (await acme.Owner.GetJsonAsync("/api/v1/tenant")).Str("slug"));
        Assert.Equal("active", (await acme.Owner.GetJsonAsync("/api/v1/tenant")).Str("status"));

        Assert.Equal("trialing", (await ops.PatchJsonAsync($"/api/v1/operator/tenants/{acme.Id}", new { status = "trialing" })).Str("status"));
        Assert.Equal("acme", (await acme.Owner.GetJsonAsync("/api/v1/tenant")).Str("slug"));
        var badStatus = await (await ops.PatchRawAsync($"/api/v1/operator/tenants/{acme.Id}", """{"status":"suspended"}""")).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(badStatus.FieldErrors("status"));
        await (await ops.PostRawAsync("/api/v1/operator/tenants/nope/suspend", "{}")).ProblemAsync(HttpStatusCode.NotFound);

        var cancelled = await ops.PostJsonAsync($"/api/v1/operator/tenants/{acme.Id}/cancel", new { });
        Assert.Equal("cancelled", cancelled.Str("status"));
        Assert.Equal(TenantAccess.SuspendedType, (await (await acme.Owner.GetAsync("/api/v1/tenant")).ProblemAsync(HttpStatusCode.Forbidden)).Str("type"));

        // Each change is in the tenant's own audit log, under the operator's name.
        await ops.PostJsonAsync($"/api/v1/operator/tenants/{acme.Id}/resume", new { });
        var audit = await acme.Owner.ListAllAsync($"/api/v1/audit?entity_type=tenant&entity_id={acme.Id}");
        var moves = audit.Where(a => a.Str("actor") == $"operator:{operatorId}").Select(a => a.GetProperty("changes").GetProperty("status").Str("after")).ToList();
        Assert.Equal(["active", "cancelled", "trialing", "active", "suspended"], moves);
    }

    [Theory, BothStores]
    public async Task A_suspended_tenants_agent_learns_it_on_heartbeat_and_works_again_after_resume(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var (_, ops) = await CreateOperatorAsync(app);
        var acme = await app.CreateTenantAsync("acme");
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Build the page", new { status = "ready" });
        var (_, agent, _) = await acme.CreateAgentAsync("builder");
        var claimed = await ClaimOneAsync(agent);
        var heartbeat = $"/api/v1/runs/{claimed.GetProperty("run").Str("run_id")}/heartbeat";
        var lease = new { lease_token = claimed.GetProperty("run").Str("lease_token") };

        await ops.PostJsonAsync($"/api/v1/operator/tenants/{acme.Id}/suspend", new { });
        var refused = await (await agent.PostAsJsonAsync(heartbeat, lease, BosunJson.Options)).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(TenantAccess.SuspendedType, refused.Str("type"));

        await ops.PostJsonAsync($"/api/v1/operator/tenants/{acme.Id}/resume", new { });
        Assert.False((await agent.PostJsonAsync(heartbeat, lease)).GetProperty("stop").GetBoolean());
    }

    [Theory, BothStores]
    public async Task An_operator_token_reads_no_tenant_data_and_a_tenant_token_no_operator_api(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var (_, ops) = await CreateOperatorAsync(app);
        var acme = await app.CreateTenantAsync("acme");
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Secret plans");

        foreach (var path in new[] { "/api/v1/work", $"/api/v1/work/{item.Str("id")}", "/api/v1/users", "/api/v1/tenant", "/api/v1/audit", "/api/v1/projects" })
        {
            var problem = await (await ops.GetAsync(path)).ProblemAsync(HttpStatusCode.Forbidden);
            Assert.Equal("/problems/operator-token", problem.Str("type"));
        }

        var listed = await ops.GetAsync("/api/v1/operator/tenants");
        var text = await listed.Content.ReadAsStringAsync();
        Assert.DoesNotContain("Secret plans", text);
        Assert.DoesNotContain("owner@example.test", text);
        var tenant = (await listed.ReadSuccessAsync()).GetProperty("items").EnumerateArray().Single();
        Assert.Equal(["id", "slug", "name", "plan", "status", "created_at"], tenant.EnumerateObject().Select(p => p.Name));

        var (_, agent, _) = await acme.CreateAgentAsync("builder");
        foreach (var client in new[] { acme.Owner, agent })
        {
            var problem = await (await client.GetAsync("/api/v1/operator/tenants")).ProblemAsync(HttpStatusCode.Forbidden);
            Assert.Equal("/problems/operator-only", problem.Str("type"));
            await (await client.PostRawAsync($"/api/v1/operator/tenants/{acme.Id}/suspend", "{}")).ProblemAsync(HttpStatusCode.Forbidden);
        }

        await (await app.Anonymous().GetAsync("/api/v1/operator/tenants")).ProblemAsync(HttpStatusCode.Unauthorized);
        await (await app.ClientFor("bop_not-a-real-token").GetAsync("/api/v1/operator/tenants")).ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("active", (await acme.Owner.GetJsonAsync("/api/v1/tenant")).Str("status"));
    }

    [Theory, BothStores]
    public async Task A_second_operator_with_the_same_email_is_a_conflict(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        await CreateOperatorAsync(app);

        await using var scope = app.Services.CreateAsyncScope();
        var again = await Assert.ThrowsAsync<Bosun.Core.Common.ProblemException>(() =>
            scope.ServiceProvider.GetRequiredService<OperatorService>().CreateOperatorAsync("ops@example.test", null, CancellationToken.None));
        Assert.Equal(409, again.Status);
    }
}
