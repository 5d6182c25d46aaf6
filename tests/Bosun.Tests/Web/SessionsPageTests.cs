using System.Net;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Web;

/// /sessions and /sessions/{id}: a session as a timeline of messages, tool uses and billed calls, its sub-agents
/// inline, and the form a person rates it with.
public sealed class SessionsPageTests
{
    [Theory, BothStores]
    public async Task A_session_page_shows_its_timeline_and_sub_agents_and_takes_a_rating(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var globex = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        await acme.Owner.PatchJsonAsync("/api/v1/tenant", new { store_prompt_text = true });
        var parent = (await acme.Owner.PostJsonAsync("/api/v1/sessions/import", new
        {
            source = "generic", external_id = "run-7", title = "Fix <the> build", model = "gpt-5.1",
            messages = new object[]
            {
                new { external_id = "m1", role = "user", text = "Why is CI red?" },
                new { external_id = "m2", role = "assistant", text = "Running the tests.", tool_uses = new[] { new { name = "run_tests", id = "t1", input = "{\"suite\":\"unit\"}" } } },
            },
            llm_calls = new[] { new { external_id = "m2", provider = "openai", model = "gpt-5.1", input_tokens = 1200, output_tokens = 80 } },
        })).Str("session_id");
        var child = (await acme.Owner.PostJsonAsync("/api/v1/sessions/import", new
        {
            source = "generic", external_id = "run-7/helper", parent_external_id = "run-7", title = "Read the logs",
            messages = new[] { new { external_id = "h1", role = "assistant", text = "Logs read." } },
        })).Str("session_id");
        var hidden = (await globex.Owner.PostJsonAsync("/api/v1/sessions/import", new
        {
            source = "generic", external_id = "other", title = "Globex secret session", messages = new[] { new { external_id = "x", role = "user", text = "x" } },
        })).Str("session_id");
        using var web = new WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password);

        var list = await web.GetAsync("/sessions");
        Assert.Equal(HttpStatusCode.OK, list.Status);
        Assert.Contains("href=\"/sessions\" aria-current=\"page\"", list.Html);
        Assert.Contains($"href=\"/sessions/{parent}\">Fix &lt;the&gt; build</a>", list.Html);
        Assert.Contains($"href=\"/sessions/{child}\">Read the logs</a>", list.Html);
        Assert.DoesNotContain("Globex secret session", list.Html);

        var page = await web.GetAsync($"/sessions/{parent}");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("Why is CI red?", page.Html);
        Assert.Contains("<code>run_tests</code>", page.Html);
        Assert.Contains("gpt-5.1: 1,200 in, 80 out", page.Html);
        Assert.Contains($"href=\"/sessions/{child}\">Read the logs</a>", page.Html);
        Assert.Contains("not rated", page.Html);

        var refused = await web.PostAsync($"/sessions/{parent}/rate", new Dictionary<string, string> { ["outcome"] = "success", ["quality_score"] = "150" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("must be between 0 and 100", refused.FieldError("quality_score"));

        var saved = await web.PostAsync($"/sessions/{parent}/rate", new Dictionary<string, string> { ["outcome"] = "partial", ["quality_score"] = "60" }, page.FormToken);
        Assert.Equal(HttpStatusCode.SeeOther, saved.Status);
        Assert.Contains("partial, quality 60", (await web.GetAsync($"/sessions/{parent}")).Html);
        Assert.Contains($"data-testid=\"session-{parent}\"", (await web.GetAsync("/sessions?outcome=partial")).Html);
        Assert.DoesNotContain($"data-testid=\"session-{child}\"", (await web.GetAsync("/sessions?outcome=partial")).Html);

        Assert.Equal(HttpStatusCode.NotFound, (await web.GetAsync($"/sessions/{hidden}")).Status);
    }
}
