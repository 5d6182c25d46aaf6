using System.Net;
using System.Text.RegularExpressions;
using Bosun.Core.Data;
using Bosun.Server.Web;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Web;

/// What users and agents write never becomes markup or a script link on any page.
public sealed partial class SafeHtmlTests
{
    private const string Script = "<script>alert(1)</script>";
    private const string BreakDouble = "\"><img src=x onerror=alert(1)>";
    private const string BreakSingle = "' onmouseover='alert(1)";
    private const string JavaScript = "javascript:alert(1)";

    [Theory]
    [InlineData("https://github.com/acme/web/pull/7", true)]
    [InlineData("HTTP://example.com", true)]
    [InlineData("mailto:ada@example.com", true)]
    [InlineData("/work/WEB-1", true)]
    [InlineData("checks/42?tab=log#end", true)]
    [InlineData("javascript:alert(1)", false)]
    [InlineData("JaVaScRiPt:alert(1)", false)]
    [InlineData(" javascript:alert(1)", false)]
    [InlineData("java\tscript:alert(1)", false)]
    [InlineData("java\nscript:alert(1)", false)]
    [InlineData("\u0001javascript:alert(1)", false)]
    [InlineData("java\u200Bscript:alert(1)", false)]
    [InlineData("data:text/html,<script>alert(1)</script>", false)]
    [InlineData("vbscript:msgbox(1)", false)]
    [InlineData("", false)]
    public void Only_http_https_mailto_and_relative_urls_are_linked(string url, bool linked) =>
        Assert.Equal(linked, SafeUrl.Of(url) is not null);

    [Theory, BothStores]
    public async Task Every_page_shows_hostile_input_as_text(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        var hostile = $"{Script} {BreakDouble} {BreakSingle} {JavaScript}";
        await acme.Owner.PatchJsonAsync($"/api/v1/users/{acme.OwnerId}", new { name = hostile });
        await acme.Owner.PostJsonAsync("/api/v1/projects", new { key = "WEB", name = hostile });
        var goal = await acme.CreateGoalAsync(new { title = hostile, metric_name = hostile, baseline = 0, target = 10, current_value = 5 });
        var (agent, coder, _) = await acme.CreateAgentAsync(hostile);
        var labels = new[] { Script, BreakDouble, BreakSingle, JavaScript };
        await acme.CreateWorkAsync("WEB", hostile, new { status = "ready", description = hostile, labels, goal_id = goal.Str("id"), approval_required = true });
        await acme.CreateWorkAsync("WEB", hostile, new { status = "backlog", description = hostile, labels, assignee = $"agent:{agent.Str("id")}" });
        await acme.Owner.PostJsonAsync("/api/v1/work/WEB-1/comments", new { body = hostile });
        await coder.PostJsonAsync("/api/v1/work/WEB-1/comments", new { body = hostile });

        var lease = (await coder.PostJsonAsync("/api/v1/work/claim", new { })).GetProperty("items")[0].GetProperty("run");
        var run = lease.Str("run_id");
        await coder.PostJsonAsync($"/api/v1/runs/{run}/llm-calls", new object[] { new { provider = "anthropic", model = "claude-sonnet-4-5", input_tokens = 10, output_tokens = 5 } });
        await coder.PostJsonAsync($"/api/v1/runs/{run}/complete", new
        {
            lease_token = lease.Str("lease_token"),
            summary = hostile,
            artifacts = new
            {
                commits = new object[] { JavaScript, "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>", BreakDouble },
                pull_requests = new object[] { new { url = "vbscript:msgbox(1)", title = Script }, new { url = "https://github.com/acme/web/pull/7", title = "Good pull request" } },
                checks = new object[] { new { name = BreakDouble, url = BreakSingle, status = "failed", summary = Script }, new { name = "lint", url = $"\u0001{JavaScript}", status = "passed" } },
            },
        });
        await coder.PostJsonAsync("/api/v1/approvals", new { work_item_id = "WEB-2", subject = hostile, summary = hostile });
        var gated = (await acme.Owner.ListAllAsync("/api/v1/approvals?status=pending")).Single(a => a.Str("work_item_key") == "WEB-1");
        await acme.Owner.PostJsonAsync($"/api/v1/approvals/{gated.Str("id")}/reject", new { note = hostile });

        await acme.Owner.PostJsonAsync("/api/v1/templates", new
        {
            name = hostile, kind = "hostile", description = hostile,
            variables = new object[] { new { key = "topic", label = hostile, @default = hostile } },
            steps = new object[]
            {
                new { key = "first", title = $"{hostile} {{{{topic}}}}", assignee = $"role:{Script}" },
                new { key = "second", title = hostile, type = BreakDouble, after = new[] { "first" } },
            },
        });

        using var web = new WebClient(app);
        Assert.Equal(HttpStatusCode.SeeOther, (await web.SignInAsync("owner@example.test", WebTestTenants.Password)).Status);
        var work = await web.GetAsync("/work/WEB-1");
        Assert.Contains("href=\"https://github.com/acme/web/pull/7\"", work.Html);
        Assert.Contains("Good pull request", work.Html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", work.Html);
        foreach (var url in new[] { "/board?project=WEB", "/work/WEB-1", "/work/WEB-2", "/inbox", "/goals", "/templates", "/templates?kind=hostile", "/costs", "/agents", "/activity" })
        {
            var page = await web.GetAsync(url);
            Assert.True(page.Status == HttpStatusCode.OK, $"{url}: {page.Status}");
            Assert.Contains("alert(1)", page.Html);
            foreach (var raw in new[] { Script, BreakDouble, BreakSingle, "<img", "onmouseover='", "onmouseover=\"" })
            {
                Assert.False(page.Html.Contains(raw, StringComparison.OrdinalIgnoreCase), $"{url} serves {raw} unescaped");
            }

            Assert.False(ScriptLink().IsMatch(page.Html), $"{url} links a script URL: {ScriptLink().Match(page.Html).Value}");
        }
    }

    [GeneratedRegex(@"(href|src|action|formaction)\s*=\s*[""']?[\s\u0000-\u001f]*(javascript|data|vbscript)\s*:", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptLink();
}
