using System.Net;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Api;

/// Requests that arrive together either commit whole or are refused whole, never as a 500 or a half-write.
public sealed class ConcurrencyTests
{
    [Theory, BothStores]
    public async Task Simultaneous_creates_get_distinct_keys(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");

        var responses = await Task.WhenAll(Enumerable.Range(1, 12).Select(i =>
            acme.Owner.PostRawAsync("/api/v1/work", $$"""{"project_id":"WEB","title":"Item {{i}}","labels":["batch"]}""")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var keys = (await acme.Owner.ListAllAsync("/api/v1/work")).Select(w => w.Str("key")).Order().ToList();
        Assert.Equal(Enumerable.Range(1, 12).Select(i => $"WEB-{i}").Order(), keys);
        Assert.Equal(12, (await acme.Owner.ListAllAsync("/api/v1/audit?action=work_item.created")).Count);
    }

    [Theory, BothStores]
    public async Task Simultaneous_retries_with_one_key_create_one_item(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");

        var responses = await Task.WhenAll(Enumerable.Range(1, 6).Select(_ =>
            acme.Owner.PostRawAsync("/api/v1/work", """{"project_id":"WEB","title":"Once"}""", "same-key")));

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, $"{(int)r.StatusCode}"));
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Single(await acme.Owner.ListAllAsync("/api/v1/work"));
    }

    [Theory, BothStores]
    public async Task Simultaneous_projects_with_one_key_leave_one_project(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();

        var responses = await Task.WhenAll(Enumerable.Range(1, 6).Select(i =>
            acme.Owner.PostRawAsync("/api/v1/projects", $$"""{"key":"WEB","name":"Try {{i}}"}""")));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.BadRequest or HttpStatusCode.Conflict, $"{(int)r.StatusCode}"));
        Assert.Single(await acme.Owner.ListAllAsync("/api/v1/projects"));
        Assert.Single(await acme.Owner.ListAllAsync("/api/v1/audit?action=project.created"));
    }
}
