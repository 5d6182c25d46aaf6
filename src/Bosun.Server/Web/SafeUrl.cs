namespace Bosun.Server.Web;

/// Links that users and agents supply (artifacts' commits, pull requests and checks) are linked only when they are
/// http, https, mailto or relative. Encoding keeps a URL inside its attribute, but a `javascript:` or `data:` URL
/// runs in the page when clicked, so those become plain text.
public static class SafeUrl
{
    private static readonly string[] Schemes = ["http", "https", "mailto"];

    /// The URL if it may be linked, else null. Whitespace and control characters are refused outright: browsers drop
    /// them while reading a scheme, so `java&#9;script:` would otherwise pass as relative.
    public static string? Of(string? url)
    {
        if (string.IsNullOrEmpty(url) || url.Length > 2000)
        {
            return null;
        }

        foreach (var c in url)
        {
            if (char.IsControl(c) || char.IsWhiteSpace(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format)
            {
                return null;
            }
        }

        var end = url.IndexOfAny([':', '/', '?', '#', '\\']);
        if (end < 0 || url[end] != ':')
        {
            return url;
        }

        var scheme = url[..end];
        return Schemes.Any(s => string.Equals(s, scheme, StringComparison.OrdinalIgnoreCase)) ? url : null;
    }

    /// A link to the URL showing the text, or the text alone when the URL may not be linked.
    public static Html Link(string? url, string text) =>
        Of(url) is { } safe ? Html.Of($"""<a href="{safe}" rel="noopener noreferrer nofollow">{text}</a>""") : Html.Of($"<span>{text}</span>");
}
