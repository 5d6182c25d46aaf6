using Bosun.Core.Data;

namespace Bosun.Core.Knowledge;

internal static class ArtifactStatements
{
    /// The class of the tenants' artifact-graph locks among PostgreSQL's two-key advisory locks ("boag" in ASCII).
    private const int GraphLockClass = 0x626f6167;

    /// PostgreSQL: one change to a tenant's artifact graph at a time until the transaction ends, so two new dependencies
    /// that would close a cycle together cannot both pass the cycle check. SQLite's writer lock does this already.
    public static readonly Statement GraphLock = new("artifact.graph_lock", "", $"SELECT pg_advisory_xact_lock({GraphLockClass}, hashtext(@tenant))");

    public static async Task LockGraphAsync(BosunDb db, CancellationToken ct)
    {
        if (!db.IsPostgres)
        {
            return;
        }

        await using var command = Sql.Command(db, GraphLock).With("tenant", db.Context.RequireTenant());
        await command.ExecuteScalarAsync(ct);
    }
}
