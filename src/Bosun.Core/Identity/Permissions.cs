using Bosun.Core.Common;

namespace Bosun.Core.Identity;

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
}

/// What each kind of principal may do. Owners and admins run the tenant; members plan and do work;
/// reviewers read, comment and decide approvals; agents do work and record what they did.
public static class Permissions
{
    public static bool Has(RequestContext context, Capability capability)
    {
        if (context.Actor.Type == ActorType.System)
        {
            return true;
        }

        // Rules plan and move work, comment and ask for approvals, as a member may; they never manage the tenant.
        if (context.Actor.Type is ActorType.Agent or ActorType.Rule)
        {
            return capability is Capability.EditWork or Capability.Comment;
        }

        // An integration changes only what its own service lets it, never through a person's or an agent's paths.
        if (context.Actor.Type == ActorType.Integration)
        {
            return false;
        }

        return context.PersonRole switch
        {
            PersonRole.Owner or PersonRole.Admin => true,
            PersonRole.Member => capability is Capability.EditWork or Capability.Comment,
            PersonRole.Reviewer => capability is Capability.Comment or Capability.DecideApprovals,
            _ => false,
        };
    }

    public static void Require(RequestContext context, Capability capability)
    {
        if (!Has(context, capability))
        {
            throw ProblemException.Forbidden($"Your role may not {Describe(capability)}.");
        }
    }

    private static string Describe(Capability capability) => capability switch
    {
        Capability.ManageTenant => "change tenant settings",
        Capability.ManagePeople => "manage people",
        Capability.ManageAgents => "manage agents",
        Capability.ManageOthersTokens => "manage other principals' tokens",
        Capability.EditWork => "create or change work",
        Capability.Comment => "comment",
        Capability.DecideApprovals => "decide approvals",
        Capability.ReadAudit => "read the audit log",
        _ => capability.ToString(),
    };
}
