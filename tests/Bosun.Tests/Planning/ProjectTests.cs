using System.Net;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Planning;

public sealed class ProjectTests
{
    [Theory, BothStores]
    public async Task A_project_keeps_its_settings_and_is_found_by_key(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();

        var created = await acme.Owner.PostJsonAsync("/api/v1/projects", new
        {
            key = "web", name = "Website", description = "The public site", repository_url = "https://git.example.test/acme/web.git",
            default_branch = "trunk", lead_user_id = acme.OwnerId,
        });

        Assert.Equal("WEB", created.Str("key"));
        Assert.Equal("trunk", created.Str("default_branch"));
        Assert.Equal("active", created.Str("status"));
        Assert.Equal(created.GetRawText(), (await acme.Owner.GetJsonAsync("/api/v1/projects/web")).GetRawText());
        Assert.Equal(created.GetRawText(), (await acme.Owner.GetJsonAsync($"/api/v1/projects/{created.Str("id")}")).GetRawText());

        var archived = await acme.Owner.PatchJsonAsync("/api/v1/projects/WEB", new { status = "archived", description = "Old site", lead_user_id = "" });
        Assert.Equal("archived", archived.Str("status"));
        Assert.Equal("Old site", archived.Str("description"));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, archived.GetProperty("lead_user_id").ValueKind);
        Assert.Equal("Website", archived.Str("name"));
        Assert.Equal(["WEB"], (await acme.Owner.ListAllAsync("/api/v1/projects?status=archived")).Select(p => p.Str("key")));
        Assert.Empty(await acme.Owner.ListAllAsync("/api/v1/projects?status=active"));
    }

    [Theory, BothStores]
    public async Task Bad_keys_and_urls_are_refused_and_a_key_never_changes(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");

        var cases = new (string Json, string Field)[]
        {
            ("""{"key":"W","name":"Too short"}""", "key"),
            ("""{"key":"1WEB","name":"Digit first"}""", "key"),
            ("""{"key":"WEB-2","name":"Dash"}""", "key"),
            ("""{"key":"web","name":"Taken"}""", "key"),
            ("""{"key":"API","name":""}""", "name"),
            ("""{"key":"API","name":"Api","repository_url":"not a url"}""", "repository_url"),
            ("""{"key":"API","name":"Api","lead_user_id":"01ARZ3NDEKTSV4RRFFQ69G5FAV"}""", "lead_user_id"),
        };
        foreach (var (json, field) in cases)
        {
            var problem = await (await acme.Owner.PostRawAsync("/api/v1/projects", json)).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.NotEmpty(problem.FieldErrors(field));
        }

        var rekey = await acme.Owner.PatchRawAsync("/api/v1/projects/WEB", """{"key":"SITE"}""");
        Assert.NotEmpty((await rekey.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("key"));
        Assert.Equal(["WEB"], (await acme.Owner.ListAllAsync("/api/v1/projects")).Select(p => p.Str("key")));
    }

    [Theory, BothStores]
    public async Task A_repository_in_any_form_git_clone_takes_is_kept_as_given_and_junk_is_refused(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");

        string[] accepted =
        [
            "git@github.com:codervisor/devlog.git", "github.com:codervisor/devlog.git", "https://github.com/codervisor/devlog.git",
            "http://git.example.test/acme/web", "ssh://git@github.com/codervisor/devlog.git", "ssh://git@git.example.test:2222/acme/web.git",
            "git://git.example.test/acme/web.git", "file:///srv/git/web.git", "/srv/git/web.git", "deploy@[::1]:acme/web.git",
        ];
        foreach (var url in accepted)
        {
            var project = await acme.Owner.PatchJsonAsync("/api/v1/projects/WEB", new { repository_url = url });
            Assert.Equal(url, project.Str("repository_url"));
        }

        string[] refused =
        [
            "git@github.com:codervisor/dev log.git", "https://github.com/a\\u0007b", "javascript:alert(1)", "JavaScript:alert(1)",
            "data:text/html,hi", "https://", "ssh:///acme/web.git", "git@:acme/web.git", "github.com:", "relative/path", "ftp//x", "/",
        ];
        foreach (var url in refused)
        {
            var response = await acme.Owner.PatchRawAsync("/api/v1/projects/WEB", $$"""{"repository_url":"{{url}}"}""");
            Assert.True((await response.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("repository_url").Any(), url);
        }

        Assert.Equal(accepted[^1], (await acme.Owner.GetJsonAsync("/api/v1/projects/WEB")).Str("repository_url"));
    }

    [Theory, BothStores]
    public async Task Two_tenants_may_use_the_same_project_key(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var globex = await app.CreateTenantAsync();

        await acme.CreateProjectAsync("WEB");
        await globex.CreateProjectAsync("WEB");
        var acmeItem = await acme.CreateWorkAsync("WEB", "Acme page");
        var globexItem = await globex.CreateWorkAsync("WEB", "Globex page");

        Assert.Equal("WEB-1", acmeItem.Str("key"));
        Assert.Equal("WEB-1", globexItem.Str("key"));
        Assert.Equal("Acme page", (await acme.Owner.GetJsonAsync("/api/v1/work/WEB-1")).Str("title"));
        Assert.Equal("Globex page", (await globex.Owner.GetJsonAsync("/api/v1/work/WEB-1")).Str("title"));
    }
}
