using System.Text;

namespace Bosun.Core.Planning;

/// Positions are strings compared ordinally, so an item moves between two siblings by taking a string that sorts
/// between theirs: one row is written, whatever the number of siblings. New items take their id (a ULID, which
/// grows with time) as their position, so they stand after the items made before them.
public static class Positions
{
    private const string Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private const int Base = 36;

    /// Longest position kept; past it the siblings are spaced out again (see the callers).
    public const int MaxLength = 200;

    /// A position after <paramref name="lower"/> (null: before everything) and before <paramref name="upper"/> (null:
    /// after everything). Requires lower &lt; upper. The answer never ends in the lowest digit, so there is always room
    /// after it as well as before it.
    public static string Between(string? lower, string? upper)
    {
        if (upper is null)
        {
            // Just after the last: a new item (a later id) still sorts after it.
            return (lower ?? "") + Digits[Base / 2];
        }

        lower ??= "";
        if (string.CompareOrdinal(lower, upper) >= 0)
        {
            throw new ArgumentException($"'{lower}' does not sort before '{upper}'.");
        }

        var result = new StringBuilder();
        var bounded = true;
        for (var i = 0; ; i++)
        {
            var low = i < lower.Length ? Digit(lower[i]) : 0;
            var high = bounded ? Digit(upper[i]) : Base;
            if (high - low > 1)
            {
                result.Append(Digits[(low + high) / 2]);
                return result.ToString();
            }

            result.Append(Digits[low]);
            if (high - low == 1)
            {
                // Below the upper bound from here on; what follows only has to sort after the rest of the lower one.
                bounded = false;
            }
        }
    }

    /// <see cref="Between"/>, or null when no position of at most <see cref="MaxLength"/> digits fits: the two are equal
    /// (siblings that tied), out of order, or only trailing zeros apart, or the gap has been split so often that the
    /// answer would be too long. The caller then spaces the siblings out again.
    public static string? TryBetween(string? lower, string? upper)
    {
        if (upper is not null)
        {
            var floor = lower ?? "";
            if (string.CompareOrdinal(floor, upper) >= 0
                || (upper.StartsWith(floor, StringComparison.Ordinal) && upper.AsSpan(floor.Length).TrimStart('0').IsEmpty))
            {
                return null;
            }
        }

        var position = Between(lower, upper);
        return position.Length <= MaxLength ? position : null;
    }

    /// Positions for <paramref name="count"/> siblings spaced out again, in their order. They start with "00", below
    /// every id made since 2005 (an id starts with its time), so an item created afterwards still stands after them.
    public static IReadOnlyList<string> Respace(int count) => Spread(count).Select(p => "00" + p).ToList();

    /// Evenly spaced positions for <paramref name="count"/> items, for spacing siblings out again.
    public static IReadOnlyList<string> Spread(int count)
    {
        var width = 1;
        while (Math.Pow(Base, width) < count + 1)
        {
            width++;
        }

        var step = Math.Pow(Base, width) / (count + 1);
        var list = new List<string>(count);
        for (var i = 1; i <= count; i++)
        {
            var value = (long)(step * i);
            var chars = new char[width];
            for (var d = width - 1; d >= 0; d--)
            {
                chars[d] = Digits[(int)(value % Base)];
                value /= Base;
            }

            list.Add(new string(chars).TrimEnd('0') is { Length: > 0 } s ? s : "I");
        }

        return list;
    }

    private static int Digit(char c)
    {
        var d = Digits.IndexOf(char.ToUpperInvariant(c));
        return d < 0 ? 0 : d;
    }
}
