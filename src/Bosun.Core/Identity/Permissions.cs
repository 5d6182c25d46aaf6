using Bosun.Core.Common;
using Bosun.Core.Governance.Access;

namespace Bosun.Core.Identity;

/// The capabilities Bosun checks; their names (`work:create`), descriptions and the system roles that hold them are
/// in <see cref="Capabilities"/>.
public enum Capability
{
    ManageTenant,
    ManagePeople,
    ManageAgents,
    ManageOthersTokens,
    EditWork,
    Comment,
    DecideApprovals,
    ReadAudit,
    ReadWork,
    CreateWork,
    MoveWork,
    AssignWork,
    ManageTemplates,
    ReadCosts,
    ManageBudgets,
    ManagePrices,
    ManageSecrets,
    ManageConnections,
    ManageIntegrations,
    ManageWebhooks,
    ManageRules,
    ManageSchedules,
    ManageNotifications,
    ManageRoles,
    ManagePolicies,
}

/// Every permission check goes through here to the one evaluator (Governance/Access/Evaluator): the principal's
/// roles for the resource, then the tenant's policies, deny first. Outside a request (the CLI on the store, tests
/// that act as a person directly) the principal's tenant role and the built-in policies decide.
public static class Permissions
{
    private static readonly Lazy<PolicySet> Defaults = new(() => new PolicySet("",
        new Dictionary<string, (string Name, bool[] Grants)>(), [.. BuiltInPolicies.Compiled.Values], DateTime.MinValue));

    /// A quiet check, for what a page shows: not logged.
    public static bool Has(RequestContext context, Capability capability, AccessResource? resource = null) =>
        Decide(context, capability, resource, log: false).Allowed;

    public static void Require(RequestContext context, Capability capability, AccessResource? resource = null)
    {
        var decision = Decide(context, capability, resource, log: true);
        if (!decision.Allowed)
        {
            throw Evaluator.Refusal(decision);
        }
    }

    public static Decision Decide(RequestContext context, Capability capability, AccessResource? resource, bool log)
    {
        var action = Capabilities.Name(capability);
        var target = resource ?? AccessResource.Tenant;
        switch (context.Actor.Type)
        {
            case ActorType.System:
                return new Decision(true, action, target.Ref, [], null, null, "Bosun acts on its own account");
            case ActorType.Integration:
                // An integration changes only what its own service lets it, never through a person's or an agent's paths.
                return new Decision(false, action, target.Ref, [], null, null, "an integration acts only through its own service");
            case ActorType.Operator:
                return new Decision(false, action, target.Ref, [], null, null, "an operator manages tenants and acts inside none");
        }

        var scope = context.Access ?? Fallback(context);
        return Evaluator.Decide(scope, capability, target, log);
    }

    /// Whether a built-in policy is on for this tenant, for the checks that carry it out themselves (the agents'
    /// sub-item rule names the exact field a request got wrong).
    public static bool BuiltInApplies(RequestContext context, string key, Capability capability, AccessResource resource)
    {
        if (context.Actor.Type is ActorType.System or ActorType.Integration or ActorType.Operator)
        {
            return false;
        }

        var scope = context.Access ?? Fallback(context);
        var id = BuiltInPolicies.IdOf(key);
        return scope.Policies.For(capability).Any(p => p.Id == id && p.Applies(scope.Principal, resource, scope.Context));
    }

    private static AccessScope Fallback(RequestContext context)
    {
        return AccessLoader.Build(context.Actor, context.PersonRole, context.AgentRole, [], AttributeBag.Empty, Defaults.Value, DateTime.UtcNow, null, null);
    }
}
