using System.Net;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Planning;

public sealed class DependencyTests
{
    [Theory, BothStores]
    public async Task A_dependency_cycle_is_refused_with_a_problem_naming_the_cycle(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var a = await acme.CreateWorkAsync("WEB", "A");
        await acme.CreateWorkAsync("WEB", "B", new { depends_on = new[] { "WEB-1" } });
        var c = await acme.CreateWorkAsync("WEB", "C");
        await acme.Owner.PostJsonAsync("/api/v1/work/WEB-3/dependencies", new { depends_on = "WEB-2" });

        var response = await acme.Owner.PostRawAsync($"/api/v1/work/{a.Str("id")}/dependencies", """{"depends_on":"WEB-3"}""");

        var problem = await response.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("/problems/dependency-cycle", problem.Str("type"));
        Assert.Equal(["WEB-1", "WEB-3", "WEB-2", "WEB-1"], problem.GetProperty("cycle").EnumerateArray().Select(k => k.GetString()));
        Assert.Contains("WEB-1 → WEB-3 → WEB-2 → WEB-1", problem.Str("detail"));
        Assert.NotEmpty(problem.FieldErrors("depends_on"));
        Assert.Empty((await acme.Owner.GetJsonAsync("/api/v1/work/WEB-1")).GetProperty("depends_on").EnumerateArray());

        var self = await acme.Owner.PostRawAsync($"/api/v1/work/{c.Str("id")}/dependencies", $$"""{"depends_on":"{{c.Str("id")}}"}""");
        Assert.Equal(["WEB-3", "WEB-3"], (await self.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("cycle").EnumerateArray().Select(k => k.GetString()));
    }

    [Theory, BothStores]
    public async Task Dependencies_are_added_once_and_removed(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var a = await acme.CreateWorkAsync("WEB", "A");
        var b = await acme.CreateWorkAsync("WEB", "B");

        await acme.Owner.PostJsonAsync($"/api/v1/work/{b.Str("id")}/dependencies", new { depends_on = "WEB-1" });
        var twice = await acme.Owner.PostJsonAsync($"/api/v1/work/{b.Str("id")}/dependencies", new { depends_on = a.Str("id") });
        Assert.Equal(["WEB-1"], twice.GetProperty("depends_on").EnumerateArray().Select(d => d.Str("key")));

        var missing = await acme.Owner.PostRawAsync($"/api/v1/work/{b.Str("id")}/dependencies", """{"depends_on":"WEB-7"}""");
        Assert.NotEmpty((await missing.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("depends_on"));

        var removed = await acme.Owner.DeleteAsync($"/api/v1/work/{b.Str("id")}/dependencies/WEB-1");
        Assert.Empty((await removed.ReadSuccessAsync()).GetProperty("depends_on").EnumerateArray());
        await (await acme.Owner.DeleteAsync($"/api/v1/work/{b.Str("id")}/dependencies/WEB-1")).ProblemAsync(HttpStatusCode.NotFound);

        var actions = (await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={b.Str("id")}")).Select(x => x.Str("action")).ToList();
        Assert.Equal(1, actions.Count(x => x == "work_item.dependency_added"));
        Assert.Equal(1, actions.Count(x => x == "work_item.dependency_removed"));
    }
}
