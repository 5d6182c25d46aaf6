using System.Net;
using System.Text.RegularExpressions;
using Bosun.Core.Data;
using Bosun.Tests.Automation;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Web;

/// /schedules: each schedule's next times and last firings with their items, and the buttons that fire, pause and
/// resume it. On the real clock, since the session cookie the client keeps expires by it; nothing fires on its own
/// here because the schedule's first time is hours away.
public sealed partial class SchedulesPageTests
{
    [Theory, BothStores]
    public async Task The_schedules_page_shows_next_times_and_firings_and_fires_pauses_and_resumes(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var globex = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("OPS");
        await globex.CreateProjectAsync("OPS");
        var hour = (DateTime.UtcNow.Hour + 12) % 24;
        var schedule = (await acme.CreateScheduleAsync(new
        {
            name = "Daily <standup>", cron = $"0 {hour} * * *", time_zone = "America/New_York", project = "OPS", title = "Standup {{date}}",
        })).Str("id");
        await globex.CreateScheduleAsync(new { name = "Globex payroll", cron = "0 9 * * *", project = "OPS", title = "Payroll" });
        using var web = new WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password);

        var page = await web.GetAsync("/schedules");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("href=\"/schedules\" aria-current=\"page\"", page.Html);
        var card = Card(page.Html, schedule);
        Assert.Contains("Daily &lt;standup&gt;", card);
        Assert.Contains($"cron 0 {hour} * * * (America/New_York)", card);
        Assert.Equal(5, TimeTag().Matches(card).Count);
        Assert.Contains("It has not fired yet", card);
        Assert.DoesNotContain("Globex payroll", page.Html);

        var fired = await web.PostAsync($"/schedules/{schedule}/run", new Dictionary<string, string>());
        Assert.Equal((HttpStatusCode.SeeOther, "/schedules"), (fired.Status, fired.Location));
        page = await web.GetAsync("/schedules");
        Assert.Contains("Fired now: made OPS-1.", page.Html);
        card = Card(page.Html, schedule);
        Assert.Contains("<td>manual</td><td>fired</td>", card);
        Assert.Contains("<a href=\"/work/OPS-1\">OPS-1</a>", card);

        await web.PostAsync($"/schedules/{schedule}/pause", new Dictionary<string, string>());
        card = Card((await web.GetAsync("/schedules")).Html, schedule);
        Assert.Contains("<span class=\"status\">paused</span>", card);
        Assert.Contains("Next (when resumed)", card);
        Assert.Contains($"action=\"/schedules/{schedule}/resume\"", card);
        Assert.False((await acme.Owner.GetJsonAsync($"/api/v1/schedules/{schedule}")).GetProperty("active").GetBoolean());

        await web.PostAsync($"/schedules/{schedule}/resume", new Dictionary<string, string>());
        Assert.Contains("<span class=\"status\">active</span>", Card((await web.GetAsync("/schedules")).Html, schedule));

        // Another tenant's schedule cannot be fired from here.
        var other = (await globex.Owner.GetJsonAsync("/api/v1/schedules")).GetProperty("items")[0].Str("id");
        await web.GetAsync("/schedules");
        Assert.Equal(HttpStatusCode.NotFound, (await web.PostAsync($"/schedules/{other}/run", new Dictionary<string, string>())).Status);
        Assert.Empty((await globex.Owner.GetJsonAsync($"/api/v1/schedules/{other}/firings")).GetProperty("items").EnumerateArray());
    }

    private static string Card(string html, string scheduleId)
    {
        var start = html.IndexOf($"data-testid=\"schedule-{scheduleId}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no card for {scheduleId}");
        return html[start..html.IndexOf("</article>", start, StringComparison.Ordinal)];
    }

    [GeneratedRegex("<time datetime=")]
    private static partial Regex TimeTag();
}
