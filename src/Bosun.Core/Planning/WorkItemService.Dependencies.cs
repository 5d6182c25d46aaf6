using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Planning;

/// The "depends on" edges between work items, kept free of cycles.
public sealed partial class WorkItemService
{
    public async Task<List<string>> UnfinishedDependenciesAsync(string itemId, CancellationToken ct) =>
        await (from d in db.WorkItemDependencies
               join w in db.WorkItems on d.DependsOnId equals w.Id
               where d.WorkItemId == itemId && w.Status != WorkStatus.Done
               select w.Key).ToListAsync(ct);

    public async Task<WorkItemView> AddDependencyAsync(string idOrKey, string? dependsOnRef, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        if (string.IsNullOrWhiteSpace(dependsOnRef))
        {
            throw ProblemException.Invalid("depends_on", "is required");
        }

        var item = await FindAsync(idOrKey, ct);
        var dependency = await FindOrNullAsync(dependsOnRef, ct) ?? throw ProblemException.Invalid("depends_on", $"no work item '{dependsOnRef}'");
        if (await db.WorkItemDependencies.AnyAsync(d => d.WorkItemId == item.Id && d.DependsOnId == dependency.Id, ct))
        {
            return await ViewAsync(item, ct);
        }

        if (await FindPathAsync(dependency.Id, item.Id, ct) is { } path)
        {
            var keys = await db.WorkItems.Where(w => path.Contains(w.Id)).ToDictionaryAsync(w => w.Id, w => w.Key, ct);
            var cycle = string.Join(" → ", new[] { item.Key }.Concat(path.Select(id => keys[id])));
            var problem = new ProblemException(409, "Dependency cycle", $"{item.Key} cannot depend on {dependency.Key}: that would close the cycle {cycle}.", "/problems/dependency-cycle");
            problem.Errors["depends_on"] = [$"would create the cycle {cycle}"];
            problem.Extensions["cycle"] = new[] { item.Key }.Concat(path.Select(id => keys[id])).ToList();
            throw problem;
        }

        db.WorkItemDependencies.Add(new WorkItemDependency { WorkItemId = item.Id, DependsOnId = dependency.Id });
        Governance.AuditLog.Record(db, "work_item.dependency_added", "work_item", item.Id, new { depends_on = new { after = dependency.Key } }, Now);
        await db.SaveChangesAsync(ct);
        return await ViewAsync(item, ct);
    }

    public async Task<WorkItemView> RemoveDependencyAsync(string idOrKey, string dependsOnRef, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var item = await FindAsync(idOrKey, ct);
        var dependency = await FindAsync(dependsOnRef, ct);
        var removed = await db.WorkItemDependencies.Where(d => d.WorkItemId == item.Id && d.DependsOnId == dependency.Id).ExecuteDeleteAsync(ct);
        if (removed == 0)
        {
            throw ProblemException.NotFound("Dependency");
        }

        Governance.AuditLog.Record(db, "work_item.dependency_removed", "work_item", item.Id, new { depends_on = new { before = dependency.Key } }, Now);
        await db.SaveChangesAsync(ct);
        return await ViewAsync(item, ct);
    }

    /// Breadth-first over "depends on" edges from <paramref name="from"/>; returns the ids from it to
    /// <paramref name="to"/> if <paramref name="to"/> is reachable.
    private async Task<List<string>?> FindPathAsync(string from, string to, CancellationToken ct) =>
        await Graph.FindPathAsync(from, to, async frontier =>
            (await db.WorkItemDependencies.AsNoTracking().Where(d => frontier.Contains(d.WorkItemId)).ToListAsync(ct))
            .Select(d => (d.WorkItemId, d.DependsOnId)));
}
