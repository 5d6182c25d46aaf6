using Bosun.Core.Common;

namespace Bosun.Core.Data;

/// Serialises changes to one row for the rest of the transaction. PostgreSQL takes a row lock; SQLite
/// needs nothing, because its write transactions already hold the database's single writer lock.
public static class RowLock
{
    /// <returns>false when <paramref name="skipLocked"/> is set and another transaction holds the row.</returns>
    public static async Task<bool> LockAsync(BosunDb db, string table, string id, CancellationToken ct, bool skipLocked = false)
    {
        if (!db.IsPostgres)
        {
            return true;
        }

        await using var command = Sql.Command(db, $"SELECT 1 FROM {table} WHERE tenant_id = @tenant AND id = @id FOR UPDATE{(skipLocked ? " SKIP LOCKED" : "")}")
            .With("tenant", db.Context.RequireTenant())
            .With("id", id);
        return await command.ExecuteScalarAsync(ct) is not null;
    }
}
