using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Knowledge;

public sealed record SkillRequest(string? Name, string? Description, string? Content);

/// Exactly one of the two: an agent (name or id), or a role every agent of which gets the skill.
public sealed record SkillAttachRequest(string? Agent, string? Role);

public sealed record SkillAttachmentView(string Id, SkillTarget Target, string? AgentId, string? AgentName, string? Role, DateTime CreatedAt);

public sealed record SkillView(
    string Id, string Name, string? Description, bool Global, int Version, int CurrentVersion, string Content,
    IReadOnlyList<SkillAttachmentView> Attachments, string? CreatedBy, DateTime? CreatedAt, DateTime? UpdatedAt);

public sealed record SkillVersionView(int Version, string Content, string? CreatedBy, DateTime? CreatedAt);

/// A skill an agent gets, and how: "agent" (attached to it) or "role:NAME".
public sealed record AgentSkill(string Id, string Name, string? Description, int Version, string Content, IReadOnlyList<string> Via);

/// Skills: named Markdown instructions, global (shipped) or the tenant's own, attached to agents or roles. Owners and
/// admins write and attach them; everyone in the tenant reads them. An edit of the content makes a new version.
public sealed class SkillService(BosunDb db, RequestContext context, TimeProvider clock)
{
    public const int MaxName = 63;
    public const int MaxContent = 100_000;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<IReadOnlyList<SkillView>> ListAsync(CancellationToken ct)
    {
        var skills = await db.Set<Skill>().AsNoTracking().OrderBy(s => s.Name).ToListAsync(ct);
        var ids = skills.Select(s => s.Id).ToList();
        var contents = await db.Set<SkillVersion>().AsNoTracking()
            .Where(v => ids.Contains(v.SkillId))
            .Join(db.Set<Skill>(), v => new { v.SkillId, v.Version }, s => new { SkillId = s.Id, Version = s.CurrentVersion }, (v, _) => v)
            .ToDictionaryAsync(v => v.SkillId, v => v.Content, ct);
        var attachments = await AttachmentsAsync(null, ct);
        return GlobalSkills.All.Select(g => GlobalView(g, attachments))
            .Concat(skills.Select(s => View(s, s.CurrentVersion, contents.GetValueOrDefault(s.Id, ""), attachments)))
            .ToList();
    }

    /// A skill by id or name; <paramref name="version"/> reads an older version of a tenant skill.
    public async Task<SkillView> GetAsync(string id, int? version, CancellationToken ct)
    {
        if (GlobalSkills.Find(id) is { } global)
        {
            if (version is { } v && v != global.Version)
            {
                throw ProblemException.Invalid("version", $"a global skill has only its shipped version {global.Version}");
            }

            return GlobalView(global, await AttachmentsAsync(global.Id, ct));
        }

        var skill = await FindAsync(id, ct);
        var wanted = version ?? skill.CurrentVersion;
        var row = await db.Set<SkillVersion>().AsNoTracking().FirstOrDefaultAsync(x => x.SkillId == skill.Id && x.Version == wanted, ct)
                  ?? throw ProblemException.Invalid("version", $"must be between 1 and {skill.CurrentVersion}");
        return View(skill, wanted, row.Content, await AttachmentsAsync(skill.Id, ct));
    }

    public async Task<IReadOnlyList<SkillVersionView>> VersionsAsync(string id, CancellationToken ct)
    {
        if (GlobalSkills.Find(id) is { } global)
        {
            return [new SkillVersionView(global.Version, global.Content, null, null)];
        }

        var skill = await FindAsync(id, ct);
        return await db.Set<SkillVersion>().AsNoTracking().Where(v => v.SkillId == skill.Id).OrderByDescending(v => v.Version)
            .Select(v => new SkillVersionView(v.Version, v.Content, v.CreatedBy, v.CreatedAt)).ToListAsync(ct);
    }

    public async Task<SkillView> CreateAsync(SkillRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageAgents);
        var problem = new ValidationProblem();
        var name = Check.Slug(problem, "name", request.Name);
        var description = Check.Text(problem, "description", request.Description, 2000);
        var content = Check.Text(problem, "content", request.Content, MaxContent, required: true);
        if (name is not null && GlobalSkills.Find(name) is not null)
        {
            problem.Add("name", "is the name of a global skill");
        }

        problem.ThrowIfAny();
        if (await db.Set<Skill>().AnyAsync(s => s.Name == name, ct))
        {
            throw ProblemException.Conflict($"A skill named {name} exists already; change it with PATCH to make a new version.");
        }

        var skill = new Skill { Name = name!, Description = description, CreatedBy = context.Actor.Ref };
        db.Set<Skill>().Add(skill);
        db.Set<SkillVersion>().Add(new SkillVersion { SkillId = skill.Id, Version = 1, Content = content!, CreatedBy = context.Actor.Ref, CreatedAt = Now });
        await db.SaveChangesAsync(ct);
        return View(skill, 1, content!, []);
    }

    /// A new name or description changes the skill; new content makes version N+1, the older ones stay readable.
    public async Task<SkillView> UpdateAsync(string id, SkillRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageAgents);
        RefuseGlobal(id, "changed");
        var skill = await FindAsync(id, ct, tracked: true);
        var problem = new ValidationProblem();
        var name = request.Name is null ? null : Check.Slug(problem, "name", request.Name);
        var description = Check.Text(problem, "description", request.Description, 2000);
        var content = Check.Text(problem, "content", request.Content, MaxContent);
        if (name is not null && GlobalSkills.Find(name) is not null)
        {
            problem.Add("name", "is the name of a global skill");
        }

        problem.ThrowIfAny();
        if (name is not null && name != skill.Name && await db.Set<Skill>().AnyAsync(s => s.Name == name, ct))
        {
            throw ProblemException.Conflict($"A skill named {name} exists already.");
        }

        skill.Name = name ?? skill.Name;
        skill.Description = request.Description is null ? skill.Description : description;
        var current = await db.Set<SkillVersion>().AsNoTracking().Where(v => v.SkillId == skill.Id && v.Version == skill.CurrentVersion)
            .Select(v => v.Content).FirstAsync(ct);
        if (content is not null && content != current)
        {
            skill.CurrentVersion++;
            db.Set<SkillVersion>().Add(new SkillVersion
            {
                SkillId = skill.Id, Version = skill.CurrentVersion, Content = content, CreatedBy = context.Actor.Ref, CreatedAt = Now,
            });
            current = content;
        }

        await db.SaveChangesAsync(ct);
        return View(skill, skill.CurrentVersion, current, await AttachmentsAsync(skill.Id, ct));
    }

    public async Task DeleteAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageAgents);
        RefuseGlobal(id, "deleted");
        var skill = await FindAsync(id, ct, tracked: true);
        db.Set<SkillAttachment>().RemoveRange(await db.Set<SkillAttachment>().Where(a => a.SkillId == skill.Id).ToListAsync(ct));
        await db.Set<SkillVersion>().Where(v => v.SkillId == skill.Id).ExecuteDeleteAsync(ct);
        db.Set<Skill>().Remove(skill);
        await db.SaveChangesAsync(ct);
    }

    /// Attaching twice is the same as once.
    public async Task<SkillAttachmentView> AttachAsync(string id, SkillAttachRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageAgents);
        var skillId = await SkillIdAsync(id, ct);
        var (target, value, agentName) = await TargetAsync(request, ct);
        var existing = await db.Set<SkillAttachment>().AsNoTracking()
            .FirstOrDefaultAsync(a => a.SkillId == skillId && a.Target == target && a.TargetValue == value, ct);
        if (existing is not null)
        {
            return AttachmentView(existing, agentName);
        }

        var attachment = new SkillAttachment { SkillId = skillId, Target = target, TargetValue = value, CreatedBy = context.Actor.Ref, CreatedAt = Now };
        db.Set<SkillAttachment>().Add(attachment);
        await db.SaveChangesAsync(ct);
        return AttachmentView(attachment, agentName);
    }

    public async Task DetachAsync(string id, SkillAttachRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageAgents);
        var skillId = await SkillIdAsync(id, ct);
        var (target, value, _) = await TargetAsync(request, ct);
        var attachment = await db.Set<SkillAttachment>().FirstOrDefaultAsync(a => a.SkillId == skillId && a.Target == target && a.TargetValue == value, ct)
                         ?? throw ProblemException.NotFound("Attachment");
        db.Set<SkillAttachment>().Remove(attachment);
        await db.SaveChangesAsync(ct);
    }

    /// The skills an agent gets: those attached to it and to its role, each once, with the current content. Context
    /// assembly and MCP get_skills both read them here.
    public async Task<IReadOnlyList<AgentSkill>> ForAgentAsync(string agentId, CancellationToken ct)
    {
        var role = await db.Agents.AsNoTracking().Where(a => a.Id == agentId).Select(a => a.Role).FirstOrDefaultAsync(ct)
                   ?? throw ProblemException.NotFound("Agent");
        var attachments = await db.Set<SkillAttachment>().AsNoTracking()
            .Where(a => (a.Target == SkillTarget.Agent && a.TargetValue == agentId) || (a.Target == SkillTarget.Role && a.TargetValue == role))
            .ToListAsync(ct);
        var via = attachments.GroupBy(a => a.SkillId)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(a => a.Target == SkillTarget.Agent ? "agent" : "role:" + a.TargetValue).Order().ToList());
        var tenantIds = via.Keys.Where(k => !GlobalSkills.IsGlobal(k)).ToList();
        var tenantSkills = await db.Set<Skill>().AsNoTracking().Where(s => tenantIds.Contains(s.Id))
            .Join(db.Set<SkillVersion>(), s => new { SkillId = s.Id, Version = s.CurrentVersion }, v => new { v.SkillId, v.Version },
                (s, v) => new AgentSkill(s.Id, s.Name, s.Description, s.CurrentVersion, v.Content, new List<string>()))
            .ToListAsync(ct);
        var globals = via.Keys.Select(GlobalSkills.Find).OfType<GlobalSkill>()
            .Select(g => new AgentSkill(g.Id, g.Name, g.Description, g.Version, g.Content, []));
        return globals.Concat(tenantSkills).Select(s => s with { Via = via[s.Id] }).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
    }

    private async Task<(SkillTarget Target, string Value, string? AgentName)> TargetAsync(SkillAttachRequest request, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        var agent = Check.Text(problem, "agent", request.Agent, 200);
        var role = Check.Text(problem, "role", request.Role, 100);
        if ((agent is null) == (role is null))
        {
            problem.Add("agent", "give exactly one of agent (name or id) or role");
        }

        problem.ThrowIfAny();
        if (role is not null)
        {
            return (SkillTarget.Role, role, null);
        }

        var found = await db.Agents.AsNoTracking().Where(a => a.Id == agent || a.Name == agent).Select(a => new { a.Id, a.Name }).FirstOrDefaultAsync(ct)
                    ?? throw ProblemException.Invalid("agent", "no such agent");
        return (SkillTarget.Agent, found.Id, found.Name);
    }

    private async Task<string> SkillIdAsync(string id, CancellationToken ct) =>
        GlobalSkills.Find(id)?.Id ?? (await FindAsync(id, ct)).Id;

    private async Task<Skill> FindAsync(string id, CancellationToken ct, bool tracked = false)
    {
        var skills = tracked ? db.Set<Skill>() : db.Set<Skill>().AsNoTracking();
        return await skills.FirstOrDefaultAsync(s => s.Id == id || s.Name == id, ct) ?? throw ProblemException.NotFound("Skill");
    }

    private static void RefuseGlobal(string id, string what)
    {
        if (GlobalSkills.Find(id) is not null)
        {
            throw ProblemException.Conflict($"Global skills ship with Bosun and are not {what} by tenants: create a skill of your own instead.", "/problems/global-skill");
        }
    }

    private async Task<Dictionary<string, List<SkillAttachmentView>>> AttachmentsAsync(string? skillId, CancellationToken ct)
    {
        var query = db.Set<SkillAttachment>().AsNoTracking();
        if (skillId is not null)
        {
            query = query.Where(a => a.SkillId == skillId);
        }

        var rows = await query.OrderBy(a => a.Id).ToListAsync(ct);
        var agentIds = rows.Where(a => a.Target == SkillTarget.Agent).Select(a => a.TargetValue).Distinct().ToList();
        var names = agentIds.Count == 0 ? [] : await db.Agents.AsNoTracking().Where(a => agentIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, a => a.Name, ct);
        return rows.GroupBy(a => a.SkillId).ToDictionary(g => g.Key, g => g.Select(a => AttachmentView(a, names.GetValueOrDefault(a.TargetValue))).ToList());
    }

    private static SkillAttachmentView AttachmentView(SkillAttachment a, string? agentName) => a.Target == SkillTarget.Agent
        ? new SkillAttachmentView(a.Id, a.Target, a.TargetValue, agentName, null, a.CreatedAt)
        : new SkillAttachmentView(a.Id, a.Target, null, null, a.TargetValue, a.CreatedAt);

    private static SkillView GlobalView(GlobalSkill g, Dictionary<string, List<SkillAttachmentView>> attachments) =>
        new(g.Id, g.Name, g.Description, true, g.Version, g.Version, g.Content, attachments.GetValueOrDefault(g.Id) ?? [], null, null, null);

    private static SkillView View(Skill s, int version, string content, Dictionary<string, List<SkillAttachmentView>> attachments) =>
        new(s.Id, s.Name, s.Description, false, version, s.CurrentVersion, content, attachments.GetValueOrDefault(s.Id) ?? [], s.CreatedBy,
            s.CreatedAt, s.UpdatedAt);
}
