using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Knowledge;

/// The dependency graph between a tenant's artifacts, kept free of cycles, and what a change to one of them reaches.
public sealed partial class ArtifactService
{
    public async Task<ArtifactView> AddDependencyAsync(string id, AddArtifactDependency request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var artifact = await FindAsync(id, ct);
        var problem = new ValidationProblem();
        var reference = Check.Text(problem, "depends_on", request.DependsOn, KeyLength + TypeLength + 1, required: true);
        var kind = request.Kind is { Length: > 0 } k ? Check.OneOf<ArtifactDependencyKind>("kind", k.Trim().ToLowerInvariant())!.Value : ArtifactDependencyKind.References;
        problem.ThrowIfAny();
        var dependsOn = await ResolveAsync(reference!, artifact.ProjectId, ct)
                        ?? throw ProblemException.Invalid("depends_on", $"no artifact '{reference}' (give its id, or type/key in the same project)");

        await ArtifactStatements.LockGraphAsync(db, ct);
        var existing = await db.Set<ArtifactDependency>().FirstOrDefaultAsync(d => d.ArtifactId == artifact.Id && d.DependsOnId == dependsOn.Id, ct);
        if (existing is not null)
        {
            if (existing.Kind != kind)
            {
                AuditLog.Record(db, "artifact.dependency_changed", "artifact", artifact.Id,
                    new { depends_on = Label(dependsOn), kind = new { before = existing.Kind.Snake(), after = kind.Snake() } }, Now);
                existing.Kind = kind;
                await db.SaveChangesAsync(ct);
            }

            return await ViewAsync(artifact, ct);
        }

        if (await FindPathAsync(dependsOn.Id, artifact.Id, ct) is { } path)
        {
            var labels = await db.Set<Artifact>().AsNoTracking().Where(a => path.Contains(a.Id)).ToDictionaryAsync(a => a.Id, Label, ct);
            var cycle = new[] { Label(artifact) }.Concat(path.Select(p => labels[p])).ToList();
            var text = string.Join(" -> ", cycle);
            var refused = new ProblemException(409, "Dependency cycle",
                $"{Label(artifact)} cannot depend on {Label(dependsOn)}: that would close the cycle {text}.", "/problems/dependency-cycle");
            refused.Errors["depends_on"] = [$"would create the cycle {text}"];
            refused.Extensions["cycle"] = cycle;
            throw refused;
        }

        db.Set<ArtifactDependency>().Add(new ArtifactDependency { ArtifactId = artifact.Id, DependsOnId = dependsOn.Id, Kind = kind });
        AuditLog.Record(db, "artifact.dependency_added", "artifact", artifact.Id,
            new { depends_on = new { after = Label(dependsOn) }, kind = new { after = kind.Snake() } }, Now);
        await db.SaveChangesAsync(ct);
        return await ViewAsync(artifact, ct);
    }

    public async Task<ArtifactView> RemoveDependencyAsync(string id, string dependsOnRef, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var artifact = await FindAsync(id, ct);
        var dependsOn = await ResolveAsync(dependsOnRef, artifact.ProjectId, ct) ?? throw ProblemException.NotFound("Dependency");
        var removed = await db.Set<ArtifactDependency>().Where(d => d.ArtifactId == artifact.Id && d.DependsOnId == dependsOn.Id).ExecuteDeleteAsync(ct);
        if (removed == 0)
        {
            throw ProblemException.NotFound("Dependency");
        }

        AuditLog.Record(db, "artifact.dependency_removed", "artifact", artifact.Id, new { depends_on = new { before = Label(dependsOn) } }, Now);
        await db.SaveChangesAsync(ct);
        return await ViewAsync(artifact, ct);
    }

    /// What each of the artifacts depends on, for lists that show the graph.
    public async Task<IReadOnlyDictionary<string, List<ArtifactEdge>>> DependenciesOfAsync(IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        var edges = new Dictionary<string, List<ArtifactEdge>>();
        foreach (var chunk in ids.Chunk(500))
        {
            var found = await (from d in db.Set<ArtifactDependency>().AsNoTracking()
                               join o in db.Set<Artifact>() on d.DependsOnId equals o.Id
                               where chunk.Contains(d.ArtifactId)
                               select new { d.ArtifactId, Edge = new ArtifactEdge(o.Id, o.ProjectId, o.Type, o.Key, o.Title, o.Version, d.Kind) }).ToListAsync(ct);
            foreach (var row in found)
            {
                (edges.TryGetValue(row.ArtifactId, out var list) ? list : edges[row.ArtifactId] = []).Add(row.Edge);
            }
        }

        return edges;
    }

    /// The artifacts that depend on this one, directly or through others (nearest first), and the open work items linked
    /// to it or to any of them: what a change to it may call for work on.
    public async Task<ArtifactImpact> ImpactAsync(string id, CancellationToken ct) => await ImpactOfAsync(await FindAsync(id, ct), ct);

    private async Task<ArtifactImpact> ImpactOfAsync(Artifact artifact, CancellationToken ct)
    {
        var reached = new Dictionary<string, (int Depth, string Via, ArtifactDependencyKind Kind)>();
        var frontier = new List<string> { artifact.Id };
        for (var depth = 1; frontier.Count > 0 && reached.Count < MaxImpact; depth++)
        {
            var edges = await db.Set<ArtifactDependency>().AsNoTracking().Where(d => frontier.Contains(d.DependsOnId)).ToListAsync(ct);
            frontier = [];
            foreach (var edge in edges.OrderBy(e => e.ArtifactId, StringComparer.Ordinal))
            {
                if (edge.ArtifactId != artifact.Id && reached.TryAdd(edge.ArtifactId, (depth, edge.DependsOnId, edge.Kind)))
                {
                    frontier.Add(edge.ArtifactId);
                }
            }
        }

        var ids = reached.Keys.ToList();
        var rows = new Dictionary<string, Artifact>();
        foreach (var chunk in ids.Append(artifact.Id).Chunk(500))
        {
            foreach (var row in await db.Set<Artifact>().AsNoTracking().Where(a => chunk.Contains(a.Id)).ToListAsync(ct))
            {
                rows[row.Id] = row;
            }
        }

        rows[artifact.Id] = artifact;
        var impacted = ids.Where(rows.ContainsKey)
            .Select(i => (Row: rows[i], Reach: reached[i]))
            .OrderBy(x => x.Reach.Depth).ThenBy(x => x.Row.Type, StringComparer.Ordinal).ThenBy(x => x.Row.Key, StringComparer.Ordinal)
            .Select(x => new ImpactedArtifact(x.Row.Id, x.Row.ProjectId, x.Row.Type, x.Row.Key, x.Row.Title, x.Row.Version, x.Reach.Depth,
                Label(rows[x.Reach.Via]), x.Reach.Kind))
            .ToList();

        var links = new List<(WorkItem Item, string ArtifactId)>();
        foreach (var chunk in ids.Append(artifact.Id).Chunk(500))
        {
            var found = await (from l in db.Set<WorkItemArtifact>().AsNoTracking()
                               join w in db.WorkItems.AsNoTracking() on l.WorkItemId equals w.Id
                               where chunk.Contains(l.ArtifactId) && w.Status != WorkStatus.Done && w.Status != WorkStatus.Cancelled && w.ArchivedAt == null
                               select new { Item = w, l.ArtifactId }).ToListAsync(ct);
            links.AddRange(found.Select(f => (f.Item, f.ArtifactId)));
        }

        var items = links.GroupBy(l => l.Item.Id)
            .Select(g => (Item: g.First().Item, Artifacts: g.Select(l => l.ArtifactId).Distinct().Order(StringComparer.Ordinal).ToList()))
            .OrderBy(x => x.Item.Id, StringComparer.Ordinal)
            .Select(x => new ImpactedWorkItem(x.Item.Id, x.Item.Key, x.Item.Title, x.Item.Status, x.Item.ProjectId, x.Artifacts))
            .ToList();
        return new ArtifactImpact(ArtifactSummary.From(artifact), impacted, items);
    }

    /// Breadth-first over "depends on" edges from <paramref name="from"/>; the ids from it to <paramref name="to"/> when
    /// <paramref name="to"/> is reachable.
    private async Task<List<string>?> FindPathAsync(string from, string to, CancellationToken ct) =>
        await Graph.FindPathAsync(from, to, async frontier =>
            (await db.Set<ArtifactDependency>().AsNoTracking().Where(d => frontier.Contains(d.ArtifactId)).ToListAsync(ct))
            .Select(d => (d.ArtifactId, d.DependsOnId)));

    /// How people name an artifact: its type and key, e.g. spec/api.
    public static string Label(Artifact a) => $"{a.Type}/{a.Key}";
}
