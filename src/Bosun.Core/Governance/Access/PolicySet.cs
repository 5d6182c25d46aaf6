using Bosun.Core.Identity;

namespace Bosun.Core.Governance.Access;

/// What a check is about: a kind of resource (`work`, `project`, `approval`, `budget`, ...), optionally one of them,
/// the project it belongs to and its attributes (status, type, labels, amount...).
public sealed record AccessResource(string Kind, string? Id = null, string? ProjectId = null, IReadOnlyDictionary<string, object?>? Attributes = null)
    : IAttributes
{
    public static readonly AccessResource Tenant = new("tenant");

    /// A project itself, which belongs to itself: a project role applies to it.
    public static AccessResource Project(string id) => new("project", id, id);

    public string Ref => Id is null ? Kind : $"{Kind}:{Id}";

    public object? Get(string key) => key switch
    {
        "kind" => Kind,
        "id" => Id,
        "project" => ProjectId,
        _ => Attributes is not null && Attributes.TryGetValue(key, out var value) ? value : null,
    };
}

/// A role in effect for a principal: held for the tenant (ProjectId and ResourceRef null), one project, or one resource.
public sealed record Grant(string RoleKey, string? ProjectId = null, string? ResourceRef = null, DateTime? ExpiresAt = null)
{
    public bool AppliesTo(AccessResource resource) =>
        (ProjectId is null && ResourceRef is null)
        || (ProjectId is not null && (resource.ProjectId == ProjectId || (resource.Kind == "project" && resource.Id == ProjectId)))
        || (ResourceRef is not null && resource.Ref == ResourceRef);

    public string Scope => ResourceRef is not null ? ResourceRef : ProjectId is not null ? $"project:{ProjectId}" : "tenant";
}

/// A resource pattern of a policy: `*`, `work:*`, `work:ID`, `project:KEY` (anything in that project) or
/// `work:type=review` (a resource of that kind whose attribute has that value).
public sealed record ResourcePattern(string Text, string? Kind, string? Id, string? ProjectId, string? Attribute, string? Value)
{
    public bool Matches(AccessResource resource)
    {
        if (ProjectId is not null)
        {
            return resource.ProjectId == ProjectId || (resource.Kind == "project" && resource.Id == ProjectId);
        }

        if (Kind is not null && Kind != resource.Kind)
        {
            return false;
        }

        if (Id is not null)
        {
            return resource.Id == Id;
        }

        if (Attribute is not null)
        {
            var actual = resource.Get(Attribute);
            return actual is string[] many ? Array.IndexOf(many, Value) >= 0 : actual is string one && one == Value;
        }

        return true;
    }
}

public sealed class CompiledPolicy
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required PolicyEffect Effect { get; init; }
    public required int Priority { get; init; }
    public required bool[] Actions { get; init; }
    public required IReadOnlyList<ResourcePattern> Resources { get; init; }
    public required IReadOnlyList<Condition> Conditions { get; init; }
    public bool System { get; init; }

    public bool Applies(IAttributes principal, AccessResource resource, IAttributes context)
    {
        if (Resources.Count > 0)
        {
            var any = false;
            foreach (var pattern in Resources)
            {
                if (pattern.Matches(resource))
                {
                    any = true;
                    break;
                }
            }

            if (!any)
            {
                return false;
            }
        }

        foreach (var condition in Conditions)
        {
            if (!condition.Holds(principal, resource, context))
            {
                return false;
            }
        }

        return true;
    }
}

/// A tenant's roles and enabled policies, compiled for fast checks: each role's capabilities as a table by
/// capability, each capability's policies denies first, then by priority.
public sealed class PolicySet
{
    public static readonly PolicySet SystemOnly = new("", new Dictionary<string, (string Name, bool[] Grants)>(), [], DateTime.MinValue);

    private static readonly int CapabilityCount = Enum.GetValues<Capability>().Length;
    private static readonly Dictionary<string, bool[]> SystemGrants = SystemRoles.Keys.ToDictionary(k => k, k => Table(Capabilities.OfSystemRole(k)));

    private readonly Dictionary<string, (string Name, bool[] Grants)> _roles;
    private readonly CompiledPolicy[][] _byAction;

    public PolicySet(string tenantId, Dictionary<string, (string Name, bool[] Grants)> roles, IReadOnlyList<CompiledPolicy> policies, DateTime loadedAt)
    {
        TenantId = tenantId;
        _roles = roles;
        Policies = policies;
        LoadedAt = loadedAt;
        _byAction = new CompiledPolicy[CapabilityCount][];
        for (var i = 0; i < CapabilityCount; i++)
        {
            _byAction[i] = policies.Where(p => p.Actions[i])
                .OrderBy(p => p.Effect == PolicyEffect.Deny ? 0 : 1).ThenByDescending(p => p.Priority).ThenBy(p => p.Id, StringComparer.Ordinal)
                .ToArray();
        }
    }

    public string TenantId { get; }
    public IReadOnlyList<CompiledPolicy> Policies { get; }
    public DateTime LoadedAt { get; }

    public static bool[] Table(IEnumerable<string> patterns)
    {
        var table = new bool[CapabilityCount];
        var list = patterns.ToList();
        foreach (var entry in Capabilities.All)
        {
            table[(int)entry.Capability] = list.Any(p => Capabilities.Matches(p, entry.Name));
        }

        return table;
    }

    public bool RoleGrants(string roleKey, Capability capability) =>
        (SystemGrants.TryGetValue(roleKey, out var system) ? system : _roles.TryGetValue(roleKey, out var role) ? role.Grants : null)
            is { } grants && grants[(int)capability];

    public bool HasRole(string roleKey) => SystemRoles.IsSystem(roleKey) || _roles.ContainsKey(roleKey);

    public IReadOnlyList<CompiledPolicy> For(Capability capability) => _byAction[(int)capability];

    public bool IsEnabled(string systemKey) => Policies.Any(p => p.System && p.Id == BuiltInPolicies.IdOf(systemKey));
}
