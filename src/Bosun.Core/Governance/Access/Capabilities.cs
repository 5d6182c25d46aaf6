using Bosun.Core.Identity;

namespace Bosun.Core.Governance.Access;

/// Every capability Bosun checks, named `resource:verb`, with the system roles that hold it. This table is the one
/// place they are listed (docs/governance.md repeats it); the system roles give exactly the rights the four fixed
/// roles gave before roles could be defined, which <c>SystemRoleTests</c> holds them to.
public static class Capabilities
{
    public sealed record Entry(Capability Capability, string Name, string Description, bool Member, bool Reviewer, bool Agent);

    // Owners and admins hold every capability; the flags say which of the others do. Rules act with the agents' set.
    public static readonly IReadOnlyList<Entry> All =
    [
        new(Capability.ReadWork, "work:read", "see work items, projects, goals and their activity", true, true, true),
        new(Capability.CreateWork, "work:create", "create work items", true, false, true),
        new(Capability.EditWork, "work:edit", "change work items, goals, plans, artifacts, memory and sessions", true, false, true),
        new(Capability.MoveWork, "work:move", "move work items between statuses", true, false, true),
        new(Capability.AssignWork, "work:assign", "assign work items to people and agents", true, false, true),
        new(Capability.Comment, "work:comment", "comment on work items and documents, answer questions", true, true, true),
        new(Capability.ManageTemplates, "template:manage", "create and change templates and instantiate them", true, false, true),
        new(Capability.DecideApprovals, "approval:decide", "approve or reject approvals", false, true, false),
        new(Capability.ReadCosts, "cost:read", "read costs and usage", true, true, true),
        new(Capability.ManageBudgets, "budget:manage", "create and change budgets", false, false, false),
        new(Capability.ManagePrices, "price:manage", "change model prices", false, false, false),
        new(Capability.ManageAgents, "agent:manage", "create and change agents, their skills and context", false, false, false),
        new(Capability.ManagePeople, "people:manage", "invite people and change their roles", false, false, false),
        new(Capability.ManageOthersTokens, "token:manage", "issue and revoke other principals' tokens", false, false, false),
        new(Capability.ReadAudit, "audit:read", "read the audit log and the activity of all", false, false, false),
        new(Capability.ManageSecrets, "secret:manage", "create, rotate and bind vault secrets", false, false, false),
        new(Capability.ManageConnections, "connection:manage", "connect and revoke accounts", false, false, false),
        new(Capability.ManageIntegrations, "integration:manage", "set up GitHub and other integrations", false, false, false),
        new(Capability.ManageWebhooks, "webhook:manage", "create and change webhooks", false, false, false),
        new(Capability.ManageRules, "rule:manage", "create and change automation rules", false, false, false),
        new(Capability.ManageSchedules, "schedule:manage", "create and change schedules", false, false, false),
        new(Capability.ManageNotifications, "notification:manage", "route notifications and read their delivery log", false, false, false),
        new(Capability.ManageRoles, "role:manage", "define roles and assign them", false, false, false),
        new(Capability.ManagePolicies, "policy:manage", "write access policies", false, false, false),
        new(Capability.ManageTenant, "tenant:manage", "change the tenant's settings", false, false, false),
    ];

    private static readonly Entry[] ByCapability = BuildIndex();
    private static readonly Dictionary<string, Entry> ByName = All.ToDictionary(e => e.Name, StringComparer.Ordinal);

    public static string Name(Capability capability) => ByCapability[(int)capability].Name;

    public static Entry Of(Capability capability) => ByCapability[(int)capability];

    public static bool TryParse(string name, out Capability capability)
    {
        var found = ByName.TryGetValue(name, out var entry);
        capability = found ? entry!.Capability : default;
        return found;
    }

    public static bool IsKnown(string name) => ByName.ContainsKey(name);

    /// Whether <paramref name="pattern"/> (a capability, `work:*` or `*`) names <paramref name="name"/>.
    public static bool Matches(string pattern, string name) =>
        pattern == "*" || pattern == name
        || (pattern.EndsWith(":*", StringComparison.Ordinal) && name.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal));

    /// A capability pattern is a known name, `resource:*` of a known resource, or `*`.
    public static bool IsPattern(string pattern) =>
        pattern == "*" || ByName.ContainsKey(pattern)
        || (pattern.EndsWith(":*", StringComparison.Ordinal) && All.Any(e => Matches(pattern, e.Name)));

    /// The capabilities of a system role, by its key.
    public static IEnumerable<string> OfSystemRole(string key) => key switch
    {
        SystemRoles.Owner or SystemRoles.Admin => All.Select(e => e.Name),
        SystemRoles.Member => All.Where(e => e.Member).Select(e => e.Name),
        SystemRoles.Reviewer => All.Where(e => e.Reviewer).Select(e => e.Name),
        SystemRoles.Agent => All.Where(e => e.Agent).Select(e => e.Name),
        _ => [],
    };

    private static Entry[] BuildIndex()
    {
        var values = Enum.GetValues<Capability>();
        var index = new Entry[values.Length];
        foreach (var entry in All)
        {
            index[(int)entry.Capability] = entry;
        }

        if (index.Any(e => e is null))
        {
            throw new InvalidOperationException("Every capability must be listed in Capabilities.All.");
        }

        return index;
    }
}

/// The roles every tenant has. They cannot be changed or deleted; people hold one of the first four tenant-wide
/// (a guest holds none and sees only the projects it is given a role in), agents and rules hold `agent`.
public static class SystemRoles
{
    public const string Owner = "owner";
    public const string Admin = "admin";
    public const string Member = "member";
    public const string Reviewer = "reviewer";
    public const string Agent = "agent";

    public static readonly IReadOnlyList<string> Keys = [Owner, Admin, Member, Reviewer, Agent];

    public static bool IsSystem(string key) => Keys.Contains(key);

    public static string? Of(PersonRole role) => role switch
    {
        PersonRole.Owner => Owner,
        PersonRole.Admin => Admin,
        PersonRole.Member => Member,
        PersonRole.Reviewer => Reviewer,
        _ => null,
    };

    public static string Describe(string key) => key switch
    {
        Owner => "runs the tenant: every capability",
        Admin => "runs the tenant: every capability",
        Member => "plans and does work",
        Reviewer => "reads, comments and decides approvals",
        Agent => "does work and records what it did",
        _ => "",
    };
}
