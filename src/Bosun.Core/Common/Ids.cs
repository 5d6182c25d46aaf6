namespace Bosun.Core.Common;

/// Public ids are ULIDs: sortable by creation time, URL-safe, and usable as a pagination cursor.
public static class Ids
{
    public static string New() => Ulid.NewUlid().ToString();

    public static bool IsValid(string? value) => value is { Length: 26 } && Ulid.TryParse(value, out _);
}
