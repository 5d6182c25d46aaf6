using System.Net;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Planning;

public sealed class GoalTests
{
    [Theory, BothStores]
    public async Task Progress_is_the_share_of_the_way_from_baseline_to_target(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var project = await acme.CreateProjectAsync("WEB");

        var goal = await acme.CreateGoalAsync(new
        {
            title = "More signups", project_id = "WEB", metric_name = "weekly signups", baseline = 200.0, target = 1000.0,
            current_value = 400.0, target_date = "2026-06-30T00:00:00Z", priority = "high",
        });
        Assert.Equal(25.0, goal.GetProperty("progress_percent").GetDouble());
        Assert.Equal(project.Str("id"), goal.Str("project_id"));
        Assert.Equal("weekly signups", goal.Str("metric_name"));
        Assert.Equal("high", goal.Str("priority"));
        Assert.Equal("active", goal.Str("status"));
        Assert.Equal(new DateTime(2026, 6, 30, 0, 0, 0, DateTimeKind.Utc), goal.GetProperty("target_date").GetDateTime());

        var id = goal.Str("id");
        Assert.Equal(75.0, Progress(await acme.Owner.PatchJsonAsync($"/api/v1/goals/{id}", new { current_value = 800.0 })));
        Assert.Equal(100.0, Progress(await acme.Owner.PatchJsonAsync($"/api/v1/goals/{id}", new { current_value = 1500.0 })));
        Assert.Equal(0.0, Progress(await acme.Owner.PatchJsonAsync($"/api/v1/goals/{id}", new { current_value = 100.0 })));
        Assert.Equal(0.0, Progress(await acme.Owner.GetJsonAsync($"/api/v1/goals/{id}")));

        var fewerBugs = await acme.CreateGoalAsync(new { title = "Fewer bugs", baseline = 40.0, target = 10.0, current_value = 30.0 });
        Assert.Equal(33.3, Progress(fewerBugs));
        var noTarget = await acme.CreateGoalAsync(new { title = "Vague", baseline = 1.0 });
        Assert.Equal(JsonValueKind.Null, noTarget.GetProperty("progress_percent").ValueKind);
        var noCurrent = await acme.CreateGoalAsync(new { title = "Not started", baseline = 0.0, target = 5.0 });
        Assert.Equal(0.0, Progress(noCurrent));
    }

    [Theory, BothStores]
    public async Task Goals_are_filtered_by_project_and_status(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var web = await acme.CreateProjectAsync("WEB");
        await acme.CreateProjectAsync("API");
        var webGoal = await acme.CreateGoalAsync(new { title = "Web goal", project_id = "WEB" });
        var apiGoal = await acme.CreateGoalAsync(new { title = "Api goal", project_id = "API" });
        await acme.Owner.PatchJsonAsync($"/api/v1/goals/{apiGoal.Str("id")}", new { status = "achieved" });

        Assert.Equal([webGoal.Str("id")], (await acme.Owner.ListAllAsync($"/api/v1/goals?project={web.Str("id")}")).Select(g => g.Str("id")));
        Assert.Equal([webGoal.Str("id")], (await acme.Owner.ListAllAsync("/api/v1/goals?project=WEB")).Select(g => g.Str("id")));
        Assert.Equal([apiGoal.Str("id")], (await acme.Owner.ListAllAsync("/api/v1/goals?status=achieved")).Select(g => g.Str("id")));
    }

    [Theory, BothStores]
    public async Task Bad_goals_are_refused_naming_the_field(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();

        var cases = new (string Json, string Field)[]
        {
            ("""{"title":""}""", "title"),
            ("""{"title":"x","project_id":"NOPE"}""", "project_id"),
            ("""{"title":"x","baseline":"low"}""", "baseline"),
            ("""{"title":"x","status":"won"}""", "status"),
            ("""{"title":"x","priority":"whenever"}""", "priority"),
            ("""{"title":"x","target_date":"soon"}""", "target_date"),
        };
        foreach (var (json, field) in cases)
        {
            var problem = await (await acme.Owner.PostRawAsync("/api/v1/goals", json)).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.NotEmpty(problem.FieldErrors(field));
        }

        Assert.Empty(await acme.Owner.ListAllAsync("/api/v1/goals"));
    }

    private static double Progress(JsonElement goal) => goal.GetProperty("progress_percent").GetDouble();
}
