using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Planning;

public sealed record StoryMap(ProjectView Project, IReadOnlyList<StoryMapWorkflow> Workflows, bool Truncated);

public sealed record StoryMapWorkflow(WorkItemView Workflow, IReadOnlyList<StoryMapActivity> Activities);

public sealed record StoryMapActivity(WorkItemView Activity, IReadOnlyList<WorkItemView> Cards);

/// A project's story map: its top-level workflow items are the backbone, each workflow's activity sub-items the columns
/// under it, and each activity's card sub-items stack in its column, every level in position order. Archived items and
/// items of other types are left out.
public sealed partial class WorkItemService
{
    public const string WorkflowType = "workflow";
    public const string ActivityType = "activity";
    public const string CardType = "card";

    private const int MaxMapItems = 5000;

    public async Task<StoryMap> StoryMapAsync(string projectRef, CancellationToken ct)
    {
        var key = projectRef.ToUpperInvariant();
        var project = await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Id == projectRef || p.Key == key, ct)
                      ?? throw ProblemException.NotFound("Project");
        var workflows = await InPositionOrder(db.WorkItems.Where(w => w.ProjectId == project.Id && w.ParentId == null && w.Type == WorkflowType), ct);
        var activities = await ChildrenAsync(workflows, ActivityType, ct);
        var cards = await ChildrenAsync(activities, CardType, ct);
        var views = (await ViewsAsync([.. workflows, .. activities, .. cards], ct)).ToDictionary(v => v.Id);
        var cardsOf = cards.ToLookup(c => c.ParentId);
        var activitiesOf = activities.ToLookup(a => a.ParentId);
        var map = workflows.Select(w => new StoryMapWorkflow(views[w.Id], activitiesOf[w.Id]
            .Select(a => new StoryMapActivity(views[a.Id], cardsOf[a.Id].Select(c => views[c.Id]).ToList())).ToList())).ToList();
        return new StoryMap(ProjectView.From(project), map, workflows.Count + activities.Count + cards.Count >= MaxMapItems);
    }

    private async Task<List<WorkItem>> ChildrenAsync(IReadOnlyList<WorkItem> parents, string type, CancellationToken ct) => parents.Count == 0
        ? []
        : await InPositionOrder(db.WorkItems.WhereIn(w => w.ParentId!, parents.Select(p => p.Id).ToList()).Where(w => w.Type == type), ct);

    private static Task<List<WorkItem>> InPositionOrder(IQueryable<WorkItem> items, CancellationToken ct) =>
        items.AsNoTracking().Where(w => w.ArchivedAt == null).OrderBy(w => w.Position).ThenBy(w => w.Id).Take(MaxMapItems).ToListAsync(ct);
}
