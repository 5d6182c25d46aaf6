using System.Data.Common;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Core.Dispatch;
using Bosun.Core.Governance;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Realtime;

/// Which audited changes are streamed, under which names, and which project and work item each belongs to.
public static class StreamEvents
{
    /// Every event type a stream or webhook can carry.
    public static readonly IReadOnlyList<string> Types =
    [
        "work_item.created", "work_item.changed", "run.started", "run.ended", "approval.requested", "approval.decided",
        "comment.created", "budget.warning", "budget.stop", "budget.resumed", "project.created", "project.changed",
        "goal.created", "goal.changed", "plan.created", "plan.changed", "plan.activated", "agent.paused", "agent.resumed",
        "question.asked", "question.answered", "question.escalated", "submission.created", "schedule.fired", "schedule.failed",
        "github.pull_request", "github.check", "artifact.changed", "connection.expired",
    ];

    /// True when a filter pattern (an event type, "work_item.*", or "*") matches the type.
    public static bool Matches(string pattern, string type) =>
        pattern == "*" || pattern == type || (pattern.EndsWith(".*", StringComparison.Ordinal) && type.StartsWith(pattern[..^1], StringComparison.Ordinal));

    internal static string? TypeOf(AuditEntry audit) => audit.EntityType switch
    {
        // An archive or a restore saves the row itself too, and that row's update announces the change already.
        _ when audit.Action.EndsWith(".archived", StringComparison.Ordinal) || audit.Action.EndsWith(".restored", StringComparison.Ordinal) => null,
        "work_item" => audit.Action == "work_item.created" ? "work_item.created" : "work_item.changed",
        "run" when audit.Action == "run.created" => "run.started",
        "run" when StatusAfter(audit.ChangesJson) is { } status && status != "active" => "run.ended",
        "approval" when audit.Action == "approval.created" => "approval.requested",
        "approval" when StatusAfter(audit.ChangesJson) is { } status && status != "pending" => "approval.decided",
        "comment" when audit.Action == "comment.created" => "comment.created",
        "submission" when audit.Action == "submission.created" => "submission.created",

        // What GitHub reported about an item's pull request or a check of its head commit, for rules that act on merges.
        "github_pull_request" => "github.pull_request",
        "github_check" => "github.check",
        "question" => audit.Action switch
        {
            "question.created" => "question.asked",
            "question.escalated" => "question.escalated",
            _ when StatusAfter(audit.ChangesJson) is "answered" or "expired" => "question.answered",
            _ => null,
        },
        "budget" => audit.Action switch
        {
            "budget.warn_reached" => "budget.warning",
            "budget.cap_reached" => "budget.stop",
            "budget.resumed" => "budget.resumed",
            _ => null,
        },
        "schedule" => audit.Action is "schedule.fired" or "schedule.failed" ? audit.Action : null,

        // A connected account whose token could not be refreshed: agents cannot use it until a person reconnects it.
        "connection" => audit.Action == "connection.expired" ? audit.Action : null,

        // A new version of an artifact, with what depends on it (the impact at that moment).
        "artifact" => audit.Action == "artifact.changed" ? audit.Action : null,
        "project" or "goal" => audit.Action.EndsWith(".created", StringComparison.Ordinal) ? $"{audit.EntityType}.created" : $"{audit.EntityType}.changed",

        // A version becoming active is announced on its own, for automation that waits for approved plans; archiving
        // and restoring change the plan row, which is announced as plan.changed already.
        "plan" => audit.Action switch
        {
            "plan.created" => "plan.created",
            "plan.updated" => "plan.changed",
            "plan.activated" => "plan.activated",
            _ => null,
        },

        // A provider's limit pausing an agent's claims, and a person lifting the pause; a pause that ends at its time
        // changes nothing and so is not announced.
        "agent" => Change(audit.ChangesJson, "claims_paused_until") switch
        {
            { ValueKind: JsonValueKind.String } => "agent.paused",
            { ValueKind: JsonValueKind.Null } => "agent.resumed",
            _ => null,
        },
        _ => null,
    };

    internal static StreamEvent From(AuditEntry audit, string type, TrackedEntities tracked)
    {
        var e = new StreamEvent
        {
            TenantId = audit.TenantId,
            Type = type,
            EntityType = audit.EntityType,
            EntityId = audit.EntityId,
            ActorRef = audit.ActorRef,
            ActorName = audit.ActorName,
            ChangesJson = audit.ChangesJson,
            CreatedAt = audit.CreatedAt,
        };

        // Tracked entities answer most of it now; the rest (raw-SQL claims, budgets) is looked up at commit.
        T? Tracked<T>(string? id) where T : class, IAudited => tracked.Find<T>(id);

        switch (audit.EntityType)
        {
            case "work_item":
                e.WorkItemId = audit.EntityId;
                break;
            case "run":
                e.WorkItemId = Tracked<Run>(audit.EntityId)?.WorkItemId;
                break;
            case "comment":
                e.WorkItemId = Tracked<Comment>(audit.EntityId)?.WorkItemId;
                break;
            case "submission":
                e.WorkItemId = Tracked<HumanInput.Submission>(audit.EntityId)?.WorkItemId;
                break;
            case "github_pull_request" or "github_check":
                e.WorkItemId = Change(audit.ChangesJson, "work_item_id")?.GetString();
                break;

            // A question's events belong to the item that asked it, whose runs wait for the answer.
            case "question":
                e.WorkItemId = Tracked<HumanInput.Question>(audit.EntityId)?.AskingItemId;
                break;
            case "approval":
                var approval = Tracked<Approval>(audit.EntityId);
                e.WorkItemId = approval?.WorkItemId;
                e.ProjectId = approval?.ProjectId;
                break;
            case "project":
                e.ProjectId = audit.EntityId;
                break;
            case "artifact":
                e.ProjectId = Tracked<Knowledge.Artifact>(audit.EntityId)?.ProjectId;
                break;
            case "goal":
                e.ProjectId = Tracked<Goal>(audit.EntityId)?.ProjectId;
                break;
            case "plan":
                var plan = Tracked<Plan>(audit.EntityId);
                e.ProjectId = plan?.ProjectId;
                e.WorkItemId = plan?.WorkItemId;
                break;
            case "budget" when audit.EntityId.Split(':') is [_, var itemId]:
                e.WorkItemId = itemId;
                break;
        }

        if (Tracked<WorkItem>(e.WorkItemId) is { } item)
        {
            e.ProjectId ??= item.ProjectId;
            e.WorkItemKey = item.Key;
        }

        return e;
    }

    /// Fills in what the tracked entities could not tell: a budget's scope (and whether reaching its cap
    /// stops or fails work, or only warns), and the project and key of work items changed by raw SQL.
    internal static async Task ResolveAsync(DbTransaction transaction, bool sync, string tenantId, IReadOnlyList<StreamEvent> events, CancellationToken ct)
    {
        var budgetIds = events.Where(e => e.EntityType == "budget" && e.WorkItemId is null).Select(e => e.EntityId).Distinct().ToList();
        if (budgetIds.Count > 0)
        {
            await using var read = Sql.On(transaction, StreamStatements.BudgetsIn(budgetIds.Count))
                .With([("t", tenantId), .. Params("b", budgetIds)]);
            var budgets = (await read.RowsAsync(sync, ct))
                .ToDictionary(r => (string)r[0]!, r => (Scope: (string)r[1]!, ScopeId: r[2] as string, Action: (string)r[3]!));
            foreach (var e in events.Where(e => e.EntityType == "budget" && budgets.ContainsKey(e.EntityId)))
            {
                var budget = budgets[e.EntityId];
                if (budget.Scope == "project")
                {
                    e.ProjectId = budget.ScopeId;
                }
                else if (budget.Scope == "work_item")
                {
                    e.WorkItemId = budget.ScopeId;
                }

                if (e.Type == "budget.stop" && budget.Action == "warn")
                {
                    e.Type = "budget.warning";
                }
            }
        }

        var itemIds = events.Where(e => e.WorkItemId is not null && (e.ProjectId is null || e.WorkItemKey is null)).Select(e => e.WorkItemId!).Distinct().ToList();
        if (itemIds.Count > 0)
        {
            await using var read = Sql.On(transaction, StreamStatements.WorkItemsIn(itemIds.Count))
                .With([("t", tenantId), .. Params("w", itemIds)]);
            var items = (await read.RowsAsync(sync, ct))
                .ToDictionary(r => (string)r[0]!, r => (ProjectId: (string)r[1]!, Key: (string)r[2]!));
            foreach (var e in events.Where(e => e.WorkItemId is not null && items.ContainsKey(e.WorkItemId)))
            {
                e.ProjectId ??= items[e.WorkItemId!].ProjectId;
                e.WorkItemKey ??= items[e.WorkItemId!].Key;
            }
        }
    }

    private static IEnumerable<(string, object?)> Params(string prefix, IReadOnlyList<string> values) =>
        values.Select((v, i) => ($"{prefix}{i}", (object?)v));

    private static string? StatusAfter(string changesJson) =>
        Change(changesJson, "status") is { ValueKind: JsonValueKind.String } after ? after.GetString() : null;

    /// The value a change gave the field, or null when the change left it alone.
    private static JsonElement? Change(string changesJson, string field)
    {
        using var doc = JsonDocument.Parse(changesJson);
        return doc.RootElement.TryGetProperty(field, out var change) && change.ValueKind == JsonValueKind.Object && change.TryGetProperty("after", out var after)
            ? after.Clone()
            : null;
    }
}

/// The audited entities a save tracks, by type and id, read from the change tracker once per save. Asking the change
/// tracker for each event's entities would detect changes over every tracked entity once per event: quadratic in the
/// size of a save (a 1,000-item batch spent seconds there).
internal sealed class TrackedEntities(BosunDb db)
{
    private Dictionary<(Type, string), IAudited>? _byId;

    public T? Find<T>(string? id) where T : class, IAudited
    {
        if (id is null)
        {
            return null;
        }

        if (_byId is null)
        {
            _byId = [];
            foreach (var entry in db.ChangeTracker.Entries())
            {
                if (entry.Entity is IAudited audited)
                {
                    _byId.TryAdd((entry.Entity.GetType(), audited.Id), audited);
                }
            }
        }

        return _byId.GetValueOrDefault((typeof(T), id)) as T;
    }
}
