namespace Bosun.Core.Common;

/// One page of a list. The cursor is the id of the last row returned; ids are ULIDs, so
/// "rows after this id" is stable while new rows arrive, and no OFFSET is ever needed.
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

public sealed record PageRequest(int Limit, string? Cursor)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <paramref name="keyed"/>: the list is ordered by a key before the id, so its cursor is a <see cref="KeyedCursor"/>.
    public static PageRequest From(int? limit, string? cursor, bool keyed = false)
    {
        if (limit is < 1 or > MaxLimit)
        {
            throw ProblemException.Invalid("limit", $"must be between 1 and {MaxLimit}");
        }

        if (cursor is not null && !(keyed ? KeyedCursor.TryDecode(cursor, out _, out _) : Ids.IsValid(cursor)))
        {
            throw ProblemException.Invalid("cursor", "is not a cursor returned by this list");
        }

        return new PageRequest(limit ?? DefaultLimit, cursor);
    }
}

/// The cursor of a list ordered by a key and then the id (siblings by position): the last row's key and id, so the next
/// page starts right after that row even when several rows share the key.
public static class KeyedCursor
{
    private const int MaxKeyLength = 256;

    public static string Encode(string key, string id) => $"{key}.{id}";

    public static bool TryDecode(string cursor, out string key, out string id)
    {
        var dot = cursor.LastIndexOf('.');
        key = dot > 0 ? cursor[..dot] : "";
        id = dot > 0 ? cursor[(dot + 1)..] : "";
        return key.Length is > 0 and <= MaxKeyLength && key.All(char.IsAsciiLetterOrDigit) && Ids.IsValid(id);
    }
}

public static class PagingExtensions
{
    /// Reads one row more than asked to learn whether another page exists.
    public static async Task<Page<TOut>> ToPageAsync<TIn, TOut>(
        this IQueryable<TIn> ordered, PageRequest page, Func<TIn, string> idOf, Func<TIn, TOut> map, CancellationToken ct)
    {
        var rows = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ToListAsync(ordered.Take(page.Limit + 1), ct);
        var more = rows.Count > page.Limit;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        return new Page<TOut>(rows.Select(map).ToList(), more ? idOf(rows[^1]) : null);
    }
}
