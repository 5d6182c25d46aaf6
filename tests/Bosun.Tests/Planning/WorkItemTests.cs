using System.Net;
using System.Net.Http.Json;
using Bosun.Core.Data;
using Bosun.Server.Http;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Planning;

public sealed class WorkItemTests
{
    [Theory, BothStores]
    public async Task Work_items_get_project_keys_in_sequence(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");

        var first = await acme.CreateWorkAsync("WEB", "Write the landing page");
        var second = await acme.CreateWorkAsync("web", "Ship it", new { priority = "urgent", labels = new[] { "Launch", "launch" } });

        Assert.Equal("WEB-1", first.Str("key"));
        Assert.Equal("WEB-2", second.Str("key"));
        Assert.Equal("urgent", second.Str("priority"));
        Assert.Equal(["launch"], second.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        var fetched = await acme.Owner.GetJsonAsync("/api/v1/work/WEB-2");
        Assert.Equal(second.Str("id"), fetched.Str("id"));
    }

    [Theory, BothStores]
    public async Task Illegal_status_move_is_409_with_the_allowed_moves(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Task");

        var response = await acme.Owner.PatchAsJsonAsync($"/api/v1/work/{item.Str("id")}", new { status = "done" }, BosunJson.Options);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.ReadJsonAsync();
        Assert.Equal("/problems/illegal-transition", problem.Str("type"));
        Assert.Equal(["ready", "blocked", "cancelled"], problem.GetProperty("allowed").EnumerateArray().Select(a => a.GetString()));
        var unchanged = await acme.Owner.GetJsonAsync($"/api/v1/work/{item.Str("id")}");
        Assert.Equal("backlog", unchanged.Str("status"));
    }
}
