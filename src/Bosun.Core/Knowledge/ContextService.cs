using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Knowledge;

public sealed record ContextProfileRequest(
    string? Name = null, string? Agent = null, string? Role = null, string? ItemType = null, int? MaxTokens = null, int? ReservedTokens = null,
    Dictionary<string, int>? Priorities = null, string? Encoding = null);

public sealed record ContextProfileView(
    string Id, string Name, string? AgentId, string? Role, string? ItemType, int MaxTokens, int ReservedTokens,
    IReadOnlyDictionary<string, int> Priorities, string Encoding, DateTime CreatedAt, DateTime UpdatedAt);

public sealed record AssembleRequest(string? WorkItem = null, string? Profile = null, int? MaxTokens = null, string? Encoding = null);

/// One piece of the bundle: what it is (section, and for an artifact its type/key and version), its text and its tokens.
public sealed record ContextPart(string Section, string Ref, string Title, int Priority, int Tokens, string Content);

/// A piece that did not fit, and why (budget_exceeded).
public sealed record LeftOutPart(string Section, string Ref, string Title, int Priority, int Tokens, string Reason);

public sealed record ContextBundle(
    string RequestId, string WorkItemId, string WorkItemKey, string? Profile, string Encoding, int MaxTokens, int ReservedTokens,
    int TotalTokens, bool BudgetExceeded, bool CacheHit, IReadOnlyList<ContextPart> Parts, IReadOnlyList<LeftOutPart> LeftOut);

public sealed record ContextRequestView(
    string Id, string WorkItemId, string? ProfileId, string RequestedBy, int MaxTokens, int TotalTokens, int Parts, int ArtifactsResolved,
    int LeftOut, bool BudgetExceeded, bool CacheHit, int TookMs, DateTime CreatedAt);

/// Context assembled under a token budget (seed 001): the item, where it sits, what it depends on, its knowledge items,
/// its linked artifacts and what they depend on, highest priority first, each counted in tokens and left out when it
/// does not fit. Identical inputs are answered from the last bundle made of them, and every request is logged.
public sealed class ContextService(
    BosunDb db, RequestContext context, TimeProvider clock, WorkItemService workItems, SkillService skills, MemoryService memory)
{
    public const int NameLength = 100;
    public const int DefaultMaxTokens = 8000;
    public const int MaxBudget = 2_000_000;

    /// Higher goes first. The item itself always goes in; sections and artifact types are overridden by a profile.
    public static readonly IReadOnlyDictionary<string, int> DefaultPriorities = new Dictionary<string, int>
    {
        ["parent"] = 90, ["goal"] = 85, ["dependency"] = 80, ["knowledge"] = 75, ["skill"] = 72,
        ["spec"] = 70, ["schema"] = 65, ["plan"] = 60, ["code"] = 55, ["test"] = 50, ["doc"] = 45, ["research"] = 40,
        ["artifact"] = 35, ["memory"] = 30,
    };

    /// An artifact reached only through another artifact's dependencies comes this much after its type.
    public const int ClosurePenalty = 10;

    private const int ItemPriority = 1000;

    /// How many memory units, best first, an assembly considers.
    private const int MemoryParts = 5;

    private sealed record Candidate(string Section, string Ref, string Title, int Priority, string Content, bool IsArtifact = false);

    public async Task<ContextBundle> AssembleAsync(AssembleRequest request, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var problem = new ValidationProblem();
        Check.Range(problem, "max_tokens", request.MaxTokens, 1, MaxBudget);
        if (request.Encoding is not null && !TokenCounter.IsKnown(request.Encoding))
        {
            problem.Add("encoding", $"must be one of {string.Join(", ", TokenCounter.Encodings)}");
        }

        if (request.WorkItem is not { Length: > 0 })
        {
            problem.Add("work_item", "is required");
        }

        problem.ThrowIfAny();
        var item = await workItems.FindAsync(request.WorkItem!, ct);
        var profile = await ProfileForAsync(request, item, ct);
        var max = request.MaxTokens ?? profile?.MaxTokens ?? DefaultMaxTokens;
        var reserved = request.MaxTokens is null ? profile?.ReservedTokens ?? 0 : 0;
        var encoding = request.Encoding ?? profile?.Encoding ?? TokenCounter.Default;
        var priorities = new Dictionary<string, int>(DefaultPriorities);
        foreach (var (key, value) in Priorities(profile))
        {
            priorities[key] = value;
        }

        var candidates = await CandidatesAsync(item, priorities, ct);
        var inputs = InputsHash(max, reserved, encoding, candidates);
        var cached = await db.Set<ContextRequest>().AsNoTracking()
            .Where(r => r.WorkItemId == item.Id && r.InputsHash == inputs && r.BundleJson != null)
            .OrderByDescending(r => r.Id).FirstOrDefaultAsync(ct);
        var log = new ContextRequest
        {
            WorkItemId = item.Id, ProfileId = profile?.Id, RequestedBy = context.Actor.Ref, InputsHash = inputs, MaxTokens = max,
            ArtifactsResolved = candidates.Count(c => c.IsArtifact), CreatedAt = clock.GetUtcNow().UtcDateTime,
        };

        ContextBundle bundle;
        if (cached is not null)
        {
            bundle = JsonSerializer.Deserialize<ContextBundle>(cached.BundleJson!)! with { RequestId = log.Id, CacheHit = true };
            log.CacheHit = true;
            log.CachedFromId = cached.Id;
        }
        else
        {
            bundle = Fit(log.Id, item, profile?.Name, encoding, max, reserved, candidates);
            log.BundleJson = JsonSerializer.Serialize(bundle);
        }

        log.TotalTokens = bundle.TotalTokens;
        log.Parts = bundle.Parts.Count;
        log.LeftOut = bundle.LeftOut.Count;
        log.BudgetExceeded = bundle.BudgetExceeded;
        log.TookMs = (int)watch.ElapsedMilliseconds;
        db.Add(log);
        await db.SaveChangesAsync(ct);
        return bundle;
    }

    /// The profile that applies to a claim by the current agent, if any: the cheap question a claim asks first.
    internal async Task<bool> AgentHasProfileAsync(IReadOnlyList<string> itemTypes, CancellationToken ct)
    {
        if (context.Actor.Type != ActorType.Agent)
        {
            return false;
        }

        var (agent, role) = (context.Actor.Id, context.AgentRole);
        return await db.Set<ContextProfile>().AnyAsync(p => p.AgentId == agent || (p.AgentId == null && p.Role == role)
                                                             || (p.AgentId == null && p.Role == null && p.ItemType != null && itemTypes.Contains(p.ItemType)), ct);
    }

    /// In priority order, each part that still fits goes in; one that does not is left out and the next one tried, so a
    /// small lower-priority part can use what a large one could not. The item always goes in.
    private static ContextBundle Fit(string requestId, WorkItem item, string? profile, string encoding, int max, int reserved, List<Candidate> candidates)
    {
        var room = Math.Max(0, max - reserved);
        var parts = new List<ContextPart>();
        var left = new List<LeftOutPart>();
        var used = 0;
        foreach (var c in candidates.OrderByDescending(c => c.Priority))
        {
            var tokens = TokenCounter.Count(c.Content, encoding);
            if (c.Section == "item" || used + tokens <= room)
            {
                parts.Add(new ContextPart(c.Section, c.Ref, c.Title, c.Priority, tokens, c.Content));
                used += tokens;
            }
            else
            {
                left.Add(new LeftOutPart(c.Section, c.Ref, c.Title, c.Priority, tokens, "budget_exceeded"));
            }
        }

        return new ContextBundle(requestId, item.Id, item.Key, profile, encoding, max, reserved, used, left.Count > 0 || used > room, false, parts, left);
    }

    private async Task<List<Candidate>> CandidatesAsync(WorkItem item, Dictionary<string, int> priorities, CancellationToken ct)
    {
        var list = new List<Candidate>
        {
            new("item", item.Key, item.Title, ItemPriority,
                Join($"# {item.Key} {item.Title}", item.Description, item.InputJson is null ? null : $"Input: {item.InputJson}", item.RevisionNotes is null ? null : $"Revision notes: {item.RevisionNotes}")),
        };
        if (item.ParentId is not null && await db.WorkItems.AsNoTracking().FirstOrDefaultAsync(w => w.Id == item.ParentId, ct) is { } parent)
        {
            list.Add(new("parent", parent.Key, parent.Title, priorities["parent"], Join($"Parent {parent.Key}: {parent.Title}", parent.Description)));
        }

        if (item.GoalId is not null && await db.Goals.AsNoTracking().FirstOrDefaultAsync(g => g.Id == item.GoalId, ct) is { } goal)
        {
            list.Add(new("goal", goal.Id, goal.Title, priorities["goal"], Join($"Goal: {goal.Title}", goal.Description,
                goal.MetricName is null ? null : $"{goal.MetricName}: {goal.CurrentValue ?? goal.Baseline} of {goal.Target}")));
        }

        var dependencies = await (from d in db.WorkItemDependencies
                                  join w in db.WorkItems on d.DependsOnId equals w.Id
                                  where d.WorkItemId == item.Id
                                  orderby w.Id
                                  select new { w.Key, w.Title, w.Status, w.OutputJson }).AsNoTracking().ToListAsync(ct);
        list.AddRange(dependencies.Select(d => new Candidate("dependency", d.Key, d.Title, priorities["dependency"],
            Join($"Depends on {d.Key} {d.Title} ({d.Status.ToString().ToLowerInvariant()})", d.OutputJson is null ? null : $"Output: {d.OutputJson}"))));

        var knowledge = await db.Set<KnowledgeItem>().AsNoTracking().Where(k => k.WorkItemId == item.Id).OrderBy(k => k.Id).ToListAsync(ct);
        list.AddRange(knowledge.Select(k => new Candidate("knowledge", k.Id, k.Kind.ToString().ToLowerInvariant(), priorities["knowledge"],
            Join($"{k.Kind}: {k.Text}", k.Answer is null ? null : $"Answer: {k.Answer}"))));

        // Linked artifacts, then what they depend on, transitively, each once.
        var linked = await db.Set<WorkItemArtifact>().AsNoTracking().Where(l => l.WorkItemId == item.Id).OrderBy(l => l.ArtifactId).Select(l => l.ArtifactId).ToListAsync(ct);
        var seen = new HashSet<string>(linked);
        var closure = new List<string>();
        for (var frontier = linked; frontier.Count > 0;)
        {
            var next = await db.Set<ArtifactDependency>().AsNoTracking().Where(d => frontier.Contains(d.ArtifactId)).OrderBy(d => d.DependsOnId).Select(d => d.DependsOnId).ToListAsync(ct);
            frontier = next.Where(seen.Add).Distinct().ToList();
            closure.AddRange(frontier);
        }

        var artifactIds = linked.Concat(closure).ToList();
        var artifacts = await db.Set<Artifact>().AsNoTracking().Where(a => artifactIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, ct);
        foreach (var id in artifactIds.Where(artifacts.ContainsKey))
        {
            var a = artifacts[id];
            var priority = priorities.GetValueOrDefault(a.Type, priorities["artifact"]) - (linked.Contains(id) ? 0 : ClosurePenalty);
            list.Add(new("artifact", $"{a.Type}/{a.Key} v{a.Version}", a.Title, priority,
                Join($"{a.Type}/{a.Key} v{a.Version}: {a.Title}", a.Content ?? a.Uri ?? a.IntegrationRef), IsArtifact: true));
        }

        // The skills of the agent that asks (or, for a person asking, of the item's assignee), and the memory that matches
        // any word of the item's title, as recall finds it (and logs it).
        var agentId = context.Actor.Type == ActorType.Agent ? context.Actor.Id : item.AssigneeAgentId;
        if (agentId is not null)
        {
            list.AddRange((await skills.ForAgentAsync(agentId, ct)).Select(k => new Candidate("skill", $"{k.Name} v{k.Version}", k.Name, priorities["skill"], k.Content)));
        }

        var words = SearchQuery.Parse(item.Title).Groups.SelectMany(g => g).Where(t => !t.Phrase).Select(t => t.Text).Distinct().Take(8).ToList();
        if (words.Count > 0)
        {
            var recalled = await memory.RecallAsync(new RecallRequest(string.Join(" OR ", words), Limit: MemoryParts), ct);
            list.AddRange(recalled.Results.Select(m => new Candidate("memory", m.Id, m.Kind.ToString().ToLowerInvariant(), priorities["memory"],
                $"{m.Kind} ({m.Scope.ToString().ToLowerInvariant()} memory): {m.Content}")));
        }

        return list;
    }

    private static string Join(params string?[] lines) => string.Join("\n\n", lines.Where(l => !string.IsNullOrWhiteSpace(l)));

    /// Equal inputs make an equal bundle: the budget, the encoding and each part's place and content hash.
    private static string InputsHash(int max, int reserved, string encoding, List<Candidate> candidates)
    {
        var text = new StringBuilder($"{max}\n{reserved}\n{encoding}\n");
        foreach (var c in candidates)
        {
            text.Append(c.Section).Append('\t').Append(c.Ref).Append('\t').Append(c.Priority).Append('\t')
                .Append(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(c.Content)))).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private async Task<ContextProfile?> ProfileForAsync(AssembleRequest request, WorkItem item, CancellationToken ct)
    {
        var profiles = db.Set<ContextProfile>().AsNoTracking();
        if (request.Profile is { Length: > 0 } named)
        {
            return await profiles.FirstOrDefaultAsync(p => p.Id == named || p.Name == named, ct)
                   ?? throw ProblemException.Invalid("profile", "no such context profile");
        }

        if (request.MaxTokens is not null)
        {
            return null;
        }

        // The most specific profile applies: the agent's own, then its role's, then the item type's.
        var (agent, role) = context.Actor.Type == ActorType.Agent ? (context.Actor.Id, context.AgentRole) : (null, null);
        var applicable = await profiles.Where(p => (agent != null && p.AgentId == agent) || (role != null && p.AgentId == null && p.Role == role)
                                                   || (p.AgentId == null && p.Role == null && p.ItemType == item.Type)).ToListAsync(ct);
        return applicable.OrderBy(p => p.AgentId is not null ? 0 : p.Role is not null ? 1 : 2).ThenBy(p => p.Id).FirstOrDefault();
    }

    private static IReadOnlyDictionary<string, int> Priorities(ContextProfile? profile) =>
        profile?.PrioritiesJson is { } json ? JsonSerializer.Deserialize<Dictionary<string, int>>(json) ?? [] : new Dictionary<string, int>();

    public async Task<Page<ContextRequestView>> RequestsAsync(string? workItem, PageRequest page, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageTenant);
        var query = db.Set<ContextRequest>().AsNoTracking();
        if (workItem is { Length: > 0 })
        {
            var id = (await workItems.FindAsync(workItem, ct)).Id;
            query = query.Where(r => r.WorkItemId == id);
        }

        if (page.Cursor is { } cursor)
        {
            query = query.Where(r => string.Compare(r.Id, cursor) < 0);
        }

        return await query.OrderByDescending(r => r.Id).ToPageAsync(page, r => r.Id, r => new ContextRequestView(
            r.Id, r.WorkItemId, r.ProfileId, r.RequestedBy, r.MaxTokens, r.TotalTokens, r.Parts, r.ArtifactsResolved, r.LeftOut, r.BudgetExceeded,
            r.CacheHit, r.TookMs, r.CreatedAt), ct);
    }

    public async Task<IReadOnlyList<ContextProfileView>> ProfilesAsync(CancellationToken ct) =>
        (await db.Set<ContextProfile>().AsNoTracking().OrderBy(p => p.Name).ToListAsync(ct)).Select(View).ToList();

    public async Task<ContextProfileView> GetProfileAsync(string id, CancellationToken ct) => View(await FindProfileAsync(id, ct, tracked: false));

    public async Task<ContextProfileView> CreateProfileAsync(ContextProfileRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageAgents);
        var profile = new ContextProfile { Name = "", Encoding = TokenCounter.Default, MaxTokens = DefaultMaxTokens };
        await ApplyAsync(profile, request, creating: true, ct);
        db.Add(profile);
        await SaveAsync(ct);
        return View(profile);
    }

    public async Task<ContextProfileView> UpdateProfileAsync(string id, ContextProfileRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageAgents);
        var profile = await FindProfileAsync(id, ct, tracked: true);
        await ApplyAsync(profile, request, creating: false, ct);
        await SaveAsync(ct);
        return View(profile);
    }

    public async Task DeleteProfileAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageAgents);
        db.Remove(await FindProfileAsync(id, ct, tracked: true));
        await db.SaveChangesAsync(ct);
    }

    private async Task SaveAsync(CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex))
        {
            throw ProblemException.Invalid("name", "another context profile has this name");
        }
    }

    private async Task ApplyAsync(ContextProfile profile, ContextProfileRequest request, bool creating, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        profile.Name = Check.Text(problem, "name", request.Name, NameLength, required: creating) ?? profile.Name;
        profile.MaxTokens = Check.Range(problem, "max_tokens", request.MaxTokens, 1, MaxBudget) ?? profile.MaxTokens;
        profile.ReservedTokens = Check.Range(problem, "reserved_tokens", request.ReservedTokens, 0, MaxBudget) ?? profile.ReservedTokens;
        if (profile.ReservedTokens >= profile.MaxTokens)
        {
            problem.Add("reserved_tokens", "must be less than max_tokens");
        }

        if (request.Encoding is not null)
        {
            if (TokenCounter.IsKnown(request.Encoding))
            {
                profile.Encoding = request.Encoding;
            }
            else
            {
                problem.Add("encoding", $"must be one of {string.Join(", ", TokenCounter.Encodings)}");
            }
        }

        if (request.Priorities is { } priorities)
        {
            var bad = priorities.Keys.Where(k => k.Length is 0 or > 40 || !k.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-')).ToList();
            if (bad.Count > 0)
            {
                problem.Add("priorities", $"keys are sections ({string.Join(", ", DefaultPriorities.Keys)}) or artifact types in lower case; not {string.Join(", ", bad)}");
            }
            else
            {
                profile.PrioritiesJson = JsonSerializer.Serialize(priorities);
            }
        }

        profile.Role = request.Role is null ? profile.Role : Check.Text(problem, "role", request.Role, 100) is { Length: > 0 } r ? r : null;
        profile.ItemType = request.ItemType is null ? profile.ItemType : Check.Text(problem, "item_type", request.ItemType, 100) is { Length: > 0 } t ? t : null;
        if (request.Agent is { } agentRef)
        {
            var agentId = agentRef.Length == 0 ? null
                : await db.Agents.AsNoTracking().Where(a => a.Id == agentRef || a.Name == agentRef).Select(a => a.Id).FirstOrDefaultAsync(ct);
            if (agentRef.Length > 0 && agentId is null)
            {
                problem.Add("agent", "no such agent");
            }

            profile.AgentId = agentId;
        }

        if ((profile.AgentId is null ? 0 : 1) + (profile.Role is null ? 0 : 1) + (profile.ItemType is null ? 0 : 1) > 1)
        {
            problem.Add(profile.ItemType is not null ? "item_type" : "role", "a profile applies to one agent, one role or one item type, not several");
        }

        problem.ThrowIfAny();
        profile.UpdatedAt = clock.GetUtcNow().UtcDateTime;
    }

    private async Task<ContextProfile> FindProfileAsync(string id, CancellationToken ct, bool tracked)
    {
        var query = tracked ? db.Set<ContextProfile>() : db.Set<ContextProfile>().AsNoTracking();
        return await query.FirstOrDefaultAsync(p => p.Id == id || p.Name == id, ct) ?? throw ProblemException.NotFound("Context profile");
    }

    private static ContextProfileView View(ContextProfile p) => new(p.Id, p.Name, p.AgentId, p.Role, p.ItemType, p.MaxTokens, p.ReservedTokens,
        Priorities(p), p.Encoding, p.CreatedAt, p.UpdatedAt);
}
