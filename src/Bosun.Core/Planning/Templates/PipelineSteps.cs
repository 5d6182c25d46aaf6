using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bosun.Core.Common;

namespace Bosun.Core.Planning;

/// A variable a template asks for: its value fills {{key}} placeholders.
public sealed record TemplateVariable(string? Key, string? Label, string? Type, bool? Required, JsonElement? Default);

/// One step of a pipeline: it becomes a child work item, waiting for the steps named in <see cref="After"/>.
public sealed record TemplateStep(
    string? Key, string? Title, string? Description, string? Type, string? Assignee, Priority? Priority,
    bool? ApprovalRequired, JsonElement? Input, IReadOnlyList<string>? After);

/// The rules of a pipeline's definition and of filling it in, shared by templates, plans and deliverables.
/// Rendering replaces {{key}} with the value's text and nothing else: no escaping, no expressions.
public static partial class PipelineSteps
{
    public const int MaxSteps = 200;
    public const int MaxVariables = 50;
    public static readonly IReadOnlyList<string> VariableTypes = ["text", "number", "date", "bool", "list"];

    /// Placeholders Bosun fills itself where it knows them: the deliverable and its period, the pipeline's number
    /// within the period, and the day it was made.
    public static readonly IReadOnlyList<string> BuiltIns = ["date", "period", "deliverable", "index", "fire_time"];

    public static void CheckVariables(IReadOnlyList<TemplateVariable>? variables, ValidationProblem problem, string field = "variables")
    {
        if (variables is null)
        {
            return;
        }

        if (variables.Count > MaxVariables)
        {
            problem.Add(field, $"at most {MaxVariables} variables");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < variables.Count; i++)
        {
            var v = variables[i];
            var at = $"{field}[{i}]";
            if (Key(problem, $"{at}.key", v.Key) is { } key && !seen.Add(key))
            {
                problem.Add($"{at}.key", $"'{key}' is already a variable");
            }

            Check.Text(problem, $"{at}.label", v.Label, 200);
            if (v.Type is not null && !VariableTypes.Contains(v.Type))
            {
                problem.Add($"{at}.type", $"must be one of: {string.Join(", ", VariableTypes)}");
            }
            else if (v.Default is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } given
                     && Value(v.Type ?? "text", given) is null)
            {
                problem.Add($"{at}.default", $"is not a {v.Type ?? "text"}");
            }
        }
    }

    /// Keys unique, every `after` naming a step of the same pipeline, no step waiting on itself through others, and
    /// (when <paramref name="variables"/> is given) no placeholder that is neither a variable nor a built-in.
    public static void CheckSteps(IReadOnlyList<TemplateStep>? steps, ValidationProblem problem, IReadOnlyList<TemplateVariable>? variables = null,
        string field = "steps", bool required = true)
    {
        if (steps is null || steps.Count == 0)
        {
            if (required)
            {
                problem.Add(field, "needs at least one step");
            }

            return;
        }

        if (steps.Count > MaxSteps)
        {
            problem.Add(field, $"at most {MaxSteps} steps");
            return;
        }

        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < steps.Count; i++)
        {
            if (Key(problem, $"{field}[{i}].key", steps[i].Key) is { } key && !index.TryAdd(key, i))
            {
                problem.Add($"{field}[{i}].key", $"'{key}' is already the key of {field}[{index[key]}]");
            }
        }

        var known = variables?.Select(v => v.Key).OfType<string>().Concat(BuiltIns).ToHashSet(StringComparer.Ordinal);
        var edges = new List<int>[steps.Count];
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var at = $"{field}[{i}]";
            Check.Text(problem, $"{at}.title", step.Title, 500, required: true);
            Check.Text(problem, $"{at}.description", step.Description, 100_000);
            Check.Text(problem, $"{at}.type", step.Type, 50);
            Check.Text(problem, $"{at}.assignee", step.Assignee, 300);
            edges[i] = [];
            foreach (var after in step.After ?? [])
            {
                if (index.TryGetValue(after, out var j))
                {
                    edges[i].Add(j);
                }
                else
                {
                    problem.Add($"{at}.after", $"no step '{after}' in this pipeline");
                }
            }

            if (known is not null)
            {
                var text = $"{step.Title}\n{step.Description}\n{step.Assignee}\n{(step.Input is { } input ? input.GetRawText() : "")}";
                foreach (var name in Placeholders(text).Where(n => !known.Contains(n)).Distinct())
                {
                    problem.Add(at, $"uses {{{{{name}}}}}, which is not a variable of the template");
                }
            }
        }

        foreach (var cycle in Cycles(edges))
        {
            var names = cycle.Select(i => steps[i].Key).Append(steps[cycle[0]].Key);
            problem.Add($"{field}[{cycle[0]}].after", $"makes a cycle: {string.Join(" → ", names)}");
        }
    }

    /// The text of each variable's value: given, else its default; a required one without either is named.
    /// Values not declared are refused, so a misspelt name is not silently left unfilled.
    public static Dictionary<string, string> Values(IReadOnlyList<TemplateVariable> variables, JsonElement? given, ValidationProblem problem,
        string field = "variables")
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var supplied = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (given is { ValueKind: JsonValueKind.Object } obj)
        {
            foreach (var property in obj.EnumerateObject())
            {
                supplied[property.Name] = property.Value;
            }
        }
        else if (given is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) })
        {
            problem.Add(field, "must be an object of variable values");
            return values;
        }

        foreach (var name in supplied.Keys.Where(k => variables.All(v => v.Key != k)))
        {
            problem.Add($"{field}.{name}", "is not a variable of the template");
        }

        foreach (var variable in variables)
        {
            var key = variable.Key!;
            var type = variable.Type ?? "text";
            if (supplied.TryGetValue(key, out var value) && value.ValueKind is not JsonValueKind.Null)
            {
                if (Value(type, value) is { } text)
                {
                    values[key] = text;
                }
                else
                {
                    problem.Add($"{field}.{key}", $"must be a {type}{(type == "date" ? " (YYYY-MM-DD)" : "")}");
                }
            }
            else if (variable.Default is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } fallback && Value(type, fallback) is { } text)
            {
                values[key] = text;
            }
            else if (variable.Required == true)
            {
                problem.Add($"{field}.{key}", $"is required{(variable.Label is { } label ? $" ({label})" : "")}");
            }
            else
            {
                values[key] = "";
            }
        }

        return values;
    }

    /// {{key}} (spaces allowed inside the braces) replaced by its value; placeholders without a value stay as written.
    public static string? Render(string? text, IReadOnlyDictionary<string, string> values) =>
        text is null || !text.Contains("{{", StringComparison.Ordinal)
            ? text
            : PlaceholderPattern().Replace(text, m => values.TryGetValue(m.Groups[1].Value, out var value) ? value : m.Value);

    /// The step's input with placeholders rendered in every string (property names stay as written).
    public static JsonElement? Render(JsonElement? input, IReadOnlyDictionary<string, string> values)
    {
        if (input is not { } element || !element.GetRawText().Contains("{{", StringComparison.Ordinal))
        {
            return input;
        }

        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, element, values);
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }

    private static void Write(Utf8JsonWriter writer, JsonElement element, IReadOnlyDictionary<string, string> values)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                writer.WriteStringValue(Render(element.GetString(), values));
                break;
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject())
                {
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value, values);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item, values);
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    private static IEnumerable<string> Placeholders(string text) =>
        PlaceholderPattern().Matches(text).Select(m => m.Groups[1].Value);

    private static string? Key(ValidationProblem problem, string field, string? value)
    {
        // Matched as given, not trimmed: `after` names steps by the exact key, so " a" must not pass for "a".
        var key = Check.Text(problem, field, value, 100, required: true);
        if (key is not null && !KeyPattern().IsMatch(value!))
        {
            problem.Add(field, "must be letters, digits, '_' or '-', starting with a letter");
            return null;
        }

        return key;
    }

    private static string? Value(string type, JsonElement value) => type switch
    {
        "text" => value.ValueKind == JsonValueKind.String ? value.GetString() : value.ValueKind is JsonValueKind.Number ? value.GetRawText() : null,
        "number" => value.ValueKind == JsonValueKind.Number ? value.GetRawText()
            : value.ValueKind == JsonValueKind.String && decimal.TryParse(value.GetString(), NumberStyles.Number, CultureInfo.InvariantCulture, out var n)
                ? n.ToString(CultureInfo.InvariantCulture) : null,
        "date" => value.ValueKind == JsonValueKind.String
                  && DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : null,
        "bool" => value.ValueKind is JsonValueKind.True ? "true" : value.ValueKind is JsonValueKind.False ? "false"
            : value.ValueKind == JsonValueKind.String && bool.TryParse(value.GetString(), out var b) ? (b ? "true" : "false") : null,
        "list" => value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(e => e.ValueKind is JsonValueKind.String or JsonValueKind.Number)
            ? string.Join(", ", value.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText()))
            : null,
        _ => null,
    };

    /// Each cycle once, as the steps along it.
    private static List<List<int>> Cycles(List<int>[] edges)
    {
        var cycles = new List<List<int>>();
        var state = new byte[edges.Length]; // 0 unseen, 1 on the path, 2 done
        var path = new List<int>();

        void Visit(int node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in edges[node])
            {
                if (state[next] == 1)
                {
                    cycles.Add(path[path.IndexOf(next)..]);
                }
                else if (state[next] == 0)
                {
                    Visit(next);
                }
            }

            path.RemoveAt(path.Count - 1);
            state[node] = 2;
        }

        for (var i = 0; i < edges.Length; i++)
        {
            if (state[i] == 0)
            {
                Visit(i);
            }
        }

        return cycles;
    }

    [GeneratedRegex(@"\{\{\s*([A-Za-z][A-Za-z0-9_-]*)\s*\}\}")]
    private static partial Regex PlaceholderPattern();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_-]*$")]
    private static partial Regex KeyPattern();
}
