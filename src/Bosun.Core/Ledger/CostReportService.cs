using System.Linq.Expressions;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Ledger;

/// Cost reports read the daily roll-up, never the ledger itself, so they stay fast as calls pile up.
public sealed class CostReportService(BosunDb db, TimeProvider clock, BudgetService budgets)
{
    public static readonly IReadOnlyList<string> Groupings = ["day", "model", "agent", "project", "work_item", "billing_type"];

    public async Task<CostSummary> SummaryAsync(DateTime? from, DateTime? to, string? by, int? top, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var start = DateTime.SpecifyKind((from ?? new DateTime(now.Year, now.Month, 1)).Date, DateTimeKind.Utc);
        var end = DateTime.SpecifyKind((to ?? start.AddMonths(1)).Date, DateTimeKind.Utc);
        var grouping = by ?? "day";
        var problem = new ValidationProblem();
        if (!Groupings.Contains(grouping))
        {
            problem.Add("by", $"must be one of: {string.Join(", ", Groupings)}");
        }

        if (end <= start || end > start.AddDays(367))
        {
            problem.Add("to", "must be after from, at most a year later");
        }

        var topN = Check.Range(problem, "top", top, 0, 100) ?? 5;
        problem.ThrowIfAny();

        var range = db.Set<CostDaily>().AsNoTracking().Where(c => c.Day >= start && c.Day < end);
        var rows = grouping switch
        {
            "day" => await GroupAsync(range, c => c.Day, d => d.ToString("yyyy-MM-dd"), null, ct),
            "model" => await GroupAsync(range, c => c.Model, k => k, null, ct),
            "agent" => await GroupAsync(range, c => c.AgentId, k => k, null, ct),
            "project" => await GroupAsync(range, c => c.ProjectId, k => k, null, ct),
            "work_item" => await GroupAsync(range, c => c.WorkItemId, k => k, null, ct),
            _ => await GroupAsync(range, c => c.BillingType, b => b.Snake(), null, ct),
        };
        if (grouping == "day")
        {
            rows = rows.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
        }
        else
        {
            rows = rows.OrderByDescending(r => r.CostUsd).ThenBy(r => r.Key, StringComparer.Ordinal).ToList();
        }

        var topAgents = topN == 0 ? [] : grouping == "agent" ? rows.Where(r => r.Key.Length > 0).Take(topN).ToList() : await GroupAsync(range.Where(c => c.AgentId != ""), c => c.AgentId, k => k, topN, ct);
        var topProjects = topN == 0 ? [] : grouping == "project" ? rows.Where(r => r.Key.Length > 0).Take(topN).ToList() : await GroupAsync(range.Where(c => c.ProjectId != ""), c => c.ProjectId, k => k, topN, ct);
        var topItems = topN == 0 ? [] : grouping == "work_item" ? rows.Where(r => r.Key.Length > 0).Take(topN).ToList() : await GroupAsync(range.Where(c => c.WorkItemId != ""), c => c.WorkItemId, k => k, topN, ct);
        var labels = await LabelsAsync(
            grouping is "agent" ? rows : topAgents, grouping is "project" ? rows : topProjects, grouping is "work_item" ? rows : topItems, ct);
        CostRow Label(CostRow r) => r with { Label = labels.GetValueOrDefault(r.Key) ?? (r.Key.Length == 0 ? "(none)" : r.Label) };
        var total = new CostRow("total", null, rows.Sum(r => r.Calls), rows.Sum(r => r.InputTokens), rows.Sum(r => r.OutputTokens),
            rows.Sum(r => r.CacheReadTokens), rows.Sum(r => r.CacheWriteTokens), rows.Sum(r => r.CostUsd), rows.Sum(r => r.ListCostUsd), rows.Sum(r => r.UnpricedCalls));
        return new CostSummary(start, end, grouping, total,
            grouping is "agent" or "project" or "work_item" ? rows.Select(Label).ToList() : rows,
            topAgents.Select(Label).ToList(), topProjects.Select(Label).ToList(), topItems.Select(Label).ToList(),
            await budgets.ListAsync(ct));
    }

    private static async Task<List<CostRow>> GroupAsync<TKey>(IQueryable<CostDaily> query, Expression<Func<CostDaily, TKey>> key, Func<TKey, string> format, int? top, CancellationToken ct)
    {
        var grouped = query.GroupBy(key).Select(g => new
        {
            Key = g.Key,
            Calls = g.Sum(c => c.Calls),
            Input = g.Sum(c => c.InputTokens),
            Output = g.Sum(c => c.OutputTokens),
            CacheRead = g.Sum(c => c.CacheReadTokens),
            CacheWrite = g.Sum(c => c.CacheWriteTokens),
            Cost = g.Sum(c => c.CostMicros),
            List = g.Sum(c => c.ListCostMicros),
            Unpriced = g.Sum(c => c.UnpricedCalls),
        });
        if (top is { } n)
        {
            grouped = grouped.OrderByDescending(g => g.Cost).ThenByDescending(g => g.List).Take(n);
        }

        return (await grouped.ToListAsync(ct))
            .Select(g => new CostRow(format(g.Key), null, g.Calls, g.Input, g.Output, g.CacheRead, g.CacheWrite, Money.ToUsd(g.Cost), Money.ToUsd(g.List), g.Unpriced))
            .ToList();
    }

    private async Task<Dictionary<string, string>> LabelsAsync(IEnumerable<CostRow> agents, IEnumerable<CostRow> projects, IEnumerable<CostRow> items, CancellationToken ct)
    {
        var labels = new Dictionary<string, string>();
        var agentIds = agents.Select(r => r.Key).Where(k => k.Length > 0).Take(1000).ToList();
        var projectIds = projects.Select(r => r.Key).Where(k => k.Length > 0).Take(1000).ToList();
        var itemIds = items.Select(r => r.Key).Where(k => k.Length > 0).Take(1000).ToList();
        if (agentIds.Count > 0)
        {
            foreach (var a in await db.Agents.AsNoTracking().Where(a => agentIds.Contains(a.Id)).Select(a => new { a.Id, a.Name }).ToListAsync(ct))
            {
                labels[a.Id] = a.Name;
            }
        }

        if (projectIds.Count > 0)
        {
            foreach (var p in await db.Projects.AsNoTracking().Where(p => projectIds.Contains(p.Id)).Select(p => new { p.Id, p.Key }).ToListAsync(ct))
            {
                labels[p.Id] = p.Key;
            }
        }

        if (itemIds.Count > 0)
        {
            foreach (var w in await db.WorkItems.AsNoTracking().Where(w => itemIds.Contains(w.Id)).Select(w => new { w.Id, w.Key, w.Title }).ToListAsync(ct))
            {
                labels[w.Id] = $"{w.Key} {w.Title}";
            }
        }

        return labels;
    }
}
