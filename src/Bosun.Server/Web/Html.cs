using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Bosun.Server.Web;

/// Markup that is already safe to send: literals of a template, or the output of another writer.
public readonly record struct Html(string Value)
{
    public static readonly Html Empty = new("");

    public static Html Raw(string value) => new(value);

    /// A fragment built from a template, e.g. <c>Html.Of($"<b>{name}</b>")</c>.
    public static Html Of(ref HtmlTemplate template) => template.ToHtml();

    /// A query string of the parts that have a value, e.g. "?project=WEB&amp;q=login".
    public static string Query(params (string Name, string? Value)[] parts)
    {
        var present = parts.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return present.Count == 0 ? "" : "?" + string.Join("&", present);
    }

    public static string Segment(string value) => Uri.EscapeDataString(value);

    public override string ToString() => Value;
}

/// Builds a page into one buffer. Text interpolated into a template is HTML-encoded unless it is <see cref="Html"/>,
/// so a title or comment can never turn into markup.
public sealed class HtmlWriter
{
    internal StringBuilder Buffer { get; } = new(8192);

    public HtmlWriter Add([InterpolatedStringHandlerArgument("")] ref HtmlTemplate template) => this;

    public Html ToHtml() => new(Buffer.ToString());

    public override string ToString() => Buffer.ToString();

    /// Encodes the characters that matter in text and quoted attribute values; all Bosun templates quote attributes.
    internal static void Encode(StringBuilder sb, ReadOnlySpan<char> text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var entity = text[i] switch
            {
                '<' => "&lt;",
                '>' => "&gt;",
                '&' => "&amp;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => null,
            };
            if (entity is null)
            {
                continue;
            }

            sb.Append(text[start..i]).Append(entity);
            start = i + 1;
        }

        sb.Append(text[start..]);
    }

    internal static void Encode(StringBuilder sb, string? text) => Encode(sb, text.AsSpan());
}

[InterpolatedStringHandler]
public readonly ref struct HtmlTemplate
{
    private readonly StringBuilder _buffer;

    public HtmlTemplate(int literalLength, int formattedCount, HtmlWriter writer)
    {
        _buffer = writer.Buffer;
    }

    public HtmlTemplate(int literalLength, int formattedCount)
    {
        _buffer = new StringBuilder(literalLength + formattedCount * 16);
    }

    public Html ToHtml() => new(_buffer.ToString());

    public void AppendLiteral(string literal) => _buffer.Append(literal);

    public void AppendFormatted(Html html) => _buffer.Append(html.Value);

    public void AppendFormatted(string? text) => HtmlWriter.Encode(_buffer, text);

    public void AppendFormatted(int value) => _buffer.Append(value);

    public void AppendFormatted(long value) => _buffer.Append(value);

    public void AppendFormatted<T>(T value) => AppendFormatted(value, null);

    public void AppendFormatted<T>(T value, string? format)
    {
        var text = value switch
        {
            null => null,
            Html html => html.Value,
            IFormattable formattable => formattable.ToString(format, CultureInfo.InvariantCulture),
            _ => value.ToString(),
        };
        if (value is Html)
        {
            _buffer.Append(text);
        }
        else
        {
            HtmlWriter.Encode(_buffer, text);
        }
    }
}
