using Bosun.Core.Data;

namespace Bosun.Server.Http;

/// Who owns each operation's transaction, whichever front end calls it: REST endpoints carry these as metadata and
/// MCP tools name the same ones, so an operation takes the same path into its service over both.
public static class Transactions
{
    /// A claim opens its own short transactions: it may wait for work between them.
    public static readonly OwnsTransactionAttribute Claim = new();

    /// The agent loop's hot calls (heartbeat, complete) run their own transaction, so on SQLite the run is read before
    /// the write lock is taken and on PostgreSQL a heartbeat commits without waiting for the WAL flush. With an
    /// Idempotency-Key the request's transaction holds them, so the first response is stored with the change.
    public static readonly OwnsTransactionAttribute AgentLoop = new() { UnlessIdempotencyKey = true };

    /// Reading a secret for a run writes its access event: the service opens a write transaction for the GET.
    public static readonly OwnsTransactionAttribute SecretRead = new();

    /// Connecting and refreshing call the provider's token endpoint between two short transactions of their own, so no
    /// transaction stays open while the provider answers.
    public static readonly OwnsTransactionAttribute ProviderCall = new();

    /// An upload streams its file to disk before its short write transaction, so no lock is held while the bytes arrive.
    public static readonly OwnsTransactionAttribute Upload = new() { UnlessIdempotencyKey = true };

    /// Password reset and email verification look the person up across tenants, then enter the person's tenant.
    public static readonly OwnsTransactionAttribute AccountEmail = new();

    /// Whether the service opens its own transactions rather than running inside the caller's.
    public static bool ServiceOwns(OwnsTransactionAttribute? owns, bool idempotencyKey) =>
        owns is not null && !(owns.UnlessIdempotencyKey && idempotencyKey);

    /// Runs one operation's unit of work: in one transaction, unless its service owns its transactions.
    public static Task<T> RunAsync<T>(BosunDb db, OwnsTransactionAttribute? owns, bool write, Func<CancellationToken, Task<T>> work, CancellationToken ct) =>
        ServiceOwns(owns, idempotencyKey: false) ? work(ct) : db.InTransactionAsync(work, write, ct);
}
