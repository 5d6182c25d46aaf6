using System.Globalization;
using System.Text.RegularExpressions;

namespace Bosun.Core.Planning;

/// A calendar month ("2026-04") or quarter ("2026-Q2") in UTC: from its first instant up to, not including, the
/// first instant of the next.
public readonly partial record struct CalendarPeriod(string Key, DateTime StartsAt, DateTime EndsAt)
{
    public static CalendarPeriod Containing(DateTime instant, PeriodLength length)
    {
        var month = length == PeriodLength.Month ? instant.Month : (instant.Month - 1) / 3 * 3 + 1;
        return Starting(new DateTime(instant.Year, month, 1, 0, 0, 0, DateTimeKind.Utc), length);
    }

    public CalendarPeriod Next(PeriodLength length) => Starting(EndsAt, length);

    /// "2026-04" as a month; anything else is null.
    public static CalendarPeriod? ParseMonth(string? text)
    {
        var match = text is null ? Match.Empty : MonthPattern().Match(text);
        return match.Success && Year(match) is { } year && int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) is var month && month is >= 1 and <= 12
            ? Starting(new DateTime(year, month, 1, 0, 0, 0, DateTimeKind.Utc), PeriodLength.Month)
            : null;
    }

    /// A period key of either length ("2026-04", "2026-Q2"), as routes name periods.
    public static CalendarPeriod? Parse(string? text)
    {
        if (ParseMonth(text) is { } month)
        {
            return month;
        }

        var match = text is null ? Match.Empty : QuarterPattern().Match(text);
        return match.Success && Year(match) is { } year
            ? Starting(new DateTime(year, (match.Groups[2].Value[0] - '1') * 3 + 1, 1, 0, 0, 0, DateTimeKind.Utc), PeriodLength.Quarter)
            : null;
    }

    // The last year whose periods all end within DateTime's range.
    private static int? Year(Match match) =>
        int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) is var year && year is >= 1 and <= 9998 ? year : null;

    private static CalendarPeriod Starting(DateTime start, PeriodLength length)
    {
        var key = length == PeriodLength.Month
            ? start.ToString("yyyy-MM", CultureInfo.InvariantCulture)
            : $"{start.Year.ToString("D4", CultureInfo.InvariantCulture)}-Q{(start.Month - 1) / 3 + 1}";
        return new CalendarPeriod(key, start, start.AddMonths(length == PeriodLength.Month ? 1 : 3));
    }

    [GeneratedRegex(@"^(\d{4})-(\d{2})$")]
    private static partial Regex MonthPattern();

    [GeneratedRegex(@"^(\d{4})-Q([1-4])$")]
    private static partial Regex QuarterPattern();
}

public enum PeriodStatus { NotStarted, InProgress, AtRisk, Completed, Missed }

/// How a deliverable's period stands, judged from its counts and the clock alone, so every reader (API, web, MCP,
/// CLI) sees the same status without anything having to store or refresh it. In this order:
///
/// 1. completed: the completed count has reached the target (at any time, even early);
/// 2. missed: the period has ended short of its target;
/// 3. not_started: the period has not begun;
/// 4. at_risk: at least one full day of the period has passed and, at the pace so far (completed ÷ elapsed days),
///    the days that remain cannot bring the count to the target: completed + pace × remaining days &lt; target;
/// 5. not_started: still within the first day and none of the period's counted work has begun;
/// 6. in_progress: otherwise.
///
/// On the first day a pace says nothing yet; after it, a period with nothing done is at risk, since no pace can fill it.
public static class PeriodProgress
{
    public static readonly TimeSpan SettlingTime = TimeSpan.FromDays(1);

    public static PeriodStatus Status(DateTime startsAt, DateTime endsAt, int target, int completed, DateTime now, bool workBegun)
    {
        if (completed >= target)
        {
            return PeriodStatus.Completed;
        }

        if (now >= endsAt)
        {
            return PeriodStatus.Missed;
        }

        if (now < startsAt)
        {
            return PeriodStatus.NotStarted;
        }

        var elapsed = now - startsAt;
        if (elapsed >= SettlingTime)
        {
            var pace = completed / elapsed.TotalDays;
            if (completed + pace * (endsAt - now).TotalDays < target)
            {
                return PeriodStatus.AtRisk;
            }
        }
        else if (!workBegun && completed == 0)
        {
            return PeriodStatus.NotStarted;
        }

        return PeriodStatus.InProgress;
    }

    /// Whether the status depends on <c>workBegun</c>, which costs a query: only in a period's first day with nothing done.
    public static bool NeedsWorkBegun(DateTime startsAt, DateTime endsAt, int target, int completed, DateTime now) =>
        completed == 0 && target > 0 && now >= startsAt && now < endsAt && now - startsAt < SettlingTime;

    /// completed ÷ target as a percentage with one decimal; not capped, so a period that did more than asked shows it.
    /// A target of zero is met from the start.
    public static double Percent(int target, int completed) =>
        target <= 0 ? 100 : Math.Round(completed * 100.0 / target, 1, MidpointRounding.AwayFromZero);
}
