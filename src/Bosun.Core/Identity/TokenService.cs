using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Identity;

public sealed record CreateToken(string? Name, string? AgentId, string? UserId, DateTimeOffset? ExpiresAt);

public sealed class TokenService(BosunDb db, RequestContext context, TimeProvider clock)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// People create tokens for themselves; owners and admins also for agents and other people.
    public async Task<IssuedToken> CreateAsync(CreateToken request, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        var name = Check.Text(problem, "name", request.Name, 200, required: true);
        var agentId = Check.Id(problem, "agent_id", request.AgentId);
        var userId = Check.Id(problem, "user_id", request.UserId);
        if (agentId is not null && userId is not null)
        {
            problem.Add("agent_id", "give either agent_id or user_id, not both");
        }

        var expires = Check.Utc(request.ExpiresAt);
        if (expires is { } e && e <= Now)
        {
            problem.Add("expires_at", "must be in the future");
        }

        problem.ThrowIfAny();

        if (context.Actor.Type != ActorType.Person)
        {
            throw ProblemException.Forbidden("Only people create API tokens.");
        }

        if (agentId is null && userId is null)
        {
            userId = context.Actor.Id;
        }

        if (agentId is not null || userId != context.Actor.Id)
        {
            Permissions.Require(context, Capability.ManageOthersTokens);
        }

        if (agentId is not null && !await db.Agents.AnyAsync(a => a.Id == agentId, ct))
        {
            throw ProblemException.Invalid("agent_id", "no such agent");
        }

        if (userId is not null && !await db.Users.AnyAsync(u => u.Id == userId && u.Status == PersonStatus.Active, ct))
        {
            throw ProblemException.Invalid("user_id", "no such active person");
        }

        var issued = TokenIssuer.Issue(db, context.RequireTenant(), name!, userId, agentId, expires, context.Actor.Ref);
        await db.SaveChangesAsync(ct);
        return issued;
    }

    public Task<Page<TokenView>> ListAsync(string? agentId, PageRequest page, CancellationToken ct)
    {
        var query = db.ApiTokens.AsNoTracking().AsQueryable();
        if (!Permissions.Has(context, Capability.ManageOthersTokens))
        {
            var me = context.Actor.Id;
            query = context.Actor.Type == ActorType.Agent ? query.Where(t => t.AgentId == me) : query.Where(t => t.UserId == me);
        }

        if (agentId is not null)
        {
            query = query.Where(t => t.AgentId == agentId);
        }

        if (page.Cursor is { } cursor)
        {
            query = query.Where(t => string.Compare(t.Id, cursor) > 0);
        }

        return query.OrderBy(t => t.Id).ToPageAsync(page, t => t.Id, TokenView.From, ct);
    }

    public async Task<TokenView> RevokeAsync(string id, CancellationToken ct)
    {
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == id, ct) ?? throw ProblemException.NotFound("Token");
        var own = (context.Actor.Type == ActorType.Person && token.UserId == context.Actor.Id)
                  || (context.Actor.Type == ActorType.Agent && token.AgentId == context.Actor.Id);
        if (!own)
        {
            Permissions.Require(context, Capability.ManageOthersTokens);
        }

        token.RevokedAt ??= Now;
        await db.SaveChangesAsync(ct);
        return TokenView.From(token);
    }
}
