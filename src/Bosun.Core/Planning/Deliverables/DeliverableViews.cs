using System.Text.Json;

namespace Bosun.Core.Planning;

public sealed record DeliverablePeriodView(
    string Id, string DeliverableId, string Period, DateTime StartsAt, DateTime EndsAt, int Target, int Completed, double Percent,
    PeriodStatus Status, DateTime? PipelinesCreatedAt, DateTime CreatedAt)
{
    public static DeliverablePeriodView From(DeliverablePeriod p, PeriodStatus status) => new(
        p.Id, p.DeliverableId, p.Period, p.StartsAt, p.EndsAt, p.TargetCount, p.CompletedCount, PeriodProgress.Percent(p.TargetCount, p.CompletedCount),
        status, p.PipelinesCreatedAt, p.CreatedAt);
}

/// A deliverable with its current period (when it has a row) and, read one at a time, every period it has had.
public sealed record DeliverableView(
    string Id, string GoalId, string ProjectId, string? PlanId, string Name, string Type, int QuantityPerPeriod, PeriodLength Period,
    string? TemplateId, JsonElement? Variables, bool Active, DateTime? ArchivedAt, DateTime CreatedAt, DateTime UpdatedAt)
{
    public DeliverablePeriodView? Current { get; init; }

    /// Newest first; only when one deliverable is read.
    public IReadOnlyList<DeliverablePeriodView>? Periods { get; init; }

    public static DeliverableView From(Deliverable d) => new(
        d.Id, d.GoalId, d.ProjectId, d.PlanId, d.Name, d.Type, d.QuantityPerPeriod, d.Period, d.TemplateId,
        WorkItemView.ParseJson(d.VariablesJson), d.Active, d.ArchivedAt, d.CreatedAt, d.UpdatedAt);
}

/// One line of the monthly progress report: how a deliverable stands in the period that holds the month.
public sealed record DeliverableProgressRow(
    string DeliverableId, string Deliverable, string GoalId, string Goal, string Type, PeriodLength PeriodLength, string Period,
    DateTime StartsAt, DateTime EndsAt, int Target, int Completed, double Percent, PeriodStatus Status, string PeriodId);

public sealed record DeliverableProgress(string Period, DateTime StartsAt, DateTime EndsAt, IReadOnlyList<DeliverableProgressRow> Items);

/// What a request to make a period's pipelines did: the counted items it made now (none when they were made before).
public sealed record PeriodPipelines(DeliverablePeriodView Period, IReadOnlyList<string> Created);
