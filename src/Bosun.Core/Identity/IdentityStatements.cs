namespace Bosun.Core.Identity;

/// Identity's hand-written statements.
internal static class IdentityStatements
{
    /// SQLite: a token's last use, on a connection that does not wait for the writer (see AuthService).
    public const string TouchToken = "UPDATE api_tokens SET last_used_at = $at WHERE tenant_id = $tenant AND id = $id";
}
