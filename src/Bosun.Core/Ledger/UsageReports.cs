using System.Globalization;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Ledger;

/// Which calls a usage report covers: whole UTC days from <see cref="Since"/> to <see cref="Until"/> (both included),
/// optionally one project (id or key) and one agent (id or name).
public sealed record UsageFilter(string? Since, string? Until, string? Project, string? Agent);

/// Tokens and money of a set of calls. Cost is what was billed (0 for subscription usage); list cost is what the
/// same tokens cost at list price; `cache_hit_ratio` = cache reads / (input + cache reads + cache writes).
public sealed record UsageTotals(
    long Calls, long InputTokens, long OutputTokens, long CacheReadTokens, long CacheWriteTokens, long TotalTokens,
    decimal CostUsd, decimal ListCostUsd, decimal SubscriptionListCostUsd, long UnpricedCalls, double? CacheHitRatio)
{
    public static UsageTotals Of(IEnumerable<UsageCell> cells)
    {
        long calls = 0, input = 0, output = 0, read = 0, write = 0, cost = 0, list = 0, subscription = 0, unpriced = 0;
        foreach (var c in cells)
        {
            calls += c.Calls;
            input += c.Input;
            output += c.Output;
            read += c.CacheRead;
            write += c.CacheWrite;
            cost += c.Cost;
            list += c.List;
            subscription += c.Subscription ? c.List : 0;
            unpriced += c.Unpriced;
        }

        var prompt = input + read + write;
        return new UsageTotals(calls, input, output, read, write, prompt + output, Money.ToUsd(cost), Money.ToUsd(list), Money.ToUsd(subscription), unpriced,
            prompt == 0 ? null : Math.Round((double)read / prompt, 4));
    }
}

/// One model's share of a report row.
public sealed record UsageModelRow(string Model, UsageTotals Usage);

/// A day (`yyyy-MM-dd`) or month (`yyyy-MM`) with its models.
public sealed record UsagePeriodRow(string Period, UsageTotals Usage, IReadOnlyList<UsageModelRow> Models);

public sealed record UsagePeriodReport(DateTime Since, DateTime Until, IReadOnlyList<UsagePeriodRow> Rows, UsageTotals Total, IReadOnlyList<UsageModelRow> Models);

/// An imported agent session or a run, with the agent and project it worked for.
public sealed record UsageSessionRow(
    string? SessionId, string? RunId, string Label, string? AgentId, string? Agent, string? ProjectId, string? Project,
    DateTime FirstCallAt, DateTime LastCallAt, UsageTotals Usage, IReadOnlyList<UsageModelRow> Models);

public sealed record UsageSessionReport(DateTime Since, DateTime Until, IReadOnlyList<UsageSessionRow> Rows, UsageTotals Total);

/// The active block's pace, measured from its first call to now, and where that pace ends the block.
public sealed record BurnRate(double TokensPerMinute, decimal CostPerHourUsd, decimal ListCostPerHourUsd,
    long ProjectedTokens, decimal ProjectedCostUsd, decimal ProjectedListCostUsd, int RemainingMinutes);

public sealed record UsageBlock(
    DateTime Start, DateTime End, DateTime FirstCallAt, DateTime LastCallAt, bool Active, UsageTotals Usage, IReadOnlyList<string> Models, BurnRate? BurnRate);

public sealed record UsageBlockReport(DateTime Since, DateTime Until, IReadOnlyList<UsageBlock> Blocks, UsageBlock? ActiveBlock, UsageTotals Total);

/// A cell of the grouped ledger: one model and billing type within a day, session or block.
public sealed record UsageCell(string Model, bool Subscription, long Calls, long Input, long Output, long CacheRead, long CacheWrite, long Cost, long List, long Unpriced);

/// Usage reports as users of ccusage read them: daily and monthly from the daily roll-up, per session and in
/// five-hour billing blocks from the ledger (a block's edges are not whole days).
public sealed class UsageReports(BosunDb db, TimeProvider clock)
{
    public static readonly TimeSpan BlockLength = TimeSpan.FromHours(5);

    public async Task<UsagePeriodReport> DailyAsync(UsageFilter filter, CancellationToken ct) =>
        await PeriodsAsync(filter, monthly: false, ct);

    public async Task<UsagePeriodReport> MonthlyAsync(UsageFilter filter, CancellationToken ct) =>
        await PeriodsAsync(filter, monthly: true, ct);

    private async Task<UsagePeriodReport> PeriodsAsync(UsageFilter filter, bool monthly, CancellationToken ct)
    {
        var (since, end, projectId, agentId) = await ResolveAsync(filter, monthly ? 366 : 366, monthly, ct);
        var query = db.Set<CostDaily>().AsNoTracking().Where(c => c.Day >= since && c.Day < end);
        if (projectId is not null)
        {
            query = query.Where(c => c.ProjectId == projectId);
        }

        if (agentId is not null)
        {
            query = query.Where(c => c.AgentId == agentId);
        }

        var grouped = await query.GroupBy(c => new { c.Day, c.Model, c.BillingType }).Select(g => new
        {
            g.Key.Day, g.Key.Model, g.Key.BillingType,
            Calls = g.Sum(c => c.Calls), Input = g.Sum(c => c.InputTokens), Output = g.Sum(c => c.OutputTokens),
            CacheRead = g.Sum(c => c.CacheReadTokens), CacheWrite = g.Sum(c => c.CacheWriteTokens),
            Cost = g.Sum(c => c.CostMicros), List = g.Sum(c => c.ListCostMicros), Unpriced = g.Sum(c => c.UnpricedCalls),
        }).ToListAsync(ct);
        var cells = grouped.Select(g => (
            Period: DateTime.SpecifyKind(g.Day, DateTimeKind.Utc).ToString(monthly ? "yyyy-MM" : "yyyy-MM-dd", CultureInfo.InvariantCulture),
            Cell: new UsageCell(g.Model, g.BillingType == BillingType.Subscription, g.Calls, g.Input, g.Output, g.CacheRead, g.CacheWrite, g.Cost, g.List, g.Unpriced))).ToList();
        var rows = cells.GroupBy(c => c.Period).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new UsagePeriodRow(g.Key, UsageTotals.Of(g.Select(c => c.Cell)), ByModel(g.Select(c => c.Cell))))
            .ToList();
        var all = cells.Select(c => c.Cell).ToList();
        return new UsagePeriodReport(since, end.AddDays(-1), rows, UsageTotals.Of(all), ByModel(all));
    }

    /// Calls of an imported session are grouped by session, calls of a run by run; calls with neither are left out.
    public async Task<UsageSessionReport> SessionsAsync(UsageFilter filter, CancellationToken ct)
    {
        var (since, end, projectId, agentId) = await ResolveAsync(filter, 366, false, ct);
        var grouped = await Calls(since, end, projectId, agentId).Where(c => c.SessionId != null || c.RunId != null)
            .GroupBy(c => new { c.SessionId, c.RunId, c.AgentId, c.ProjectId, c.Model, c.BillingType })
            .Select(g => new
            {
                g.Key.SessionId, g.Key.RunId, g.Key.AgentId, g.Key.ProjectId, g.Key.Model, g.Key.BillingType,
                First = g.Min(c => c.CalledAt), Last = g.Max(c => c.CalledAt),
                Calls = (long)g.Count(), Input = g.Sum(c => c.InputTokens), Output = g.Sum(c => c.OutputTokens),
                CacheRead = g.Sum(c => c.CacheReadTokens), CacheWrite = g.Sum(c => c.CacheWriteTokens),
                Cost = g.Sum(c => c.CostMicros ?? 0), List = g.Sum(c => c.ListCostMicros ?? 0), Unpriced = (long)g.Count(c => c.CostMicros == null),
            }).ToListAsync(ct);
        var sessionIds = grouped.Select(g => g.SessionId).OfType<string>().Distinct().ToList();
        var sessions = sessionIds.Count == 0 ? [] : await db.Set<AgentSession>().AsNoTracking().Where(s => sessionIds.Contains(s.Id))
            .Select(s => new { s.Id, s.Title, s.ExternalId, s.Source }).ToDictionaryAsync(s => s.Id, ct);
        var agentIds = grouped.Select(g => g.AgentId).OfType<string>().Distinct().ToList();
        var agents = agentIds.Count == 0 ? [] : await db.Agents.AsNoTracking().Where(a => agentIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, a => a.Name, ct);
        var projectIds = grouped.Select(g => g.ProjectId).OfType<string>().Distinct().ToList();
        var projects = projectIds.Count == 0 ? [] : await db.Projects.AsNoTracking().Where(p => projectIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.Key, ct);
        var rows = grouped.GroupBy(g => (g.SessionId, RunId: g.SessionId is null ? g.RunId : null)).Select(g =>
        {
            var first = g.First();
            var cells = g.Select(c => new UsageCell(c.Model, c.BillingType == BillingType.Subscription, c.Calls, c.Input, c.Output, c.CacheRead, c.CacheWrite, c.Cost, c.List, c.Unpriced)).ToList();
            var label = g.Key.SessionId is { } sid
                ? sessions.TryGetValue(sid, out var s) ? s.Title ?? $"{s.Source.Snake()} {s.ExternalId}" : sid
                : $"run {g.Key.RunId}";
            var agentId = g.Select(c => c.AgentId).FirstOrDefault(a => a is not null);
            var projectId = g.Select(c => c.ProjectId).FirstOrDefault(p => p is not null);
            return new UsageSessionRow(g.Key.SessionId, g.Key.RunId, label, agentId, agentId is null ? null : agents.GetValueOrDefault(agentId),
                projectId, projectId is null ? null : projects.GetValueOrDefault(projectId),
                Utc(g.Min(c => c.First)), Utc(g.Max(c => c.Last)), UsageTotals.Of(cells), ByModel(cells));
        }).OrderByDescending(r => r.LastCallAt).ThenBy(r => r.SessionId ?? r.RunId, StringComparer.Ordinal).ToList();
        return new UsageSessionReport(since, end.AddDays(-1), rows, UsageTotals.Of(grouped.Select(c =>
            new UsageCell(c.Model, c.BillingType == BillingType.Subscription, c.Calls, c.Input, c.Output, c.CacheRead, c.CacheWrite, c.Cost, c.List, c.Unpriced))));
    }

    /// Five-hour billing blocks: a block starts at the whole UTC hour of the first call after a gap and lasts five
    /// hours; a call at or after the block's end, or more than five hours after the previous call, starts the next.
    public async Task<UsageBlockReport> BlocksAsync(UsageFilter filter, CancellationToken ct)
    {
        var (since, end, projectId, agentId) = await ResolveAsync(filter, 93, false, ct);
        var calls = await Calls(since, end, projectId, agentId).OrderBy(c => c.CalledAt)
            .Select(c => new
            {
                c.CalledAt, c.Model, c.BillingType, c.InputTokens, c.OutputTokens, c.CacheReadTokens, c.CacheWriteTokens, c.CostMicros, c.ListCostMicros,
            }).ToListAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var blocks = new List<UsageBlock>();
        var i = 0;
        while (i < calls.Count)
        {
            var first = Utc(calls[i].CalledAt);
            var start = new DateTime(first.Year, first.Month, first.Day, first.Hour, 0, 0, DateTimeKind.Utc);
            var blockEnd = start + BlockLength;
            var j = i + 1;
            while (j < calls.Count && Utc(calls[j].CalledAt) < blockEnd && Utc(calls[j].CalledAt) - Utc(calls[j - 1].CalledAt) <= BlockLength)
            {
                j++;
            }

            var members = calls.Skip(i).Take(j - i).ToList();
            var cells = members.Select(c => new UsageCell(c.Model, c.BillingType == BillingType.Subscription, 1, c.InputTokens, c.OutputTokens, c.CacheReadTokens,
                c.CacheWriteTokens, c.CostMicros ?? 0, c.ListCostMicros ?? 0, c.CostMicros is null ? 1 : 0)).ToList();
            var last = Utc(members[^1].CalledAt);
            var usage = UsageTotals.Of(cells);
            var active = now < blockEnd && now - last <= BlockLength && now >= first;
            blocks.Add(new UsageBlock(start, blockEnd, first, last, active, usage, members.Select(c => c.Model).Distinct().Order(StringComparer.Ordinal).ToList(),
                active ? Burn(usage, first, now, blockEnd) : null));
            i = j;
        }

        return new UsageBlockReport(since, end.AddDays(-1), blocks, blocks.LastOrDefault(b => b.Active),
            UsageTotals.Of(calls.Select(c => new UsageCell(c.Model, c.BillingType == BillingType.Subscription, 1, c.InputTokens, c.OutputTokens,
                c.CacheReadTokens, c.CacheWriteTokens, c.CostMicros ?? 0, c.ListCostMicros ?? 0, c.CostMicros is null ? 1 : 0))));
    }

    /// The pace is taken over at least one minute, so a block one call old does not project an absurd figure.
    private static BurnRate Burn(UsageTotals usage, DateTime first, DateTime now, DateTime end)
    {
        var minutes = Math.Max((now - first).TotalMinutes, 1);
        var remaining = Math.Max((end - now).TotalMinutes, 0);
        var tokensPerMinute = usage.TotalTokens / minutes;
        var costPerMinute = usage.CostUsd / (decimal)minutes;
        var listPerMinute = usage.ListCostUsd / (decimal)minutes;
        return new BurnRate(Math.Round(tokensPerMinute, 2), Math.Round(costPerMinute * 60, 6), Math.Round(listPerMinute * 60, 6),
            usage.TotalTokens + (long)Math.Round(tokensPerMinute * remaining), Math.Round(usage.CostUsd + costPerMinute * (decimal)remaining, 6),
            Math.Round(usage.ListCostUsd + listPerMinute * (decimal)remaining, 6), (int)Math.Ceiling(remaining));
    }

    private IQueryable<LlmCall> Calls(DateTime since, DateTime end, string? projectId, string? agentId)
    {
        var query = db.Set<LlmCall>().AsNoTracking().Where(c => c.CalledAt >= since && c.CalledAt < end);
        if (projectId is not null)
        {
            query = query.Where(c => c.ProjectId == projectId);
        }

        if (agentId is not null)
        {
            query = query.Where(c => c.AgentId == agentId);
        }

        return query;
    }

    private static List<UsageModelRow> ByModel(IEnumerable<UsageCell> cells) =>
        cells.GroupBy(c => c.Model).Select(g => new UsageModelRow(g.Key, UsageTotals.Of(g)))
            .OrderByDescending(m => m.Usage.ListCostUsd).ThenBy(m => m.Model, StringComparer.Ordinal).ToList();

    private static DateTime Utc(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc);

    /// Days are UTC, as in the cost summary. `until` is included; the range is at most <paramref name="maxDays"/> days.
    private async Task<(DateTime Since, DateTime End, string? ProjectId, string? AgentId)> ResolveAsync(UsageFilter filter, int maxDays, bool monthly, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        var today = clock.GetUtcNow().UtcDateTime.Date;
        var until = Day(problem, "until", filter.Until) ?? today;
        var since = Day(problem, "since", filter.Since) ?? (monthly ? new DateTime(until.Year, until.Month, 1).AddMonths(-11) : until.AddDays(-29));
        if (monthly)
        {
            since = new DateTime(since.Year, since.Month, 1);
            until = new DateTime(until.Year, until.Month, 1).AddMonths(1).AddDays(-1);
        }

        if (until < since)
        {
            problem.Add("until", "must not be before since");
        }
        else if ((until - since).TotalDays >= maxDays + (monthly ? 31 : 0))
        {
            problem.Add("since", $"the range may cover at most {maxDays} days");
        }

        string? projectId = null, agentId = null;
        if (filter.Project is { Length: > 0 } project)
        {
            var key = project.ToUpperInvariant();
            projectId = await db.Projects.AsNoTracking().Where(p => p.Id == project || p.Key == key).Select(p => p.Id).FirstOrDefaultAsync(ct);
            if (projectId is null)
            {
                problem.Add("project", "no such project");
            }
        }

        if (filter.Agent is { Length: > 0 } agent)
        {
            agentId = await db.Agents.AsNoTracking().Where(a => a.Id == agent || a.Name == agent).Select(a => a.Id).FirstOrDefaultAsync(ct);
            if (agentId is null)
            {
                problem.Add("agent", "no such agent");
            }
        }

        problem.ThrowIfAny();
        return (DateTime.SpecifyKind(since, DateTimeKind.Utc), DateTime.SpecifyKind(until.AddDays(1), DateTimeKind.Utc), projectId, agentId);
    }

    private static DateTime? Day(ValidationProblem problem, string field, string? text)
    {
        if (text is not { Length: > 0 })
        {
            return null;
        }

        if (DateTime.TryParseExact(text, ["yyyy-MM-dd", "yyyyMMdd"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return day.Date;
        }

        problem.Add(field, "must be a day such as 2026-03-01 or 20260301");
        return null;
    }
}
