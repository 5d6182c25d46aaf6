using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bosun.Core.Common;

namespace Bosun.Core.HumanInput;

public static class FieldTypes
{
    public const string Text = "text";
    public const string LongText = "long_text";
    public const string Number = "number";
    public const string Date = "date";
    public const string Boolean = "boolean";
    public const string SingleSelect = "single_select";
    public const string MultiSelect = "multi_select";
    public const string Link = "link";
    public const string File = "file";

    public static readonly IReadOnlyList<string> All = [Text, LongText, Number, Date, Boolean, SingleSelect, MultiSelect, Link];

    public static bool IsSelect(string type) => type is SingleSelect or MultiSelect;
}

public sealed record FieldOption(string Value, string Label);

/// One field of a form. <see cref="Min"/> and <see cref="Max"/> bound a number's value, a date's day (as yyyy-MM-dd in
/// <see cref="MinDate"/>/<see cref="MaxDate"/>) or how many choices a multi select takes.
public sealed record FormField(
    string Key, string Type, string Label, string? Help, bool Required, JsonElement? Default, IReadOnlyList<FieldOption>? Options,
    double? Min, double? Max, string? MinDate, string? MaxDate, string? Pattern, int? MaxLength);

/// Where a submission's values go. <see cref="To"/> is output, variable, move or approval.
public sealed record FormBinding(
    string To, string? Field, string? As, string? Target, string? Status, string? Verdict, string? NoteField, FormCondition? When);

/// A binding that applies only when a field has a value.
public sealed record FormCondition(string Field, JsonElement Value);

public sealed record FormDefinition(IReadOnlyList<FormField> Fields, IReadOnlyList<FormBinding> Bindings, bool OneShot, string? SubmitLabel)
{
    public const string BindOutput = "output";
    public const string BindVariable = "variable";
    public const string BindMove = "move";
    public const string BindApproval = "approval";
    public const string TargetParent = "parent";
    public const string TargetWaiting = "waiting";

    public const int MaxFields = 50;
    public const int MaxOptions = 100;
    public const int DefaultTextLength = 2000;
    public const int DefaultLongTextLength = 20_000;
    public const int MaxLinkLength = 2000;

    private static readonly Regex KeyPattern = new("^[a-z][a-z0-9_]{0,49}$", RegexOptions.CultureInvariant);
    private static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(100);
    private static readonly string[] Verdicts = ["approve", "reject", "request_changes"];

    public FormField? Find(string key) => Fields.FirstOrDefault(f => f.Key == key);

    /// The form of a question asked with options: one required single select named "answer".
    public static FormDefinition Choice(IReadOnlyList<FieldOption> options, string label) =>
        new([new FormField("answer", FieldTypes.SingleSelect, label, null, true, null, options, null, null, null, null, null, null)], [], true, null);

    /// The form of a question asked without options or a form: one required long text named "answer".
    public static FormDefinition FreeText(string label) =>
        new([new FormField("answer", FieldTypes.LongText, label, null, true, null, null, null, null, null, null, null, DefaultLongTextLength)], [], true, null);

    /// Reads and checks a form as the API takes it; each problem names its path under <paramref name="path"/>
    /// (form.fields[2].options). Null when the problems leave nothing to read.
    public static FormDefinition? Parse(JsonElement json, string path, ValidationProblem problem)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            problem.Add(path, "must be an object {\"fields\": [...], \"bindings\": [...], \"one_shot\": true}");
            return null;
        }

        var fields = new List<FormField>();
        if (!json.TryGetProperty("fields", out var fieldsJson) || fieldsJson.ValueKind != JsonValueKind.Array || fieldsJson.GetArrayLength() == 0)
        {
            problem.Add($"{path}.fields", "is required: a list of at least one field");
        }
        else if (fieldsJson.GetArrayLength() > MaxFields)
        {
            problem.Add($"{path}.fields", $"at most {MaxFields} fields");
        }
        else
        {
            var i = 0;
            foreach (var field in fieldsJson.EnumerateArray())
            {
                var fieldPath = $"{path}.fields[{i++}]";
                if (ParseField(field, fieldPath, problem) is { } parsed)
                {
                    if (fields.Any(f => f.Key == parsed.Key))
                    {
                        problem.Add($"{fieldPath}.key", $"'{parsed.Key}' is used by another field");
                    }

                    fields.Add(parsed);
                }
            }
        }

        var bindings = new List<FormBinding>();
        if (json.TryGetProperty("bindings", out var bindingsJson) && bindingsJson.ValueKind != JsonValueKind.Null)
        {
            if (bindingsJson.ValueKind != JsonValueKind.Array)
            {
                problem.Add($"{path}.bindings", "must be a list");
            }
            else
            {
                var i = 0;
                foreach (var binding in bindingsJson.EnumerateArray())
                {
                    if (ParseBinding(binding, $"{path}.bindings[{i++}]", fields, problem) is { } parsed)
                    {
                        bindings.Add(parsed);
                    }
                }
            }
        }

        if (bindings.Count(b => b.To == BindMove) > 0 && bindings.Any(b => b.To == BindApproval))
        {
            problem.Add($"{path}.bindings", "a form either moves its item or decides its approval, not both");
        }

        var oneShot = true;
        if (json.TryGetProperty("one_shot", out var shot) && shot.ValueKind != JsonValueKind.Null)
        {
            if (shot.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                problem.Add($"{path}.one_shot", "must be true or false");
            }
            else
            {
                oneShot = shot.GetBoolean();
            }
        }

        var submitLabel = json.TryGetProperty("submit_label", out var label) ? Str(label, $"{path}.submit_label", 100, problem) : null;
        return new FormDefinition(fields, bindings, oneShot, submitLabel);
    }

    private static FormField? ParseField(JsonElement json, string path, ValidationProblem problem)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            problem.Add(path, "must be an object {\"key\", \"type\", \"label\", ...}");
            return null;
        }

        var key = Prop(json, "key") is { } k ? Str(k, $"{path}.key", 50, problem) : null;
        if (key is null)
        {
            problem.Add($"{path}.key", "is required");
        }
        else if (!KeyPattern.IsMatch(key))
        {
            problem.Add($"{path}.key", "must be lowercase letters, digits and underscores, starting with a letter");
        }

        var type = Prop(json, "type") is { } t ? Str(t, $"{path}.type", 50, problem) : null;
        if (type is null)
        {
            problem.Add($"{path}.type", $"is required: {string.Join(", ", FieldTypes.All)}");
            return null;
        }

        if (type == FieldTypes.File)
        {
            problem.Add($"{path}.type", "file fields are not supported yet: they need documents on work items, which Bosun does not have; ask for a link instead");
            return null;
        }

        if (!FieldTypes.All.Contains(type))
        {
            problem.Add($"{path}.type", $"must be one of {string.Join(", ", FieldTypes.All)}");
            return null;
        }

        var label = Prop(json, "label") is { } l ? Str(l, $"{path}.label", 200, problem) : null;
        var help = Prop(json, "help") is { } h ? Str(h, $"{path}.help", 2000, problem) : null;
        var required = false;
        if (Prop(json, "required") is { } r)
        {
            if (r.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                required = r.GetBoolean();
            }
            else
            {
                problem.Add($"{path}.required", "must be true or false");
            }
        }

        IReadOnlyList<FieldOption>? options = null;
        if (FieldTypes.IsSelect(type))
        {
            options = ParseOptions(Prop(json, "options"), $"{path}.options", problem);
        }
        else if (Prop(json, "options") is not null)
        {
            problem.Add($"{path}.options", "only select fields have options");
        }

        double? min = null, max = null;
        string? minDate = null, maxDate = null;
        foreach (var (name, isMax) in new[] { ("min", false), ("max", true) })
        {
            if (Prop(json, name) is not { } bound)
            {
                continue;
            }

            switch (type)
            {
                case FieldTypes.Number or FieldTypes.MultiSelect when bound.ValueKind == JsonValueKind.Number:
                    var value = bound.GetDouble();
                    if (type == FieldTypes.MultiSelect && (value < 0 || value != Math.Floor(value)))
                    {
                        problem.Add($"{path}.{name}", "must be a whole number of choices");
                    }

                    if (isMax) { max = value; } else { min = value; }
                    break;
                case FieldTypes.Date when bound.ValueKind == JsonValueKind.String && ParseDate(bound.GetString()) is { } day:
                    if (isMax) { maxDate = day; } else { minDate = day; }
                    break;
                case FieldTypes.Number or FieldTypes.MultiSelect:
                    problem.Add($"{path}.{name}", "must be a number");
                    break;
                case FieldTypes.Date:
                    problem.Add($"{path}.{name}", "must be a date such as 2026-03-01");
                    break;
                default:
                    problem.Add($"{path}.{name}", "only number, date and multi select fields take min and max");
                    break;
            }
        }

        if (min > max || string.CompareOrdinal(minDate, maxDate) > 0 && minDate is not null && maxDate is not null)
        {
            problem.Add($"{path}.max", "must not be below min");
        }

        string? pattern = null;
        if (Prop(json, "pattern") is { } p)
        {
            pattern = Str(p, $"{path}.pattern", 500, problem);
            if (type is not (FieldTypes.Text or FieldTypes.LongText or FieldTypes.Link))
            {
                problem.Add($"{path}.pattern", "only text, long text and link fields take a pattern");
            }
            else if (pattern is not null && !IsRegex(pattern))
            {
                problem.Add($"{path}.pattern", "is not a valid regular expression");
            }
        }

        var limit = type switch
        {
            FieldTypes.Text => DefaultTextLength,
            FieldTypes.LongText => DefaultLongTextLength,
            FieldTypes.Link => MaxLinkLength,
            _ => (int?)null,
        };
        int? maxLength = limit;
        if (Prop(json, "max_length") is { } m)
        {
            if (limit is null)
            {
                problem.Add($"{path}.max_length", "only text, long text and link fields take a max length");
            }
            else if (m.ValueKind != JsonValueKind.Number || !m.TryGetInt32(out var length) || length < 1 || length > limit)
            {
                problem.Add($"{path}.max_length", $"must be a whole number from 1 to {limit}");
            }
            else
            {
                maxLength = length;
            }
        }

        var field = new FormField(key ?? "", type, label ?? key ?? "", help, required, null, options, min, max, minDate, maxDate, pattern, maxLength);
        if (Prop(json, "default") is { } fallback)
        {
            var defaultProblem = new ValidationProblem();
            var checkedDefault = CheckValue(field, fallback, "default", defaultProblem);
            problem.AddAll($"{path}.", defaultProblem);
            field = field with { Default = checkedDefault };
        }

        return field;
    }

    private static List<FieldOption>? ParseOptions(JsonElement? json, string path, ValidationProblem problem)
    {
        if (json is not { ValueKind: JsonValueKind.Array } list || list.GetArrayLength() == 0)
        {
            problem.Add(path, "is required: a list of at least one {\"value\", \"label\"}");
            return null;
        }

        if (list.GetArrayLength() > MaxOptions)
        {
            problem.Add(path, $"at most {MaxOptions} options");
            return null;
        }

        var options = new List<FieldOption>();
        var i = 0;
        foreach (var option in list.EnumerateArray())
        {
            var optionPath = $"{path}[{i++}]";
            var (value, label) = option.ValueKind switch
            {
                JsonValueKind.String => (Str(option, $"{optionPath}.value", 200, problem), null),
                JsonValueKind.Object => (Prop(option, "value") is { } v ? Str(v, $"{optionPath}.value", 200, problem) : null,
                    Prop(option, "label") is { } l ? Str(l, $"{optionPath}.label", 200, problem) : null),
                _ => (null, null),
            };
            if (value is null)
            {
                problem.Add(path, $"option {i - 1} needs a value: \"a\" or {{\"value\": \"a\", \"label\": \"A\"}}");
                continue;
            }

            if (options.Any(o => o.Value == value))
            {
                problem.Add(path, $"the value '{value}' is used by two options");
            }

            options.Add(new FieldOption(value, label ?? value));
        }

        return options;
    }

    private static FormBinding? ParseBinding(JsonElement json, string path, List<FormField> fields, ValidationProblem problem)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            problem.Add(path, "must be an object {\"to\": \"output|variable|move|approval\", ...}");
            return null;
        }

        var to = Prop(json, "to") is { } t ? Str(t, $"{path}.to", 20, problem) : null;
        if (to is not (BindOutput or BindVariable or BindMove or BindApproval))
        {
            problem.Add($"{path}.to", "must be output, variable, move or approval");
            return null;
        }

        string? FieldRef(string name, bool required)
        {
            var key = Prop(json, name) is { } f ? Str(f, $"{path}.{name}", 50, problem) : null;
            if (key is null)
            {
                if (required)
                {
                    problem.Add($"{path}.{name}", "is required: the key of one of the form's fields");
                }
            }
            else if (fields.All(x => x.Key != key))
            {
                problem.Add($"{path}.{name}", $"no field '{key}' in the form");
            }

            return key;
        }

        var field = FieldRef("field", required: to is BindVariable);
        var @as = Prop(json, "as") is { } a ? Str(a, $"{path}.as", 100, problem) : null;
        string? target = null, status = null, verdict = null, noteField = null;
        switch (to)
        {
            case BindVariable:
                target = Prop(json, "target") is { } tg ? Str(tg, $"{path}.target", 20, problem) : null;
                if (target is not (TargetParent or TargetWaiting))
                {
                    problem.Add($"{path}.target", "must be parent (the item's parent) or waiting (the item that waits for this one)");
                }

                break;
            case BindMove:
                status = Prop(json, "status") is { } s ? Str(s, $"{path}.status", 20, problem) : null;
                if (status is not ("done" or "ready"))
                {
                    problem.Add($"{path}.status", "must be done or ready");
                }

                break;
            case BindApproval:
                verdict = Prop(json, "verdict") is { } v ? Str(v, $"{path}.verdict", 20, problem) : null;
                if (verdict is not null && !Verdicts.Contains(verdict))
                {
                    problem.Add($"{path}.verdict", "must be approve, reject or request_changes");
                }

                if (verdict is null && field is null)
                {
                    problem.Add($"{path}.field", "give a field whose value is approve, reject or request_changes, or a fixed verdict");
                }
                else if (field is not null && fields.FirstOrDefault(f => f.Key == field) is { } decision
                         && (decision.Type != FieldTypes.SingleSelect || decision.Options?.Any(o => !Verdicts.Contains(o.Value)) == true))
                {
                    problem.Add($"{path}.field", "must be a single select whose options are approve, reject and request_changes");
                }

                noteField = FieldRef("note_field", required: false);
                break;
        }

        FormCondition? when = null;
        if (Prop(json, "when") is { } condition)
        {
            if (condition.ValueKind != JsonValueKind.Object || Prop(condition, "field") is not { ValueKind: JsonValueKind.String } whenField
                || Prop(condition, "equals") is not { } equals)
            {
                problem.Add($"{path}.when", "must be {\"field\": \"key\", \"equals\": value}");
            }
            else if (fields.All(f => f.Key != whenField.GetString()))
            {
                problem.Add($"{path}.when.field", $"no field '{whenField.GetString()}' in the form");
            }
            else
            {
                when = new FormCondition(whenField.GetString()!, equals.Clone());
            }
        }

        return new FormBinding(to, field, @as, target, status, verdict, noteField, when);
    }

    /// Checks submitted values against the fields: each problem names "values.KEY". Values may come as JSON of the field's
    /// type or as text (from a web form or the command line); the answer holds each in its field's type, with defaults
    /// filled in and empty fields left out.
    public JsonObject CheckValues(IReadOnlyDictionary<string, JsonElement> values, ValidationProblem problem, string prefix = "values")
    {
        var result = new JsonObject();
        foreach (var key in values.Keys.Where(k => Find(k) is null))
        {
            problem.Add($"{prefix}.{key}", "no such field in the form");
        }

        foreach (var field in Fields)
        {
            var given = values.TryGetValue(field.Key, out var value) && !IsEmpty(value) ? value : field.Default;
            if (given is null || IsEmpty(given.Value))
            {
                if (field.Required)
                {
                    problem.Add($"{prefix}.{field.Key}", "is required");
                }

                continue;
            }

            if (CheckValue(field, given.Value, $"{prefix}.{field.Key}", problem) is { } checkedValue)
            {
                result[field.Key] = JsonNode.Parse(checkedValue.GetRawText());
            }
        }

        return result;
    }

    private static bool IsEmpty(JsonElement value) =>
        value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined
        || (value.ValueKind == JsonValueKind.String && string.IsNullOrWhiteSpace(value.GetString()))
        || (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 0);

    /// One value checked against its field, in the field's type; null (with a problem under <paramref name="path"/>) when it does not fit.
    private static JsonElement? CheckValue(FormField field, JsonElement value, string path, ValidationProblem problem)
    {
        switch (field.Type)
        {
            case FieldTypes.Text or FieldTypes.LongText or FieldTypes.Link:
            {
                if (value.ValueKind != JsonValueKind.String)
                {
                    problem.Add(path, "must be text");
                    return null;
                }

                var text = value.GetString()!.Trim();
                if (field.Type != FieldTypes.LongText && text.Contains('\n'))
                {
                    problem.Add(path, "must be one line");
                }

                if (text.Length > field.MaxLength)
                {
                    problem.Add(path, $"must be at most {field.MaxLength} characters");
                }

                if (field.Type == FieldTypes.Link && !(Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0))
                {
                    problem.Add(path, "must be an http or https link");
                }

                if (field.Pattern is { } pattern && !Matches(pattern, text))
                {
                    problem.Add(path, $"must match the pattern {pattern}");
                }

                return JsonSerializer.SerializeToElement(text);
            }

            case FieldTypes.Number:
            {
                double number;
                if (value.ValueKind == JsonValueKind.Number)
                {
                    number = value.GetDouble();
                }
                else if (value.ValueKind != JsonValueKind.String
                         || !double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number) || !double.IsFinite(number))
                {
                    problem.Add(path, "must be a number");
                    return null;
                }

                if (number < field.Min)
                {
                    problem.Add(path, $"must be at least {field.Min.Value.ToString(CultureInfo.InvariantCulture)}");
                }

                if (number > field.Max)
                {
                    problem.Add(path, $"must be at most {field.Max.Value.ToString(CultureInfo.InvariantCulture)}");
                }

                return value.ValueKind == JsonValueKind.Number ? value.Clone() : JsonSerializer.SerializeToElement(number);
            }

            case FieldTypes.Date:
            {
                if (value.ValueKind != JsonValueKind.String || ParseDate(value.GetString()) is not { } day)
                {
                    problem.Add(path, "must be a date such as 2026-03-01");
                    return null;
                }

                if (field.MinDate is { } from && string.CompareOrdinal(day, from) < 0)
                {
                    problem.Add(path, $"must be on or after {from}");
                }

                if (field.MaxDate is { } to && string.CompareOrdinal(day, to) > 0)
                {
                    problem.Add(path, $"must be on or before {to}");
                }

                return JsonSerializer.SerializeToElement(day);
            }

            case FieldTypes.Boolean:
            {
                bool? flag = value.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.String => value.GetString()!.Trim().ToLowerInvariant() switch
                    {
                        "true" or "yes" or "on" or "1" => true,
                        "false" or "no" or "off" or "0" => false,
                        _ => null,
                    },
                    _ => null,
                };
                if (flag is null)
                {
                    problem.Add(path, "must be true or false");
                    return null;
                }

                return JsonSerializer.SerializeToElement(flag.Value);
            }

            case FieldTypes.SingleSelect:
            {
                var chosen = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
                if (chosen is null || field.Options!.All(o => o.Value != chosen))
                {
                    problem.Add(path, $"must be one of {string.Join(", ", field.Options!.Select(o => o.Value))}");
                    return null;
                }

                return JsonSerializer.SerializeToElement(chosen);
            }

            case FieldTypes.MultiSelect:
            {
                var chosen = value.ValueKind switch
                {
                    JsonValueKind.Array when value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String) =>
                        value.EnumerateArray().Select(v => v.GetString()!).ToList(),
                    JsonValueKind.String => value.GetString()!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList(),
                    _ => null,
                };
                if (chosen is null)
                {
                    problem.Add(path, "must be a list of option values");
                    return null;
                }

                chosen = chosen.Distinct().ToList();
                if (chosen.FirstOrDefault(c => field.Options!.All(o => o.Value != c)) is { } unknown)
                {
                    problem.Add(path, $"'{unknown}' is not one of {string.Join(", ", field.Options!.Select(o => o.Value))}");
                }

                if (chosen.Count < field.Min)
                {
                    problem.Add(path, $"choose at least {field.Min}");
                }

                if (chosen.Count > field.Max)
                {
                    problem.Add(path, $"choose at most {field.Max}");
                }

                // In the options' order, so the same choices are always stored alike.
                return JsonSerializer.SerializeToElement(field.Options!.Select(o => o.Value).Where(chosen.Contains).ToList());
            }
        }

        problem.Add(path, "has an unknown type");
        return null;
    }

    /// The form as stored and as the API shows it.
    public JsonObject ToJson()
    {
        var fields = new JsonArray();
        foreach (var f in Fields)
        {
            var field = new JsonObject { ["key"] = f.Key, ["type"] = f.Type, ["label"] = f.Label };
            if (f.Help is not null) { field["help"] = f.Help; }
            field["required"] = f.Required;
            if (f.Default is { } d) { field["default"] = JsonNode.Parse(d.GetRawText()); }
            if (f.Options is not null)
            {
                field["options"] = new JsonArray([.. f.Options.Select(o => (JsonNode)new JsonObject { ["value"] = o.Value, ["label"] = o.Label })]);
            }

            if (f.Min is { } min) { field["min"] = min; }
            if (f.Max is { } max) { field["max"] = max; }
            if (f.MinDate is { } minDate) { field["min"] = minDate; }
            if (f.MaxDate is { } maxDate) { field["max"] = maxDate; }
            if (f.Pattern is not null) { field["pattern"] = f.Pattern; }
            if (f.MaxLength is { } length) { field["max_length"] = length; }
            fields.Add(field);
        }

        var bindings = new JsonArray();
        foreach (var b in Bindings)
        {
            var binding = new JsonObject { ["to"] = b.To };
            if (b.Field is not null) { binding["field"] = b.Field; }
            if (b.As is not null) { binding["as"] = b.As; }
            if (b.Target is not null) { binding["target"] = b.Target; }
            if (b.Status is not null) { binding["status"] = b.Status; }
            if (b.Verdict is not null) { binding["verdict"] = b.Verdict; }
            if (b.NoteField is not null) { binding["note_field"] = b.NoteField; }
            if (b.When is { } when) { binding["when"] = new JsonObject { ["field"] = when.Field, ["equals"] = JsonNode.Parse(when.Value.GetRawText()) }; }
            bindings.Add(binding);
        }

        var json = new JsonObject { ["fields"] = fields, ["bindings"] = bindings, ["one_shot"] = OneShot };
        if (SubmitLabel is not null)
        {
            json["submit_label"] = SubmitLabel;
        }

        return json;
    }

    /// A stored form: it was checked when it was written.
    public static FormDefinition Load(string json)
    {
        var problem = new ValidationProblem();
        using var document = JsonDocument.Parse(json);
        return Parse(document.RootElement, "form", problem) ?? throw new InvalidOperationException("A stored form no longer reads.");
    }

    /// Whether a binding's condition holds for the checked values.
    public static bool Applies(FormBinding binding, JsonObject values) =>
        binding.When is not { } when
        || (values[when.Field] is { } value && JsonNode.DeepEquals(value, JsonNode.Parse(when.Value.GetRawText())));

    private static JsonElement? Prop(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static string? Str(JsonElement value, string path, int max, ValidationProblem problem)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            problem.Add(path, "must be text");
            return null;
        }

        return Check.Text(problem, path, value.GetString(), max);
    }

    private static string? ParseDate(string? text) =>
        DateOnly.TryParseExact(text?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : null;

    private static bool IsRegex(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.CultureInvariant, PatternTimeout);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    // A pattern is the form author's; a slow one must not hold a request, so a match that runs out of time fails.
    private static bool Matches(string pattern, string text)
    {
        try
        {
            return Regex.IsMatch(text, pattern, RegexOptions.CultureInvariant, PatternTimeout);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }
}
