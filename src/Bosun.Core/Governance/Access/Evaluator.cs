using System.Diagnostics;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Identity;

namespace Bosun.Core.Governance.Access;

/// The answer to one check, with what decided it: the roles that grant the action, the policy that allowed it, or
/// the policy or missing role that refused it.
public sealed record Decision(bool Allowed, string Action, string Resource, IReadOnlyList<string> Roles, string? AllowedBy, string? DeniedBy, string Reason)
{
    public double Microseconds { get; init; }

    /// The policy that refused, or null when no role granted the action.
    public string? DeniedByPolicyId { get; init; }
}

/// Who is asking, for one unit of work: the principal's grants (their tenant role and assignments), attributes and
/// the request's context, with the tenant's compiled policies. Built once per request by the authentication.
public sealed record AccessScope
{
    public required Actor Actor { get; init; }

    /// Every grant, expired or not; a grant stops counting at its expiry, checked on each decision.
    public required IReadOnlyList<Grant> Grants { get; init; }
    public required AttributeBag Principal { get; init; }
    public required AttributeBag Context { get; init; }
    public required PolicySet Policies { get; init; }
    public required DateTime Now { get; init; }

    /// Actions whose allows are logged too (denies always are).
    public IReadOnlySet<Capability> Sensitive { get; init; } = Evaluator.DefaultSensitive;

    /// Decisions waiting to be written to the evaluation log, by <see cref="DecisionLog"/>.
    public Action<AccessScope, Decision>? Log { get; init; }
}

/// The one evaluator every check goes through. A principal is allowed an action on a resource when a role it holds
/// for that resource grants it or an allow policy matches, and no deny policy matches: deny wins, and of the allows
/// the one of highest priority is named. System work is always allowed; an integration only acts through its own
/// service and is refused everything else.
public static class Evaluator
{
    public static readonly IReadOnlySet<Capability> DefaultSensitive = new HashSet<Capability>
    {
        Capability.ManageSecrets, Capability.ManageBudgets, Capability.ManageRoles, Capability.ManagePolicies,
        Capability.ManagePeople, Capability.ManageConnections, Capability.ManageOthersTokens,
    };

    public static Decision Decide(AccessScope scope, Capability capability, AccessResource? resource = null, bool log = true)
    {
        var started = Stopwatch.GetTimestamp();
        var decision = DecideCore(scope, capability, resource ?? AccessResource.Tenant);
        decision = decision with { Microseconds = Stopwatch.GetElapsedTime(started).TotalMicroseconds };
        if (log && scope.Log is { } write && (!decision.Allowed || scope.Sensitive.Contains(capability)))
        {
            write(scope, decision);
        }

        return decision;
    }

    private static Decision DecideCore(AccessScope scope, Capability capability, AccessResource resource)
    {
        var action = Capabilities.Name(capability);
        var set = scope.Policies;
        var policies = set.For(capability);
        var roles = new List<string>(2);
        foreach (var grant in scope.Grants)
        {
            if ((grant.ExpiresAt is null || grant.ExpiresAt > scope.Now) && grant.AppliesTo(resource) && set.RoleGrants(grant.RoleKey, capability))
            {
                roles.Add(grant.ProjectId is null && grant.ResourceRef is null ? grant.RoleKey : $"{grant.RoleKey} ({grant.Scope})");
            }
        }

        foreach (var policy in policies)
        {
            if (policy.Effect == PolicyEffect.Allow)
            {
                break;
            }

            if (policy.Applies(scope.Principal, resource, scope.Context))
            {
                return new Decision(false, action, resource.Ref, roles, null, policy.Name, $"the policy '{policy.Name}' denies {action}")
                {
                    DeniedByPolicyId = policy.Id,
                };
            }
        }

        if (roles.Count > 0)
        {
            return new Decision(true, action, resource.Ref, roles, null, null, $"the role {roles[0]} grants {action}");
        }

        foreach (var policy in policies)
        {
            if (policy.Effect == PolicyEffect.Allow && policy.Applies(scope.Principal, resource, scope.Context))
            {
                return new Decision(true, action, resource.Ref, roles, policy.Name, null, $"the policy '{policy.Name}' allows {action}");
            }
        }

        var held = scope.Grants.Where(g => g.ExpiresAt is null || g.ExpiresAt > scope.Now).Select(g => g.RoleKey).Distinct().ToList();
        var reason = held.Count == 0
            ? $"you hold no role that grants {action}"
            : $"no role you hold for {resource.Ref} ({string.Join(", ", held)}) grants {action}";
        return new Decision(false, action, resource.Ref, roles, null, null, reason);
    }

    /// The 403 for a refusal: the reason in the detail and, in `denied_by`, the policy or the roles that decided it.
    public static ProblemException Refusal(Decision decision)
    {
        var problem = ProblemException.Forbidden($"You may not {Capabilities.Of(CapabilityOf(decision.Action)).Description}: {decision.Reason}.");
        problem.Extensions["action"] = decision.Action;
        problem.Extensions["denied_by"] = decision.DeniedBy is { } policy
            ? new Dictionary<string, object?> { ["policy"] = policy, ["policy_id"] = decision.DeniedByPolicyId, ["reason"] = decision.Reason }
            : new Dictionary<string, object?> { ["policy"] = null, ["roles"] = decision.Roles, ["reason"] = decision.Reason };
        return problem;
    }

    private static Capability CapabilityOf(string name) => Capabilities.TryParse(name, out var capability) ? capability : default;

    public static string MatchedJson(Decision decision) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["roles"] = decision.Roles,
        ["allowed_by"] = decision.AllowedBy,
        ["denied_by"] = decision.DeniedBy,
        ["reason"] = decision.Reason,
    });
}

/// Policies every tenant has from the start. A tenant turns one off (PATCH the policy's `enabled`) but cannot delete
/// or rewrite it; its own policies narrow or widen around it.
public static class BuiltInPolicies
{
    public const string AgentSubItems = "agent-sub-items";

    public sealed record Definition(string Key, string Name, string Description, PolicyEffect Effect, string[] Actions, string[] Resources, string ConditionsJson);

    public static readonly IReadOnlyList<Definition> All =
    [
        new(AgentSubItems, "agents create sub-items only",
            "An agent creates only sub-items of the item it holds an active run on, in that item's project. Turn it off to let agents create top-level work.",
            PolicyEffect.Deny, ["work:create"], ["work:*"],
            """{"principal.kind": {"$eq": "agent"}, "resource.parent_held": {"$ne": true}}"""),
    ];

    public static string IdOf(string key) => $"system:{key}";

    /// Compiled once: they are the same for every tenant.
    public static readonly IReadOnlyDictionary<string, CompiledPolicy> Compiled = All.ToDictionary(d => d.Key, PolicyRules.CompileBuiltIn);
}
