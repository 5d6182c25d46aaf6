using System.Net;
using System.Text.RegularExpressions;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;
using Bosun.Tests.Web;

namespace Bosun.Tests.Planning;

public sealed class ManualTransitionsTests
{
    private static string[] Manual(System.Text.Json.JsonElement item) =>
        item.GetProperty("manual_transitions").EnumerateArray().Select(s => s.GetString()!).ToArray();

    [Theory, BothStores]
    public async Task An_item_lists_the_moves_a_person_may_make_and_the_page_offers_exactly_those(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("WEB");
        var ready = await acme.CreateWorkAsync("WEB", "Plain", new { status = "ready" });
        var gated = await acme.CreateWorkAsync("WEB", "Gated", new { status = "ready", approval_required = true });

        Assert.Equal(new[] { "backlog", "blocked", "cancelled" }, Manual(ready));
        Assert.Contains("claimed", ready.GetProperty("allowed_transitions").EnumerateArray().Select(s => s.GetString()));
        await acme.Owner.PostJsonAsync("/api/v1/work/WEB-2/start", new { });
        var started = await acme.Owner.GetJsonAsync("/api/v1/work/WEB-2");
        Assert.Contains("done", started.GetProperty("allowed_transitions").EnumerateArray().Select(s => s.GetString()));
        Assert.DoesNotContain("done", Manual(started));
        Assert.Contains("ready", Manual(started));

        // Every move the item lists is accepted by hand.
        foreach (var move in Manual(ready))
        {
            var fresh = await acme.CreateWorkAsync("WEB", $"To {move}", new { status = "ready" });
            var moved = await acme.Owner.PatchJsonAsync($"/api/v1/work/{fresh.Str("key")}", new { status = move });
            Assert.Equal(move, moved.Str("status"));
        }

        using var web = new Bosun.Tests.Web.WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password);
        foreach (var key in new[] { "WEB-1", "WEB-2" })
        {
            var page = await web.GetAsync($"/work/{key}");
            Assert.Equal(HttpStatusCode.OK, page.Status);
            var offered = Regex.Matches(page.Html, "name=\"status\" value=\"([a-z_]+)\"").Select(m => m.Groups[1].Value).ToArray();
            Assert.Equal(Manual(await acme.Owner.GetJsonAsync($"/api/v1/work/{key}")), offered);
        }
    }
}
