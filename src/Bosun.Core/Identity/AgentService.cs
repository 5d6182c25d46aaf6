using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Identity;

public sealed record AgentRequest(
    string? Name, string? Role, string? Adapter, string? Model, string? Description,
    int? MaxConcurrentRuns, int? RunTimeoutSeconds, decimal? MaxCostPerWorkItemUsd, bool? ClearMaxCostPerWorkItem,
    int? FailuresBeforeEscalation, bool? Enabled, IReadOnlyList<string>? ProjectIds, System.Text.Json.JsonElement? Attributes = null);

public sealed record AgentFilter(string? Role, bool? Enabled);

public sealed class AgentService(BosunDb db, RequestContext context, TimeProvider clock)
{
    public static readonly IReadOnlyList<string> KnownAdapters = ["claude", "openai", "ollama", "gemini", "http", "cli", "mcp", "custom"];

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<Page<AgentView>> ListAsync(AgentFilter filter, PageRequest page, CancellationToken ct)
    {
        var query = db.Agents.AsNoTracking().AsQueryable();
        if (filter.Role is { } role)
        {
            query = query.Where(a => a.Role == role);
        }

        if (filter.Enabled is { } enabled)
        {
            query = query.Where(a => a.Enabled == enabled);
        }

        if (page.Cursor is { } cursor)
        {
            query = query.Where(a => string.Compare(a.Id, cursor) > 0);
        }

        var rows = await query.OrderBy(a => a.Id).ToPageAsync(page, a => a.Id, a => a, ct);
        var projects = await ProjectsOfAsync(rows.Items.Select(a => a.Id).ToList(), ct);
        return new Page<AgentView>(rows.Items.Select(a => AgentView.From(a, projects[a.Id], Now)).ToList(), rows.NextCursor);
    }

    public async Task<AgentView> GetAsync(string id, CancellationToken ct)
    {
        var agent = await FindAsync(id, ct);
        return AgentView.From(agent, (await ProjectsOfAsync([agent.Id], ct))[agent.Id], Now);
    }

    public async Task<AgentView> CreateAsync(AgentRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageAgents);
        var problem = new ValidationProblem();
        var name = Check.Text(problem, "name", request.Name, 100, required: true);
        var role = Check.Text(problem, "role", request.Role, 100, required: true);
        var agent = new Agent { Name = name ?? "", Role = role ?? "" };
        Apply(agent, request, problem);
        var projectIds = await ValidateProjectsAsync(request.ProjectIds, problem, ct);
        problem.ThrowIfAny();
        if (await db.Agents.AnyAsync(a => a.Name == agent.Name, ct))
        {
            throw ProblemException.Invalid("name", "is taken by another agent");
        }

        db.Agents.Add(agent);
        SetProjects(agent.Id, projectIds ?? []);
        await db.SaveChangesAsync(ct);
        return AgentView.From(agent, projectIds ?? [], Now);
    }

    public async Task<AgentView> UpdateAsync(string id, AgentRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageAgents);
        var agent = await FindAsync(id, ct);
        var problem = new ValidationProblem();
        var name = Check.Text(problem, "name", request.Name, 100);
        var role = Check.Text(problem, "role", request.Role, 100);
        Apply(agent, request, problem);
        var projectIds = await ValidateProjectsAsync(request.ProjectIds, problem, ct);
        var attributes = Governance.Access.Attributes.Check(problem, "attributes", request.Attributes);
        problem.ThrowIfAny();
        if (attributes is not null)
        {
            agent.AttributesJson = attributes == "{}" ? null : attributes;
        }

        if (name is not null && name != agent.Name && await db.Agents.AnyAsync(a => a.Name == name, ct))
        {
            throw ProblemException.Invalid("name", "is taken by another agent");
        }

        agent.Name = name ?? agent.Name;
        agent.Role = role ?? agent.Role;
        if (projectIds is not null)
        {
            var before = (await ProjectsOfAsync([agent.Id], ct))[agent.Id];
            var after = projectIds.Order().ToList();
            if (!before.SequenceEqual(after))
            {
                // The links are rows of their own, so the agent's audit row would not show them.
                Governance.AuditLog.Record(db, "agent.projects_changed", "agent", agent.Id, new { project_ids = new { before, after } }, Now);
            }

            await db.AgentProjects.Where(p => p.AgentId == agent.Id).ExecuteDeleteAsync(ct);
            SetProjects(agent.Id, projectIds);
        }

        await db.SaveChangesAsync(ct);
        return AgentView.From(agent, projectIds ?? (await ProjectsOfAsync([agent.Id], ct))[agent.Id], Now);
    }

    /// Lifts a pause that a provider's limit set, before its time: the agent claims again at once.
    public async Task<AgentView> ResumeAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageAgents);
        var agent = await FindAsync(id, ct);
        agent.ClaimsPausedUntil = null;
        agent.PauseReason = null;
        await db.SaveChangesAsync(ct);
        return AgentView.From(agent, (await ProjectsOfAsync([agent.Id], ct))[agent.Id], Now);
    }

    private static void Apply(Agent agent, AgentRequest request, ValidationProblem problem)
    {
        if (Check.Text(problem, "adapter", request.Adapter, 50) is { } adapter)
        {
            if (!KnownAdapters.Contains(adapter))
            {
                problem.Add("adapter", $"must be one of: {string.Join(", ", KnownAdapters)}");
            }

            agent.Adapter = adapter;
        }

        agent.Model = Check.Text(problem, "model", request.Model, 200) ?? agent.Model;
        agent.Description = Check.Text(problem, "description", request.Description, 4000) ?? agent.Description;
        agent.MaxConcurrentRuns = Check.Range(problem, "max_concurrent_runs", request.MaxConcurrentRuns, 1, 1000) ?? agent.MaxConcurrentRuns;
        agent.RunTimeoutSeconds = Check.Range(problem, "run_timeout_seconds", request.RunTimeoutSeconds, 10, 7 * 24 * 3600) ?? agent.RunTimeoutSeconds;
        agent.FailuresBeforeEscalation = Check.Range(problem, "failures_before_escalation", request.FailuresBeforeEscalation, 1, 100) ?? agent.FailuresBeforeEscalation;
        if (request.ClearMaxCostPerWorkItem == true)
        {
            agent.MaxCostPerWorkItemMicros = null;
        }
        else if (Check.Usd(problem, "max_cost_per_work_item_usd", request.MaxCostPerWorkItemUsd) is { } cap)
        {
            agent.MaxCostPerWorkItemMicros = cap;
        }

        agent.Enabled = request.Enabled ?? agent.Enabled;
    }

    private async Task<List<string>?> ValidateProjectsAsync(IReadOnlyList<string>? ids, ValidationProblem problem, CancellationToken ct)
    {
        if (ids is null)
        {
            return null;
        }

        var distinct = ids.Distinct().ToList();
        var found = await db.Projects.Where(p => distinct.Contains(p.Id)).Select(p => p.Id).ToListAsync(ct);
        foreach (var missing in distinct.Except(found))
        {
            problem.Add("project_ids", $"project {missing} was not found");
        }

        return distinct;
    }

    private void SetProjects(string agentId, IEnumerable<string> projectIds)
    {
        foreach (var projectId in projectIds)
        {
            db.AgentProjects.Add(new AgentProject { AgentId = agentId, ProjectId = projectId });
        }
    }

    private async Task<Dictionary<string, IReadOnlyList<string>>> ProjectsOfAsync(List<string> agentIds, CancellationToken ct)
    {
        var links = await db.AgentProjects.AsNoTracking().Where(p => agentIds.Contains(p.AgentId)).ToListAsync(ct);
        return agentIds.ToDictionary(id => id, id => (IReadOnlyList<string>)links.Where(l => l.AgentId == id).Select(l => l.ProjectId).Order().ToList());
    }

    internal async Task<Agent> FindAsync(string id, CancellationToken ct) =>
        await db.Agents.FirstOrDefaultAsync(a => a.Id == id || a.Name == id, ct) ?? throw ProblemException.NotFound("Agent");
}
