using Bosun.Core.Common;
using Bosun.Core.Data;

namespace Bosun.Core.Identity;

internal static class TokenIssuer
{
    /// Adds a token row to the context and returns the secret; the caller saves.
    public static IssuedToken Issue(BosunDb db, string tenantId, string name, string? userId, string? agentId, DateTime? expiresAt, string? createdBy)
    {
        var secret = Secrets.NewToken(agentId is not null ? "agent" : "user");
        var token = new ApiToken
        {
            TenantId = tenantId,
            Name = name,
            Prefix = Secrets.PrefixOf(secret),
            TokenHash = Secrets.Hash(secret),
            UserId = userId,
            AgentId = agentId,
            ExpiresAt = expiresAt,
            CreatedBy = createdBy,
        };
        db.ApiTokens.Add(token);
        var view = TokenView.From(token);
        return new IssuedToken(token.Id, token.Name, token.Prefix, view.Principal, expiresAt, secret);
    }
}
