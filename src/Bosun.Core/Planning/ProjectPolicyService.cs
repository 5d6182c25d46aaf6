using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Dispatch;
using Bosun.Core.Identity;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Planning;

/// A field left out keeps its value; an empty list clears it.
public sealed record PolicyRequest(IReadOnlyList<string?>? RequiredChecks, IReadOnlyList<string?>? AllowedPaths, FailedChecks? OnFailure);

/// A project's quality gate; a project that never had one answers the empty default (<see cref="UpdatedAt"/> null).
public sealed record ProjectPolicyView(
    string ProjectId, string ProjectKey, IReadOnlyList<string> RequiredChecks, IReadOnlyList<string> AllowedPaths, FailedChecks OnFailure,
    DateTime? UpdatedAt)
{
    public static ProjectPolicyView From(Project project, ProjectPolicy? policy) => new(
        project.Id, project.Key,
        policy is null ? [] : QualityGate.Names(policy.RequiredChecksJson),
        policy is null ? [] : QualityGate.Names(policy.AllowedPathsJson),
        policy?.OnFailure ?? FailedChecks.Block, policy?.UpdatedAt);
}

/// Reading and setting a project's quality gate. The gate itself is applied when a run completes (<see cref="QualityGate"/>).
public sealed class ProjectPolicyService(BosunDb db, RequestContext context, ProjectService projects)
{
    public const int MaxEntries = 50;
    public const int MaxLength = 100;

    public async Task<ProjectPolicyView> GetAsync(string projectRef, CancellationToken ct)
    {
        var project = await projects.FindAsync(projectRef, ct);
        return ProjectPolicyView.From(project, await db.ProjectPolicies.AsNoTracking().FirstOrDefaultAsync(p => p.ProjectId == project.Id, ct));
    }

    /// People set the gate; an agent may read it but never loosen the checks its own work is held to.
    public async Task<ProjectPolicyView> SetAsync(string projectRef, PolicyRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var project = await projects.FindAsync(projectRef, ct);
        if (context.Actor.Type == ActorType.Agent)
        {
            throw ProblemException.Forbidden("Agents may read a project's policy, not change it.");
        }

        var problem = new ValidationProblem();
        var required = Entries(problem, "required_checks", request.RequiredChecks, null);
        var allowed = Entries(problem, "allowed_paths", request.AllowedPaths, PatternProblem);
        problem.ThrowIfAny();

        var policy = await db.ProjectPolicies.FirstOrDefaultAsync(p => p.ProjectId == project.Id, ct);
        if (policy is null)
        {
            policy = new ProjectPolicy { ProjectId = project.Id };
            db.ProjectPolicies.Add(policy);
        }

        policy.RequiredChecksJson = required is null ? policy.RequiredChecksJson : JsonSerializer.Serialize(required);
        policy.AllowedPathsJson = allowed is null ? policy.AllowedPathsJson : JsonSerializer.Serialize(allowed);
        policy.OnFailure = request.OnFailure ?? policy.OnFailure;
        await db.SaveChangesAsync(ct);
        return ProjectPolicyView.From(project, policy);
    }

    /// Names or patterns as given (trimmed): each non-empty and at most <see cref="MaxLength"/> characters, no two alike
    /// (ignoring case, as checks are matched), at most <see cref="MaxEntries"/>; null when the field was left out.
    private static List<string>? Entries(ValidationProblem problem, string field, IReadOnlyList<string?>? given, Func<string, string?>? rule)
    {
        if (given is null)
        {
            return null;
        }

        if (given.Count > MaxEntries)
        {
            problem.Add(field, $"at most {MaxEntries} entries");
        }

        var clean = new List<string>();
        for (var i = 0; i < given.Count; i++)
        {
            var at = $"{field}[{i}]";
            if (Check.Text(problem, at, given[i], MaxLength, required: true) is not { } entry)
            {
                continue;
            }

            if (clean.FindIndex(e => QualityGate.SameName(e, entry)) is >= 0 and var first)
            {
                problem.Add(at, $"'{entry}' is already listed ({field}[{first}])");
            }
            else if (rule?.Invoke(entry) is { } why)
            {
                problem.Add(at, why);
            }

            clean.Add(entry);
        }

        return clean;
    }

    /// Patterns are matched against paths as <see cref="PathPatterns.Normalize"/> leaves them, so one written another way
    /// would never match.
    private static string? PatternProblem(string pattern) =>
        pattern.StartsWith('/') || pattern.StartsWith("./", StringComparison.Ordinal) || pattern.Contains('\\') || pattern.Split('/').Contains("..")
        || (pattern.Length > 1 && pattern[1] == ':')
            ? "must be a path pattern from the repository's root, such as src/** or docs/*.md (no leading / or ./, no .., no backslashes)"
            : null;
}
