using Bosun.Core.Data;

namespace Bosun.Core.Knowledge;

/// Statements of the documents module.
internal static class DocumentStatements
{
    /// Holds one tenant's file of one hash until the transaction ends, so an upload keeping the same bytes and a
    /// removal of their last document never interleave: the removal sees the upload's row, or the upload sees the file
    /// gone and puts its own copy in place. SQLite needs nothing: its write transactions already run one at a time.
    public static readonly Statement LockFile = new("documents.lock_file", "", "SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))");

    public static async Task LockFileAsync(BosunDb db, string tenant, string sha256, CancellationToken ct)
    {
        if (!db.IsPostgres)
        {
            return;
        }

        await using var command = Sql.Command(db, LockFile).With(("key", $"document:{tenant}:{sha256}"));
        await command.ExecuteScalarAsync(ct);
    }
}
