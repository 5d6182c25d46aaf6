using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Dispatch;
using Bosun.Core.Governance;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Integrations;

public sealed record GitHubIntegrationRequest(IReadOnlyList<string>? Repositories, string? Project, bool? DoneOnMerge, string? Description);

public sealed record GitHubIntegrationView(
    string Id, IReadOnlyList<string> Repositories, string? ProjectId, string? ProjectKey, bool DoneOnMerge, string? Description,
    string SecretPrefix, string WebhookPath, DateTime? LastDeliveryAt, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static GitHubIntegrationView From(GitHubIntegration g, string? projectKey) => new(
        g.Id, GitHubService.SplitRepositories(g.Repositories), g.ProjectId, projectKey, g.DoneOnMerge, g.Description, g.SecretPrefix,
        GitHubService.WebhookPath(g.Id), g.LastDeliveryAt, g.CreatedAt, g.UpdatedAt);
}

/// An integration with its webhook secret, answered only when it is created.
public sealed record GitHubIntegrationWithSecret(
    string Id, IReadOnlyList<string> Repositories, string? ProjectId, string? ProjectKey, bool DoneOnMerge, string? Description,
    string SecretPrefix, string WebhookPath, DateTime CreatedAt, string? Secret);

public sealed record GitHubDeliveryView(string Id, string DeliveryId, string Event, string? Action, string? Repository, string Outcome, DateTime ReceivedAt)
{
    public static GitHubDeliveryView From(GitHubDelivery d) => new(d.Id, d.DeliveryId, d.Event, d.Action, d.Repository, d.Outcome, d.ReceivedAt);
}

public sealed record PullRequestView(
    string Id, string WorkItemId, string Repository, long Number, string Title, PullRequestState State, bool Draft, string HeadSha,
    string? HeadBranch, string? BaseBranch, string? Url, string? Author, DateTime? MergedAt, DateTime CreatedAt, DateTime UpdatedAt,
    IReadOnlyList<RunCheckView> Checks);

/// GitHub integrations: owners and admins say which repositories may send webhooks and get the secret to sign them with;
/// anyone who can read an item sees its pull-request candidates and the checks GitHub reported for their head commits.
public sealed partial class GitHubService(BosunDb db, RequestContext context, TimeProvider clock, SecretBox secrets, ProjectService projects, WorkItemService workItems)
{
    public const int MaxRepositories = 50;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public static IReadOnlyList<string> SplitRepositories(string repositories) =>
        repositories.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static string WebhookPath(string id) => $"/api/v1/github/{id}/webhook";

    internal static string Purpose(string tenantId, string integrationId) => $"github:{tenantId}:{integrationId}";

    public async Task<Page<GitHubIntegrationView>> ListAsync(PageRequest page, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageIntegrations);
        var query = db.Set<GitHubIntegration>().AsNoTracking().AsQueryable();
        if (page.Cursor is { } cursor)
        {
            query = query.Where(g => string.Compare(g.Id, cursor) > 0);
        }

        var keys = await projects.KeysAsync(ct);
        return await query.OrderBy(g => g.Id).ToPageAsync(page, g => g.Id, g => GitHubIntegrationView.From(g, KeyOf(keys, g.ProjectId)), ct);
    }

    public async Task<GitHubIntegrationView> GetAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageIntegrations);
        var integration = await FindAsync(id, ct);
        return GitHubIntegrationView.From(integration, KeyOf(await projects.KeysAsync(ct), integration.ProjectId));
    }

    public async Task<GitHubIntegrationWithSecret> CreateAsync(GitHubIntegrationRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageIntegrations);
        var problem = new ValidationProblem();
        var repositories = CheckRepositories(problem, request.Repositories);
        var description = Check.Text(problem, "description", request.Description, 500);
        Project? project = null;
        if (Check.Text(problem, "project", request.Project, 100) is { } reference)
        {
            var key = reference.ToUpperInvariant();
            project = await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Id == reference || p.Key == key, ct);
            if (project is null)
            {
                problem.Add("project", $"no project '{reference}' in this tenant");
            }
        }

        problem.ThrowIfAny();
        var secret = NewSecret();
        var integration = new GitHubIntegration
        {
            ProjectId = project?.Id,
            Repositories = string.Join(",", repositories),
            Description = description,
            DoneOnMerge = request.DoneOnMerge ?? false,
            SecretSealed = "",
            SecretPrefix = secret[..12],
            CreatedBy = context.Actor.Ref,
        };
        integration.SecretSealed = secrets.Seal(secret, Purpose(context.RequireTenant(), integration.Id));
        db.Set<GitHubIntegration>().Add(integration);
        AuditLog.Record(db, "github_integration.created", "github_integration", integration.Id, new
        {
            repositories = new { after = integration.Repositories },
            project_id = new { after = integration.ProjectId },
            done_on_merge = new { after = integration.DoneOnMerge },
            secret_prefix = new { after = integration.SecretPrefix },
        }, Now);
        await db.SaveChangesAsync(ct);
        return new GitHubIntegrationWithSecret(
            integration.Id, repositories, integration.ProjectId, project?.Key, integration.DoneOnMerge, integration.Description,
            integration.SecretPrefix, WebhookPath(integration.Id), integration.CreatedAt, secret);
    }

    /// Removes the integration and its delivery log; the pull requests and checks it recorded stay with their items.
    public async Task DeleteAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageIntegrations);
        var integration = await FindAsync(id, ct);
        await db.Set<GitHubDelivery>().Where(d => d.IntegrationId == integration.Id).ExecuteDeleteAsync(ct);
        db.Set<GitHubIntegration>().Remove(integration);
        AuditLog.Record(db, "github_integration.deleted", "github_integration", integration.Id,
            new { repositories = new { before = integration.Repositories }, project_id = new { before = integration.ProjectId } }, Now);
        await db.SaveChangesAsync(ct);
    }

    /// The deliveries GitHub sent, newest first, with what Bosun made of each.
    public async Task<Page<GitHubDeliveryView>> DeliveriesAsync(string id, PageRequest page, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageIntegrations);
        var integration = await FindAsync(id, ct);
        var query = db.Set<GitHubDelivery>().AsNoTracking().Where(d => d.IntegrationId == integration.Id);
        if (page.Cursor is { } cursor)
        {
            query = query.Where(d => string.Compare(d.Id, cursor) < 0);
        }

        return await query.OrderByDescending(d => d.Id).ToPageAsync(page, d => d.Id, GitHubDeliveryView.From, ct);
    }

    /// An item's pull-request candidates, newest first, each with the checks GitHub reported for its current head commit.
    public async Task<Page<PullRequestView>> ForItemAsync(string itemRef, PageRequest page, CancellationToken ct)
    {
        var item = await workItems.FindAsync(itemRef, ct);
        var query = db.Set<GitHubPullRequest>().AsNoTracking().Where(p => p.WorkItemId == item.Id);
        if (page.Cursor is { } cursor)
        {
            query = query.Where(p => string.Compare(p.Id, cursor) < 0);
        }

        var rows = await query.OrderByDescending(p => p.Id).Take(page.Limit + 1).ToListAsync(ct);
        var shown = rows.Take(page.Limit).ToList();
        var ids = shown.Select(p => p.Id).ToList();
        var checks = await db.RunChecks.AsNoTracking().Where(c => c.PullRequestId != null && ids.Contains(c.PullRequestId)).OrderBy(c => c.Id).ToListAsync(ct);
        var views = shown.Select(p => new PullRequestView(
            p.Id, p.WorkItemId, p.Repository, p.Number, p.Title, p.State, p.Draft, p.HeadSha, p.HeadBranch, p.BaseBranch, p.Url, p.Author,
            p.MergedAt, p.CreatedAt, p.UpdatedAt,
            checks.Where(c => c.PullRequestId == p.Id && c.HeadSha == p.HeadSha).Select(c => CheckView(c, item.Key)).ToList())).ToList();
        return new Page<PullRequestView>(views, rows.Count > page.Limit ? shown[^1].Id : null);
    }

    internal static RunCheckView CheckView(RunCheck c, string itemKey) => new(
        c.Id, c.RunId, c.WorkItemId, itemKey, c.ProjectId, c.Name, c.Status, c.Url, c.Summary, c.CreatedAt, c.Source, c.PullRequestId, c.HeadSha,
        c.UpdatedAt);

    private async Task<GitHubIntegration> FindAsync(string id, CancellationToken ct) =>
        await db.Set<GitHubIntegration>().FirstOrDefaultAsync(g => g.Id == id, ct) ?? throw ProblemException.NotFound("GitHub integration");

    private static string? KeyOf(Dictionary<string, string> keys, string? projectId) =>
        projectId is not null && keys.TryGetValue(projectId, out var key) ? key : null;

    private static List<string> CheckRepositories(ValidationProblem problem, IReadOnlyList<string>? repositories)
    {
        var names = (repositories ?? []).Select(r => r.Trim().ToLowerInvariant()).Where(r => r.Length > 0).Distinct().ToList();
        if (names.Count == 0)
        {
            problem.Add("repositories", "must name at least one repository as owner/name, e.g. \"acme/web\"");
        }
        else if (names.Count > MaxRepositories)
        {
            problem.Add("repositories", $"at most {MaxRepositories} repositories");
        }

        foreach (var name in names.Where(n => !RepositoryName().IsMatch(n)))
        {
            problem.Add("repositories", $"'{name}' is not a repository full name (owner/name)");
        }

        return names;
    }

    private static string NewSecret() =>
        "ghwh_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,38})/[a-z0-9._-]{1,100}$")]
    private static partial Regex RepositoryName();
}
