using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Identity;

namespace Bosun.Core.Planning;

/// One item of a batch: the fields of a single create, plus the client's name for it and the items of the same batch
/// it is a sub-item of or waits for.
public sealed record BatchWorkItem(
    string? Ref, string? ParentRef, IReadOnlyList<string>? DependsOnRefs,
    string? ProjectId, string? Type, string? Title, string? Description, WorkStatus? Status, Priority? Priority,
    string? Assignee, string? ParentId, string? GoalId, DateTimeOffset? DueAt, IReadOnlyList<string>? Labels,
    bool? ApprovalRequired, JsonElement? Input, IReadOnlyList<string>? DependsOn)
{
    public CreateWorkItem ToCreate() =>
        new(ProjectId, Type, Title, Description, Status, Priority, Assignee, ParentId, GoalId, DueAt, Labels, ApprovalRequired, Input, DependsOn);
}

public sealed record CreateWorkItems(IReadOnlyList<BatchWorkItem>? Items);

public sealed record BatchCreated(string? Ref, WorkItemView Item);

public sealed partial class WorkItemService
{
    public const int MaxBatch = 1000;

    /// Creates up to <see cref="MaxBatch"/> items as the caller, under the same rules as one at a time: every item is
    /// checked before any is stored, and one bad item refuses the whole batch, its errors named "items[i].field".
    public async Task<IReadOnlyList<BatchCreated>> CreateBatchAsync(CreateWorkItems request, CancellationToken ct)
    {
        var items = request.Items ?? throw ProblemException.Invalid("items", "is required");
        if (items.Count is 0 or > MaxBatch)
        {
            throw ProblemException.Invalid("items", $"must hold 1 to {MaxBatch} items");
        }

        var problem = new ValidationProblem();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i].Ref is { Length: > 0 } name && !index.TryAdd(name, i))
            {
                problem.Add($"items[{i}].ref", $"'{name}' is already the ref of items[{index[name]}]");
            }
        }

        int? Resolve(int i, string field, string name)
        {
            if (index.TryGetValue(name, out var at))
            {
                return at;
            }

            problem.Add($"items[{i}].{field}", $"no item of this batch has ref '{name}'");
            return null;
        }

        var parents = new int?[items.Count];
        var waits = new List<int>[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i].ParentRef is { Length: > 0 } parentRef)
            {
                parents[i] = Resolve(i, "parent_ref", parentRef);
                if (items[i].ParentId is { Length: > 0 })
                {
                    problem.Add($"items[{i}].parent_ref", "give parent_ref or parent_id, not both");
                }
            }

            waits[i] = [.. (items[i].DependsOnRefs ?? []).Select(r => Resolve(i, "depends_on_refs", r)).OfType<int>()];
        }

        RefuseCycles(items.Count, i => parents[i] is { } p ? [p] : [], "parent_ref", problem);
        RefuseCycles(items.Count, i => waits[i], "depends_on_refs", problem);

        var drafts = new List<Draft>(items.Count);
        var projects = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var part = new ValidationProblem();
            var draft = await DraftAsync(items[i].ToCreate(), byCaller: true, part, ct, parentInBatch: parents[i] is not null, projects);
            problem.AddAll($"items[{i}].", part);
            drafts.Add(draft);
        }

        for (var i = 0; i < items.Count; i++)
        {
            if (parents[i] is not { } p)
            {
                continue;
            }

            var (child, parent) = (drafts[i].Item, drafts[p].Item);
            child.ParentId = parent.Id;
            if (Permissions.BuiltInApplies(context, Governance.Access.BuiltInPolicies.AgentSubItems, Capability.CreateWork,
                    Governance.Access.WorkAccess.New(child.ProjectId, child.Type, null)) && child.ProjectId != parent.ProjectId)
            {
                problem.Add($"items[{i}].project_id", "must be the project of its parent_ref: agents create sub-items of the item they are working on");
            }
        }

        problem.ThrowIfAny();
        for (var i = 0; i < items.Count; i++)
        {
            drafts[i].DependsOn.AddRange(waits[i].Select(w => drafts[w].Item.Id));
        }

        await AllocateKeysAsync([.. drafts.Select(d => d.Item)], ct);
        var views = await InsertAsync(drafts, ct);
        return [.. views.Select((view, i) => new BatchCreated(items[i].Ref, view))];
    }

    /// Names each item that reaches itself by following <paramref name="edges"/> (refs within the batch).
    private static void RefuseCycles(int count, Func<int, IReadOnlyList<int>> edges, string field, ValidationProblem problem)
    {
        var state = new byte[count]; // 0 unseen, 1 on the current path, 2 done
        for (var start = 0; start < count; start++)
        {
            if (state[start] != 0)
            {
                continue;
            }

            var stack = new Stack<(int Node, int Next)>();
            stack.Push((start, 0));
            state[start] = 1;
            while (stack.TryPop(out var top))
            {
                var next = edges(top.Node);
                if (top.Next < next.Count)
                {
                    stack.Push((top.Node, top.Next + 1));
                    var to = next[top.Next];
                    if (state[to] == 1)
                    {
                        problem.Add($"items[{top.Node}].{field}", "makes a cycle within the batch");
                    }
                    else if (state[to] == 0)
                    {
                        state[to] = 1;
                        stack.Push((to, 0));
                    }
                }
                else
                {
                    state[top.Node] = 2;
                }
            }
        }
    }
}
