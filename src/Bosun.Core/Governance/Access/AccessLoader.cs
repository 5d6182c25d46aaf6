using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;

namespace Bosun.Core.Governance.Access;

/// Builds the <see cref="AccessScope"/> of a request once its principal is known, from the cached policy set and
/// grants, and sets which projects the principal may see.
public sealed class AccessLoader(BosunDb db, RequestContext context, AccessCache cache, DecisionLog decisions, TimeProvider clock)
{
    public async Task EnterAsync(string? remoteAddress, CancellationToken ct)
    {
        var tenantId = context.RequireTenant();
        var actor = context.Actor;
        if (actor.Type is not (ActorType.Person or ActorType.Agent))
        {
            return;
        }

        var set = await cache.PolicySetAsync(db, tenantId, ct);
        var principal = await cache.PrincipalAsync(db, tenantId, actor, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var prepared = principal.Built;
        if (prepared is null || prepared.PersonRole != context.PersonRole || prepared.AgentRole != context.AgentRole)
        {
            var (grants, attributes) = Prepare(actor, context.PersonRole, context.AgentRole, principal.Assignments, principal.Attributes);
            principal.Built = prepared = new AccessCache.Prepared(context.PersonRole, context.AgentRole, grants, attributes);
        }

        context.Access = Scope(actor, prepared.Grants, prepared.Attributes, set, now, actor.Type == ActorType.Person ? remoteAddress : null,
            decisions.Add, decisions.LoggedAllows);
        context.VisibleProjectIds = VisibleProjects(context.Access);
    }

    /// The scope of a principal: its tenant role first (a guest has none), then its assignments. Rules plan and move
    /// work, comment and ask for approvals with the agents' role, as kind `rule`: they never manage the tenant, and
    /// what applies to agents as such (the sub-item rule) does not apply to them.
    public static AccessScope Build(
        Actor actor, PersonRole? personRole, string? agentRole, IReadOnlyList<Grant> assignments, AttributeBag custom, PolicySet set,
        DateTime now, string? remoteAddress, Action<AccessScope, Decision>? log)
    {
        var (grants, attributes) = Prepare(actor, personRole, agentRole, assignments, custom);
        return Scope(actor, grants, attributes, set, now, remoteAddress, log);
    }

    private static AccessScope Scope(
        Actor actor, IReadOnlyList<Grant> grants, AttributeBag attributes, PolicySet set, DateTime now, string? remoteAddress,
        Action<AccessScope, Decision>? log, IReadOnlySet<Capability>? loggedAllows = null) =>
        new()
        {
            Sensitive = loggedAllows ?? Evaluator.DefaultSensitive,
            Actor = actor,
            Grants = grants,
            Principal = attributes,
            Context = RequestAttributes(now, remoteAddress),
            Policies = set,
            Now = now,
            Log = log,
        };

    private static (IReadOnlyList<Grant> Grants, AttributeBag Attributes) Prepare(
        Actor actor, PersonRole? personRole, string? agentRole, IReadOnlyList<Grant> assignments, AttributeBag custom)
    {
        var systemRole = actor.Type == ActorType.Person ? personRole is { } role ? SystemRoles.Of(role) : null : SystemRoles.Agent;
        var grants = new List<Grant>(assignments.Count + 1);
        if (systemRole is not null)
        {
            grants.Add(new Grant(systemRole));
        }

        grants.AddRange(assignments);
        var attributes = new Dictionary<string, object?>(custom.Values, StringComparer.Ordinal)
        {
            ["kind"] = actor.Type switch { ActorType.Person => "person", ActorType.Rule => "rule", _ => "agent" },
            ["id"] = actor.Id,
            ["role"] = systemRole ?? "guest",
        };
        if (agentRole is not null)
        {
            attributes["agent_role"] = agentRole;
        }

        return (grants, new AttributeBag(attributes));
    }

    private static AttributeBag RequestAttributes(DateTime now, string? remoteAddress)
    {
        var request = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["hour"] = (double)now.Hour,
            ["weekday"] = now.DayOfWeek.ToString().ToLowerInvariant(),
        };
        if (remoteAddress is not null)
        {
            request["ip"] = remoteAddress;
        }

        return new AttributeBag(request);
    }

    /// Null (the whole tenant) when any grant in effect is tenant-wide; otherwise the projects of the project grants.
    public static string[]? VisibleProjects(AccessScope scope)
    {
        var projects = new List<string>();
        foreach (var grant in scope.Grants)
        {
            if (grant.ExpiresAt is { } expires && expires <= scope.Now)
            {
                continue;
            }

            if (grant.ProjectId is null && grant.ResourceRef is null)
            {
                return null;
            }

            if (grant.ProjectId is not null && !projects.Contains(grant.ProjectId))
            {
                projects.Add(grant.ProjectId);
            }
        }

        return [.. projects];
    }
}
