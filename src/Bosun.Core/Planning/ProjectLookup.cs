using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Planning;

public static class ProjectLookup
{
    /// A project named by its id or its key (any case); null when there is none in this tenant.
    public static Task<string?> IdOfAsync(this IQueryable<Project> projects, string reference, CancellationToken ct)
    {
        var key = reference.ToUpperInvariant();
        return projects.Where(p => p.Id == reference || p.Key == key).Select(p => p.Id).FirstOrDefaultAsync(ct);
    }
}
