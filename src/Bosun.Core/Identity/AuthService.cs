using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Identity;

/// Resolves a bearer token to its tenant and principal. Tokens are found by hash across tenants,
/// which is the one lookup that has to happen before a tenant is known.
public sealed class AuthService(BosunDb db, TimeProvider clock, PrincipalCache cache)
{
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public async Task<Principal?> AuthenticateAsync(string secret, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(secret) || secret.Length > 200)
        {
            return null;
        }

        var hash = Secrets.Hash(secret);
        var now = clock.GetUtcNow().UtcDateTime;
        if (cache.Find(hash) is { } known)
        {
            if (known.LastUsedAt is null || now - known.LastUsedAt > LastUsedResolution)
            {
                // Marked first so the requests arriving meanwhile do not write it too; unmarked if it was not written.
                var previous = known.LastUsedAt;
                known.LastUsedAt = now;
                if (!await TouchAsync(known.Principal.TenantId, known.Principal.TokenId, now, ct))
                {
                    known.LastUsedAt = previous;
                }
            }

            return known.Principal;
        }

        var generation = cache.Generation;
        var found = await (from t in db.ApiTokens.IgnoreQueryFilters()
                           join tenant in db.Tenants.IgnoreQueryFilters() on t.TenantId equals tenant.Id
                           where t.TokenHash == hash && t.RevokedAt == null
                           select new { Token = t, tenant.Status }).AsNoTracking().FirstOrDefaultAsync(ct);
        if (found is null || found.Token.ExpiresAt <= now)
        {
            return null;
        }

        var token = found.Token;

        Principal? principal = null;
        if (token.AgentId is not null)
        {
            var agent = await db.Agents.IgnoreQueryFilters().AsNoTracking()
                .FirstOrDefaultAsync(a => a.TenantId == token.TenantId && a.Id == token.AgentId, ct);
            if (agent is not null)
            {
                principal = new Principal(token.TenantId, new Actor(ActorType.Agent, agent.Id, agent.Name), null, agent.Role, token.Id, agent.Enabled, found.Status);
            }
        }
        else
        {
            var user = await db.Users.IgnoreQueryFilters().AsNoTracking()
                .FirstOrDefaultAsync(u => u.TenantId == token.TenantId && u.Id == token.UserId, ct);
            if (user is { Status: PersonStatus.Active })
            {
                principal = new Principal(token.TenantId, new Actor(ActorType.Person, user.Id, user.Name), user.Role, null, token.Id, true, found.Status);
            }
        }

        if (principal is null)
        {
            return null;
        }

        var entry = cache.Remember(hash, principal, token.ExpiresAt, token.LastUsedAt, generation);
        if (token.LastUsedAt is null || now - token.LastUsedAt > LastUsedResolution)
        {
            if (await TouchAsync(token.TenantId, token.Id, now, ct))
            {
                entry.LastUsedAt = now;
            }
        }

        return principal;
    }

    // Recorded at a coarse resolution so a busy agent does not write on every request. It is only a note, so it never
    // holds a request up: on SQLite it is written on a connection of its own that does not wait for the writer lock
    // (waiting, it lost to writes queued back to back and under a bulk import a request waited 30 s and failed with a
    // 500; queued behind them, a request that only reads would wait for every write before it). When the lock is taken
    // the request goes on unrecorded, and a later request records it.
    private async Task<bool> TouchAsync(string tenantId, string tokenId, DateTime now, CancellationToken ct)
    {
        if (db.IsPostgres)
        {
            await db.ApiTokens.IgnoreQueryFilters()
                .Where(t => t.TenantId == tenantId && t.Id == tokenId)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), ct);
            return true;
        }

        var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(db.Database.GetConnectionString()) { Pooling = false };
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(file.ToString());
        await connection.OpenAsync(ct);
        await using (var noWait = connection.CreateCommand())
        {
            noWait.CommandText = "PRAGMA busy_timeout = 0";
            await noWait.ExecuteNonQueryAsync(ct);
        }

        await using var command = connection.CreateCommand();
        command.CommandText = IdentityStatements.TouchToken;
        command.CommandTimeout = 1;  // the least Microsoft.Data.Sqlite retries a busy database for (0 would be forever)
        command.Parameters.AddWithValue("$at", now);
        command.Parameters.AddWithValue("$tenant", tenantId);
        command.Parameters.AddWithValue("$id", tokenId);
        try
        {
            return await command.ExecuteNonQueryAsync(ct) > 0;
        }
        catch (Microsoft.Data.Sqlite.SqliteException e) when (e.SqliteErrorCode is 5 or 6)
        {
            return false;  // SQLITE_BUSY or SQLITE_LOCKED: a write holds the lock
        }
    }
}
