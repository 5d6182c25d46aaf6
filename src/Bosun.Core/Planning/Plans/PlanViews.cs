using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bosun.Core.Planning;

public sealed record PlanRequest(
    string? Project, string? Kind, string? Title, string? Goal, string? WorkItem, string? Body,
    IReadOnlyList<TemplateStep>? Steps, IReadOnlyList<string>? SourceItems);

/// A new version: a field left out is copied from the newest version; steps and source_items count as one field,
/// so giving either replaces both.
public sealed record PlanVersionRequest(string? Body, IReadOnlyList<TemplateStep>? Steps, IReadOnlyList<string>? SourceItems);

public sealed record SubmitPlan(int? Version);

public sealed record PlanFilter(string? Project, string? Goal, string? WorkItem, PlanStatus? Status, bool Archived);

/// One version of a plan. Lists leave out <see cref="Body"/>, <see cref="Steps"/> and <see cref="SourceItems"/> (null).
public sealed record PlanVersionView(
    string Id, string PlanId, int Version, int Attempt, PlanStatus Status, string? Body, IReadOnlyList<TemplateStep>? Steps,
    IReadOnlyList<string>? SourceItems, string Author, string AuthorName, string? ApprovalId, string? DecisionNote,
    DateTime? DecidedAt, DateTime? AppliedAt, DateTime CreatedAt)
{
    public static PlanVersionView From(PlanVersion v) => new(
        v.Id, v.PlanId, v.Version, v.Attempt, v.Status, v.Body, PlanJson.Steps(v.StepsJson), PlanJson.Ids(v.SourceItemsJson),
        v.AuthorRef, v.AuthorName, v.ApprovalId, v.DecisionNote, v.DecidedAt, v.AppliedAt, v.CreatedAt);
}

/// A work item the plan made or released.
public sealed record PlanItemView(string Id, string Key, string Title, WorkStatus Status, string? StepKey, string? ParentId);

/// A plan with its versions, newest first. <see cref="Items"/> (what its approved versions made or released) is read
/// with one plan and is null in lists.
public sealed record PlanView(
    string Id, string ProjectId, string? GoalId, string? WorkItemId, string? WorkItemKey, string Kind, string Title,
    PlanStatus Status, int Attempt, int LatestVersion, int? ActiveVersion, string? CreatedBy, DateTime? ArchivedAt,
    DateTime CreatedAt, DateTime UpdatedAt, IReadOnlyList<PlanVersionView> Versions, IReadOnlyList<PlanItemView>? Items)
{
    public static PlanView From(Plan p, string? workItemKey, IReadOnlyList<PlanVersionView> versions, IReadOnlyList<PlanItemView>? items) => new(
        p.Id, p.ProjectId, p.GoalId, p.WorkItemId, workItemKey, p.Kind, p.Title, p.Status, p.Attempt, p.LatestVersion, p.ActiveVersion,
        p.CreatedBy, p.ArchivedAt, p.CreatedAt, p.UpdatedAt, versions, items);
}

/// How a version's steps and source items are stored: as the API takes them (snake_case, enums as words).
internal static class PlanJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static string? Write<T>(IReadOnlyList<T>? values) => values is { Count: > 0 } ? JsonSerializer.Serialize(values, Options) : null;

    public static IReadOnlyList<TemplateStep>? Steps(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<List<TemplateStep>>(json, Options);

    public static IReadOnlyList<string>? Ids(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<List<string>>(json, Options);
}
