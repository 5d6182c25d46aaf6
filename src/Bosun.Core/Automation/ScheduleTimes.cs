using System.Collections.Concurrent;
using System.Globalization;
using Bosun.Core.Common;
using Cronos;

namespace Bosun.Core.Automation;

/// The times a schedule fires, in UTC: cron expressions read in the schedule's time zone by Cronos (a local time that
/// a spring-forward gap skips fires at the first instant after the gap; a time that a fall-back overlap repeats fires
/// once, at its first occurrence, unless the expression steps through that hour), or a fixed grid of seconds.
public static class ScheduleTimes
{
    private static readonly ConcurrentDictionary<string, CronExpression> Parsed = new(StringComparer.Ordinal);

    public static CronExpression? ParseCron(ValidationProblem problem, string field, string? text)
    {
        var cron = text?.Trim();
        if (string.IsNullOrEmpty(cron))
        {
            problem.Add(field, "is required for a cron trigger, e.g. \"0 9 * * 1-5\" (09:00 on weekdays)");
            return null;
        }

        try
        {
            return Cron(cron);
        }
        catch (CronFormatException ex)
        {
            problem.Add(field, $"is not a cron expression: {ex.Message} (five fields: minute hour day-of-month month day-of-week, or six with seconds first)");
            return null;
        }
    }

    /// An IANA time zone; Windows names and offsets are refused so the stored name means the same on every machine.
    public static TimeZoneInfo? ParseZone(ValidationProblem problem, string field, string? name)
    {
        if (name is "UTC" or "Etc/UTC")
        {
            return TimeZoneInfo.Utc;
        }

        if (!string.IsNullOrWhiteSpace(name) && !TimeZoneInfo.TryConvertWindowsIdToIanaId(name, out _))
        {
            try
            {
                return TimeZoneInfo.FindSystemTimeZoneById(name);
            }
            catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
            }
        }

        problem.Add(field, $"'{name}' is not an IANA time zone: use a name such as Europe/Berlin, America/New_York or UTC");
        return null;
    }

    public static TimeZoneInfo Zone(string name) => name is "UTC" or "Etc/UTC" ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(name);

    /// The first time after <paramref name="after"/> (or at it, when <paramref name="inclusive"/>); null for a manual
    /// schedule or a cron expression that never fires again.
    public static DateTime? Next(Schedule s, DateTime after, bool inclusive = false)
    {
        after = DateTime.SpecifyKind(after, DateTimeKind.Utc);
        switch (s.Trigger)
        {
            case ScheduleTrigger.Cron:
                return Cron(s.Cron!).GetNextOccurrence(after, Zone(s.TimeZone), inclusive);
            case ScheduleTrigger.Interval:
                var step = TimeSpan.FromSeconds(s.IntervalSeconds!.Value).Ticks;
                var anchor = DateTime.SpecifyKind(s.AnchorAt, DateTimeKind.Utc).Ticks;
                if (after.Ticks < anchor + step)
                {
                    return new DateTime(anchor + step, DateTimeKind.Utc);
                }

                var steps = (after.Ticks - anchor) / step;
                var on = anchor + steps * step;
                return new DateTime(on == after.Ticks && inclusive ? on : on + step, DateTimeKind.Utc);
            default:
                return null;
        }
    }

    /// Up to <paramref name="count"/> times from <paramref name="from"/> on, oldest first.
    public static IReadOnlyList<DateTime> Upcoming(Schedule s, DateTime from, int count)
    {
        var times = new List<DateTime>(count);
        var next = Next(s, from, inclusive: true);
        while (next is { } at && times.Count < count)
        {
            times.Add(at);
            next = Next(s, at);
        }

        return times;
    }

    /// The latest <paramref name="count"/> times in [from, to], oldest first. Looks back from <paramref name="to"/> in
    /// growing windows, so a long downtime with a schedule of every second does not walk every missed second.
    public static IReadOnlyList<DateTime> Latest(Schedule s, DateTime from, DateTime to, int count)
    {
        var window = TimeSpan.FromMinutes(2);
        while (true)
        {
            var start = to - window > from ? to - window : from;
            var found = new List<DateTime>();
            for (var at = Next(s, start, inclusive: true); at is { } t && t <= to; at = Next(s, t))
            {
                found.Add(t);
            }

            if (found.Count >= count || start == from)
            {
                return found.Count > count ? found[^count..] : found;
            }

            window *= 8;
        }
    }

    /// The placeholders a firing fills in: {{date}} and {{fire_time}} in the schedule's time zone, and {{period}},
    /// whose shape follows the gap to the next firing (a month, an ISO week, a day, or a minute).
    public static Dictionary<string, string> Placeholders(Schedule s, DateTime fireTime)
    {
        var zone = Zone(s.TimeZone);
        var utc = DateTime.SpecifyKind(fireTime, DateTimeKind.Utc);
        var local = new DateTimeOffset(TimeZoneInfo.ConvertTimeFromUtc(utc, zone), zone.GetUtcOffset(utc));
        var gap = Next(s, utc) is { } next ? next - utc : TimeSpan.FromDays(1);
        var period = gap.TotalDays switch
        {
            >= 28 => local.ToString("yyyy-MM", CultureInfo.InvariantCulture),
            >= 7 => $"{ISOWeek.GetYear(local.DateTime):D4}-W{ISOWeek.GetWeekOfYear(local.DateTime):D2}",
            >= 1 => local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            _ => local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
        };
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["date"] = local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["period"] = period,
            ["fire_time"] = local.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
        };
    }

    /// The local wall-clock time with its offset, as the schedule's page shows it.
    public static DateTimeOffset Local(Schedule s, DateTime utc)
    {
        var zone = Zone(s.TimeZone);
        utc = DateTime.SpecifyKind(utc, DateTimeKind.Utc);
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeFromUtc(utc, zone), zone.GetUtcOffset(utc));
    }

    private static CronExpression Cron(string text) => Parsed.GetOrAdd(text, t =>
    {
        var fields = t.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        return CronExpression.Parse(t, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
    });
}
