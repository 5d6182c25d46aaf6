namespace Bosun.Core.Common;

/// Walks directed graphs stored as edge rows (work items waiting for each other, artifacts depending on each other).
public static class Graph
{
    /// Breadth-first from <paramref name="from"/>, asking <paramref name="edgesFrom"/> for the edges leaving each
    /// frontier; the ids from <paramref name="from"/> to <paramref name="to"/>, or null when <paramref name="to"/> is
    /// not reachable. A path that closes a cycle is what a new edge to → from would make.
    public static async Task<List<string>?> FindPathAsync(
        string from, string to, Func<List<string>, Task<IEnumerable<(string From, string To)>>> edgesFrom)
    {
        var cameFrom = new Dictionary<string, string?> { [from] = null };
        var frontier = new List<string> { from };
        while (frontier.Count > 0 && !cameFrom.ContainsKey(to))
        {
            var edges = await edgesFrom(frontier);
            frontier = [];
            foreach (var (source, target) in edges)
            {
                if (cameFrom.TryAdd(target, source))
                {
                    frontier.Add(target);
                }
            }
        }

        if (!cameFrom.ContainsKey(to))
        {
            return null;
        }

        var path = new List<string>();
        for (string? at = to; at is not null; at = cameFrom[at])
        {
            path.Add(at);
        }

        path.Reverse();
        return path;
    }
}
