using System.Text.RegularExpressions;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Planning;

public sealed record ProjectRequest(
    string? Key, string? Name, string? Description, string? RepositoryUrl, string? DefaultBranch, ProjectStatus? Status, string? LeadUserId,
    int? MaxConcurrentRuns = null, bool? ClearMaxConcurrentRuns = null);

/// Projects are archived, never deleted. An archived project's status is archived too: asking for that status, or for
/// archived projects, shows them; every other list leaves them out. Its work items stay as they are, but a claim takes
/// work only from active projects.
public sealed partial class ProjectService(BosunDb db, RequestContext context, TimeProvider clock)
{
    public Task<Page<ProjectView>> ListAsync(ProjectStatus? status, bool archived, PageRequest page, CancellationToken ct)
    {
        // A project archived by its status before it had an archive mark counts as archived too.
        var query = archived || status == ProjectStatus.Archived
            ? db.Projects.AsNoTracking().Where(p => p.ArchivedAt != null || p.Status == ProjectStatus.Archived)
            : db.Projects.AsNoTracking().Where(p => p.ArchivedAt == null && p.Status != ProjectStatus.Archived);
        if (status is { } s)
        {
            query = query.Where(p => p.Status == s);
        }

        if (page.Cursor is { } cursor)
        {
            query = query.Where(p => string.Compare(p.Id, cursor) > 0);
        }

        return query.OrderBy(p => p.Id).ToPageAsync(page, p => p.Id, ProjectView.From, ct);
    }

    /// Every project's key by its id, archived ones too: pages name the project of what they list by it.
    public Task<Dictionary<string, string>> KeysAsync(CancellationToken ct) =>
        db.Projects.AsNoTracking().ToDictionaryAsync(p => p.Id, p => p.Key, ct);

    public async Task<ProjectView> GetAsync(string idOrKey, CancellationToken ct) => ProjectView.From(await FindAsync(idOrKey, ct));

    public async Task<ProjectView> CreateAsync(ProjectRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var problem = new ValidationProblem();
        var key = Check.Text(problem, "key", request.Key, 10, required: true)?.ToUpperInvariant();
        if (key is not null && !KeyPattern().IsMatch(key))
        {
            problem.Add("key", "must be 2–10 letters or digits, starting with a letter (e.g. WEB)");
        }

        var name = Check.Text(problem, "name", request.Name, 200, required: true);
        var project = new Project { Key = key ?? "", Name = name ?? "" };
        await ApplyAsync(project, request, problem, ct);
        problem.ThrowIfAny();
        if (await db.Projects.AnyAsync(p => p.Key == key, ct))
        {
            throw ProblemException.Invalid("key", $"project key {key} is already used");
        }

        db.Projects.Add(project);
        await db.SaveChangesAsync(ct);
        return ProjectView.From(project);
    }

    public async Task<ProjectView> UpdateAsync(string idOrKey, ProjectRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var project = await FindAsync(idOrKey, ct);
        var problem = new ValidationProblem();
        if (request.Key is not null && !string.Equals(request.Key, project.Key, StringComparison.OrdinalIgnoreCase))
        {
            problem.Add("key", "cannot change: work item keys are built from it");
        }

        project.Name = Check.Text(problem, "name", request.Name, 200) ?? project.Name;
        await ApplyAsync(project, request, problem, ct);
        problem.ThrowIfAny();
        await db.SaveChangesAsync(ct);
        return ProjectView.From(project);
    }

    public Task<ProjectView> ArchiveAsync(string idOrKey, CancellationToken ct) => MarkArchivedAsync(idOrKey, true, ct);

    /// A restored project is active.
    public Task<ProjectView> RestoreAsync(string idOrKey, CancellationToken ct) => MarkArchivedAsync(idOrKey, false, ct);

    /// A project already so is left alone, so a repeated archive or restore writes no audit row.
    private async Task<ProjectView> MarkArchivedAsync(string idOrKey, bool archived, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var project = await FindAsync(idOrKey, ct);
        if (archived ? project.ArchivedAt is null : project.ArchivedAt is not null || project.Status == ProjectStatus.Archived)
        {
            SetStatus(project, archived ? ProjectStatus.Archived : ProjectStatus.Active);
            await db.SaveChangesAsync(ct);
        }

        return ProjectView.From(project);
    }

    /// The archive mark follows the status, whether it was set here or by a change of the project's status.
    private void SetStatus(Project project, ProjectStatus status)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var (was, archived) = (project.ArchivedAt is not null || project.Status == ProjectStatus.Archived, status == ProjectStatus.Archived);
        project.Status = status;
        project.ArchivedAt = archived ? project.ArchivedAt ?? now : null;
        if (was != archived && db.Entry(project).State != EntityState.Detached)
        {
            ArchiveAudit.Record(db, "project", project.Id, archived, new { key = project.Key, status = status.Snake() }, now);
        }
    }

    private async Task ApplyAsync(Project project, ProjectRequest request, ValidationProblem problem, CancellationToken ct)
    {
        project.Description = Check.Text(problem, "description", request.Description, 20_000) ?? project.Description;
        project.RepositoryUrl = Check.RepositoryUrl(problem, "repository_url", request.RepositoryUrl) ?? project.RepositoryUrl;
        project.DefaultBranch = Check.Text(problem, "default_branch", request.DefaultBranch, 200) ?? project.DefaultBranch;
        if (request.Status is { } status)
        {
            SetStatus(project, status);
        }

        if (request.MaxConcurrentRuns is not null || request.ClearMaxConcurrentRuns == true)
        {
            // Members and agents edit projects; how many runs the agents may have on one is for those who manage agents.
            Permissions.Require(context, Capability.ManageAgents);
            var cap = Check.Range(problem, "max_concurrent_runs", request.MaxConcurrentRuns, 1, Check.MaxConcurrentRunsCap);
            project.MaxConcurrentRuns = request.ClearMaxConcurrentRuns == true ? null : cap ?? project.MaxConcurrentRuns;
        }

        if (request.LeadUserId is { Length: > 0 } lead)
        {
            if (!await db.Users.AnyAsync(u => u.Id == lead, ct))
            {
                problem.Add("lead_user_id", "no such person");
            }

            project.LeadUserId = lead;
        }
        else if (request.LeadUserId == "")
        {
            project.LeadUserId = null;
        }
    }

    internal async Task<Project> FindAsync(string idOrKey, CancellationToken ct)
    {
        var key = idOrKey.ToUpperInvariant();
        return await db.Projects.FirstOrDefaultAsync(p => p.Id == idOrKey || p.Key == key, ct) ?? throw ProblemException.NotFound("Project");
    }

    [GeneratedRegex("^[A-Z][A-Z0-9]{1,9}$")]
    private static partial Regex KeyPattern();
}
