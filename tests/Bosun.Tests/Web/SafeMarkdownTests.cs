using Bosun.Server.Web;

namespace Bosun.Tests.Web;

/// Plan bodies are Markdown from agents and people: it formats text but never adds markup, scripts or unsafe links.
public sealed class SafeMarkdownTests
{
    [Fact]
    public void Markdown_formats_headings_emphasis_lists_and_tables()
    {
        var html = SafeMarkdown.ToHtml("## Approach\n\nShip **fast**.\n\n- design\n- build\n\n| step | who |\n| --- | --- |\n| build | developer |").Value;

        Assert.Contains("<h2>Approach</h2>", html);
        Assert.Contains("<strong>fast</strong>", html);
        Assert.Contains("<li>design</li>", html);
        Assert.Contains("<td>developer</td>", html);
    }

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("<div onclick=\"alert(1)\">hi</div>")]
    [InlineData("text <img src=x onerror=alert(1)> more")]
    [InlineData("<iframe src=\"https://evil.test\"></iframe>")]
    public void Raw_html_comes_out_as_text(string markdown)
    {
        var html = SafeMarkdown.ToHtml(markdown).Value;

        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<div", html);
        Assert.DoesNotContain("<img", html);
        Assert.DoesNotContain("<iframe", html);
        Assert.Contains("&lt;", html);
    }

    [Theory]
    [InlineData("[click](javascript:alert(1))", "click")]
    [InlineData("[click](JavaScript:alert(1))", "click")]
    [InlineData("[click](java&#x73;cript:alert(1))", "click")]
    [InlineData("[click][evil]\n\n[evil]: javascript:alert(1)", "click")]
    [InlineData("[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "data")]
    [InlineData("<javascript:alert(1)>", "javascript:alert(1)")]
    [InlineData("![pixel](data:image/png;base64,iVBORw0KGgo=)", "pixel")]
    public void Links_outside_safe_url_keep_their_text_but_link_nowhere(string markdown, string text)
    {
        var html = SafeMarkdown.ToHtml(markdown).Value;

        Assert.DoesNotContain("href", html);
        Assert.DoesNotContain("<img", html);
        Assert.Contains(text, html);
    }

    [Fact]
    public void Safe_links_are_kept_with_rel_and_images_become_links()
    {
        var html = SafeMarkdown.ToHtml("[docs](https://example.test/docs) [item](/work/WEB-1) <mailto:ada@example.test> ![chart](https://example.test/c.png)").Value;

        Assert.Contains("href=\"https://example.test/docs\"", html);
        Assert.Contains("href=\"/work/WEB-1\"", html);
        Assert.Contains("href=\"mailto:ada@example.test\"", html);
        Assert.Contains("href=\"https://example.test/c.png\"", html);
        Assert.Contains("nofollow", html);
        Assert.DoesNotContain("<img", html);
    }
}
