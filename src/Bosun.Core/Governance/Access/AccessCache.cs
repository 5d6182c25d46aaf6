using System.Collections.Concurrent;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Bosun.Core.Governance.Access;

/// Each tenant's compiled policy set and each principal's grants, kept for a few seconds so a check costs no query.
/// A change saved by this process empties the affected part at once; other processes on the same database pick it
/// up when the entry expires (<see cref="Lifetime"/>), as the principal cache does.
public sealed class AccessCache(TimeProvider clock, ILogger<AccessCache> log)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);
    private const int MaxEntries = 20_000;

    private sealed record Entry<T>(T Value, DateTime Until, long Generation);

    public sealed record PrincipalAccess(IReadOnlyList<Grant> Assignments, AttributeBag Attributes)
    {
        /// The grants and attributes built from these for the tenant role they were built with, kept so a request
        /// builds them once per cache entry rather than every time.
        internal Prepared? Built { get; set; }
    }

    /// A reference, so requests on several threads swap it whole.
    internal sealed record Prepared(PersonRole? PersonRole, string? AgentRole, IReadOnlyList<Grant> Grants, AttributeBag Attributes);

    private readonly ConcurrentDictionary<string, Entry<PolicySet>> _sets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry<PrincipalAccess>> _principals = new(StringComparer.Ordinal);
    private long _generation;

    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _sets.Clear();
        _principals.Clear();
    }

    public async Task<PolicySet> PolicySetAsync(BosunDb db, string tenantId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (_sets.TryGetValue(tenantId, out var known) && known.Until > now)
        {
            return known.Value;
        }

        var generation = Interlocked.Read(ref _generation);
        // Read in a transaction of its own: on PostgreSQL the tenant's row-level security is set per transaction.
        var set = await db.InTransactionAsync(c => LoadPolicySetAsync(db, tenantId, now, c), write: false, ct);
        Keep(_sets, tenantId, new Entry<PolicySet>(set, now + Lifetime, generation));
        return set;
    }

    public async Task<PrincipalAccess> PrincipalAsync(BosunDb db, string tenantId, Actor actor, CancellationToken ct)
    {
        var key = $"{tenantId}/{actor.Ref}";
        var now = clock.GetUtcNow().UtcDateTime;
        if (_principals.TryGetValue(key, out var known) && known.Until > now)
        {
            return known.Value;
        }

        var generation = Interlocked.Read(ref _generation);
        var access = await db.InTransactionAsync(c => LoadPrincipalAsync(db, tenantId, actor, c), write: false, ct);
        Keep(_principals, key, new Entry<PrincipalAccess>(access, now + Lifetime, generation));
        return access;
    }

    private void Keep<T>(ConcurrentDictionary<string, Entry<T>> entries, string key, Entry<T> entry)
    {
        if (entries.Count >= MaxEntries)
        {
            entries.Clear();
        }

        entries[key] = entry;
        // Emptied while this lookup was reading: what it read may be older than the change, so it is not kept.
        if (Interlocked.Read(ref _generation) != entry.Generation)
        {
            entries.TryRemove(new KeyValuePair<string, Entry<T>>(key, entry));
        }
    }

    private static async Task<PrincipalAccess> LoadPrincipalAsync(BosunDb db, string tenantId, Actor actor, CancellationToken ct)
    {
        var assignments = db.Set<RoleAssignment>().IgnoreQueryFilters().AsNoTracking().Where(a => a.TenantId == tenantId);
        assignments = actor.Type == ActorType.Agent ? assignments.Where(a => a.AgentId == actor.Id) : assignments.Where(a => a.UserId == actor.Id);
        var grants = actor.Type is ActorType.Person or ActorType.Agent
            ? await assignments.Select(a => new Grant(a.RoleKey, a.ProjectId, a.ResourceRef, a.ExpiresAt)).ToListAsync(ct)
            : [];
        var json = actor.Type switch
        {
            ActorType.Person => await db.Users.IgnoreQueryFilters().Where(u => u.TenantId == tenantId && u.Id == actor.Id).Select(u => u.AttributesJson).FirstOrDefaultAsync(ct),
            ActorType.Agent => await db.Agents.IgnoreQueryFilters().Where(a => a.TenantId == tenantId && a.Id == actor.Id).Select(a => a.AttributesJson).FirstOrDefaultAsync(ct),
            _ => null,
        };
        return new PrincipalAccess(grants, new AttributeBag(Attributes.Parse(json)));
    }

    private async Task<PolicySet> LoadPolicySetAsync(BosunDb db, string tenantId, DateTime now, CancellationToken ct)
    {
        var roles = await db.Set<Role>().IgnoreQueryFilters().AsNoTracking().Where(r => r.TenantId == tenantId)
            .Select(r => new { r.Key, r.Name, r.CapabilitiesJson }).ToListAsync(ct);
        var rows = await db.Set<AccessPolicy>().IgnoreQueryFilters().AsNoTracking().Where(p => p.TenantId == tenantId).ToListAsync(ct);
        var projectKeys = PolicyRules.ProjectKeysNamed(rows.Select(r => r.ResourcesJson));
        var projects = projectKeys.Count == 0
            ? new Dictionary<string, string>()
            : await db.Projects.IgnoreQueryFilters().AsNoTracking().Where(p => p.TenantId == tenantId && projectKeys.Contains(p.Key))
                .ToDictionaryAsync(p => p.Key, p => p.Id, ct);

        var compiledRoles = new Dictionary<string, (string Name, bool[] Grants)>(StringComparer.Ordinal);
        foreach (var role in roles)
        {
            try
            {
                compiledRoles[role.Key] = (role.Name, PolicySet.Table(JsonSerializer.Deserialize<string[]>(role.CapabilitiesJson) ?? []));
            }
            catch (JsonException)
            {
                // Written by Bosun as a JSON array; a row changed by hand that is not one grants nothing.
                log.LogWarning("Role {RoleKey} of tenant {TenantId} has unreadable capabilities and grants nothing", role.Key, tenantId);
            }
        }

        var policies = new List<CompiledPolicy>();
        foreach (var builtIn in BuiltInPolicies.All)
        {
            if (rows.FirstOrDefault(r => r.SystemKey == builtIn.Key) is { Enabled: false })
            {
                continue;
            }

            policies.Add(BuiltInPolicies.Compiled[builtIn.Key]);
        }

        foreach (var row in rows.Where(r => r.SystemKey is null && r.Enabled))
        {
            var problem = new ValidationProblem();
            CompiledPolicy? compiled;
            try
            {
                compiled = PolicyRules.Compile(row, projects, problem);
            }
            catch (JsonException)
            {
                compiled = null;
            }

            if (problem.HasErrors || compiled is null)
            {
                // Policies are checked when written; one that no longer compiles (its project was renamed, a row was changed by
                // hand) is left out.
                log.LogWarning("Access policy {PolicyId} of tenant {TenantId} no longer compiles and is not applied", row.Id, tenantId);
                continue;
            }

            policies.Add(compiled);
        }

        return new PolicySet(tenantId, compiledRoles, policies, now);
    }
}

/// Empties the <see cref="AccessCache"/> when a save touches roles, assignments, policies, projects (policies name
/// them by key) or the attributes of people and agents.
public sealed class AccessCacheInvalidator(AccessCache cache) : CacheInvalidator
{
    protected override bool Touches(Microsoft.EntityFrameworkCore.ChangeTracking.EntityEntry e) =>
        e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted
        && (e.Entity is Role or RoleAssignment or AccessPolicy or Planning.Project
            || (e.Entity is User or Agent && (e.State == EntityState.Deleted || e.Property(nameof(User.AttributesJson)).IsModified)));

    protected override void Clear() => cache.Clear();
}
