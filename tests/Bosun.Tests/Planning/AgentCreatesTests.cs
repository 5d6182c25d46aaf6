using System.Net;
using System.Net.Http.Json;
using Bosun.Core.Data;
using Bosun.Server.Http;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Planning;

public sealed class AgentCreatesTests
{
    [Theory, BothStores]
    public async Task Agent_creates_over_rest_only_sub_items_of_the_item_it_holds(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateProjectAsync("OPS");
        var held = await acme.CreateWorkAsync("WEB", "Write the landing page", new { status = "ready" });
        var other = await acme.CreateWorkAsync("WEB", "Someone else's", new { status = "backlog" });
        var (_, coder, _) = await acme.CreateAgentAsync("coder");
        await coder.PostJsonAsync("/api/v1/work/claim", new { });

        var loose = await (await coder.PostAsJsonAsync("/api/v1/work", new { project_id = "OPS", title = "Loose" }, BosunJson.Options))
            .ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(loose.FieldErrors("parent_id"), e => e.Contains("sub-items of the item they are working on"));
        var notHeld = await (await coder.PostAsJsonAsync("/api/v1/work", new { project_id = "WEB", title = "Sneaky", parent_id = other.Str("key") }, BosunJson.Options))
            .ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(notHeld.FieldErrors("parent_id"), e => e.Contains($"you hold no active run on {other.Str("key")}"));
        var elsewhere = await (await coder.PostAsJsonAsync("/api/v1/work", new { project_id = "OPS", title = "Elsewhere", parent_id = held.Str("key") }, BosunJson.Options))
            .ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(elsewhere.FieldErrors("project_id"));
        Assert.Equal(2, (await acme.Owner.GetJsonAsync("/api/v1/work?limit=50")).GetProperty("items").GetArrayLength());

        var child = await coder.PostJsonAsync("/api/v1/work", new { project_id = "WEB", title = "Compress the hero image", parent_id = held.Str("key") });
        Assert.Equal(held.Str("id"), child.Str("parent_id"));
        Assert.Equal("WEB-3", child.Str("key"));

        // People are not bound to what they hold.
        await acme.CreateWorkAsync("OPS", "A plan of the owner's");
    }
}
