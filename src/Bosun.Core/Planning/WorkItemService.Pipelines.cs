using Bosun.Core.Common;
using Bosun.Core.Identity;

namespace Bosun.Core.Planning;

/// What a pipeline makes: a parent item (or an existing item, see <see cref="StepsUnder"/>) with one child per step,
/// each child waiting for the steps its `after` names. <see cref="Values"/> fill the placeholders.
public sealed record Pipeline(
    string ProjectId, string Title, string? Description, string Type, IReadOnlyList<TemplateStep> Steps,
    IReadOnlyDictionary<string, string> Values)
{
    /// The item the new parent is a sub-item of.
    public string? ParentId { get; init; }

    /// An existing item the steps go under directly, with no parent made for them (a plan of a ticket).
    public string? StepsUnder { get; init; }
    public string? GoalId { get; init; }
    public string? DeliverablePeriodId { get; init; }
    public string? TemplateId { get; init; }
    public int? TemplateVersion { get; init; }
    public string? PlanId { get; init; }
    public Priority? Priority { get; init; }
    public IReadOnlyList<string>? Labels { get; init; }

    /// False when Bosun makes the pipeline on its own account (an approved plan, a deliverable's period): the caller's
    /// permission to create work and an agent's sub-item rule then do not apply.
    public bool ByCaller { get; init; } = true;
}

public sealed record PipelineCreated(WorkItemView? Parent, IReadOnlyList<WorkItemView> Steps);

public sealed partial class WorkItemService
{
    /// Creates the pipeline in the caller's transaction, all items at once, checked as a batch is: one bad step
    /// refuses the whole pipeline, its errors named "steps[i].field".
    public async Task<PipelineCreated> CreatePipelineAsync(Pipeline pipeline, CancellationToken ct)
    {
        if (pipeline.ByCaller)
        {
            Permissions.Require(context, Capability.EditWork);
        }

        var problem = new ValidationProblem();
        PipelineSteps.CheckSteps(pipeline.Steps, problem);
        problem.ThrowIfAny();
        var values = pipeline.Values;
        var projects = new Dictionary<string, string?>(StringComparer.Ordinal);

        Draft? parent = null;
        WorkItem? under = null;
        if (pipeline.StepsUnder is { } existing)
        {
            under = await FindAsync(existing, ct);
        }
        else
        {
            parent = await DraftAsync(new CreateWorkItem(
                pipeline.ProjectId, pipeline.Type, PipelineSteps.Render(pipeline.Title, values), PipelineSteps.Render(pipeline.Description, values),
                WorkStatus.Ready, pipeline.Priority, null, pipeline.ParentId, pipeline.GoalId, null, pipeline.Labels, false, null, null),
                pipeline.ByCaller, problem, ct, projects: projects);

            // The parent stands for the pipeline as a whole: underway from the start, never claimed itself, done when
            // its steps are (see ItemClosing).
            parent.Item.Status = WorkStatus.InProgress;
            parent.Item.CloseWithChildren = true;
            Stamp(parent.Item, pipeline, stepKey: null);
            parent.Item.DeliverablePeriodId = pipeline.DeliverablePeriodId;
        }

        var projectId = under?.ProjectId ?? pipeline.ProjectId;
        var goalId = pipeline.GoalId ?? under?.GoalId;
        var drafts = new List<Draft>(pipeline.Steps.Count);
        var byKey = new Dictionary<string, Draft>(StringComparer.Ordinal);
        for (var i = 0; i < pipeline.Steps.Count; i++)
        {
            var step = pipeline.Steps[i];
            var part = new ValidationProblem();
            var draft = await DraftAsync(new CreateWorkItem(
                projectId, step.Type ?? "task", PipelineSteps.Render(step.Title, values), PipelineSteps.Render(step.Description, values),
                WorkStatus.Ready, step.Priority, PipelineSteps.Render(step.Assignee, values), under?.Id, goalId, null, null,
                step.ApprovalRequired ?? false, PipelineSteps.Render(step.Input, values), null),
                pipeline.ByCaller, part, ct, parentInBatch: parent is not null, projects);
            problem.AddAll($"steps[{i}].", part);
            if (parent is not null)
            {
                draft.Item.ParentId = parent.Item.Id;
            }

            Stamp(draft.Item, pipeline, step.Key);
            drafts.Add(draft);
            byKey[step.Key!] = draft;
        }

        problem.ThrowIfAny();
        for (var i = 0; i < pipeline.Steps.Count; i++)
        {
            drafts[i].DependsOn.AddRange((pipeline.Steps[i].After ?? []).Select(key => byKey[key].Item.Id));
        }

        var all = parent is null ? drafts : [parent, .. drafts];
        await AllocateKeysAsync([.. all.Select(d => d.Item)], ct);
        var views = await InsertAsync(all, ct);
        return parent is null ? new PipelineCreated(null, views) : new PipelineCreated(views[0], views.Skip(1).ToList());
    }

    private static void Stamp(WorkItem item, Pipeline pipeline, string? stepKey)
    {
        item.TemplateId = pipeline.TemplateId;
        item.TemplateVersion = pipeline.TemplateVersion;
        item.PlanId = pipeline.PlanId;
        item.StepKey = stepKey;
    }
}
