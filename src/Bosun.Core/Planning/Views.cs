using System.Text.Json;
using Bosun.Core.Data;

namespace Bosun.Core.Planning;

public sealed record ProjectView(
    string Id, string Key, string Name, string? Description, string? RepositoryUrl, string DefaultBranch,
    ProjectStatus Status, string? LeadUserId, int? MaxConcurrentRuns, DateTime CreatedAt, DateTime UpdatedAt, DateTime? ArchivedAt)
{
    public static ProjectView From(Project p) =>
        new(p.Id, p.Key, p.Name, p.Description, p.RepositoryUrl, p.DefaultBranch, p.Status, p.LeadUserId, p.MaxConcurrentRuns, p.CreatedAt, p.UpdatedAt, p.ArchivedAt);
}

public sealed record GoalView(
    string Id, string? ProjectId, string Title, string? Description, string? MetricName, double? Baseline, double? Target,
    double? CurrentValue, double? ProgressPercent, DateTime? TargetDate, GoalStatus Status, Priority Priority, DateTime CreatedAt, DateTime UpdatedAt,
    DateTime? ArchivedAt)
{
    public static GoalView From(Goal g) => new(
        g.Id, g.ProjectId, g.Title, g.Description, g.MetricName, g.Baseline, g.Target, g.CurrentValue, g.ProgressPercent,
        g.TargetDate, g.Status, g.Priority, g.CreatedAt, g.UpdatedAt, g.ArchivedAt);
}

public sealed record DependencyView(string Id, string Key, string Title, WorkStatus Status);

/// One column of a board: every matching item of that status counted, the first cards, and the cursor of the rest.
public sealed record BoardColumn(WorkStatus Status, int Count, IReadOnlyList<WorkItemView> Items, string? NextCursor);

public sealed record WorkItemView(
    string Id, string Key, string ProjectId, string Type, string Title, string? Description, WorkStatus Status,
    Priority Priority, string? Assignee, string? ParentId, string? GoalId, DateTime? DueAt, bool ApprovalRequired,
    IReadOnlyList<string> Labels, IReadOnlyList<DependencyView> DependsOn, JsonElement? Input, JsonElement? Output,
    string? RevisionNotes, int Attempts, string? ActiveRunId, string? CreatedBy, DateTime CreatedAt, DateTime UpdatedAt,
    DateTime? CompletedAt, IReadOnlyList<string> AllowedTransitions, IReadOnlyList<string> ManualTransitions, string? AssigneeName = null)
{
    public string Position { get; init; } = "";
    public string? TemplateId { get; init; }
    public int? TemplateVersion { get; init; }
    public string? StepKey { get; init; }
    public string? PlanId { get; init; }
    public string? DeliverablePeriodId { get; init; }
    public bool CloseWithChildren { get; init; }
    public DateTime? ArchivedAt { get; init; }

    /// The questions the item's runs asked people and their answers, oldest first.
    public JsonElement? Answers { get; init; }

    public static WorkItemView From(WorkItem w, IReadOnlyList<string> labels, IReadOnlyList<DependencyView> dependsOn) => new(
        w.Id, w.Key, w.ProjectId, w.Type, w.Title, w.Description, w.Status, w.Priority, Assignment.Describe(w),
        w.ParentId, w.GoalId, w.DueAt, w.ApprovalRequired, labels, dependsOn, ParseJson(w.InputJson), ParseJson(w.OutputJson),
        w.RevisionNotes, w.Attempts, w.ActiveRunId, w.CreatedBy, w.CreatedAt, w.UpdatedAt, w.CompletedAt,
        Workflow.AllowedFrom(w.Status).Select(s => s.Snake()).ToList(),
        WorkItemService.ManualMoves(w.Status, w.ApprovalRequired).Select(s => s.Snake()).ToList())
    {
        Position = w.Position,
        TemplateId = w.TemplateId,
        TemplateVersion = w.TemplateVersion,
        StepKey = w.StepKey,
        PlanId = w.PlanId,
        DeliverablePeriodId = w.DeliverablePeriodId,
        CloseWithChildren = w.CloseWithChildren,
        ArchivedAt = w.ArchivedAt,
        Answers = ParseJson(w.AnswersJson),
    };

    public static JsonElement? ParseJson(string? json)
    {
        if (json is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}

public sealed record CommentView(string Id, string WorkItemId, string Author, string AuthorName, string Body, DateTime CreatedAt)
{
    public static CommentView From(Comment c) => new(c.Id, c.WorkItemId, c.AuthorRef, c.AuthorName, c.Body, c.CreatedAt);
}
