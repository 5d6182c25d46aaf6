using System.Globalization;

namespace Bosun.Server.Web;

/// How numbers, money and times read on a page. Times are UTC, like everything Bosun stores.
internal static class Format
{
    public static string Time(DateTime? at) => at is { } t ? t.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC" : "—";

    public static string Usd(decimal usd) => usd switch
    {
        0 => "$0.00",
        < 0.01m and > -0.01m => "$" + usd.ToString("0.0000", CultureInfo.InvariantCulture),
        _ => usd.ToString("$#,##0.00", CultureInfo.InvariantCulture),
    };

    public static string Count(long n) => n switch
    {
        >= 10_000_000 => (n / 1_000_000.0).ToString("0.#", CultureInfo.InvariantCulture) + "M",
        >= 100_000 => (n / 1000.0).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        _ => n.ToString("#,##0", CultureInfo.InvariantCulture),
    };

    public static string Duration(TimeSpan d) => d switch
    {
        { TotalSeconds: < 1 } => $"{(int)d.TotalMilliseconds} ms",
        { TotalMinutes: < 1 } => d.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s",
        { TotalHours: < 1 } => $"{(int)d.TotalMinutes} min {d.Seconds} s",
        _ => $"{(int)d.TotalHours} h {d.Minutes} min",
    };

    public static string Ago(DateTime? at, DateTime now) => at is not { } t ? "never" : (now - t) switch
    {
        { TotalSeconds: < 60 } => "just now",
        { TotalMinutes: < 60 } d => $"{(int)d.TotalMinutes} min ago",
        { TotalHours: < 48 } d => $"{(int)d.TotalHours} h ago",
        var d => $"{(int)d.TotalDays} days ago",
    };
}
