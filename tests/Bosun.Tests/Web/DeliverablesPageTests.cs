using System.Globalization;
using System.Net;
using Bosun.Core.Data;
using Bosun.Core.Planning;
using Bosun.Tests.Infrastructure;
using Bosun.Tests.Planning;

namespace Bosun.Tests.Web;

/// /deliverables: a bar per deliverable for the period holding a month. On the real clock, since the session cookie
/// the client keeps expires by it.
public sealed class DeliverablesPageTests
{
    [Theory, BothStores]
    public async Task The_deliverables_page_shows_each_periods_progress_by_goal_and_month(StoreKind store)
    {
        var now = DateTime.UtcNow;
        var (month, quarter) = (CalendarPeriod.Containing(now, PeriodLength.Month), CalendarPeriod.Containing(now, PeriodLength.Quarter));
        var next = month.Next(PeriodLength.Month);
        var later = next.Next(PeriodLength.Month);
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("MKT");
        var traffic = await acme.CreateGoalAsync(new { title = "Grow organic traffic", project_id = "MKT" });
        var trust = await acme.CreateGoalAsync(new { title = "Be trusted <locally>", project_id = "MKT" });
        var posts = await acme.Owner.PostJsonAsync("/api/v1/deliverables", new { goal_id = traffic.Str("id"), name = "Blog posts", type = "blog_posts", quantity_per_period = 2 });
        var audit = await acme.Owner.PostJsonAsync("/api/v1/deliverables", new { goal_id = trust.Str("id"), name = "Website audit", type = "website_audit", quantity_per_period = 1, period = "quarter" });
        await acme.Owner.DoAsync((await acme.CountedItemsAsync(trust.Str("id"))).Single().Str("key"));
        using var web = new WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password);

        var page = await web.GetAsync("/deliverables");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains(month.StartsAt.ToString("MMMM yyyy", CultureInfo.InvariantCulture), page.Html);
        Assert.Contains("href=\"/deliverables\" aria-current=\"page\"", page.Html);
        Assert.Contains("Be trusted &lt;locally&gt;", page.Html);
        var postsRow = Row(page.Html, posts.Str("id"));
        Assert.Contains("0 of 2 done", postsRow);
        Assert.Matches("period-(at_risk|not_started)", postsRow);
        Assert.Contains($"{month.Key} ({month.StartsAt:yyyy-MM-dd} to {month.EndsAt.AddDays(-1):yyyy-MM-dd})", postsRow);
        var auditRow = Row(page.Html, audit.Str("id"));
        Assert.Contains("1 of 1 done", auditRow);
        Assert.Contains("period-completed", auditRow);
        Assert.Contains("fill done", auditRow);
        Assert.Contains(quarter.Key, auditRow);

        var following = await web.GetAsync($"/deliverables?period={next.Key}");
        Assert.Contains(next.StartsAt.ToString("MMMM yyyy", CultureInfo.InvariantCulture), following.Html);
        Assert.Contains("period-not_started", Row(following.Html, posts.Str("id")));
        Assert.Contains($"href=\"/deliverables?period={later.Key}\"", following.Html);
        var far = CalendarPeriod.Containing(month.StartsAt.AddMonths(7), PeriodLength.Month).Key;
        Assert.Contains($"No deliverable has a period in {far}", (await web.GetAsync($"/deliverables?period={far}")).Html);
        Assert.Equal(HttpStatusCode.BadRequest, (await web.GetAsync("/deliverables?period=soon")).Status);
    }

    private static string Row(string html, string deliverableId)
    {
        var start = html.IndexOf($"data-testid=\"deliverable-{deliverableId}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no row for {deliverableId}");
        return html[start..html.IndexOf("</li>", start, StringComparison.Ordinal)];
    }
}
