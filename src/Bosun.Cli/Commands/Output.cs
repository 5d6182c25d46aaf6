using System.Globalization;
using System.Text.Json;
using Bosun.Server.Http;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Bosun.Cli.Commands;

/// A table column: a header and how to show one row's value.
public sealed record Column(string Header, Func<JsonElement, IRenderable> Cell)
{
    public static Column Of(string header, Func<JsonElement, string?> text) => new(header, e => new Text(text(e) ?? ""));

    public static Column Of(string header, string field) => Of(header, e => e.Text(field));
}

/// How the CLI shows API JSON to people: tables for lists, label/value grids for one thing.
public static class Output
{
    public static readonly JsonSerializerOptions JsonOptions = BosunJson.Options;

    public static void Table(this IAnsiConsole console, IReadOnlyList<JsonElement> rows, string noun, params Column[] columns)
    {
        if (rows.Count == 0)
        {
            console.MarkupLineInterpolated($"[grey]No {noun}.[/]");
            return;
        }

        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(new Markup($"[bold]{Markup.Escape(column.Header)}[/]")));
        }

        foreach (var row in rows)
        {
            table.AddRow(columns.Select(c => c.Cell(row)));
        }

        console.Write(table);
    }

    public static void Details(this IAnsiConsole console, params (string Label, IRenderable Value)[] rows)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        foreach (var (label, value) in rows)
        {
            grid.AddRow(new Markup($"[grey]{Markup.Escape(label)}[/]"), value);
        }

        console.Write(grid);
    }

    public static (string, IRenderable) Row(string label, string? value) => (label, new Text(value ?? ""));

    public static (string, IRenderable) Row(string label, IRenderable value) => (label, value);

    /// A property as text: strings as they are, numbers as written, booleans as yes/no, lists joined, null as "".
    public static string Text(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? Describe(value) : "";

    public static string? TextOrNull(this JsonElement element, string name) =>
        element.Text(name) is { Length: > 0 } text ? text : null;

    public static IReadOnlyList<JsonElement> Items(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? [.. value.EnumerateArray()]
            : [];

    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? "",
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "yes",
        JsonValueKind.False => "no",
        JsonValueKind.Array => string.Join(", ", value.EnumerateArray().Select(Describe)),
        JsonValueKind.Object => value.GetRawText(),
        _ => "",
    };

    /// UTC times from the API, shortened to the minute.
    public static string Time(this JsonElement element, string name) =>
        element.TextOrNull(name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + "Z"
            : "";

    public static string Usd(this JsonElement element, string name) =>
        element.TextOrNull(name) is { } text && decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var usd)
            ? "$" + usd.ToString("0.00####", CultureInfo.InvariantCulture)
            : "";

    public static IRenderable Status(string status) => new Markup(Markup.Escape(status), new Style(status switch
    {
        "done" or "active" or "achieved" or "accepted" or "completed" or "passed" => Color.Green,
        "in_progress" or "claimed" => Color.Blue,
        "awaiting_approval" or "blocked" or "paused" or "pending" or "at_risk" => Color.Yellow,
        "failed" or "missed" or "deactivated" or "revoked" or "expired" => Color.Red,
        "cancelled" or "archived" or "abandoned" => Color.Grey,
        _ => Color.Default,
    }));

    /// A goal's progress as a ten-cell bar and a percentage.
    public static IRenderable Progress(JsonElement goal) => Progress(goal, "progress_percent");

    /// A percentage field as a ten-cell bar (full from 100 on) and the percentage.
    public static IRenderable Progress(JsonElement element, string field)
    {
        if (element.TextOrNull(field) is not { } text || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var percent))
        {
            return new Markup("[grey]–[/]");
        }

        var filled = (int)Math.Round(Math.Clamp(percent, 0, 100) / 10);
        var bar = new string('█', filled) + new string('░', 10 - filled);
        return new Markup($"[green]{bar[..filled]}[/][grey]{bar[filled..]}[/] {percent.ToString("0", CultureInfo.InvariantCulture)}%");
    }

    public static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
