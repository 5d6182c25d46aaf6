using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Planning;
using Bosun.Core.Realtime;

namespace Bosun.Core.Automation;

/// One thing a rule does. Which fields apply depends on <see cref="Type"/>; every text field may hold
/// <c>{{variables}}</c> from the event (see <see cref="RuleVariables"/>).
public sealed record RuleActionSpec(
    string? Type,
    string? Project = null, string? Title = null, string? ItemType = null, string? Description = null, string? Assignee = null,
    IReadOnlyList<string>? Labels = null, string? Parent = null, JsonElement? Input = null,
    string? Template = null, JsonElement? Variables = null,
    string? Item = null, string? ChildrenOf = null, string? From = null, string? To = null,
    string? Body = null, string? Label = null, string? Subject = null, string? Summary = null, string? Webhook = null);

public static class RuleActionTypes
{
    public const string CreateItem = "create_item";
    public const string InstantiateTemplate = "instantiate_template";
    public const string MoveItems = "move_items";
    public const string Assign = "assign";
    public const string Comment = "comment";
    public const string AddLabel = "add_label";
    public const string RequestApproval = "request_approval";
    public const string CallWebhook = "call_webhook";

    public static readonly IReadOnlyList<string> All = [CreateItem, InstantiateTemplate, MoveItems, Assign, Comment, AddLabel, RequestApproval, CallWebhook];

    public const int MaxActions = 20;

    /// Checks what can be checked before an event arrives; names each error "actions[i].field".
    public static List<RuleActionSpec> Check(ValidationProblem problem, IReadOnlyList<RuleActionSpec>? actions)
    {
        if (actions is null || actions.Count == 0)
        {
            problem.Add("actions", "must hold at least one action");
            return [];
        }

        if (actions.Count > MaxActions)
        {
            problem.Add("actions", $"at most {MaxActions} actions");
            return [];
        }

        var checkedActions = new List<RuleActionSpec>();
        for (var i = 0; i < actions.Count; i++)
        {
            var a = actions[i];
            var f = $"actions[{i}]";
            void Need(string field, string? value)
            {
                if (string.IsNullOrWhiteSpace(value))
                {
                    problem.Add($"{f}.{field}", $"is required for {a.Type}");
                }
            }

            void Long(string field, string? value, int max)
            {
                if (value is { } v && v.Length > max)
                {
                    problem.Add($"{f}.{field}", $"must be at most {max} characters");
                }
            }

            void Status(string field, string? value)
            {
                if (value is { Length: > 0 } v && !EnumNames<WorkStatus>.TryParse(v, out _))
                {
                    problem.Add($"{f}.{field}", $"must be one of: {string.Join(", ", EnumNames<WorkStatus>.All)}");
                }
            }

            switch (a.Type)
            {
                case CreateItem:
                    Need("project", a.Project);
                    Need("title", a.Title);
                    break;
                case InstantiateTemplate:
                    Need("template", a.Template);
                    if (a.Variables is { } vars && vars.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null or JsonValueKind.Undefined))
                    {
                        problem.Add($"{f}.variables", "must be an object of variable values");
                    }

                    break;
                case MoveItems:
                    if (string.IsNullOrWhiteSpace(a.Item) == string.IsNullOrWhiteSpace(a.ChildrenOf))
                    {
                        problem.Add($"{f}.item", "give either item or children_of");
                    }

                    Need("to", a.To);
                    Status("to", a.To);
                    Status("from", a.From);
                    break;
                case Assign:
                    Need("item", a.Item);
                    Need("assignee", a.Assignee);
                    break;
                case Comment:
                    Need("item", a.Item);
                    Need("body", a.Body);
                    break;
                case AddLabel:
                    Need("item", a.Item);
                    Need("label", a.Label);
                    break;
                case RequestApproval:
                    Need("subject", a.Subject);
                    break;
                case CallWebhook:
                    Need("webhook", a.Webhook);
                    break;
                default:
                    problem.Add($"{f}.type", $"must be one of: {string.Join(", ", All)}");
                    break;
            }

            Long("title", a.Title, 500);
            Long("body", a.Body, 50_000);
            Long("subject", a.Subject, 500);
            Long("summary", a.Summary, 20_000);
            Long("description", a.Description, 100_000);
            checkedActions.Add(a);
        }

        return checkedActions;
    }

    public static string Write(IReadOnlyList<RuleActionSpec> actions) => JsonSerializer.Serialize(actions, RuleJson.Options);

    public static List<RuleActionSpec> Read(string json) => JsonSerializer.Deserialize<List<RuleActionSpec>>(json, RuleJson.Options) ?? [];
}

internal static class RuleJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };
}

/// Which events a rule may wait for, and whether one stream event is one a rule waits for.
public static class RuleEvents
{
    /// Fired only by the rule's inbound trigger, never by the stream.
    public const string Inbound = "inbound";

    /// Names for the common cases of stream events: a work item's status changing, a run failing, a budget crossing
    /// its warning or its cap.
    public static readonly IReadOnlyList<string> Derived = ["work_item.status_changed", "run.failed", "budget.crossed"];

    public static IReadOnlyList<string> All { get; } = [.. StreamEvents.Types, .. Derived, Inbound];

    /// Events a status filter (from / to) applies to: their changes carry a status.
    public static bool HasStatus(string ruleEvent) =>
        ruleEvent is "work_item.status_changed" or "work_item.changed" or "approval.decided" or "run.ended" or "run.failed" or "plan.changed";

    public static bool TypeMatches(string ruleEvent, StreamEvent e) => ruleEvent switch
    {
        Inbound => false,
        "work_item.status_changed" => e.Type == "work_item.changed" && Status(e.ChangesJson).After is not null,
        "run.failed" => e.Type == "run.ended" && Status(e.ChangesJson).After == "failed",
        "budget.crossed" => e.Type is "budget.warning" or "budget.stop",
        _ => e.Type == ruleEvent,
    };

    /// The status before and after the change, when it changed one.
    public static (string? Before, string? After) Status(string changesJson)
    {
        using var doc = JsonDocument.Parse(changesJson);
        if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("status", out var status))
        {
            return (null, null);
        }

        if (status.ValueKind == JsonValueKind.String)
        {
            return (null, status.GetString());
        }

        if (status.ValueKind != JsonValueKind.Object)
        {
            return (null, null);
        }

        static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return (Text(status, "before"), Text(status, "after"));
    }
}

/// The variables an action's text may name, as <c>{{name}}</c>: the event's own fields, its work item's, the changes it
/// carries, and for an inbound call the JSON body it was sent.
public static partial class RuleVariables
{
    public static Dictionary<string, JsonElement> Of(StreamEvent e, WorkItem? item, IReadOnlyList<string>? labels)
    {
        var vars = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        void Put(string name, object? value)
        {
            if (value is not null)
            {
                vars[name] = JsonSerializer.SerializeToElement(value);
            }
        }

        Put("event.id", e.Seq);
        Put("event.type", e.Type);
        Put("event.depth", e.Depth);
        Put("entity.type", e.EntityType);
        Put("entity.id", e.EntityId);
        Put("project.id", e.ProjectId);
        Put("actor", e.ActorRef);
        Put("actor.name", e.ActorName);
        Put("item.id", e.WorkItemId);
        Put("item.key", e.WorkItemKey);
        if (item is not null)
        {
            Put("item.title", item.Title);
            Put("item.type", item.Type);
            Put("item.status", item.Status.Snake());
            Put("item.parent_id", item.ParentId);
            Put("item.goal_id", item.GoalId);
            Put("item.description", item.Description);
            Put("item.labels", labels);
            if (item.InputJson is { } input)
            {
                using var doc = JsonDocument.Parse(input);
                vars["item.input"] = doc.RootElement.Clone();
                Flatten("item.input", doc.RootElement, vars, 0);
            }
        }

        var (before, after) = RuleEvents.Status(e.ChangesJson);
        Put("status.before", before);
        Put("status.after", after);
        using var changes = JsonDocument.Parse(e.ChangesJson);
        if (changes.RootElement.ValueKind == JsonValueKind.Object)
        {
            foreach (var change in changes.RootElement.EnumerateObject())
            {
                if (change.Value.ValueKind == JsonValueKind.Object && (change.Value.TryGetProperty("after", out _) || change.Value.TryGetProperty("before", out _)))
                {
                    if (change.Value.TryGetProperty("after", out var a))
                    {
                        vars[$"changes.{change.Name}"] = a.Clone();
                    }

                    if (change.Value.TryGetProperty("before", out var b))
                    {
                        vars[$"changes.{change.Name}.before"] = b.Clone();
                    }
                }
                else
                {
                    vars[$"changes.{change.Name}"] = change.Value.Clone();
                }
            }
        }

        return vars;
    }

    /// An inbound call's body: the whole as "body", each field of an object (nested with dots) as "body.field".
    public static Dictionary<string, JsonElement> OfInbound(string triggerId, JsonElement? body)
    {
        var vars = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["event.type"] = JsonSerializer.SerializeToElement(RuleEvents.Inbound),
            ["trigger.id"] = JsonSerializer.SerializeToElement(triggerId),
        };
        if (body is { } b)
        {
            vars["body"] = b.Clone();
            Flatten("body", b, vars, 0);
        }

        return vars;
    }

    private static void Flatten(string prefix, JsonElement value, Dictionary<string, JsonElement> vars, int depth)
    {
        if (value.ValueKind != JsonValueKind.Object || depth > 8)
        {
            return;
        }

        foreach (var p in value.EnumerateObject())
        {
            var name = $"{prefix}.{p.Name}";
            vars[name] = p.Value.Clone();
            Flatten(name, p.Value, vars, depth + 1);
        }
    }

    public static string Write(IReadOnlyDictionary<string, JsonElement> vars) => JsonSerializer.Serialize(vars);

    public static Dictionary<string, JsonElement> Read(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json) ?? new Dictionary<string, JsonElement>(StringComparer.Ordinal);

    /// The text with each <c>{{name}}</c> replaced by the variable's value; an unknown name becomes empty text.
    public static string? Render(string? text, IReadOnlyDictionary<string, JsonElement> vars) =>
        text is null ? null : Placeholder().Replace(text, m => vars.TryGetValue(m.Groups[1].Value, out var v) ? AsText(v) : "");

    /// A JSON value with its strings rendered; a string that is exactly one placeholder takes the variable's JSON value
    /// (a list stays a list, a number a number).
    public static JsonElement? Render(JsonElement? value, IReadOnlyDictionary<string, JsonElement> vars)
    {
        if (value is not { } v || v.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return value;
        }

        var node = RenderNode(JsonNode.Parse(v.GetRawText()), vars);
        return node is null ? null : JsonSerializer.SerializeToElement(node);
    }

    private static JsonNode? RenderNode(JsonNode? node, IReadOnlyDictionary<string, JsonElement> vars)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    obj[key] = RenderNode(obj[key]?.DeepClone(), vars);
                }

                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    array[i] = RenderNode(array[i]?.DeepClone(), vars);
                }

                return array;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                var text = value.GetValue<string>();
                var whole = Placeholder().Match(text);
                if (whole.Success && whole.Length == text.Length)
                {
                    return vars.TryGetValue(whole.Groups[1].Value, out var v) ? JsonNode.Parse(v.GetRawText()) : null;
                }

                return JsonValue.Create(Render(text, vars));
            default:
                return node;
        }
    }

    private static string AsText(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString() ?? "",
        JsonValueKind.Null => "",
        JsonValueKind.Array => string.Join(", ", v.EnumerateArray().Select(AsText)),
        _ => v.GetRawText(),
    };

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}")]
    private static partial Regex Placeholder();
}
