using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Planning;

public static class ProjectLookup
{
    // Creating work, and lists and streams filtered by project, look it up on each call, so the query is compiled once
    // rather than translated and looked up in EF's query cache each time.
    private static readonly Compiled<Func<BosunDb, string, string, Task<string?>>> ByIdOrKey = new(() => EF.CompileAsyncQuery(
        (BosunDb db, string reference, string key) => db.Projects.Where(p => p.Id == reference || p.Key == key).Select(p => p.Id).FirstOrDefault()));

    /// A project named by its id or its key (any case); null when there is none in this tenant.
    public static Task<string?> ProjectIdOfAsync(this BosunDb db, string reference, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return ByIdOrKey.For(db)(db, reference, reference.ToUpperInvariant());
    }
}
