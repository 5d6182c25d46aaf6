using Bosun.Core.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

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

        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Row locks need a transaction.");
        }

        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction.GetDbTransaction();
        command.CommandText = $"SELECT 1 FROM {table} WHERE tenant_id = @tenant AND id = @id FOR UPDATE{(skipLocked ? " SKIP LOCKED" : "")}";
        var tenant = command.CreateParameter();
        tenant.ParameterName = "tenant";
        tenant.Value = db.Context.RequireTenant();
        command.Parameters.Add(tenant);
        var key = command.CreateParameter();
        key.ParameterName = "id";
        key.Value = id;
        command.Parameters.Add(key);
        return await command.ExecuteScalarAsync(ct) is not null;
    }
}
