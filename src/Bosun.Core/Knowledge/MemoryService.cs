using System.Diagnostics;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Dispatch;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Knowledge;

/// <param name="Scope">tenant, project, agent or work_item; an agent's memory goes to the agent itself by default, a
/// person's to the tenant.</param>
/// <param name="ScopeId">The project (key or id), agent (name or id) or work item (key or id) the memory belongs to.</param>
public sealed record RememberRequest(string? Content, string? Kind, string? Scope = null, string? ScopeId = null, DateTimeOffset? ExpiresAt = null);

public sealed record RecallRequest(string? Query, string? Scope = null, string? ScopeId = null, int? Limit = null);

public sealed record MemoryView(
    string Id, MemoryScope Scope, string? ScopeId, MemoryKind Kind, string Content, string Source, string? SourceRunId,
    string? SourceWorkItemId, DateTime? ExpiresAt, DateTime CreatedAt)
{
    public static MemoryView From(MemoryUnit u) =>
        new(u.Id, u.Scope, u.ScopeId, u.Kind, u.Content, u.Source, u.SourceRunId, u.SourceWorkItemId, u.ExpiresAt, u.CreatedAt);
}

public sealed record RecalledMemory(
    string Id, MemoryScope Scope, string? ScopeId, MemoryKind Kind, string Content, string Source, DateTime? ExpiresAt, DateTime CreatedAt, double Score);

public sealed record RecallResults(string RecallId, string Query, IReadOnlyList<RecalledMemory> Results, int TookMs);

public sealed record RecallScore(string Id, double Score);

public sealed record RecallLogView(
    string Id, string AskedBy, string Query, MemoryScope? Scope, string? ScopeId, IReadOnlyList<RecallScore> Results, int TookMs, DateTime At);

/// Memory units: what agents and people want remembered, per tenant, project, agent or work item, and recalled by
/// full-text search over the stores' own index. An agent reads tenant memory, its own, that of the projects it serves
/// (all projects when it serves none, as it claims from all) and that of the items it holds a run on; people read all
/// of the tenant's. Every recall is logged with what it returned; owners and admins read that log.
public sealed class MemoryService(BosunDb db, RequestContext context, TimeProvider clock)
{
    public const int MaxContent = 8000;
    public const int MaxRecall = 50;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<MemoryView> RememberAsync(RememberRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var problem = new ValidationProblem();
        var content = Check.Text(problem, "content", request.Content, MaxContent, required: true);
        var kind = EnumOf<MemoryKind>(problem, "kind", request.Kind, required: true);
        var scope = EnumOf<MemoryScope>(problem, "scope", request.Scope, required: false)
                    ?? (context.Actor.Type == ActorType.Agent ? MemoryScope.Agent : MemoryScope.Tenant);
        if (request.ExpiresAt is { } expires && expires.UtcDateTime <= Now)
        {
            problem.Add("expires_at", "must be in the future");
        }

        problem.ThrowIfAny();
        var reach = await ReachAsync(ct);
        var scopeId = scope == MemoryScope.Agent && request.ScopeId is not { Length: > 0 } && context.Actor.Type == ActorType.Agent
            ? context.Actor.Id
            : await ScopeIdAsync(scope, request.ScopeId, ct);
        if (!reach.Sees(scope, scopeId))
        {
            throw ProblemException.Invalid("scope_id", "is not memory you may write: an agent writes tenant memory, its own, and that of the projects it serves and the items it holds");
        }

        var run = await SourceRunAsync(scope, scopeId, ct);
        var unit = new MemoryUnit
        {
            Scope = scope,
            ScopeId = scopeId,
            Kind = kind!.Value,
            Content = content!,
            Source = context.Actor.Ref,
            SourceRunId = run?.Id,
            SourceWorkItemId = run?.WorkItemId,
            ExpiresAt = Check.Utc(request.ExpiresAt),
            CreatedAt = Now,
        };
        db.Set<MemoryUnit>().Add(unit);
        await db.SaveChangesAsync(ct);
        return MemoryView.From(unit);
    }

    /// The memory the caller may read, newest first; expired units stay out.
    public async Task<Page<MemoryView>> ListAsync(string? scope, string? scopeId, string? kind, PageRequest page, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        var scopeFilter = EnumOf<MemoryScope>(problem, "scope", scope, required: false);
        var kindFilter = EnumOf<MemoryKind>(problem, "kind", kind, required: false);
        if (scopeFilter is null && scopeId is { Length: > 0 })
        {
            problem.Add("scope_id", "needs a scope (project, agent or work_item)");
        }

        problem.ThrowIfAny();
        var id = scopeFilter is { } s && scopeId is { Length: > 0 } ? await ScopeIdAsync(s, scopeId, ct) : null;
        var query = Visible(await ReachAsync(ct)).Where(u => u.ExpiresAt == null || u.ExpiresAt > Now);
        if (scopeFilter is { } sf)
        {
            query = query.Where(u => u.Scope == sf);
        }

        if (id is not null)
        {
            query = query.Where(u => u.ScopeId == id);
        }

        if (kindFilter is { } k)
        {
            query = query.Where(u => u.Kind == k);
        }

        if (page.Cursor is { } cursor)
        {
            query = query.Where(u => string.Compare(u.Id, cursor) < 0);
        }

        return await query.OrderByDescending(u => u.Id).ToPageAsync(page, u => u.Id, MemoryView.From, ct);
    }

    public async Task<MemoryView> GetAsync(string id, CancellationToken ct) =>
        MemoryView.From(await Visible(await ReachAsync(ct)).FirstOrDefaultAsync(u => u.Id == id, ct) ?? throw ProblemException.NotFound("Memory"));

    /// People who plan work forget any unit; an agent forgets only what it wrote.
    public async Task ForgetAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var unit = await Visible(await ReachAsync(ct)).AsTracking().FirstOrDefaultAsync(u => u.Id == id, ct) ?? throw ProblemException.NotFound("Memory");
        if (context.Actor.Type == ActorType.Agent && unit.Source != context.Actor.Ref)
        {
            throw ProblemException.Forbidden("An agent forgets only the memory it wrote.");
        }

        db.Set<MemoryUnit>().Remove(unit);
        await db.SaveChangesAsync(ct);
    }

    /// The units whose content matches the query best, among those the caller may read and that have not expired;
    /// narrowed to one scope (and scope id) when given. Logged, with the units and their scores.
    public async Task<RecallResults> RecallAsync(RecallRequest request, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var problem = new ValidationProblem();
        var text = Check.Text(problem, "query", request.Query, SearchService.MaxQueryLength, required: true);
        var limit = Check.Range(problem, "limit", request.Limit, 1, MaxRecall) ?? 10;
        var scope = EnumOf<MemoryScope>(problem, "scope", request.Scope, required: false);
        if (scope is null && request.ScopeId is { Length: > 0 })
        {
            problem.Add("scope_id", "needs a scope (project, agent or work_item)");
        }

        problem.ThrowIfAny();
        var parsed = SearchQuery.Parse(text!);
        if (!parsed.HasTerms)
        {
            throw ProblemException.Invalid("query", "must contain a word to search for (a minus only leaves words out)");
        }

        var reach = await ReachAsync(ct);
        var scopeId = scope is { } sc && request.ScopeId is { Length: > 0 } ? await ScopeIdAsync(sc, request.ScopeId, ct) : null;
        if (scope is { } named && scopeId is not null && !reach.Sees(named, scopeId))
        {
            throw ProblemException.Invalid("scope_id", "is not memory you may read");
        }

        var results = await FindAsync(text!, parsed, reach, scope, scopeId, limit, ct);
        var took = (int)watch.ElapsedMilliseconds;
        var recall = new MemoryRecall
        {
            AskedBy = context.Actor.Ref,
            Query = text!,
            Scope = scope,
            ScopeId = scopeId,
            ResultsJson = JsonSerializer.Serialize(results.Select(r => new RecallScore(r.Id, r.Score)), LogJson),
            TookMs = took,
            At = Now,
        };
        db.Set<MemoryRecall>().Add(recall);
        await db.SaveChangesAsync(ct);
        return new RecallResults(recall.Id, text!, results, took);
    }

    /// Recalls, newest first, for the tenant's owners and admins.
    public async Task<Page<RecallLogView>> RecallsAsync(PageRequest page, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ReadAudit);
        var query = db.Set<MemoryRecall>().AsNoTracking().AsQueryable();
        if (page.Cursor is { } cursor)
        {
            query = query.Where(r => string.Compare(r.Id, cursor) < 0);
        }

        return await query.OrderByDescending(r => r.Id).ToPageAsync(page, r => r.Id, r => new RecallLogView(
            r.Id, r.AskedBy, r.Query, r.Scope, r.ScopeId, JsonSerializer.Deserialize<List<RecallScore>>(r.ResultsJson, LogJson) ?? [], r.TookMs, r.At), ct);
    }

    private static readonly JsonSerializerOptions LogJson = new(JsonSerializerDefaults.Web);

    /// Asks the index for a few times the units wanted, keeps those the caller may read, and asks once more for as many
    /// as the index ranks when too few were left.
    private async Task<List<RecalledMemory>> FindAsync(
        string text, SearchQuery parsed, Reach reach, MemoryScope? scope, string? scopeId, int limit, CancellationToken ct)
    {
        var projects = scope == MemoryScope.Project && scopeId is not null ? new[] { scopeId } : null;
        var searchScope = new SearchScope(context.RequireTenant(), [SearchService.MemoryKind], projects);
        var candidates = Math.Min(SearchStatements.RankedAmong, limit * 4);
        while (true)
        {
            var found = await SearchStatements.FindAsync(db, searchScope, text, parsed, candidates, ct);
            var ids = found.Select(f => f.SourceId).ToList();
            var units = await ReadableAsync(reach, ids, ct);
            var kept = found
                .Where(f => units.TryGetValue(f.SourceId, out var u) && (scope is null || u.Scope == scope) && (scopeId is null || u.ScopeId == scopeId))
                .Select(f => (Unit: units[f.SourceId], f.Score))
                .Take(limit)
                .Select(x => new RecalledMemory(x.Unit.Id, x.Unit.Scope, x.Unit.ScopeId, x.Unit.Kind, x.Unit.Content, x.Unit.Source,
                    x.Unit.ExpiresAt, x.Unit.CreatedAt, Math.Round(x.Score, 6)))
                .ToList();
            if (kept.Count >= limit || found.Count < candidates || candidates >= SearchStatements.RankedAmong)
            {
                return kept;
            }

            candidates = SearchStatements.RankedAmong;
        }
    }

    /// The units among these the caller may read and that have not expired, for search results.
    internal async Task<Dictionary<string, MemoryUnit>> ReadableAsync(IReadOnlyList<string> ids, CancellationToken ct) =>
        await ReadableAsync(await ReachAsync(ct), ids, ct);

    private async Task<Dictionary<string, MemoryUnit>> ReadableAsync(Reach reach, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var now = Now;
        return await Visible(reach).Where(u => ids.Contains(u.Id) && (u.ExpiresAt == null || u.ExpiresAt > now)).ToDictionaryAsync(u => u.Id, ct);
    }

    /// What memory the caller may read: everything for people and the system, a part for agents.
    internal sealed record Reach(string? AgentId, IReadOnlyList<string>? Projects, IReadOnlyList<string> Items)
    {
        public static readonly Reach All = new(null, null, []);

        public bool Everything => AgentId is null;

        public bool Sees(MemoryScope scope, string? scopeId) => Everything || scope switch
        {
            MemoryScope.Tenant => true,
            MemoryScope.Agent => scopeId == AgentId,
            MemoryScope.Project => Projects is null || Projects.Contains(scopeId!),
            _ => Items.Contains(scopeId!),
        };
    }

    internal async Task<Reach> ReachAsync(CancellationToken ct)
    {
        if (context.Actor.Type != ActorType.Agent)
        {
            return Reach.All;
        }

        var agentId = context.Actor.Id!;
        var projects = await db.AgentProjects.AsNoTracking().Where(p => p.AgentId == agentId).Select(p => p.ProjectId).ToListAsync(ct);
        var items = await db.Runs.AsNoTracking().Where(r => r.AgentId == agentId && r.Status == RunStatus.Active)
            .Select(r => r.WorkItemId).ToListAsync(ct);
        return new Reach(agentId, projects.Count == 0 ? null : projects, items);
    }

    internal IQueryable<MemoryUnit> Visible(Reach reach)
    {
        var units = db.Set<MemoryUnit>().AsNoTracking();
        if (reach.Everything)
        {
            return units;
        }

        var (agentId, items) = (reach.AgentId, reach.Items.ToList());
        if (reach.Projects is null)
        {
            return units.Where(u => u.Scope == MemoryScope.Tenant || u.Scope == MemoryScope.Project
                                    || (u.Scope == MemoryScope.Agent && u.ScopeId == agentId)
                                    || (u.Scope == MemoryScope.WorkItem && items.Contains(u.ScopeId!)));
        }

        var projects = reach.Projects.ToList();
        return units.Where(u => u.Scope == MemoryScope.Tenant
                                || (u.Scope == MemoryScope.Project && projects.Contains(u.ScopeId!))
                                || (u.Scope == MemoryScope.Agent && u.ScopeId == agentId)
                                || (u.Scope == MemoryScope.WorkItem && items.Contains(u.ScopeId!)));
    }

    /// The run an agent writes from: the one on the item the memory is for, else its latest active run.
    private async Task<Run?> SourceRunAsync(MemoryScope scope, string? scopeId, CancellationToken ct)
    {
        if (context.Actor.Type != ActorType.Agent)
        {
            return null;
        }

        var agentId = context.Actor.Id;
        var runs = await db.Runs.AsNoTracking().Where(r => r.AgentId == agentId && r.Status == RunStatus.Active)
            .OrderByDescending(r => r.StartedAt).ToListAsync(ct);
        return runs.FirstOrDefault(r => scope == MemoryScope.WorkItem && r.WorkItemId == scopeId) ?? runs.FirstOrDefault();
    }

    /// The id a scope's reference names in this tenant; a reference to another tenant's thing is no such thing.
    private async Task<string?> ScopeIdAsync(MemoryScope scope, string? reference, CancellationToken ct)
    {
        if (scope == MemoryScope.Tenant)
        {
            return reference is { Length: > 0 } ? throw ProblemException.Invalid("scope_id", "must be left out for tenant memory") : null;
        }

        if (reference is not { Length: > 0 } given)
        {
            throw ProblemException.Invalid("scope_id", $"is required for {scope.Snake()} memory");
        }

        given = given.Trim();
        var key = given.ToUpperInvariant();
        var id = scope switch
        {
            MemoryScope.Project => await db.ProjectIdOfAsync(given, ct),
            MemoryScope.Agent => await db.Agents.Where(a => a.Id == given || a.Name == given).Select(a => a.Id).FirstOrDefaultAsync(ct),
            _ => await db.WorkItems.Where(w => w.Id == given || w.Key == key).Select(w => w.Id).FirstOrDefaultAsync(ct),
        };
        return id ?? throw ProblemException.Invalid("scope_id", $"no such {scope.Snake().Replace('_', ' ')}");
    }

    private static TEnum? EnumOf<TEnum>(ValidationProblem problem, string field, string? value, bool required) where TEnum : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                problem.Add(field, $"is required: one of {string.Join(", ", EnumNames<TEnum>.All)}");
            }

            return null;
        }

        if (EnumNames<TEnum>.TryParse(value.Trim(), out var parsed))
        {
            return parsed;
        }

        problem.Add(field, $"must be one of: {string.Join(", ", EnumNames<TEnum>.All)}");
        return null;
    }
}
