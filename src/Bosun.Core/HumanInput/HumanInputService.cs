using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Dispatch;
using Bosun.Core.Governance;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.HumanInput;

/// People's structured input: forms on work items, their submissions and where the values go, and the questions agents
/// ask people (answered through the form of the question's own item). Every front end calls this service.
public sealed partial class HumanInputService(
    BosunDb db, RequestContext context, TimeProvider clock, IWorkQueue queue, WorkItemService workItems, RunService runs, ApprovalService approvals)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// Checks a form for an item about to be created, so a refused form creates nothing; problems name form.fields[N]....
    public static FormDefinition? ReadForm(JsonElement? form, ValidationProblem problem) =>
        form is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } json ? FormDefinition.Parse(json, "form", problem) : null;

    /// A work item created with a form, in one unit of work: a form that does not check creates no item.
    public async Task<WorkItemView> CreateWithFormAsync(CreateWorkItem request, JsonElement? form, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        var definition = ReadForm(form, problem);
        problem.ThrowIfAny();
        var created = await workItems.CreateRequestedAsync(request, ct);
        if (definition is null)
        {
            return created;
        }

        Attach(created.Id, definition);
        await db.SaveChangesAsync(ct);
        return created;
    }

    public async Task<FormView> GetFormAsync(string itemRef, CancellationToken ct)
    {
        var item = await workItems.FindAsync(itemRef, ct);
        return await FormViewAsync(item, await FormOfAsync(item.Id, ct) ?? throw ProblemException.NotFound("Form"), ct);
    }

    /// The item's form, if it has one; null otherwise (for pages that show a form only where there is one).
    public async Task<FormView?> FindFormAsync(string itemId, CancellationToken ct)
    {
        var item = await workItems.FindAsync(itemId, ct);
        return await FormOfAsync(item.Id, ct) is { } form ? await FormViewAsync(item, form, ct) : null;
    }

    /// Puts a form on an item, or replaces its form while nothing has been submitted to it.
    public async Task<FormView> SetFormAsync(string itemRef, JsonElement? form, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var problem = new ValidationProblem();
        var definition = ReadForm(form, problem);
        if (definition is null && !problem.HasErrors)
        {
            problem.Add("form", "is required");
        }

        problem.ThrowIfAny();
        var item = await workItems.FindAsync(itemRef, ct);
        if (await db.Questions.AnyAsync(q => q.WorkItemId == item.Id, ct))
        {
            throw ProblemException.Conflict($"{item.Key} is a question: its form is the one it was asked with.", "/problems/question-form");
        }

        var existing = await FormOfAsync(item.Id, ct);
        if (existing is null)
        {
            existing = Attach(item.Id, definition!);
        }
        else
        {
            if (await db.Submissions.AnyAsync(s => s.FormId == existing.Id, ct))
            {
                throw ProblemException.Conflict($"{item.Key}'s form has submissions, which were made against it: it can no longer change.", "/problems/form-submitted");
            }

            existing.DefinitionJson = definition!.ToJson().ToJsonString();
            existing.OneShot = definition.OneShot;
        }

        await db.SaveChangesAsync(ct);
        return await FormViewAsync(item, existing, ct);
    }

    private ItemForm Attach(string itemId, FormDefinition definition)
    {
        var form = new ItemForm { WorkItemId = itemId, DefinitionJson = definition.ToJson().ToJsonString(), OneShot = definition.OneShot, CreatedBy = context.Actor.Ref };
        db.ItemForms.Add(form);
        return form;
    }

    private Task<ItemForm?> FormOfAsync(string itemId, CancellationToken ct) => db.ItemForms.FirstOrDefaultAsync(f => f.WorkItemId == itemId, ct);

    private async Task<FormView> FormViewAsync(WorkItem item, ItemForm form, CancellationToken ct)
    {
        var count = await db.Submissions.CountAsync(s => s.FormId == form.Id, ct);
        var definition = FormDefinition.Load(form.DefinitionJson);
        var accepting = !Workflow.IsFinished(item.Status) && item.ArchivedAt is null && !(form.OneShot && count > 0);
        return new FormView(form.Id, form.WorkItemId, JsonSerializer.SerializeToElement(definition.ToJson()), form.OneShot, count, accepting, form.CreatedAt, form.UpdatedAt)
        {
            Definition = definition,
        };
    }

    public async Task<Page<SubmissionView>> ListSubmissionsAsync(string itemRef, PageRequest page, CancellationToken ct)
    {
        var item = await workItems.FindAsync(itemRef, ct);
        var query = db.Submissions.AsNoTracking().Where(s => s.WorkItemId == item.Id);
        if (page.Cursor is { } cursor)
        {
            query = query.Where(s => string.Compare(s.Id, cursor) > 0);
        }

        return await query.OrderBy(s => s.Id).ToPageAsync(page, s => s.Id, SubmissionView.From, ct);
    }

    /// A person's answer to an item's form. The same Idempotency-Key again answers the first submission made with it;
    /// values that do not fit the form are refused, each named (values.KEY), and nothing is stored.
    public async Task<SubmissionResult> SubmitAsync(string itemRef, SubmitRequest request, string? idempotencyKey, CancellationToken ct)
    {
        if (context.Actor.Type == ActorType.Agent)
        {
            throw ProblemException.Forbidden("Forms are filled in by people; an agent hands its results in with its run's completion.");
        }

        Permissions.Require(context, Capability.Comment);
        var problem = new ValidationProblem();
        var key = Check.Text(problem, "Idempotency-Key", idempotencyKey, 200, required: true);
        problem.ThrowIfAny();
        var item = await workItems.FindAsync(itemRef, ct);
        return await SubmitLockedAsync(item, request.Values ?? new Dictionary<string, JsonElement>(), key!, ct);
    }

    private async Task<SubmissionResult> SubmitLockedAsync(WorkItem item, IReadOnlyDictionary<string, JsonElement> values, string key, CancellationToken ct)
    {
        await RowLock.LockAsync(db, "work_items", item.Id, ct);
        await db.Entry(item).ReloadAsync(ct);
        var form = await FormOfAsync(item.Id, ct) ?? throw ProblemException.NotFound("Form");
        if (await db.Submissions.AsNoTracking().FirstOrDefaultAsync(s => s.IdempotencyKey == key, ct) is { } first)
        {
            if (first.WorkItemId != item.Id)
            {
                throw new ProblemException(422, "Idempotency key reused", $"The Idempotency-Key '{key}' was already used for another item's form.",
                    "/problems/idempotency-key-reused");
            }

            return new SubmissionResult(SubmissionView.From(first), await workItems.ViewAsync(item, ct), await QuestionViewOfItemAsync(item.Id, ct), Replayed: true);
        }

        var definition = FormDefinition.Load(form.DefinitionJson);
        var problem = new ValidationProblem();
        var checkedValues = definition.CheckValues(values, problem);
        problem.ThrowIfAny();

        if (form.OneShot && await db.Submissions.Where(s => s.FormId == form.Id).Select(s => s.Id).FirstOrDefaultAsync(ct) is { } earlier)
        {
            var conflict = ProblemException.Conflict($"{item.Key}'s form takes one submission, and it has one.", "/problems/already-submitted");
            conflict.Extensions["submission_id"] = earlier;
            throw conflict;
        }

        if (Workflow.IsFinished(item.Status) || item.ArchivedAt is not null)
        {
            throw ProblemException.Conflict($"{item.Key} is {(item.ArchivedAt is not null ? "archived" : item.Status.Snake())}: its form takes no more submissions.", "/problems/item-finished");
        }

        var question = await db.Questions.FirstOrDefaultAsync(q => q.WorkItemId == item.Id, ct);
        if (question is { Status: not QuestionStatus.Open })
        {
            throw ProblemException.Conflict($"The question {item.Key} is {question.Status.Snake()}.", "/problems/question-closed");
        }

        var submission = await RecordAsync(item, form, definition, question, checkedValues, key, expired: false, Now, ct);
        await db.SaveChangesAsync(ct);
        if (item.Status == WorkStatus.Ready || question is not null)
        {
            queue.Changed();
        }

        return new SubmissionResult(SubmissionView.From(submission), await workItems.ViewAsync(item, ct), await QuestionViewOfItemAsync(item.Id, ct), Replayed: false);
    }

    /// Stores a submission of checked values and carries out the form's bindings; for a question's item, answers the question.
    private async Task<Submission> RecordAsync(WorkItem item, ItemForm form, FormDefinition definition, Question? question, JsonObject values, string key,
        bool expired, DateTime now, CancellationToken ct)
    {
        var submission = new Submission
        {
            WorkItemId = item.Id,
            FormId = form.Id,
            IdempotencyKey = key,
            ValuesJson = values.ToJsonString(),
            BindingsJson = "[]",
            SubmittedByRef = context.Actor.Ref,
            SubmittedByName = context.Actor.Name,
            CreatedAt = now,
        };
        var done = new JsonArray();
        foreach (var binding in definition.Bindings.Where(b => FormDefinition.Applies(b, values)))
        {
            done.Add(await BindAsync(item, question, binding, values, now, ct));
        }

        if (question is not null)
        {
            await AnswerAsync(question, item, values, submission, expired, moved: definition.Bindings.Any(b => b.To == FormDefinition.BindMove), now, ct);
        }

        submission.BindingsJson = done.ToJsonString();
        db.Submissions.Add(submission);
        return submission;
    }

    /// Carries out one binding; the answer says what it did, stored with the submission.
    private async Task<JsonObject> BindAsync(WorkItem item, Question? question, FormBinding binding, JsonObject values, DateTime now, CancellationToken ct)
    {
        JsonNode? Value() => binding.Field is { } field ? values[field]?.DeepClone() : values.DeepClone();
        var name = binding.As ?? binding.Field;
        switch (binding.To)
        {
            case FormDefinition.BindOutput:
            {
                item.OutputJson = Merge(item.OutputJson, name, Value());
                return new JsonObject { ["to"] = "output", ["work_item"] = item.Key, ["name"] = name, ["value"] = Value() };
            }

            case FormDefinition.BindVariable:
            {
                var targets = await TargetsAsync(item, question, binding.Target!, ct);
                foreach (var target in targets)
                {
                    target.InputJson = Merge(target.InputJson, name, Value());
                }

                return new JsonObject
                {
                    ["to"] = "variable", ["target"] = binding.Target, ["work_items"] = new JsonArray([.. targets.Select(t => (JsonNode)t.Key)]),
                    ["name"] = name, ["value"] = Value(),
                };
            }

            case FormDefinition.BindMove:
            {
                var to = binding.Status == "done" ? WorkStatus.Done : WorkStatus.Ready;
                var reached = await MoveAsync(item, to, values, now, ct);
                return new JsonObject { ["to"] = "move", ["work_item"] = item.Key, ["status"] = reached.Snake() };
            }

            default:
            {
                var verdictText = binding.Verdict ?? values[binding.Field!]?.GetValue<string>();
                var verdict = Check.OneOf<Verdict>(binding.Field is null ? "verdict" : $"values.{binding.Field}", verdictText)!.Value;
                var note = binding.NoteField is { } noteField ? values[noteField]?.ToString() : null;
                if (verdict != Verdict.Approve && string.IsNullOrWhiteSpace(note))
                {
                    throw ProblemException.Invalid(binding.NoteField is { } nf ? $"values.{nf}" : "values", "a note is required to reject or request changes");
                }

                var pending = await db.Approvals.Where(a => a.WorkItemId == item.Id && a.Status == ApprovalStatus.Pending).OrderBy(a => a.Id).Select(a => a.Id).FirstOrDefaultAsync(ct)
                              ?? throw ProblemException.Conflict($"{item.Key} has no approval waiting for a decision.", "/problems/no-pending-approval");
                var decided = await approvals.DecideAsync(pending, verdict, new Decision(note), ct);
                return new JsonObject { ["to"] = "approval", ["approval_id"] = pending, ["verdict"] = verdict.Snake(), ["status"] = decided.Approval.Status.Snake() };
            }
        }
    }

    /// The items a variable binding writes to: the item's parent, or the items waiting for it (a question's asking item,
    /// or the items that depend on this one).
    private async Task<List<WorkItem>> TargetsAsync(WorkItem item, Question? question, string target, CancellationToken ct)
    {
        if (target == FormDefinition.TargetParent)
        {
            return item.ParentId is { } parentId ? [await db.WorkItems.FirstAsync(w => w.Id == parentId, ct)] : [];
        }

        if (question is not null)
        {
            return [await db.WorkItems.FirstAsync(w => w.Id == question.AskingItemId, ct)];
        }

        var waiting = db.WorkItemDependencies.Where(d => d.DependsOnId == item.Id).Select(d => d.WorkItemId);
        return await db.WorkItems.Where(w => waiting.Contains(w.Id)).OrderBy(w => w.Id).ToListAsync(ct);
    }

    /// The move a submission makes: done (through the approval gate when the item has one) or back to ready. A run that
    /// held the item is told to stop on its next heartbeat.
    private async Task<WorkStatus> MoveAsync(WorkItem item, WorkStatus to, JsonObject values, DateTime now, CancellationToken ct)
    {
        if (item.Status == WorkStatus.AwaitingApproval)
        {
            throw ProblemException.Conflict($"{item.Key} waits for a reviewer: a form that decides approvals binds to approval.", "/problems/awaiting-approval");
        }

        if (to == WorkStatus.Ready && !Workflow.CanMove(item.Status, WorkStatus.Ready))
        {
            throw WorkItemService.IllegalMove(item, to);
        }

        if (Workflow.IsActive(item.Status))
        {
            await RunService.EndActiveRunAsync(db, item, "answered", now, ct);
        }

        if (to == WorkStatus.Done && item.ApprovalRequired)
        {
            item.Status = WorkStatus.AwaitingApproval;
            ApprovalService.Open(db, context, ApprovalKind.WorkOutput, $"Review {item.Key}: {item.Title}", "Submitted with the item's form.",
                item.ProjectId, item, outputJson: values.ToJsonString());
            return item.Status;
        }

        item.Status = to;
        if (to == WorkStatus.Done)
        {
            item.CompletedAt = now;
            await ItemClosing.FinishedAsync(db, item, now, ct);
        }

        return item.Status;
    }

    private static string Merge(string? json, string? name, JsonNode? value)
    {
        var target = json is not null && JsonNode.Parse(json) is JsonObject existing ? existing : new JsonObject();
        if (name is not null)
        {
            target[name] = value;
        }
        else if (value is JsonObject all)
        {
            foreach (var (key, field) in all)
            {
                target[key] = field?.DeepClone();
            }
        }

        return target.ToJsonString();
    }
}
