using System.Text.Json;
using Bosun.Core.Dispatch;
using Bosun.Core.Planning;

namespace Bosun.Core.HumanInput;

/// <see cref="Form"/> is the definition: fields, bindings, one_shot and submit_label. <see cref="Accepting"/> says whether
/// a submission would be taken now (a one-shot form takes one; a finished item none).
public sealed record FormView(string Id, string WorkItemId, JsonElement Form, bool OneShot, int Submissions, bool Accepting, DateTime CreatedAt, DateTime UpdatedAt)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public FormDefinition? Definition { get; init; }
}

public sealed record SubmissionView(
    string Id, string WorkItemId, string FormId, JsonElement Values, JsonElement Bindings, string SubmittedBy, string SubmittedByName, DateTime SubmittedAt)
{
    public static SubmissionView From(Submission s) => new(
        s.Id, s.WorkItemId, s.FormId, WorkItemView.ParseJson(s.ValuesJson)!.Value, WorkItemView.ParseJson(s.BindingsJson)!.Value,
        s.SubmittedByRef, s.SubmittedByName, s.CreatedAt);
}

/// <see cref="Replayed"/>: the Idempotency-Key was used before, and this is the first submission made with it.
public sealed record SubmissionResult(SubmissionView Submission, WorkItemView Item, QuestionView? Question, bool Replayed);

public sealed record SubmitRequest(IReadOnlyDictionary<string, JsonElement>? Values);

public sealed record QuestionView(
    string Id, string Key, string WorkItemId, string AskingItemId, string AskingItemKey, string? AskingRunId, string AskedBy, string To,
    string Question, QuestionKind Kind, bool Blocking, QuestionStatus Status, DateTime? ExpiresAt, string? OnExpiry, JsonElement? DefaultAnswer,
    DateTime? EscalatedAt, JsonElement? Answer, string? AnsweredBy, DateTime? AnsweredAt, string? SubmissionId, JsonElement Form, DateTime CreatedAt);

/// What an agent asks: a question, either a choice of <see cref="Options"/> (strings or {value, label}) or a
/// <see cref="Form"/> (neither: a free-text answer), for <see cref="To"/> (user:EMAIL_OR_ID or role:NAME; the project
/// lead when left out). Blocking (the default) ends the run as waiting.
public sealed record AskRequest(
    string? LeaseToken, string? Question, string? Details, IReadOnlyList<JsonElement>? Options, JsonElement? Form, string? To, bool? Blocking,
    string? Kind, int? ExpiresInSeconds, string? OnExpiry, JsonElement? DefaultAnswer, JsonElement? Checkpoint);

public sealed record AskResult(QuestionView Question, RunView Run, WorkItemView Item);
