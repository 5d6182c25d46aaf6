using System.Net;
using System.Text.RegularExpressions;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Web;

/// A board with more items than it shows: each column counts all of its items and shows the first cards, and the rest
/// come on demand, a column at a time, without repeating or skipping one.
public sealed partial class BoardColumnsTests
{
    [Theory, BothStores]
    public async Task A_column_counts_every_item_shows_the_first_cards_and_pages_the_rest_by_cursor(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.Owner.PostJsonAsync("/api/v1/work/batch", new
        {
            items = Enumerable.Range(1, 130).Select(i => new { @ref = $"b{i}", project_id = "WEB", title = $"Backlog {i}", status = "backlog", labels = i % 2 == 0 ? new[] { "even" } : [] })
                .Concat(Enumerable.Range(1, 3).Select(i => new { @ref = $"r{i}", project_id = "WEB", title = $"Ready {i}", status = "ready", labels = Array.Empty<string>() })),
        });

        await acme.Owner.PostJsonAsync("/api/v1/work/WEB-1/archive", new { });
        using var web = new WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password);

        var board = await web.GetAsync("/board?project=WEB");
        Assert.Equal("129", Count(board.Html, "backlog"));
        Assert.Equal("3", Count(board.Html, "ready"));
        Assert.Equal("0", Count(board.Html, "done"));
        var backlog = Column(board.Html, "backlog");
        Assert.Equal(25, Keys(backlog).Count);
        Assert.Equal(3, Keys(Column(board.Html, "ready")).Count);
        Assert.Null(MoreLink(Column(board.Html, "ready")));

        // Follow the column's link the way the board's script does until it runs out: every item once, none archived.
        var seen = Keys(backlog);
        for (var more = MoreLink(backlog); more is not null;)
        {
            var cards = await web.GetAsync(more + "&part=cards");
            Assert.Equal(HttpStatusCode.OK, cards.Status);
            Assert.DoesNotContain("<html", cards.Html);
            seen.AddRange(Keys(cards.Html));
            more = MoreLink(cards.Html);
        }

        Assert.Equal(129, seen.Count);
        Assert.Equal(Enumerable.Range(2, 129).Select(n => $"WEB-{n}").Order(), seen.Order());

        // A filter narrows the counts and the cards, and the column's link keeps it.
        var even = await web.GetAsync("/board?project=WEB&label=even");
        Assert.Equal("65", Count(even.Html, "backlog"));
        Assert.Equal("0", Count(even.Html, "ready"));
        var evenMore = MoreLink(Column(even.Html, "backlog"))!;
        Assert.Contains("label=even", evenMore);
        var rest = await web.GetAsync(evenMore + "&part=cards");
        Assert.Equal(25, Keys(rest.Html).Count);
        Assert.All(Keys(rest.Html), k => Assert.Equal(0, int.Parse(k["WEB-".Length..]) % 2));
        var last = await web.GetAsync(MoreLink(rest.Html)! + "&part=cards");
        Assert.Equal(15, Keys(last.Html).Count);
        Assert.Null(MoreLink(last.Html));

        // Without the script the link opens the cards as a page of their own, with the way back.
        var page = await web.GetAsync(MoreLink(backlog)!);
        Assert.Contains("Back to the board", page.Html);
        Assert.Equal(25, Keys(page.Html).Count);
    }

    [Theory, BothStores]
    public async Task The_board_over_the_API_counts_each_column_and_pages_a_column_by_its_cursor(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.Owner.PostJsonAsync("/api/v1/work/batch", new
        {
            items = Enumerable.Range(1, 40).Select(i => new { @ref = $"b{i}", project_id = "WEB", title = $"Item {i}", status = i <= 30 ? "backlog" : "ready" }),
        });

        var board = await acme.Owner.GetJsonAsync("/api/v1/work/board?project=WEB&per_column=10");
        var columns = board.EnumerateArray().ToDictionary(c => c.Str("status"));
        Assert.Equal(9, columns.Count);
        Assert.Equal(30, columns["backlog"].GetProperty("count").GetInt32());
        Assert.Equal(10, columns["ready"].GetProperty("count").GetInt32());
        Assert.Equal(0, columns["done"].GetProperty("count").GetInt32());
        var seen = columns["backlog"].GetProperty("items").EnumerateArray().Select(i => i.Str("key")).ToList();
        Assert.Equal(10, seen.Count);
        for (var cursor = columns["backlog"].GetProperty("next_cursor").GetString(); cursor is not null;)
        {
            var page = await acme.Owner.GetJsonAsync($"/api/v1/work/board?project=WEB&status=backlog&per_column=10&cursor={Uri.EscapeDataString(cursor)}");
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.Str("key")));
            cursor = page.GetProperty("next_cursor").GetString();
        }

        Assert.Equal(Enumerable.Range(1, 30).Select(n => $"WEB-{n}"), seen);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, columns["ready"].GetProperty("next_cursor").ValueKind);
        Assert.Equal(HttpStatusCode.BadRequest, (await acme.Owner.GetAsync("/api/v1/work/board")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await acme.Owner.GetAsync("/api/v1/work/board?project=NOPE")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await acme.Owner.GetAsync("/api/v1/work/board?project=WEB&per_column=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await acme.Owner.GetAsync("/api/v1/work/board?project=WEB&status=backlog&cursor=nonsense")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await acme.Owner.GetAsync("/api/v1/work/board?project=WEB&status=sideways")).StatusCode);
    }

    [Theory, BothStores]
    public async Task A_column_page_refuses_a_bad_status_or_cursor_and_hides_other_tenants_projects(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.SetOwnerPasswordAsync();
        await acme.CreateProjectAsync("WEB");
        var globex = await app.CreateTenantAsync("globex");
        await globex.CreateProjectAsync("SEC");
        await globex.CreateWorkAsync("SEC", "Globex secret plan");
        using var web = new WebClient(app);
        await web.SignInAsync("owner@example.test", WebTestTenants.Password);

        Assert.Equal(HttpStatusCode.BadRequest, (await web.GetAsync("/board/column?project=WEB&status=sideways")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await web.GetAsync("/board/column?project=WEB&status=backlog&after=not-a-cursor")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await web.GetAsync("/board/column?status=backlog")).Status);
        var other = await web.GetAsync("/board/column?project=SEC&status=backlog&part=cards");
        Assert.Equal(HttpStatusCode.NotFound, other.Status);
        Assert.DoesNotContain("Globex secret plan", other.Html);
    }

    private static string Column(string html, string status) =>
        Regex.Match(html, $"<section class=\"column\" data-status=\"{status}\".*?</section>", RegexOptions.Singleline).Value;

    private static string Count(string html, string status) =>
        Regex.Match(html, $"<h2 id=\"col-{status}\">[^<]*<span class=\"count\">([^<]*)</span>").Groups[1].Value;

    private static List<string> Keys(string html) => CardKey().Matches(html).Select(m => m.Groups[1].Value).ToList();

    private static string? MoreLink(string html) =>
        MoreHref().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : null;

    [GeneratedRegex("<li class=\"card\" data-key=\"([^\"]+)\"")]
    private static partial Regex CardKey();

    [GeneratedRegex("<li class=\"more\"><a href=\"([^\"]+)\" data-more>")]
    private static partial Regex MoreHref();
}
