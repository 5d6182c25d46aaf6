using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Dispatch;

/// <param name="RunId">Null for a check GitHub reported, which names the pull request and commit instead.</param>
public sealed record RunCheckView(
    string Id, string? RunId, string WorkItemId, string WorkItemKey, string ProjectId, string Name, CheckStatus Status, string? Url,
    string? Summary, DateTime CreatedAt, CheckSource Source, string? PullRequestId, string? HeadSha, DateTime? UpdatedAt);

public sealed record CheckFilter(CheckStatus? Status, string? Name);

/// The checks runs reported, as stored at their completion, and those GitHub reported for items' pull requests: per work
/// item and per project, newest first.
public sealed class RunCheckService(BosunDb db, WorkItemService workItems, ProjectService projects)
{
    public async Task<Page<RunCheckView>> ForItemAsync(string itemRef, PageRequest page, CancellationToken ct)
    {
        var item = await workItems.FindAsync(itemRef, ct);
        return await PageAsync(db.RunChecks.AsNoTracking().Where(c => c.WorkItemId == item.Id), page, ct);
    }

    public async Task<Page<RunCheckView>> ForProjectAsync(string projectRef, CheckFilter filter, PageRequest page, CancellationToken ct)
    {
        var project = await projects.FindAsync(projectRef, ct);
        var query = db.RunChecks.AsNoTracking().Where(c => c.ProjectId == project.Id);
        if (filter.Status is { } status)
        {
            query = query.Where(c => c.Status == status);
        }

        if (filter.Name is { Length: > 0 } name)
        {
            query = query.Where(c => c.Name == name);
        }

        return await PageAsync(query, page, ct);
    }

    /// The checks of the item's latest run that reported any, in the order the run reported them (GitHub's are shown with
    /// the item's pull requests).
    public async Task<IReadOnlyList<RunCheckView>> LatestOfItemAsync(string itemId, CancellationToken ct)
    {
        var latest = db.RunChecks.Where(c => c.WorkItemId == itemId && c.RunId != null).OrderByDescending(c => c.Id).Select(c => c.RunId).Take(1);
        var rows = await WithKeys(db.RunChecks.AsNoTracking().Where(c => c.WorkItemId == itemId && latest.Contains(c.RunId)))
            .OrderBy(x => x.Check.Id).ToListAsync(ct);
        return rows.Select(View).ToList();
    }

    private Task<Page<RunCheckView>> PageAsync(IQueryable<RunCheck> query, PageRequest page, CancellationToken ct)
    {
        if (page.Cursor is { } cursor)
        {
            query = query.Where(c => string.Compare(c.Id, cursor) < 0);
        }

        return WithKeys(query).OrderByDescending(x => x.Check.Id).ToPageAsync(page, x => x.Check.Id, View, ct);
    }

    // Set by initialiser rather than constructor, so queries can still order and filter by its members.
    private sealed class Keyed
    {
        public required RunCheck Check { get; init; }
        public required string Key { get; init; }
    }

    private IQueryable<Keyed> WithKeys(IQueryable<RunCheck> checks) =>
        from c in checks
        join w in db.WorkItems on c.WorkItemId equals w.Id
        select new Keyed { Check = c, Key = w.Key };

    private static RunCheckView View(Keyed x) => new(
        x.Check.Id, x.Check.RunId, x.Check.WorkItemId, x.Key, x.Check.ProjectId, x.Check.Name, x.Check.Status, x.Check.Url, x.Check.Summary,
        x.Check.CreatedAt, x.Check.Source, x.Check.PullRequestId, x.Check.HeadSha, x.Check.UpdatedAt);
}
