using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Bosun.Server.Web;

/// Markdown that agents and people write (plan bodies), rendered without letting it add markup of its own: raw HTML
/// comes out as text, links go only where <see cref="SafeUrl"/> allows, and images become links, since a page loads
/// nothing from elsewhere.
public static class SafeMarkdown
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UsePipeTables()
        .UseAutoLinks()
        .UseReferralLinks("noopener", "noreferrer", "nofollow")
        .Build();

    public static Html ToHtml(string? markdown)
    {
        if (string.IsNullOrWhiteSpace(markdown))
        {
            return Html.Empty;
        }

        var document = Markdown.Parse(markdown, Pipeline);
        foreach (var link in document.Descendants<LinkInline>().ToList())
        {
            link.GetDynamicUrl = null;
            link.IsImage = false;
            if (SafeUrl.Of(link.Url) is null)
            {
                Unwrap(link);
            }
        }

        foreach (var link in document.Descendants<AutolinkInline>().ToList())
        {
            if (!link.IsEmail && SafeUrl.Of(link.Url) is null)
            {
                link.ReplaceBy(new LiteralInline(link.Url));
            }
        }

        return Html.Raw(Markdown.ToHtml(document, Pipeline));
    }

    /// The link's text stays where the link was.
    private static void Unwrap(LinkInline link)
    {
        for (var child = link.FirstChild; child is not null;)
        {
            var next = child.NextSibling;
            child.Remove();
            link.InsertBefore(child);
            child = next;
        }

        link.Remove();
    }
}
