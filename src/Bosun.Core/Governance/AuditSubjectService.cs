using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Governance;

/// What audit rows are about, by name: the activity page and its live feed show these instead of ids.
public sealed class AuditSubjectService(BosunDb db)
{
    /// Keys and names for the things audit rows point at, so the activity feed says "WEB-3" and "coder" instead of ids.
    public async Task<IReadOnlyDictionary<string, string>> NamesAsync(IEnumerable<(string Type, string Id)> subjects, CancellationToken ct)
    {
        var byType = subjects.GroupBy(s => s.Type).ToDictionary(g => g.Key, g => g.Select(s => s.Id).Distinct().ToList());
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var none = new List<string>();
        var items = byType.GetValueOrDefault("work_item", none);
        var agents = byType.GetValueOrDefault("agent", none);
        var people = byType.GetValueOrDefault("user", none);
        var projects = byType.GetValueOrDefault("project", none);
        var goals = byType.GetValueOrDefault("goal", none);
        var found = new List<KeyValuePair<string, string>>();
        if (items.Count > 0)
        {
            found.AddRange((await db.WorkItems.AsNoTracking().Where(w => items.Contains(w.Id)).Select(w => new { w.Id, w.Key }).ToListAsync(ct)).Select(x => KeyValuePair.Create(x.Id, x.Key)));
        }

        if (agents.Count > 0)
        {
            found.AddRange((await db.Agents.AsNoTracking().Where(a => agents.Contains(a.Id)).Select(a => new { a.Id, a.Name }).ToListAsync(ct)).Select(x => KeyValuePair.Create(x.Id, x.Name)));
        }

        if (people.Count > 0)
        {
            found.AddRange((await db.Users.AsNoTracking().Where(u => people.Contains(u.Id)).Select(u => new { u.Id, u.Name }).ToListAsync(ct)).Select(x => KeyValuePair.Create(x.Id, x.Name)));
        }

        if (projects.Count > 0)
        {
            found.AddRange((await db.Projects.AsNoTracking().Where(p => projects.Contains(p.Id)).Select(p => new { p.Id, p.Key }).ToListAsync(ct)).Select(x => KeyValuePair.Create(x.Id, x.Key)));
        }

        if (goals.Count > 0)
        {
            found.AddRange((await db.Goals.AsNoTracking().Where(g => goals.Contains(g.Id)).Select(g => new { g.Id, g.Title }).ToListAsync(ct)).Select(x => KeyValuePair.Create(x.Id, x.Title)));
        }

        foreach (var (id, name) in found)
        {
            names[id] = name;
        }

        return names;
    }
}
