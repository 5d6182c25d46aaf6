using System.Text.Json;
using Bosun.Core.Common;

namespace Bosun.Core.Governance.Access;

/// Parsing and compiling policies: the same code checks a policy when it is written (naming the offending path) and
/// compiles it when a tenant's policy set is loaded.
public static class PolicyRules
{
    /// The kinds of resource a policy can name.
    public static readonly IReadOnlyList<string> Kinds =
    [
        "tenant", "project", "work", "goal", "plan", "template", "approval", "budget", "cost", "price", "agent", "person",
        "token", "audit", "secret", "connection", "integration", "webhook", "rule", "schedule", "notification", "role",
        "policy", "artifact", "document", "memory", "session",
    ];

    public static CompiledPolicy? Compile(AccessPolicy row, IReadOnlyDictionary<string, string> projectIdsByKey, ValidationProblem problem)
    {
        var actions = Strings(row.ActionsJson);
        var resources = Strings(row.ResourcesJson);
        using var conditions = JsonDocument.Parse(row.ConditionsJson);
        return Compile(row.Id, row.Name, row.Effect, row.Priority, actions, resources, conditions.RootElement, projectIdsByKey, problem);
    }

    public static CompiledPolicy CompileBuiltIn(BuiltInPolicies.Definition definition)
    {
        var problem = new ValidationProblem();
        using var conditions = JsonDocument.Parse(definition.ConditionsJson);
        var compiled = Compile(BuiltInPolicies.IdOf(definition.Key), definition.Name, definition.Effect, int.MaxValue,
            definition.Actions, definition.Resources, conditions.RootElement, new Dictionary<string, string>(), problem, system: true);
        problem.ThrowIfAny();
        return compiled!;
    }

    public static CompiledPolicy? Compile(
        string id, string name, PolicyEffect effect, int priority, IReadOnlyList<string> actions, IReadOnlyList<string> resources,
        JsonElement conditions, IReadOnlyDictionary<string, string> projectIdsByKey, ValidationProblem problem, bool system = false)
    {
        if (actions.Count is 0 or > 100)
        {
            problem.Add("actions", "must name 1 to 100 capabilities, e.g. [\"work:move\"] or [\"work:*\"]");
        }

        for (var i = 0; i < actions.Count; i++)
        {
            if (!Capabilities.IsPattern(actions[i]))
            {
                problem.Add($"actions[{i}]", $"'{actions[i]}' is not a capability; see GET /api/v1/capabilities");
            }
        }

        if (resources.Count > 100)
        {
            problem.Add("resources", "must name at most 100 resources");
        }

        var patterns = new List<ResourcePattern>();
        for (var i = 0; i < resources.Count; i++)
        {
            if (ParseResource(resources[i], projectIdsByKey, out var error) is { } pattern)
            {
                patterns.Add(pattern);
            }
            else
            {
                problem.Add($"resources[{i}]", error!);
            }
        }

        var parsed = Condition.ParseAll(conditions, "conditions", problem);
        if (problem.HasErrors)
        {
            return null;
        }

        return new CompiledPolicy
        {
            Id = id,
            Name = name,
            Effect = effect,
            Priority = priority,
            Actions = PolicySet.Table(actions),
            // `*` alone matches everything, as no patterns do.
            Resources = patterns.Any(p => p.Text == "*") ? [] : patterns,
            Conditions = parsed,
            System = system,
        };
    }

    private static ResourcePattern? ParseResource(string text, IReadOnlyDictionary<string, string> projectIdsByKey, out string? error)
    {
        error = null;
        if (text == "*")
        {
            return new ResourcePattern(text, null, null, null, null, null);
        }

        var colon = text.IndexOf(':');
        var kind = colon > 0 ? text[..colon] : text;
        var rest = colon > 0 ? text[(colon + 1)..] : "";
        if (!Kinds.Contains(kind))
        {
            error = $"'{kind}' is not a kind of resource; use one of {string.Join(", ", Kinds)}, or *";
            return null;
        }

        if (rest is "" or "*")
        {
            return new ResourcePattern(text, kind, null, null, null, null);
        }

        if (kind == "project" && !Ids.IsValid(rest))
        {
            if (projectIdsByKey.TryGetValue(rest, out var projectId))
            {
                return new ResourcePattern(text, null, null, projectId, null, null);
            }

            error = $"no project has the key '{rest}'";
            return null;
        }

        if (kind == "project")
        {
            return new ResourcePattern(text, null, null, rest, null, null);
        }

        var equals = rest.IndexOf('=');
        if (equals > 0)
        {
            var attribute = rest[..equals];
            var value = rest[(equals + 1)..];
            if (!attribute.All(c => char.IsAsciiLetterLower(c) || c == '_') || value.Length is 0 or > 100)
            {
                error = "must be KIND:ATTRIBUTE=VALUE, e.g. work:type=review";
                return null;
            }

            return new ResourcePattern(text, kind, null, null, attribute, value);
        }

        if (!Ids.IsValid(rest))
        {
            error = $"must be {kind}:*, {kind}:ID or {kind}:ATTRIBUTE=VALUE";
            return null;
        }

        return new ResourcePattern(text, kind, rest, null, null, null);
    }

    /// The project keys named by `project:KEY` resources, so a tenant's policies can be compiled with their ids.
    public static HashSet<string> ProjectKeysNamed(IEnumerable<string> resourcesJson)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var json in resourcesJson)
        {
            foreach (var resource in Strings(json))
            {
                if (resource.StartsWith("project:", StringComparison.Ordinal) && resource.Length > 8 && !Ids.IsValid(resource[8..]) && resource[8..] != "*")
                {
                    keys.Add(resource[8..]);
                }
            }
        }

        return keys;
    }

    public static string[] Strings(string json) => JsonSerializer.Deserialize<string[]>(json) ?? [];
}

/// Custom attributes of people and agents: a flat JSON object of strings, numbers and booleans.
public static class Attributes
{
    public const int MaxCount = 50;

    public static Dictionary<string, object?> Parse(string? json)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(json))
        {
            return values;
        }

        using var document = TryParse(json);
        if (document?.RootElement.ValueKind != JsonValueKind.Object)
        {
            return values;  // written by Bosun as an object; anything else set by hand carries no attributes
        }

        foreach (var property in document.RootElement.EnumerateObject())
        {
            values[property.Name] = Scalar(property.Value);
        }

        return values;
    }

    /// A string, number (double), boolean or null: what attributes and condition values hold.
    public static object? Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    /// A scalar, or for an array its strings (labels), as explain's given attributes may hold.
    public static object? Value(JsonElement value) => value.ValueKind == JsonValueKind.Array
        ? value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToArray()
        : Scalar(value);

    private static JsonDocument? TryParse(string json)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// Checks attributes sent by a client; null means "leave them", an empty object clears them.
    public static string? Check(ValidationProblem problem, string field, JsonElement? attributes)
    {
        if (attributes is not { } value || value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            problem.Add(field, "must be an object of names to strings, numbers or booleans, e.g. {\"department\": \"engineering\"}");
            return null;
        }

        var count = 0;
        foreach (var property in value.EnumerateObject())
        {
            count++;
            if (property.Name.Length is 0 or > 63 || !property.Name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_')
                || Reserved.Contains(property.Name))
            {
                problem.Add($"{field}.{property.Name}", Reserved.Contains(property.Name)
                    ? "is set by Bosun and cannot be given"
                    : "must be 1 to 63 lowercase letters, digits or underscores");
            }
            else if (property.Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
                     || (property.Value.ValueKind == JsonValueKind.String && property.Value.GetString()!.Length > 500))
            {
                problem.Add($"{field}.{property.Name}", "must be a string of at most 500 characters, a number or a boolean");
            }
        }

        if (count > MaxCount)
        {
            problem.Add(field, $"must hold at most {MaxCount} attributes");
        }

        return value.GetRawText();
    }

    /// Attributes Bosun sets on every principal, which custom ones cannot shadow.
    public static readonly IReadOnlySet<string> Reserved = new HashSet<string> { "kind", "id", "role", "agent_role" };
}
