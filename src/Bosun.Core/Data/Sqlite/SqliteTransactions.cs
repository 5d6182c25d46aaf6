using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Bosun.Core.Data.Sqlite;

/// How a unit of work's transaction begins on SQLite (see <see cref="TransactionExtensions.BeginAsync"/>).
internal static class SqliteTransactions
{
    /// Whether the transaction is SQLite's.
    public static bool Is(DbTransaction transaction) => transaction is SqliteTransaction;

    /// Reads: a deferred transaction, which never waits for the writer. Writes: the write gate, then BEGIN IMMEDIATE on the
    /// process's writer connection, or a place in the shared commit.
    public static async Task<IDbContextTransaction> BeginAsync(BosunDb db, bool write, bool shareCommit, CancellationToken ct)
    {
        if (!write)
        {
            await db.Database.OpenConnectionAsync(ct);
            var connection = (SqliteConnection)db.Database.GetDbConnection();
            var deferred = connection.BeginTransaction(deferred: true);
            return await db.Database.UseTransactionAsync(deferred, ct) ?? throw new InvalidOperationException("No transaction.");
        }

        if (shareCommit && db.SharesCommits && db.Connections is { } connections)
        {
            return await SqliteWriteGate.Of(connections.File).JoinAsync(db, connections, ct);
        }

        var file = db.File ?? SqliteStore.FileOf(db.Database.GetConnectionString()!);
        return await SqliteWriteGate.BeginAsync(file, async () =>
        {
            if (db.Writer is not { } writer)
            {
                return await db.Database.BeginTransactionAsync(ct);
            }

            db.UseConnection(writer);
            try
            {
                return new EndingTransaction(await db.Database.BeginTransactionAsync(ct), () => db.UseConnection(null));
            }
            catch
            {
                db.UseConnection(null);
                throw;
            }
        }, ct);
    }
}
