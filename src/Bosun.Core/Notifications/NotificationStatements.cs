using Bosun.Core.Data;

namespace Bosun.Core.Notifications;

/// The statements EF cannot express: taking a tenant's notification cursor for the rest of the transaction.
internal static class NotificationStatements
{
    /// The cursor, created at 0 on a tenant's first pass and locked on PostgreSQL (SQLite's writer lock is held already),
    /// so two processes never turn the same events into notifications.
    public static async Task<long> LockCursorAsync(BosunDb db, string tenantId, CancellationToken ct)
    {
        await using (var insert = Sql.Command(db, "INSERT INTO notification_cursors (tenant_id, cursor_seq) VALUES (@t, 0) ON CONFLICT DO NOTHING").With("t", tenantId))
        {
            await insert.ExecuteNonQueryAsync(ct);
        }

        await using var read = Sql.Command(db, $"SELECT cursor_seq FROM notification_cursors WHERE tenant_id = @t{(db.IsPostgres ? " FOR UPDATE" : "")}").With("t", tenantId);
        return Convert.ToInt64(await read.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// The ids of the tenant's due deliveries, oldest due first; on PostgreSQL locked, skipping rows another process is
    /// claiming, so processes sending at once take different ones.
    public static async Task<List<string>> DueAsync(BosunDb db, string tenantId, DateTime now, int limit, CancellationToken ct)
    {
        await using var read = Sql.Command(db,
                "SELECT id FROM notification_deliveries WHERE tenant_id = @t AND status = 'pending' AND next_attempt_at <= @now " +
                $"ORDER BY next_attempt_at, id LIMIT @n{(db.IsPostgres ? " FOR UPDATE SKIP LOCKED" : "")}")
            .With("t", tenantId).With("now", now).With("n", limit);
        return (await read.RowsAsync(sync: false, ct)).Select(r => (string)r[0]!).ToList();
    }
}
