using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Automation;

/// Does one action of a rule through the same services people and agents use, so every rule of those services applies
/// and every change is audited, here with the rule as the actor. Runs in the unit of work that marks the action done.
public sealed class RuleActionRunner(BosunDb db, WorkItemService workItems, TemplateService templates, ApprovalService approvals)
{
    public async Task<object?> RunAsync(RuleActionSpec action, IReadOnlyDictionary<string, JsonElement> vars, CancellationToken ct)
    {
        string? R(string? text) => RuleVariables.Render(text, vars) is { } r && r.Trim() is { Length: > 0 } t ? t : null;
        string Need(string field, string? text) => R(text) ?? throw ProblemException.Invalid(field, "is empty once its variables are filled in");

        switch (action.Type)
        {
            case RuleActionTypes.CreateItem:
            {
                var item = await workItems.CreateAsync(new CreateWorkItem(
                    Need("project", action.Project), R(action.ItemType), Need("title", action.Title), R(action.Description), null, null,
                    R(action.Assignee), R(action.Parent), null, null, action.Labels?.Select(l => R(l)).OfType<string>().ToList(), null,
                    RuleVariables.Render(action.Input, vars), null), ct);
                return new { items = new[] { item.Key } };
            }

            case RuleActionTypes.InstantiateTemplate:
            {
                var made = await templates.InstantiateAsync(Need("template", action.Template), new InstantiateTemplate(
                    R(action.Project), WithoutNulls(RuleVariables.Render(action.Variables, vars)), R(action.Parent), null, null, R(action.Title)), ct);
                return new { items = new[] { made.Parent?.Key }.Concat(made.Steps.Select(s => s.Key)).OfType<string>().ToList() };
            }

            case RuleActionTypes.MoveItems:
            {
                var to = EnumNames<WorkStatus>.Parse(action.To!);
                WorkStatus? from = action.From is { Length: > 0 } f ? EnumNames<WorkStatus>.Parse(f) : null;
                List<string> keys;
                if (R(action.ChildrenOf) is { } parentRef)
                {
                    var parent = await workItems.FindAsync(parentRef, ct);
                    keys = await db.WorkItems.AsNoTracking()
                        .Where(w => w.ParentId == parent.Id && w.ArchivedAt == null && w.Status != to && (from == null || w.Status == from))
                        .OrderBy(w => w.Id).Select(w => w.Key).ToListAsync(ct);
                }
                else
                {
                    var item = await workItems.FindAsync(Need("item", action.Item), ct);
                    keys = (from is null || item.Status == from) && item.Status != to ? [item.Key] : [];
                }

                foreach (var key in keys)
                {
                    await workItems.UpdateAsync(key, Update(status: to), ct);
                }

                return new { items = keys };
            }

            case RuleActionTypes.Assign:
            {
                var item = await workItems.UpdateAsync(Need("item", action.Item), Update(assignee: Need("assignee", action.Assignee)), ct);
                return new { items = new[] { item.Key } };
            }

            case RuleActionTypes.Comment:
            {
                var item = await workItems.FindAsync(Need("item", action.Item), ct);
                var comment = await workItems.AddCommentAsync(item.Id, Need("body", action.Body), ct);
                return new { items = new[] { item.Key }, comment_id = comment.Id };
            }

            case RuleActionTypes.AddLabel:
            {
                var item = await workItems.GetAsync(Need("item", action.Item), ct);
                var label = Need("label", action.Label);
                if (!item.Labels.Contains(label))
                {
                    await workItems.UpdateAsync(item.Id, Update(labels: [.. item.Labels, label]), ct);
                }

                return new { items = new[] { item.Key }, label };
            }

            case RuleActionTypes.RequestApproval:
            {
                var approval = await approvals.RequestAsync(new RequestApproval(R(action.Item), Need("subject", action.Subject), R(action.Summary), null), ct);
                return new { approval_id = approval.Id };
            }

            default:
                throw ProblemException.Invalid("type", $"'{action.Type}' is not an action this Bosun runs here");
        }
    }

    private static UpdateWorkItem Update(WorkStatus? status = null, string? assignee = null, IReadOnlyList<string>? labels = null) =>
        new(null, null, null, status, null, assignee, null, null, null, null, labels, null, null, null);

    /// A variable left empty by the event is left out, so the template's default or its "required" check applies.
    private static JsonElement? WithoutNulls(JsonElement? values)
    {
        if (values is not { ValueKind: JsonValueKind.Object } v)
        {
            return values;
        }

        var kept = v.EnumerateObject().Where(p => p.Value.ValueKind != JsonValueKind.Null && !(p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() == ""))
            .ToDictionary(p => p.Name, p => p.Value);
        return JsonSerializer.SerializeToElement(kept);
    }
}
