namespace Bosun.Core.Common;

/// One page of a list. The cursor is the id of the last row returned; ids are ULIDs, so
/// "rows after this id" is stable while new rows arrive, and no OFFSET is ever needed.
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

public sealed record PageRequest(int Limit, string? Cursor)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public static PageRequest From(int? limit, string? cursor)
    {
        if (limit is < 1 or > MaxLimit)
        {
            throw ProblemException.Invalid("limit", $"must be between 1 and {MaxLimit}");
        }

        if (cursor is not null && !Ids.IsValid(cursor))
        {
            throw ProblemException.Invalid("cursor", "is not a cursor returned by this list");
        }

        return new PageRequest(limit ?? DefaultLimit, cursor);
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
