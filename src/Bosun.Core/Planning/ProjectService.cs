using System.Text.RegularExpressions;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Planning;

public sealed record ProjectRequest(
    string? Key, string? Name, string? Description, string? RepositoryUrl, string? DefaultBranch, ProjectStatus? Status, string? LeadUserId);

public sealed partial class ProjectService(BosunDb db, RequestContext context)
{
    public Task<Page<ProjectView>> ListAsync(ProjectStatus? status, PageRequest page, CancellationToken ct)
    {
        var query = db.Projects.AsNoTracking().AsQueryable();
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

    private async Task ApplyAsync(Project project, ProjectRequest request, ValidationProblem problem, CancellationToken ct)
    {
        project.Description = Check.Text(problem, "description", request.Description, 20_000) ?? project.Description;
        project.RepositoryUrl = Check.RepositoryUrl(problem, "repository_url", request.RepositoryUrl) ?? project.RepositoryUrl;
        project.DefaultBranch = Check.Text(problem, "default_branch", request.DefaultBranch, 200) ?? project.DefaultBranch;
        project.Status = request.Status ?? project.Status;
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
