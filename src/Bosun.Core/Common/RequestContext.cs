namespace Bosun.Core.Common;

/// Integration: an inbound integration (a GitHub webhook) acting on its tenant's items, with no role of its own.
/// Rule: a rule acting on an event of its tenant (see Automation).
/// Operator: someone who runs the instance, acting on tenants as a whole and never inside one.
public enum ActorType { System, Person, Agent, Integration, Rule, Operator }

/// Who is acting: recorded on every audit row and used for permission checks.
public sealed record Actor(ActorType Type, string? Id, string Name)
{
    public static readonly Actor System = new(ActorType.System, null, "system");

    /// Bosun acting on behalf of one of its own objects (a schedule's firing): the system's rights, recorded under
    /// that object's reference ("schedule:ID") so the audit trail says which one acted.
    public string? SystemRef { get; init; }

    public static Actor Automation(string reference, string name) => new(ActorType.System, null, name) { SystemRef = reference };

    public string Ref => Type switch
    {
        ActorType.Person => $"user:{Id}",
        ActorType.Agent => $"agent:{Id}",
        ActorType.Integration => $"integration:{Id}",
        ActorType.Rule => $"rule:{Id}",
        ActorType.Operator => $"operator:{Id}",
        _ => SystemRef ?? "system",
    };
}

/// The tenant and actor of the current unit of work (one HTTP request, one CLI command, one
/// background sweep). The data context filters every tenant-scoped query by this tenant, so a
/// query cannot be written without it.
public sealed class RequestContext
{
    public string? TenantId { get; private set; }
    public Actor Actor { get; private set; } = Actor.System;
    public string? RequestId { get; set; }

    /// Role of the acting person (owner, admin, member, reviewer); null for agents and system.
    public Identity.PersonRole? PersonRole { get; private set; }

    /// Role of the acting agent (e.g. "backend"); null for people and system.
    public string? AgentRole { get; private set; }

    public string? TokenId { get; private set; }

    /// How many rule actions led to this unit of work: 0 for people, agents and the system, N + 1 for a rule acting on
    /// an event of depth N. The stream events it records carry it, so rules can stop a chain (see Automation).
    public int CauseDepth { get; set; }

    public bool HasTenant => TenantId is not null;

    /// The principal's roles, attributes and the tenant's policies, set by the authentication of a request; every
    /// permission check of the request is decided over it (see Governance/Access). Null outside requests.
    public Governance.Access.AccessScope? Access { get; set; }

    /// The only projects a person with nothing but project roles may see; null when the principal sees the whole
    /// tenant. The data context filters every project-scoped query by it, as it filters by tenant.
    public string[]? VisibleProjectIds { get; set; }

    public string RequireTenant() => TenantId ?? throw new InvalidOperationException("No tenant is set for this unit of work.");

    /// An instance operator's unit of work: no tenant, so every tenant-scoped query finds nothing.
    public void EnterOperator(Actor actor)
    {
        if (TenantId is not null || actor.Type != ActorType.Operator)
        {
            throw new InvalidOperationException("An operator acts outside every tenant.");
        }

        Actor = actor;
    }

    public void EnterTenant(string tenantId, Actor actor, Identity.PersonRole? personRole = null, string? agentRole = null, string? tokenId = null)
    {
        if (TenantId is not null && TenantId != tenantId)
        {
            throw new InvalidOperationException("A unit of work cannot switch tenants.");
        }

        TenantId = tenantId;
        Actor = actor;
        PersonRole = personRole;
        AgentRole = agentRole;
        TokenId = tokenId;
    }
}
