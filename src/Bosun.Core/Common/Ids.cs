namespace Bosun.Core.Common;

/// Public ids are ULIDs: 48 bits of milliseconds, then 80 random bits. Lists and the claim's "oldest first" order by
/// id, so ids made one after another in this process must sort in that order even within one millisecond: such an id
/// takes the previous one's time and random part plus one, as the ULID spec's monotonic form does.
public static class Ids
{
    private static readonly Lock Gate = new();
    private static long _lastMs;
    private static readonly byte[] Last = new byte[16];

    public static string New()
    {
        Span<byte> bytes = stackalloc byte[16];
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        lock (Gate)
        {
            if (now > _lastMs)
            {
                _lastMs = now;
                for (var i = 0; i < 6; i++)
                {
                    Last[i] = (byte)(now >> (8 * (5 - i)));
                }

                System.Security.Cryptography.RandomNumberGenerator.Fill(Last.AsSpan(6));

                // Leaves room to count up within the millisecond without carrying into the time.
                Last[6] &= 0x7F;
            }
            else
            {
                for (var i = 15; i >= 6 && ++Last[i] == 0; i--)
                {
                }
            }

            Last.CopyTo(bytes);
        }

        return new Ulid(bytes).ToString();
    }

    public static bool IsValid(string? value) => value is { Length: 26 } && Ulid.TryParse(value, out _);
}
