using System.Net;
using Bosun.Core.Data;
using Bosun.Tests.Cli;
using Bosun.Tests.Infrastructure;
using Bosun.Tests.Web;
using WebClient = Bosun.Tests.Web.WebClient;

namespace Bosun.Tests.Knowledge;

/// Memory and skills on the command line and on the /memory page.
[Collection("CLI")]
public sealed class MemorySurfaceTests
{
    [Theory, BothStores]
    public async Task Memory_and_skills_are_written_recalled_and_listed_on_the_command_line(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateAgentAsync("coder", "backend");
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);

        var unit = (await cli.OkAsync("memory", "remember", "Staging", "resets", "nightly", "--kind", "fact", "--scope", "project", "--scope-id", "WEB", "--json")).Json();
        Assert.Equal("project", unit.Str("scope"));
        Assert.Contains("Staging resets nightly", (await cli.OkAsync("memory", "list", "--kind", "fact")).Output);
        var recalled = (await cli.OkAsync("memory", "recall", "staging", "--json")).Json();
        Assert.Equal(unit.Str("id"), Assert.Single(recalled.GetProperty("results").EnumerateArray()).Str("id"));
        Assert.Contains(unit.Str("id"), (await cli.OkAsync("memory", "recalls")).Output);
        var bad = await cli.RunAsync("memory", "remember", "x", "--kind", "rumour");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("kind", bad.Error);
        await cli.OkAsync("memory", "forget", unit.Str("id"));
        Assert.Empty((await cli.OkAsync("memory", "list", "--json")).Json().GetProperty("items").EnumerateArray());

        var created = (await cli.OkAsync("skill", "put", "api-style", "--content", "# One", "--json")).Json();
        Assert.Equal(1, created.GetProperty("version").GetInt32());
        var edited = (await cli.OkAsync("skill", "put", "api-style", "--content", "# Two", "--json")).Json();
        Assert.Equal(2, edited.GetProperty("version").GetInt32());
        Assert.Contains("# One", (await cli.OkAsync("skill", "show", "api-style", "--version", "1")).Output);
        await cli.OkAsync("skill", "attach", "api-style", "--role", "backend");
        Assert.Contains("role:backend", (await cli.OkAsync("skill", "list")).Output);
        await cli.OkAsync("skill", "detach", "api-style", "--role", "backend");
        Assert.DoesNotContain("role:backend", (await cli.OkAsync("skill", "list")).Output);
    }

    [Theory, BothStores]
    public async Task The_memory_page_shows_units_by_scope_and_kind_and_recalls_to_admins_only(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        var fact = await acme.Owner.PostJsonAsync("/api/v1/memory", new { content = "Invoices go out on the first <b>Monday</b>.", kind = "fact" });
        var lesson = await acme.Owner.PostJsonAsync("/api/v1/memory", new { content = "Never deploy on Fridays.", kind = "lesson" });
        await acme.Owner.PostJsonAsync("/api/v1/memory/recall", new { query = "invoices" });
        var globex = await app.CreateTenantAsync();
        var theirs = await globex.Owner.PostJsonAsync("/api/v1/memory", new { content = "Globex invoices are secret.", kind = "fact" });

        using var web = new WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password);
        var page = await web.GetAsync("/memory");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains($"data-memory=\"{fact.Str("id")}\"", page.Html);
        Assert.Contains("&lt;b&gt;Monday&lt;/b&gt;", page.Html);
        Assert.DoesNotContain(theirs.Str("id"), page.Html);
        Assert.Contains("id=\"recalls\"", page.Html);
        Assert.Contains("href=\"/memory\"", page.Html);
        var lessons = await web.GetAsync("/memory?kind=lesson");
        Assert.Contains($"data-memory=\"{lesson.Str("id")}\"", lessons.Html);
        Assert.DoesNotContain($"data-memory=\"{fact.Str("id")}\"", lessons.Html);
        Assert.Equal(HttpStatusCode.BadRequest, (await web.GetAsync("/memory?scope=galaxy")).Status);
    }
}
