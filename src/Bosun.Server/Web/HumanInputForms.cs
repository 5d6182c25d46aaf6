using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.HumanInput;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Server.Web;

/// A work item's form as a page shows it (the inbox for questions, the item page for any form), and the post that
/// submits it. Each input is named values.KEY, as the service names the field's problems.
internal static class HumanInputForms
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/work/{key}/submit", async (string key, HttpContext http, HumanInputService input) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var back = form["back"].ToString() == "/inbox" ? "/inbox" : $"/work/{Html.Segment(key)}";
            try
            {
                var result = await http.WriteAsync(async c =>
                {
                    var definition = (await input.GetFormAsync(key, c)).Definition!;
                    return await input.SubmitAsync(key, new SubmitRequest(Values(definition, form)), form["idempotency_key"].ToString(), c);
                });
                Layout.SetFlash(http, result.Question is { } question
                    ? $"Answered {question.Key}: {question.AskingItemKey} {(question.Blocking ? "goes on with your answer" : "has your answer")}."
                    : $"Sent {result.Item.Key}'s form: it is now {BoardPage.StatusText(result.Item.Status).ToLowerInvariant()}.");
                return (IResult)new SeeOther(back);
            }
            catch (ProblemException problem) when (problem.Status != 404)
            {
                // The page shows the form again with the typed values and each problem beside its field.
                var state = new FormState(form, problem, $"submit-{key}");
                return back == "/inbox" ? await InboxPage.ShowAsync(http, state, problem.Status) : await WorkItemPage.ShowAsync(http, key, state, problem.Status);
            }
        });
    }

    /// The posted values of the form's fields: a multi select's checked boxes as a list, everything else as text.
    private static Dictionary<string, JsonElement> Values(FormDefinition definition, IFormCollection posted)
    {
        var values = new Dictionary<string, JsonElement>();
        foreach (var field in definition.Fields)
        {
            var sent = posted[$"values.{field.Key}"];
            if (sent.Count == 0)
            {
                continue;
            }

            values[field.Key] = field.Type == FieldTypes.MultiSelect
                ? JsonSerializer.SerializeToElement(sent.Where(v => !string.IsNullOrEmpty(v)).ToList())
                : JsonSerializer.SerializeToElement(sent.ToString());
        }

        return values;
    }

    /// The form with an input for each field. A form of one choice is answered with one click: a button per option.
    public static Html Render(HttpContext http, string itemKey, FormDefinition definition, FormState state, string back, string submitLabel = "Send")
    {
        var scope = $"submit-{itemKey}";
        var form = state.IsFor(scope) ? state : FormState.Empty;
        var prefix = $"f{itemKey}-";
        var w = new HtmlWriter();
        w.Add($"""
            <form method="post" action="/work/{Html.Segment(itemKey)}/submit" class="item-form" data-form="{itemKey}" novalidate>
            {Layout.Token(http)}
            <input type="hidden" name="idempotency_key" value="{form.Value("idempotency_key", Ids.New())}">
            <input type="hidden" name="back" value="{back}">
            {form.Summary(scope, prefix)}
            """);
        var oneChoice = definition.Fields is [{ Type: FieldTypes.SingleSelect }];
        foreach (var field in definition.Fields)
        {
            w.Add($"{Input(form, field, prefix, oneChoice)}");
        }

        if (!oneChoice)
        {
            w.Add($"""<div class="actions"><button type="submit" class="primary">{definition.SubmitLabel ?? submitLabel}</button></div>""");
        }

        w.Add($"</form>");
        return w.ToHtml();
    }

    private static Html Input(FormState form, FormField field, string prefix, bool oneChoice)
    {
        var name = $"values.{field.Key}";
        var fallback = field.Default is { ValueKind: JsonValueKind.String } d ? d.GetString() : field.Default?.GetRawText();
        var label = field.Required ? $"{field.Label} (required)" : field.Label;
        return field.Type switch
        {
            FieldTypes.LongText => Field.TextArea(form, name, label, fallback, field.Required, prefix, rows: 4),
            FieldTypes.Number => Field.Text(form, name, label, fallback, "number", field.Required, field.Help, prefix),
            FieldTypes.Date => Field.Text(form, name, label, fallback, "date", field.Required, field.Help, prefix),
            FieldTypes.Link => Field.Text(form, name, label, fallback, "url", field.Required, field.Help, prefix, maxLength: field.MaxLength),
            FieldTypes.Boolean when !field.Required => Field.Checkbox(form, name, label, field.Default is { ValueKind: JsonValueKind.True }, prefix),
            FieldTypes.Boolean => Choices(form, field, name, label, prefix, [("true", "Yes"), ("false", "No")], "radio", oneClick: false),
            FieldTypes.SingleSelect => Choices(form, field, name, label, prefix, field.Options!.Select(o => (o.Value, o.Label)).ToList(), "radio", oneChoice),
            FieldTypes.MultiSelect => Choices(form, field, name, label, prefix, field.Options!.Select(o => (o.Value, o.Label)).ToList(), "checkbox", oneClick: false),
            _ => Field.Text(form, name, label, fallback, "text", field.Required, field.Help, prefix, maxLength: field.MaxLength),
        };
    }

    private static Html Choices(FormState form, FormField field, string name, string label, string prefix, IReadOnlyList<(string Value, string Label)> options,
        string type, bool oneClick)
    {
        var id = prefix + name;
        var errors = form.Errors(name);
        var chosen = form.Value(name)?.Split(',') ?? field.Default switch
        {
            { ValueKind: JsonValueKind.Array } list => list.EnumerateArray().Select(v => v.ToString()).ToArray(),
            { } one => [one.ValueKind == JsonValueKind.String ? one.GetString()! : one.GetRawText()],
            null => [],
        };
        var w = new HtmlWriter();
        w.Add($"""<fieldset id="{id}" class="field choices{(errors.Count > 0 ? Html.Raw(" invalid") : Html.Empty)}"><legend>{label}</legend>""");
        if (field.Help is { } help)
        {
            w.Add($"""<small class="hint">{help}</small>""");
        }

        var i = 0;
        foreach (var (value, text) in options)
        {
            if (oneClick)
            {
                w.Add($"""<button type="submit" name="{name}" value="{value}" class="choice">{text}</button> """);
                continue;
            }

            var optionId = $"{id}-{i++}";
            w.Add($"""<div class="check"><input id="{optionId}" name="{name}" type="{type}" value="{value}"{(chosen.Contains(value) ? Html.Raw(" checked") : Html.Empty)}> <label for="{optionId}">{text}</label></div>""");
        }

        if (errors.Count > 0)
        {
            w.Add($"""<p class="error" id="{id}-error">{string.Join("; ", errors)}</p>""");
        }

        w.Add($"</fieldset>");
        return w.ToHtml();
    }
}
