using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Governance.Access;

public sealed record CapabilityView(string Name, string Description, IReadOnlyList<string> SystemRoles);

public sealed record RoleView(string Key, string Name, string? Description, bool System, IReadOnlyList<string> Capabilities, DateTime? CreatedAt);

public sealed record RoleInput(string? Key, string? Name, string? Description, IReadOnlyList<string>? Capabilities);

public sealed record AssignmentView(
    string Id, string Role, string? UserId, string? AgentId, string? ProjectId, string? Resource, DateTime? ExpiresAt, bool Expired, string? CreatedBy, DateTime CreatedAt);

public sealed record AssignInput(string? Role, string? UserId, string? AgentId, string? ProjectId, string? Resource, DateTimeOffset? ExpiresAt);

public sealed record AssignmentFilter(string? UserId, string? AgentId, string? ProjectId);

public sealed record PolicyView(
    string Id, string Name, string? Description, PolicyEffect Effect, IReadOnlyList<string> Actions, IReadOnlyList<string> Resources,
    JsonElement Conditions, int Priority, bool Enabled, bool System, DateTime? CreatedAt, DateTime? UpdatedAt);

public sealed record PolicyInput(
    string? Name, string? Description, PolicyEffect? Effect, IReadOnlyList<string>? Actions, IReadOnlyList<string>? Resources,
    JsonElement? Conditions, int? Priority, bool? Enabled);

/// `resource` is a reference (`work:WEB-12`, `project:WEB`, `approval:ID`, `tenant`) or a kind; `attributes` add to or
/// replace what Bosun reads from the resource itself.
public sealed record ExplainInput(string? Principal, string? Action, string? Resource, JsonElement? Attributes, JsonElement? Context);

public sealed record ExplainView(
    string Principal, string Action, string Resource, string Result, bool Allowed, IReadOnlyList<string> Roles, string? AllowedBy, string? DeniedBy,
    string Reason, double Microseconds);

public sealed record DecisionView(string Id, DateTime At, string Principal, string Action, string? Resource, bool Allowed, JsonElement Matched, double Microseconds);

/// Roles, their assignments and attribute policies; explaining a decision; reading the evaluation log. Every change
/// is an audited row, so the audit trail says who changed whose rights and when.
public sealed class AccessService(BosunDb db, RequestContext context, AccessCache cache, TimeProvider clock)
{
    private const int MaxRoles = 1_000;
    private const int MaxPolicies = 5_000;
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public static IReadOnlyList<CapabilityView> ListCapabilities() =>
    [
        .. Capabilities.All.Select(e => new CapabilityView(e.Name, e.Description,
            SystemRoles.Keys.Where(k => Capabilities.OfSystemRole(k).Contains(e.Name)).ToList())),
    ];

    // ---- roles ----

    public async Task<IReadOnlyList<RoleView>> ListRolesAsync(CancellationToken ct)
    {
        var custom = await db.Set<Role>().AsNoTracking().OrderBy(r => r.Key).ToListAsync(ct);
        return
        [
            .. SystemRoles.Keys.Select(k => new RoleView(k, k, SystemRoles.Describe(k), true, [.. Capabilities.OfSystemRole(k)], null)),
            .. custom.Select(From),
        ];
    }

    public async Task<RoleView> CreateRoleAsync(RoleInput input, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageRoles);
        var problem = new ValidationProblem();
        var key = Check.Slug(problem, "key", input.Key);
        if (key is not null && SystemRoles.IsSystem(key))
        {
            problem.Add("key", $"'{key}' is a system role");
        }

        var name = Check.Text(problem, "name", input.Name, 200) ?? key;
        var description = Check.Text(problem, "description", input.Description, 2000);
        var capabilities = CheckCapabilities(problem, input.Capabilities, required: true);
        problem.ThrowIfAny();
        if (await db.Set<Role>().CountAsync(ct) >= MaxRoles)
        {
            throw ProblemException.Conflict($"A tenant has at most {MaxRoles} roles.");
        }

        if (await db.Set<Role>().AnyAsync(r => r.Key == key, ct))
        {
            throw ProblemException.Invalid("key", $"a role '{key}' already exists");
        }

        var role = new Role { Key = key!, Name = name!, Description = description, CapabilitiesJson = JsonSerializer.Serialize(capabilities) };
        db.Add(role);
        await db.SaveChangesAsync(ct);
        return From(role);
    }

    public async Task<RoleView> UpdateRoleAsync(string key, RoleInput input, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageRoles);
        if (SystemRoles.IsSystem(key))
        {
            throw ProblemException.Conflict($"'{key}' is a system role: its capabilities are fixed. Define a role of your own instead.");
        }

        var role = await db.Set<Role>().FirstOrDefaultAsync(r => r.Key == key, ct) ?? throw ProblemException.NotFound($"Role '{key}'");
        var problem = new ValidationProblem();
        if (input.Key is not null && input.Key != key)
        {
            problem.Add("key", "cannot be changed; create a new role and move the assignments");
        }

        var name = Check.Text(problem, "name", input.Name, 200);
        var description = Check.Text(problem, "description", input.Description, 2000);
        var capabilities = input.Capabilities is null ? null : CheckCapabilities(problem, input.Capabilities, required: true);
        problem.ThrowIfAny();
        role.Name = name ?? role.Name;
        role.Description = description ?? role.Description;
        if (capabilities is not null)
        {
            role.CapabilitiesJson = JsonSerializer.Serialize(capabilities);
        }

        await db.SaveChangesAsync(ct);
        return From(role);
    }

    public async Task DeleteRoleAsync(string key, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageRoles);
        if (SystemRoles.IsSystem(key))
        {
            throw ProblemException.Conflict($"'{key}' is a system role and cannot be deleted.");
        }

        var role = await db.Set<Role>().FirstOrDefaultAsync(r => r.Key == key, ct) ?? throw ProblemException.NotFound($"Role '{key}'");
        var held = await db.Set<RoleAssignment>().CountAsync(a => a.RoleKey == key, ct);
        if (held > 0)
        {
            throw ProblemException.Conflict($"The role '{key}' is held by {held} assignment(s); remove them first.");
        }

        db.Remove(role);
        await db.SaveChangesAsync(ct);
    }

    private static List<string> CheckCapabilities(ValidationProblem problem, IReadOnlyList<string>? capabilities, bool required)
    {
        if (capabilities is null || capabilities.Count == 0)
        {
            if (required)
            {
                problem.Add("capabilities", "must name at least one capability, e.g. [\"work:read\", \"work:comment\"]");
            }

            return [];
        }

        for (var i = 0; i < capabilities.Count; i++)
        {
            if (capabilities[i] is null || !Capabilities.IsPattern(capabilities[i]))
            {
                problem.Add($"capabilities[{i}]", $"'{capabilities[i]}' is not a capability; see GET /api/v1/capabilities");
            }
        }

        return capabilities.Distinct().ToList();
    }

    private static RoleView From(Role r) =>
        new(r.Key, r.Name, r.Description, false, PolicyRules.Strings(r.CapabilitiesJson), r.CreatedAt);

    // ---- assignments ----

    public async Task<Page<AssignmentView>> ListAssignmentsAsync(AssignmentFilter filter, PageRequest page, CancellationToken ct)
    {
        var query = db.Set<RoleAssignment>().AsNoTracking().AsQueryable();
        var self = context.Actor.Type == ActorType.Person && filter.UserId == context.Actor.Id;
        if (!self)
        {
            Permissions.Require(context, Capability.ManagePeople);
        }

        if (filter.UserId is { Length: > 0 } user)
        {
            query = query.Where(a => a.UserId == user);
        }

        if (filter.AgentId is { Length: > 0 } agent)
        {
            query = query.Where(a => a.AgentId == agent);
        }

        if (filter.ProjectId is { Length: > 0 } project)
        {
            var id = await db.ProjectIdOfAsync(project, ct) ?? throw ProblemException.Invalid("project_id", "no such project");
            query = query.Where(a => a.ProjectId == id);
        }

        if (page.Cursor is { } cursor)
        {
            query = query.Where(a => string.Compare(a.Id, cursor) > 0);
        }

        var now = Now;
        return await query.OrderBy(a => a.Id).ToPageAsync(page, a => a.Id, a => From(a, now), ct);
    }

    public async Task<IReadOnlyList<AssignmentView>> AssignmentsOfAsync(IReadOnlyList<string> userIds, CancellationToken ct)
    {
        var now = Now;
        var rows = await db.Set<RoleAssignment>().AsNoTracking().Where(a => a.UserId != null && userIds.Contains(a.UserId)).OrderBy(a => a.Id).ToListAsync(ct);
        return [.. rows.Select(a => From(a, now))];
    }

    public async Task<AssignmentView> AssignAsync(AssignInput input, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        var roleKey = Check.Text(problem, "role", input.Role, 63, required: true);
        if ((input.UserId is null) == (input.AgentId is null))
        {
            problem.Add("user_id", "give either user_id or agent_id");
        }

        string? projectId = null;
        if (input.ProjectId is { Length: > 0 } project)
        {
            projectId = await db.ProjectIdOfAsync(project, ct);
            if (projectId is null)
            {
                problem.Add("project_id", "no such project");
            }
        }

        var resource = input.Resource is { Length: > 0 } r ? await ResourceRefAsync(problem, r, ct) : null;
        if (projectId is not null && resource is not null)
        {
            problem.Add("resource", "give project_id or resource, not both");
        }

        var expires = Check.Utc(input.ExpiresAt);
        if (expires is { } e && e <= Now)
        {
            problem.Add("expires_at", "must be in the future");
        }

        problem.ThrowIfAny();
        Permissions.Require(context, Capability.ManageRoles, projectId is null ? null : AccessResource.Project(projectId));

        if (!SystemRoles.IsSystem(roleKey!) && !await db.Set<Role>().AnyAsync(x => x.Key == roleKey, ct))
        {
            throw ProblemException.Invalid("role", $"no role '{roleKey}'; see GET /api/v1/roles");
        }

        if (input.UserId is { } userId && !await db.Users.AnyAsync(u => u.Id == userId, ct))
        {
            throw ProblemException.Invalid("user_id", "no such person");
        }

        if (input.AgentId is { } agentId && !await db.Agents.AnyAsync(a => a.Id == agentId, ct))
        {
            throw ProblemException.Invalid("agent_id", "no such agent");
        }

        if (roleKey == SystemRoles.Owner && context.PersonRole != PersonRole.Owner)
        {
            throw ProblemException.Forbidden("Only an owner may give the owner role.");
        }

        var assignment = new RoleAssignment
        {
            RoleKey = roleKey!, UserId = input.UserId, AgentId = input.AgentId, ProjectId = projectId, ResourceRef = resource,
            ExpiresAt = expires, CreatedByRef = context.Actor.Ref,
        };
        db.Add(assignment);
        await db.SaveChangesAsync(ct);
        return From(assignment, Now);
    }

    public async Task UnassignAsync(string id, CancellationToken ct)
    {
        var assignment = await db.Set<RoleAssignment>().FirstOrDefaultAsync(a => a.Id == id, ct) ?? throw ProblemException.NotFound("Assignment");
        Permissions.Require(context, Capability.ManageRoles,
            assignment.ProjectId is { } p ? AccessResource.Project(p) : null);
        db.Remove(assignment);
        await db.SaveChangesAsync(ct);
    }

    private static AssignmentView From(RoleAssignment a, DateTime now) =>
        new(a.Id, a.RoleKey, a.UserId, a.AgentId, a.ProjectId, a.ResourceRef, a.ExpiresAt, a.ExpiresAt <= now, a.CreatedByRef, a.CreatedAt);

    // ---- policies ----

    public async Task<IReadOnlyList<PolicyView>> ListPoliciesAsync(CancellationToken ct)
    {
        var rows = await db.Set<AccessPolicy>().AsNoTracking().OrderByDescending(p => p.Priority).ThenBy(p => p.Id).ToListAsync(ct);
        var builtIns = BuiltInPolicies.All.Select(b =>
        {
            var setting = rows.FirstOrDefault(r => r.SystemKey == b.Key);
            return new PolicyView(BuiltInPolicies.IdOf(b.Key), b.Name, b.Description, b.Effect, b.Actions, b.Resources,
                JsonDocument.Parse(b.ConditionsJson).RootElement.Clone(), int.MaxValue, setting?.Enabled ?? true, true, null, setting?.UpdatedAt);
        });
        return [.. builtIns, .. rows.Where(r => r.SystemKey is null).Select(From)];
    }

    public async Task<PolicyView> CreatePolicyAsync(PolicyInput input, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManagePolicies);
        var row = new AccessPolicy { Name = "" };
        await ApplyAsync(row, input, creating: true, ct);
        if (await db.Set<AccessPolicy>().CountAsync(ct) >= MaxPolicies)
        {
            throw ProblemException.Conflict($"A tenant has at most {MaxPolicies} policies.");
        }

        if (await db.Set<AccessPolicy>().AnyAsync(p => p.Name == row.Name, ct))
        {
            throw ProblemException.Invalid("name", $"a policy '{row.Name}' already exists");
        }

        db.Add(row);
        await db.SaveChangesAsync(ct);
        return From(row);
    }

    public async Task<PolicyView> UpdatePolicyAsync(string id, PolicyInput input, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManagePolicies);
        if (id.StartsWith("system:", StringComparison.Ordinal))
        {
            var key = id["system:".Length..];
            var builtIn = BuiltInPolicies.All.FirstOrDefault(b => b.Key == key) ?? throw ProblemException.NotFound($"Policy '{id}'");
            if (input.Name is not null || input.Description is not null || input.Effect is not null || input.Actions is not null
                || input.Resources is not null || input.Conditions is not null || input.Priority is not null)
            {
                throw ProblemException.Invalid("enabled", "is the only field of a built-in policy that can be changed");
            }

            if (input.Enabled is not { } enabled)
            {
                throw ProblemException.Invalid("enabled", "is required");
            }

            var setting = await db.Set<AccessPolicy>().FirstOrDefaultAsync(p => p.SystemKey == key, ct);
            if (setting is null)
            {
                setting = new AccessPolicy { Name = $"system:{key}", SystemKey = key, Effect = builtIn.Effect };
                db.Add(setting);
            }

            setting.Enabled = enabled;
            await db.SaveChangesAsync(ct);
            return (await ListPoliciesAsync(ct)).First(p => p.Id == id);
        }

        var row = await db.Set<AccessPolicy>().FirstOrDefaultAsync(p => p.Id == id && p.SystemKey == null, ct) ?? throw ProblemException.NotFound($"Policy '{id}'");
        var oldName = row.Name;
        await ApplyAsync(row, input, creating: false, ct);
        if (row.Name != oldName && await db.Set<AccessPolicy>().AnyAsync(p => p.Name == row.Name && p.Id != id, ct))
        {
            throw ProblemException.Invalid("name", $"a policy '{row.Name}' already exists");
        }

        await db.SaveChangesAsync(ct);
        return From(row);
    }

    public async Task DeletePolicyAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManagePolicies);
        if (id.StartsWith("system:", StringComparison.Ordinal))
        {
            throw ProblemException.Conflict("A built-in policy cannot be deleted; turn it off with {\"enabled\": false}.");
        }

        var row = await db.Set<AccessPolicy>().FirstOrDefaultAsync(p => p.Id == id && p.SystemKey == null, ct) ?? throw ProblemException.NotFound($"Policy '{id}'");
        db.Remove(row);
        await db.SaveChangesAsync(ct);
    }

    private async Task ApplyAsync(AccessPolicy row, PolicyInput input, bool creating, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        var name = Check.Text(problem, "name", input.Name, 200, required: creating);
        if (name is not null && name.StartsWith("system:", StringComparison.Ordinal))
        {
            problem.Add("name", "cannot start with 'system:'");
        }

        var description = Check.Text(problem, "description", input.Description, 2000);
        if (creating && input.Effect is null)
        {
            problem.Add("effect", "is required: allow or deny");
        }

        var actions = input.Actions ?? (creating ? null : PolicyRules.Strings(row.ActionsJson));
        if (actions is null)
        {
            problem.Add("actions", "is required, e.g. [\"work:move\"]");
        }

        var resources = input.Resources ?? PolicyRules.Strings(row.ResourcesJson);
        var conditionsJson = input.Conditions is { ValueKind: not JsonValueKind.Undefined } c ? c.GetRawText() : row.ConditionsJson;
        if (conditionsJson.Length > 20_000)
        {
            problem.Add("conditions", "must be at most 20,000 characters of JSON");
        }

        var priority = Check.Range(problem, "priority", input.Priority, -1_000_000, 1_000_000);
        if (actions is not null && !problem.HasErrors)
        {
            var keys = PolicyRules.ProjectKeysNamed([JsonSerializer.Serialize(resources)]);
            var projects = keys.Count == 0 ? new Dictionary<string, string>()
                : await db.Projects.AsNoTracking().Where(p => keys.Contains(p.Key)).ToDictionaryAsync(p => p.Key, p => p.Id, ct);
            using var conditions = JsonDocument.Parse(conditionsJson);
            PolicyRules.Compile(row.Id, name ?? row.Name, input.Effect ?? row.Effect, priority ?? row.Priority, actions, resources,
                conditions.RootElement, projects, problem);
        }

        problem.ThrowIfAny();
        row.Name = name ?? row.Name;
        row.Description = description ?? row.Description;
        row.Effect = input.Effect ?? row.Effect;
        row.ActionsJson = JsonSerializer.Serialize(actions);
        row.ResourcesJson = JsonSerializer.Serialize(resources);
        row.ConditionsJson = conditionsJson;
        row.Priority = priority ?? row.Priority;
        row.Enabled = input.Enabled ?? row.Enabled;
    }

    private static PolicyView From(AccessPolicy p) => new(
        p.Id, p.Name, p.Description, p.Effect, PolicyRules.Strings(p.ActionsJson), PolicyRules.Strings(p.ResourcesJson),
        JsonDocument.Parse(p.ConditionsJson).RootElement.Clone(), p.Priority, p.Enabled, false, p.CreatedAt, p.UpdatedAt);

    // ---- explain and the log ----

    /// The decision the evaluator makes for <paramref name="input"/>, with what decided it. People may explain their
    /// own checks; explaining someone else's needs role:manage or policy:manage.
    public async Task<ExplainView> ExplainAsync(ExplainInput input, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        var principalRef = input.Principal is { Length: > 0 } given ? given : context.Actor.Ref;
        if (!Capabilities.TryParse(input.Action ?? "", out var capability))
        {
            problem.Add("action", input.Action is null ? "is required, e.g. work:move" : $"'{input.Action}' is not a capability; see GET /api/v1/capabilities");
        }

        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (input.Attributes is { ValueKind: JsonValueKind.Object } extra)
        {
            foreach (var property in extra.EnumerateObject())
            {
                attributes[property.Name] = Attributes.Value(property.Value);
            }
        }
        else if (input.Attributes is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) })
        {
            problem.Add("attributes", "must be an object of resource attributes");
        }

        problem.ThrowIfAny();
        if (principalRef != context.Actor.Ref && !Permissions.Has(context, Capability.ManageRoles) && !Permissions.Has(context, Capability.ManagePolicies))
        {
            throw ProblemException.Forbidden("You may explain your own checks; explaining another principal's needs role:manage or policy:manage.");
        }

        var actor = await PrincipalAsync(principalRef, ct);
        var resource = await ResourceAsync(input.Resource ?? "tenant", attributes, ct);
        var scope = await ScopeAsync(actor.Actor, actor.PersonRole, actor.AgentRole, input.Context, ct);
        var decision = Evaluator.Decide(scope, capability, resource, log: false);
        return new ExplainView(actor.Actor.Ref, decision.Action, decision.Resource, decision.Allowed ? "allow" : "deny", decision.Allowed,
            decision.Roles, decision.AllowedBy, decision.DeniedBy, decision.Reason, Math.Round(decision.Microseconds, 2));
    }

    public async Task<Page<DecisionView>> ListDecisionsAsync(string? principal, bool? allowed, PageRequest page, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ReadAudit);
        var query = db.Set<PermissionDecision>().AsNoTracking().AsQueryable();
        if (principal is { Length: > 0 })
        {
            query = query.Where(d => d.PrincipalRef == principal);
        }

        if (allowed is { } a)
        {
            query = query.Where(d => d.Allowed == a);
        }

        if (page.Cursor is { } cursor)
        {
            query = query.Where(d => string.Compare(d.Id, cursor) < 0);
        }

        return await query.OrderByDescending(d => d.Id).ToPageAsync(page, d => d.Id,
            d => new DecisionView(d.Id, d.At, d.PrincipalRef, d.Action, d.Resource, d.Allowed, JsonDocument.Parse(d.MatchedJson).RootElement.Clone(), d.Microseconds), ct);
    }

    /// The scope a principal's requests are decided over, as the authentication builds it.
    private async Task<AccessScope> ScopeAsync(Actor actor, PersonRole? personRole, string? agentRole, JsonElement? requestContext, CancellationToken ct)
    {
        var tenantId = context.RequireTenant();
        var set = await cache.PolicySetAsync(db, tenantId, ct);
        var principal = await cache.PrincipalAsync(db, tenantId, actor, ct);
        var scope = AccessLoader.Build(actor, personRole, agentRole, principal.Assignments, principal.Attributes, set, Now,
            actor.Ref == context.Actor.Ref ? context.Access?.Context.Get("ip") as string : null, null);
        if (requestContext is { ValueKind: JsonValueKind.Object } given)
        {
            var values = new Dictionary<string, object?>(scope.Context.Values, StringComparer.Ordinal);
            foreach (var property in given.EnumerateObject())
            {
                values[property.Name] = Attributes.Value(property.Value);
            }

            scope = scope with { Context = new AttributeBag(values) };
        }

        return scope;
    }

    private async Task<(Actor Actor, PersonRole? PersonRole, string? AgentRole)> PrincipalAsync(string reference, CancellationToken ct)
    {
        if (reference.StartsWith("user:", StringComparison.Ordinal))
        {
            var id = reference[5..];
            var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, ct) ?? throw ProblemException.Invalid("principal", "no such person");
            return (new Actor(ActorType.Person, user.Id, user.Name), user.Role, null);
        }

        if (reference.StartsWith("agent:", StringComparison.Ordinal))
        {
            var id = reference[6..];
            var agent = await db.Agents.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id || a.Name == id, ct) ?? throw ProblemException.Invalid("principal", "no such agent");
            return (new Actor(ActorType.Agent, agent.Id, agent.Name), null, agent.Role);
        }

        if (reference.Contains('@'))
        {
            var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Email == reference.ToLower(), ct) ?? throw ProblemException.Invalid("principal", "no such person");
            return (new Actor(ActorType.Person, user.Id, user.Name), user.Role, null);
        }

        throw ProblemException.Invalid("principal", "must be user:ID, agent:ID or agent:NAME, or a person's email");
    }

    /// A resource reference read from the store, so explain sees the attributes the real check sees.
    public async Task<AccessResource> ResourceAsync(string reference, Dictionary<string, object?> given, CancellationToken ct)
    {
        var colon = reference.IndexOf(':');
        var kind = colon > 0 ? reference[..colon] : reference;
        var id = colon > 0 ? reference[(colon + 1)..] : null;
        if (!PolicyRules.Kinds.Contains(kind))
        {
            throw ProblemException.Invalid("resource", $"'{kind}' is not a kind of resource; use one of {string.Join(", ", PolicyRules.Kinds)}");
        }

        AccessResource resource = new(kind, id, given.GetValueOrDefault("project") as string, given);
        if (id is null)
        {
            return resource;
        }

        switch (kind)
        {
            case "work":
                var item = await db.WorkItems.AsNoTracking().FirstOrDefaultAsync(w => w.Id == id || w.Key == id, ct)
                    ?? throw ProblemException.Invalid("resource", "no such work item");
                resource = WorkAccess.Of(item);
                break;
            case "project":
                var project = await db.ProjectIdOfAsync(id, ct) ?? throw ProblemException.Invalid("resource", "no such project");
                resource = AccessResource.Project(project);
                break;
            case "approval":
                var approval = await db.Approvals.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct)
                    ?? throw ProblemException.Invalid("resource", "no such approval");
                resource = new AccessResource("approval", approval.Id, approval.ProjectId);
                break;
        }

        if (given.Count == 0)
        {
            return resource;
        }

        var merged = new Dictionary<string, object?>(resource.Attributes ?? new Dictionary<string, object?>(), StringComparer.Ordinal);
        foreach (var (key, value) in given)
        {
            merged[key] = value;
        }

        return resource with { Attributes = merged };
    }

    private async Task<string?> ResourceRefAsync(ValidationProblem problem, string reference, CancellationToken ct)
    {
        if (reference.StartsWith("work:", StringComparison.Ordinal))
        {
            var key = reference[5..];
            var id = await db.WorkItems.Where(w => w.Id == key || w.Key == key).Select(w => w.Id).FirstOrDefaultAsync(ct);
            if (id is not null)
            {
                return $"work:{id}";
            }
        }

        problem.Add("resource", "must be work:ID or work:KEY of an existing work item");
        return null;
    }
}

/// The resource a check on a work item is about, with the attributes policies test.
public static class WorkAccess
{
    /// Work from the queue, before an item is chosen: what claims and completions are checked on.
    public static readonly AccessResource Queue = new("work");

    public static AccessResource Of(WorkItem item, IReadOnlyList<string>? labels = null, bool? parentHeld = null)
    {
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["status"] = Data.EnumNames<WorkStatus>.ToName(item.Status),
            ["type"] = item.Type,
            ["priority"] = Data.EnumNames<Priority>.ToName(item.Priority),
        };
        if (labels is not null)
        {
            attributes["labels"] = labels.ToArray();
        }

        if (parentHeld is not null)
        {
            attributes["parent_held"] = parentHeld;
        }

        return new AccessResource("work", item.Id, item.ProjectId, attributes);
    }

    public static AccessResource New(string? projectId, string? type, bool? parentHeld)
    {
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal) { ["type"] = type ?? "task" };
        if (parentHeld is not null)
        {
            attributes["parent_held"] = parentHeld;
        }

        return new AccessResource("work", null, projectId, attributes);
    }
}
