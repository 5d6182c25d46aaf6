using System.Globalization;

namespace Bosun.Server.Web;

/// Charts drawn on the server as inline SVG: no script, no library, and they print. Widths are SVG attributes,
/// not inline styles, so the page keeps its strict content policy.
internal static class Charts
{
    public sealed record Mark(double Percent, string Kind, string Label);

    /// A horizontal bar filled to <paramref name="percent"/> (0–100, more is drawn full) with optional marks such as warn and stop.
    public static Html Bar(double percent, string label, string fillClass = "fill", params Mark[] marks)
    {
        var w = new HtmlWriter();
        var fill = Math.Clamp(percent, 0, 100);
        w.Add($"""<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label="{label}"><title>{label}</title><rect class="track" width="100" height="10"/><rect class="{fillClass}" width="{N(fill)}" height="10"/>""");
        foreach (var mark in marks)
        {
            w.Add($"""<rect class="mark {mark.Kind}" x="{N(Math.Clamp(mark.Percent, 0, 100) - 0.4)}" width="0.8" height="10"><title>{mark.Label}</title></rect>""");
        }

        w.Add($"</svg>");
        return w.ToHtml();
    }

    /// Columns for a series such as spend per day; each column names its value on hover and the y axis shows the top.
    /// <paramref name="tick"/> shortens a label under its column (default its last two characters, the day of a date).
    public static Html Columns(IReadOnlyList<(string Label, decimal Value)> points, Func<decimal, string> format, string title, Func<string, string>? tick = null)
    {
        if (points.Count == 0)
        {
            return Html.Empty;
        }

        const double height = 120;
        const double columnWidth = 24;
        var max = Math.Max(points.Max(p => p.Value), 0.000001m);
        var width = points.Count * columnWidth;
        var w = new HtmlWriter();
        w.Add($"""<figure class="chart"><svg viewBox="0 0 {N(width)} {N(height + 14)}" role="img" aria-label="{title}"><title>{title}</title>""");
        w.Add($"""<line class="axis" x1="0" y1="{N(height)}" x2="{N(width)}" y2="{N(height)}"/>""");
        for (var i = 0; i < points.Count; i++)
        {
            var (label, value) = points[i];
            var h = (double)(value / max) * (height - 4);
            var x = i * columnWidth + 1.5;
            w.Add($"""<rect class="column-bar" x="{N(x)}" y="{N(height - h)}" width="{N(columnWidth - 3)}" height="{N(h)}"><title>{label}: {format(value)}</title></rect>""");
            if (i % 3 == 0 || i == points.Count - 1)
            {
                w.Add($"""<text class="tick" x="{N(x + (columnWidth - 3) / 2)}" y="{N(height + 12)}" text-anchor="middle">{(tick ?? (l => l[^2..]))(label)}</text>""");
            }
        }

        w.Add($"""</svg><figcaption>Highest: {format(max)}</figcaption></figure>""");
        return w.ToHtml();
    }

    private static string N(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
