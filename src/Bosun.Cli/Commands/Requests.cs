using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// Query parameters for a GET; empty values are left out so the server applies its defaults.
public sealed class Query
{
    private readonly List<string> _parts = [];

    /// An id or key as one path segment.
    public static string Segment(string value) => Uri.EscapeDataString(value);

    public Query Add(string name, object? value)
    {
        var text = value switch
        {
            null => null,
            bool b => b ? "true" : "false",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString(),
        };
        if (!string.IsNullOrEmpty(text))
        {
            _parts.Add($"{name}={Uri.EscapeDataString(text)}");
        }

        return this;
    }

    public Query Copy()
    {
        var copy = new Query();
        copy._parts.AddRange(_parts);
        return copy;
    }

    public string On(string path) => _parts.Count == 0 ? path : $"{path}{(path.Contains('?') ? '&' : '?')}{string.Join('&', _parts)}";
}

/// A JSON request body with only the fields the user gave: the API reads a missing field as "leave unchanged".
public sealed class Body : Dictionary<string, object?>
{
    public Body Set(string field, object? value)
    {
        if (value is not null)
        {
            this[field] = value;
        }

        return this;
    }

    public Body RequireChanges()
    {
        if (Count == 0)
        {
            throw new UsageException("Nothing to change: give at least one option (see --help).");
        }

        return this;
    }
}

/// Options shared by list commands: one page by cursor, or every page with --all.
public sealed class ListOptions
{
    public Option<int?> Limit { get; } = new("--limit") { Description = "Rows per page, 1 to 500 (server default 50)" };
    public Option<string?> Cursor { get; } = new("--cursor") { Description = "Start after this cursor (the next_cursor of a previous page)" };
    public Option<bool> All { get; } = new("--all") { Description = "Follow next_cursor through every page" };

    public Symbol[] Symbols => [Limit, Cursor, All];

    /// Fetches one page, or all of them; with --json prints what it fetched and returns null.
    public async Task<IReadOnlyList<JsonElement>?> FetchAsync(CliContext cli, string path, Query query, CancellationToken ct)
    {
        var all = cli.Get(All);
        var items = new List<JsonElement>();
        var cursor = cli.Get(Cursor);
        var seen = new HashSet<string>();
        while (true)
        {
            var page = await cli.Client.GetAsync(query.Copy().Add("limit", cli.Get(Limit)).Add("cursor", cursor).On(path), ct);
            items.AddRange(page.Items("items"));
            var next = page.TextOrNull("next_cursor");
            if (!all || next is null || !seen.Add(next))
            {
                if (cli.Json)
                {
                    cli.PrintJson(all ? JsonSerializer.SerializeToElement(new { items, next_cursor = (string?)null }) : page);
                    return null;
                }

                if (!all && next is not null)
                {
                    cli.Out.MarkupLineInterpolated($"[grey]More rows: add[/] --cursor {next} [grey]or[/] --all");
                }

                return items;
            }

            cursor = next;
        }
    }
}

/// Dates and durations on the command line: "2026-12-31", "2026-12-31T17:00Z", or "90m", "12h", "30d", "2w" from now.
public static partial class Moments
{
    public static Option<DateTimeOffset?> Option(string name, string description) => new(name)
    {
        Description = $"{description}: a date (2026-12-31, 2026-12-31T17:00Z) or a time from now (90m, 12h, 30d, 2w)",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (TryParse(text, DateTimeOffset.UtcNow, out var at))
            {
                return at;
            }

            result.AddError($"{name}: '{text}' is neither a date like 2026-12-31 nor a duration like 30d.");
            return null;
        },
    };

    public static bool TryParse(string text, DateTimeOffset now, out DateTimeOffset at)
    {
        if (Duration().Match(text.Trim()) is { Success: true } m && int.TryParse(m.Groups["n"].Value, CultureInfo.InvariantCulture, out var n))
        {
            at = m.Groups["unit"].Value switch
            {
                "m" => now.AddMinutes(n),
                "h" => now.AddHours(n),
                "d" => now.AddDays(n),
                _ => now.AddDays(7 * n),
            };
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out at);
    }

    [GeneratedRegex("^(?<n>[0-9]{1,6})(?<unit>[mhdw])$")]
    private static partial Regex Duration();
}
