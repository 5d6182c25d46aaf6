using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Planning;

public sealed record GoalRequest(
    string? ProjectId, string? Title, string? Description, string? MetricName, double? Baseline, double? Target,
    double? CurrentValue, DateTimeOffset? TargetDate, GoalStatus? Status, Priority? Priority);

/// Goals are archived, never deleted: an archived goal leaves the lists unless they ask for archived goals.
public sealed class GoalService(BosunDb db, RequestContext context, TimeProvider clock)
{
    public async Task<Page<GoalView>> ListAsync(string? projectRef, GoalStatus? status, bool archived, PageRequest page, CancellationToken ct)
    {
        var query = archived ? db.Goals.AsNoTracking().Where(g => g.ArchivedAt != null) : db.Goals.AsNoTracking().Where(g => g.ArchivedAt == null);
        if (projectRef is { Length: > 0 })
        {
            // Like the work list, a project is named by id or key.
            var projectId = await db.ProjectIdOfAsync(projectRef, ct)
                ?? throw ProblemException.Invalid("project", "no such project");
            query = query.Where(g => g.ProjectId == projectId);
        }

        if (status is { } s)
        {
            query = query.Where(g => g.Status == s);
        }

        if (page.Cursor is { } cursor)
        {
            query = query.Where(g => string.Compare(g.Id, cursor) > 0);
        }

        return await query.OrderBy(g => g.Id).ToPageAsync(page, g => g.Id, GoalView.From, ct);
    }

    public async Task<GoalView> GetAsync(string id, CancellationToken ct) => GoalView.From(await FindAsync(id, ct));

    public async Task<GoalView> CreateAsync(GoalRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var problem = new ValidationProblem();
        var goal = new Goal { Title = Check.Text(problem, "title", request.Title, 500, required: true) ?? "" };
        await ApplyAsync(goal, request, problem, ct);
        problem.ThrowIfAny();
        db.Goals.Add(goal);
        await db.SaveChangesAsync(ct);
        return GoalView.From(goal);
    }

    public async Task<GoalView> UpdateAsync(string id, GoalRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var goal = await FindAsync(id, ct);
        var problem = new ValidationProblem();
        goal.Title = Check.Text(problem, "title", request.Title, 500) ?? goal.Title;
        await ApplyAsync(goal, request, problem, ct);
        problem.ThrowIfAny();
        await db.SaveChangesAsync(ct);
        return GoalView.From(goal);
    }

    public Task<GoalView> ArchiveAsync(string id, CancellationToken ct) => MarkArchivedAsync(id, true, ct);

    public Task<GoalView> RestoreAsync(string id, CancellationToken ct) => MarkArchivedAsync(id, false, ct);

    /// A goal already so is left alone, so a repeated archive or restore writes no audit row.
    private async Task<GoalView> MarkArchivedAsync(string id, bool archived, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var goal = await FindAsync(id, ct);
        if ((goal.ArchivedAt is not null) != archived)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            goal.ArchivedAt = archived ? now : null;
            ArchiveAudit.Record(db, "goal", goal.Id, archived, new { title = goal.Title }, now);
            await db.SaveChangesAsync(ct);
        }

        return GoalView.From(goal);
    }

    private async Task ApplyAsync(Goal goal, GoalRequest request, ValidationProblem problem, CancellationToken ct)
    {
        if (request.ProjectId is { Length: > 0 } projectRef)
        {
            goal.ProjectId = await db.ProjectIdOfAsync(projectRef, ct);
            if (goal.ProjectId is null)
            {
                problem.Add("project_id", "no such project");
            }
        }

        goal.Description = Check.Text(problem, "description", request.Description, 20_000) ?? goal.Description;
        goal.MetricName = Check.Text(problem, "metric_name", request.MetricName, 200) ?? goal.MetricName;
        goal.Baseline = Finite(problem, "baseline", request.Baseline) ?? goal.Baseline;
        goal.Target = Finite(problem, "target", request.Target) ?? goal.Target;
        goal.CurrentValue = Finite(problem, "current_value", request.CurrentValue) ?? goal.CurrentValue;
        goal.TargetDate = Check.Utc(request.TargetDate) ?? goal.TargetDate;
        goal.Status = request.Status ?? goal.Status;
        goal.Priority = request.Priority ?? goal.Priority;
    }

    private static double? Finite(ValidationProblem problem, string field, double? value)
    {
        if (value is { } v && !double.IsFinite(v))
        {
            problem.Add(field, "must be a finite number");
        }

        return value;
    }

    private async Task<Goal> FindAsync(string id, CancellationToken ct) =>
        await db.Goals.FirstOrDefaultAsync(g => g.Id == id, ct) ?? throw ProblemException.NotFound("Goal");
}
