using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.HumanInput;

/// Agents asking people: a question becomes a work item of type question, assigned to the person or role asked, a
/// sub-item of the asking item, with the question's form. A blocking question ends the run as waiting and blocks the
/// asking item on the question until it is answered (or expires with its default answer).
public sealed partial class HumanInputService
{
    public static readonly TimeSpan LongestExpiry = TimeSpan.FromDays(30);
    public static readonly TimeSpan ShortestExpiry = TimeSpan.FromMinutes(1);
    public const string ExpireWithDefault = "default";
    public const string ExpireToLead = "escalate";

    public async Task<AskResult> AskAsync(string runId, AskRequest request, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        var text = Check.Text(problem, "question", request.Question, 2000, required: true);
        var details = Check.Text(problem, "details", request.Details, 20_000);
        var blocking = request.Blocking ?? true;
        var definition = QuestionForm(request, text, problem);
        var kind = request.Kind is { } k
            ? Check.OneOf<QuestionKind>("kind", k)
            : request.Options is { Count: > 0 } ? QuestionKind.Decide : QuestionKind.Provide;
        DateTime? expiresAt = null;
        string? onExpiry = null;
        string? defaultAnswer = null;
        if (request.ExpiresInSeconds is { } seconds)
        {
            if (seconds < ShortestExpiry.TotalSeconds || seconds > LongestExpiry.TotalSeconds)
            {
                problem.Add("expires_in_seconds", $"must be from {ShortestExpiry.TotalSeconds:0} to {LongestExpiry.TotalSeconds:0} (30 days)");
            }

            expiresAt = Now.AddSeconds(seconds);
            onExpiry = request.OnExpiry ?? (request.DefaultAnswer is null ? ExpireToLead : ExpireWithDefault);
            if (onExpiry is not (ExpireWithDefault or ExpireToLead))
            {
                problem.Add("on_expiry", "must be default (answer with default_answer) or escalate (hand the question to the project lead)");
            }
            else if (onExpiry == ExpireWithDefault && definition is not null)
            {
                defaultAnswer = DefaultAnswer(definition, request.DefaultAnswer, problem);
            }
        }
        else if (request.OnExpiry is not null || request.DefaultAnswer is not null)
        {
            problem.Add("expires_in_seconds", "is required with on_expiry or default_answer");
        }

        problem.ThrowIfAny();
        var (run, item) = await runs.HeldAsync(runId, request.LeaseToken, ct);
        var to = await AddresseeAsync(request.To, item.ProjectId, ct);
        var asker = context.Actor.Name;
        var questionItem = await workItems.CreateAsync(new CreateWorkItem(
            item.ProjectId, "question", text!.Length > 480 ? text[..479] + "…" : text,
            $"{asker} asks while working on {item.Key} \"{item.Title}\":\n\n{text}{(details is null ? "" : $"\n\n{details}")}",
            WorkStatus.Ready, item.Priority, to, item.Id, item.GoalId, null, ["question", kind!.Value.Snake()], false,
            JsonSerializer.SerializeToElement(new { asking_item = item.Key, asking_run = run.Id }), null), ct);
        Attach(questionItem.Id, definition!);
        var question = new Question
        {
            WorkItemId = questionItem.Id,
            AskingItemId = item.Id,
            AskingRunId = run.Id,
            AskedByRef = context.Actor.Ref,
            ToRef = to,
            Text = text,
            Kind = kind.Value,
            Blocking = blocking,
            ExpiresAt = expiresAt,
            OnExpiry = onExpiry,
            DefaultAnswerJson = defaultAnswer,
        };
        db.Questions.Add(question);
        item.AnswersJson = Append(item.AnswersJson, Entry(question, questionItem.Key, null, null, null));
        if (blocking)
        {
            // The question is something the item waits for, like any dependency: it names what the item is blocked on.
            db.WorkItemDependencies.Add(new WorkItemDependency { WorkItemId = item.Id, DependsOnId = questionItem.Id });
            runs.EndWaiting(run, item, $"Waiting for an answer to {questionItem.Key}: {text}", Check.Json(request.Checkpoint));
        }
        else if (Check.Json(request.Checkpoint) is { } checkpoint)
        {
            run.CheckpointJson = checkpoint;
            item.CheckpointJson = checkpoint;
        }

        await db.SaveChangesAsync(ct);
        return new AskResult(View(question, questionItem.Key, item.Key, definition!), Dispatch.RunView.From(run), await workItems.ViewAsync(item, ct));
    }

    /// The form a question is answered with: its options as one single select, the form it came with, or free text.
    private static FormDefinition? QuestionForm(AskRequest request, string? text, ValidationProblem problem)
    {
        var hasForm = request.Form is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) };
        if (request.Options is { Count: > 0 } options)
        {
            if (hasForm)
            {
                problem.Add("options", "give options or a form, not both");
                return null;
            }

            var field = new JsonObject
            {
                ["key"] = "answer", ["type"] = FieldTypes.SingleSelect, ["label"] = text ?? "Answer", ["required"] = true,
                ["options"] = new JsonArray([.. options.Select(o => JsonNode.Parse(o.GetRawText()))]),
            };
            var optionProblem = new ValidationProblem();
            var parsed = FormDefinition.Parse(JsonSerializer.SerializeToElement(new JsonObject { ["fields"] = new JsonArray(field) }), "form", optionProblem);
            if (optionProblem.HasErrors || parsed?.Fields.Count != 1)
            {
                problem.Add("options", "must be a list of up to 100 values, each text or {\"value\", \"label\"}, no value twice");
                return null;
            }

            return FormDefinition.Choice(parsed.Fields[0].Options!, text ?? "Answer");
        }

        if (hasForm)
        {
            var form = FormDefinition.Parse(request.Form!.Value, "form", problem);
            if (form is not null && form.Bindings.Any(b => b.To is FormDefinition.BindMove or FormDefinition.BindApproval))
            {
                problem.Add("form.bindings", "a question's answer finishes the question and goes back to the asking item; bind values to output or variable only");
            }

            return form is null ? null : form with { OneShot = true };
        }

        return FormDefinition.FreeText(text ?? "Answer");
    }

    private static string? DefaultAnswer(FormDefinition form, JsonElement? given, ValidationProblem problem)
    {
        // A choice's default may be given as the option's value alone.
        var values = given switch
        {
            { ValueKind: JsonValueKind.Object } o => o.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()),
            { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } one when form.Fields.Count == 1 =>
                new Dictionary<string, JsonElement> { [form.Fields[0].Key] = one.Clone() },
            null => new Dictionary<string, JsonElement>(),
            _ => null,
        };
        if (values is null)
        {
            problem.Add("default_answer", "must be an object of the form's values");
            return null;
        }

        var checkedValues = form.CheckValues(values, problem, "default_answer");
        return checkedValues.ToJsonString();
    }

    /// "user:EMAIL_OR_ID" or "role:NAME" (a person's role); without one, the project lead, or the tenant's admins.
    private async Task<string> AddresseeAsync(string? to, string projectId, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(to))
        {
            var lead = await db.Projects.Where(p => p.Id == projectId).Select(p => p.LeadUserId).FirstOrDefaultAsync(ct);
            return lead is null ? "role:admin" : $"user:{lead}";
        }

        var (kind, target) = to.IndexOf(':') is var i and > 0 ? (to[..i], to[(i + 1)..].Trim()) : ("", to);
        switch (kind)
        {
            case "user":
                var email = target.ToLowerInvariant();
                var person = await db.Users.Where(u => (u.Id == target || u.Email == email) && u.Status == PersonStatus.Active).Select(u => u.Id).FirstOrDefaultAsync(ct);
                return person is null ? throw ProblemException.Invalid("to", $"no active person '{target}'") : $"user:{person}";
            case "role" when Check.OneOf<PersonRole>("to", target) is { } role:
                return $"role:{role.Snake()}";
            default:
                throw ProblemException.Invalid("to", "must be user:EMAIL_OR_ID or role:NAME (owner, admin, member or reviewer)");
        }
    }

    /// The answer goes to the question, to the asking item's answers (which the item's next run receives), and a blocking
    /// question's item becomes ready again once nothing else it asked is open.
    private async Task AnswerAsync(Question question, WorkItem questionItem, JsonObject values, Submission submission, bool expired, bool moved,
        DateTime now, CancellationToken ct)
    {
        question.Status = expired ? QuestionStatus.Expired : QuestionStatus.Answered;
        question.AnswerJson = values.ToJsonString();
        question.AnsweredByRef = submission.SubmittedByRef;
        question.AnsweredAt = now;
        question.SubmissionId = submission.Id;
        if (!moved && !Workflow.IsFinished(questionItem.Status))
        {
            await MoveAsync(questionItem, WorkStatus.Done, values, now, ct);
        }

        await RowLock.LockAsync(db, "work_items", question.AskingItemId, ct);
        var asking = await db.WorkItems.FirstAsync(w => w.Id == question.AskingItemId, ct);
        asking.AnswersJson = Replace(asking.AnswersJson, question.Id, Entry(question, questionItem.Key, values, submission.SubmittedByRef, now));
        if (question.Blocking && asking.Status == WorkStatus.Blocked
            && !await db.Questions.AnyAsync(q => q.AskingItemId == asking.Id && q.Id != question.Id && q.Blocking && q.Status == QuestionStatus.Open, ct))
        {
            asking.Status = WorkStatus.Ready;
        }
    }

    private static JsonObject Entry(Question q, string key, JsonObject? answer, string? by, DateTime? at) => new()
    {
        ["question_id"] = q.Id,
        ["question_key"] = key,
        ["question"] = q.Text,
        ["kind"] = q.Kind.Snake(),
        ["blocking"] = q.Blocking,
        ["asked_by"] = q.AskedByRef,
        ["to"] = q.ToRef,
        ["status"] = q.Status.Snake(),
        ["answer"] = answer?.DeepClone(),
        ["answered_by"] = by,
        ["answered_at"] = at,
    };

    private static string Append(string? json, JsonObject entry)
    {
        var list = json is not null && JsonNode.Parse(json) is JsonArray existing ? existing : new JsonArray();
        list.Add(entry);
        return list.ToJsonString();
    }

    private static string Replace(string? json, string questionId, JsonObject entry)
    {
        var list = json is not null && JsonNode.Parse(json) is JsonArray existing ? existing : new JsonArray();
        var at = list.Select((e, i) => (e, i)).FirstOrDefault(x => x.e?["question_id"]?.GetValue<string>() == questionId);
        if (at.e is null)
        {
            list.Add(entry);
        }
        else
        {
            list[at.i] = entry;
        }

        return list.ToJsonString();
    }

    /// Questions, newest first; <paramref name="mine"/>: only those asked of the caller or the caller's role.
    public async Task<Page<QuestionView>> ListQuestionsAsync(QuestionStatus? status, bool mine, string? askingItem, PageRequest page, CancellationToken ct)
    {
        var query = db.Questions.AsNoTracking().AsQueryable();
        if (status is { } s)
        {
            query = query.Where(q => q.Status == s);
        }

        if (mine)
        {
            var me = context.Actor.Type == ActorType.Person ? $"user:{context.Actor.Id}" : "";
            var myRole = context.PersonRole is { } role ? $"role:{role.Snake()}" : "";
            query = query.Where(q => q.ToRef == me || q.ToRef == myRole);
        }

        if (askingItem is { Length: > 0 } itemRef)
        {
            var item = await workItems.FindAsync(itemRef, ct);
            query = query.Where(q => q.AskingItemId == item.Id || q.WorkItemId == item.Id);
        }

        if (page.Cursor is { } cursor)
        {
            query = query.Where(q => string.Compare(q.Id, cursor) < 0);
        }

        var rows = await query.OrderByDescending(q => q.Id).ToPageAsync(page, q => q.Id, q => q, ct);
        return new Page<QuestionView>(await ViewsAsync(rows.Items, ct), rows.NextCursor);
    }

    /// A question by its id, or by its item's key or id.
    public async Task<QuestionView> GetQuestionAsync(string reference, CancellationToken ct)
    {
        var question = await db.Questions.AsNoTracking().FirstOrDefaultAsync(q => q.Id == reference, ct);
        if (question is null && await workItems.FindOrNullAsync(reference, ct) is { } item)
        {
            question = await db.Questions.AsNoTracking().FirstOrDefaultAsync(q => q.WorkItemId == item.Id, ct);
        }

        return (await ViewsAsync([question ?? throw ProblemException.NotFound("Question")], ct))[0];
    }

    private async Task<QuestionView?> QuestionViewOfItemAsync(string itemId, CancellationToken ct) =>
        await db.Questions.AsNoTracking().FirstOrDefaultAsync(q => q.WorkItemId == itemId, ct) is { } q ? (await ViewsAsync([q], ct))[0] : null;

    private async Task<IReadOnlyList<QuestionView>> ViewsAsync(IReadOnlyList<Question> questions, CancellationToken ct)
    {
        var itemIds = questions.SelectMany(q => new[] { q.WorkItemId, q.AskingItemId }).Distinct().ToList();
        var keys = itemIds.Count == 0 ? [] : await db.WorkItems.AsNoTracking().WhereIn(w => w.Id, itemIds).ToDictionaryAsync(w => w.Id, w => w.Key, ct);
        var formIds = questions.Select(q => q.WorkItemId).ToList();
        var forms = formIds.Count == 0 ? [] : await db.ItemForms.AsNoTracking().WhereIn(f => f.WorkItemId, formIds).ToDictionaryAsync(f => f.WorkItemId, f => f.DefinitionJson, ct);
        return questions.Select(q => View(q, keys[q.WorkItemId], keys[q.AskingItemId], FormDefinition.Load(forms[q.WorkItemId]))).ToList();
    }

    private static QuestionView View(Question q, string key, string askingKey, FormDefinition form) => new(
        q.Id, key, q.WorkItemId, q.AskingItemId, askingKey, q.AskingRunId, q.AskedByRef, q.ToRef, q.Text, q.Kind, q.Blocking, q.Status,
        q.ExpiresAt, q.OnExpiry, WorkItemView.ParseJson(q.DefaultAnswerJson), q.EscalatedAt, WorkItemView.ParseJson(q.AnswerJson), q.AnsweredByRef,
        q.AnsweredAt, q.SubmissionId, JsonSerializer.SerializeToElement(form.ToJson()), q.CreatedAt);

    /// An open question past its time: answered with its default, or handed to the project lead (or the tenant's
    /// admins) with a higher priority. Run by the expiry sweep as the system, under the question item's lock.
    public async Task<bool> ExpireAsync(string questionId, CancellationToken ct)
    {
        var question = await db.Questions.FirstOrDefaultAsync(q => q.Id == questionId, ct);
        if (question is null)
        {
            return false;
        }

        var item = await db.WorkItems.FirstAsync(w => w.Id == question.WorkItemId, ct);
        await RowLock.LockAsync(db, "work_items", item.Id, ct);
        await db.Entry(item).ReloadAsync(ct);
        await db.Entry(question).ReloadAsync(ct);
        var now = Now;
        if (question.Status != QuestionStatus.Open || question.ExpiresAt is not { } at || at > now || question.EscalatedAt is not null)
        {
            return false;
        }

        if (question.OnExpiry == ExpireWithDefault && question.DefaultAnswerJson is { } answer)
        {
            var form = await FormOfAsync(item.Id, ct) ?? throw new InvalidOperationException("A question has its form.");
            await RecordAsync(item, form, FormDefinition.Load(form.DefinitionJson), question, JsonNode.Parse(answer)!.AsObject(), $"expiry:{question.Id}",
                expired: true, now, ct);
        }
        else
        {
            var lead = await db.Projects.Where(p => p.Id == item.ProjectId).Select(p => p.LeadUserId).FirstOrDefaultAsync(ct);
            question.ToRef = lead is null ? "role:admin" : $"user:{lead}";
            question.EscalatedAt = now;
            item.AssigneeAgentId = null;
            item.AssigneeUserId = lead;
            item.AssigneeRole = lead is null ? "admin" : null;
            item.Priority = item.Priority < Priority.High ? Priority.High : item.Priority;
            Governance.AuditLog.Record(db, "question.escalated", "question", question.Id, new { to = question.ToRef, expired_at = at }, now);
        }

        await db.SaveChangesAsync(ct);
        queue.Changed();
        return true;
    }
}
