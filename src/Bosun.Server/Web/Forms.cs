using Bosun.Core.Common;
using Microsoft.AspNetCore.Http;

namespace Bosun.Server.Web;

/// What a form was sent with and what the service said about it. A refused form is shown again with the
/// values the person typed and each field's message next to the field (the service names fields the way
/// the API does, and the forms use the same names).
internal sealed class FormState
{
    public static readonly FormState Empty = new(null, null);

    private readonly IFormCollection? _values;

    public FormState(IFormCollection? values, ProblemException? problem, string? scope = null)
    {
        _values = values;
        Problem = problem;
        Scope = scope;
    }

    public ProblemException? Problem { get; }

    /// Which of several forms on a page was sent (e.g. the approval id), so only that one shows the errors.
    public string? Scope { get; }

    public bool IsFor(string? scope) => Problem is not null && Scope == scope;

    public string? Value(string name, string? fallback = null) =>
        _values is not null && _values.ContainsKey(name) ? _values[name].ToString() : fallback;

    public IReadOnlyList<string> Errors(string name) =>
        Problem is not null && Problem.Errors.TryGetValue(name, out var messages) ? messages : [];

    /// An alert at the top of the form listing every problem, each linked to its field.
    public Html Summary(string? scope = null, string idPrefix = "")
    {
        if (!IsFor(scope) || Problem is null)
        {
            return Html.Empty;
        }

        var w = new HtmlWriter();
        w.Add($"""<div class="notice error" role="alert"><p>{(Problem.Errors.Count > 0 ? "Please fix the following:" : Problem.Detail)}</p>""");
        if (Problem.Errors.Count > 0)
        {
            w.Add($"<ul>");
            foreach (var (field, messages) in Problem.Errors)
            {
                foreach (var message in messages)
                {
                    w.Add($"""<li><a href="#{idPrefix}{field}">{Label(field)}: {message}</a></li>""");
                }
            }

            w.Add($"</ul>");
        }

        w.Add($"</div>");
        return w.ToHtml();
    }

    private static string Label(string field) => field.Replace('_', ' ');
}

/// Form controls that carry their label, their current value and their error message.
internal static class Field
{
    public static Html Text(FormState form, string name, string label, string? value = null, string type = "text",
        bool required = false, string? hint = null, string idPrefix = "", string? autocomplete = null, int? maxLength = null)
    {
        var id = idPrefix + name;
        var current = type == "password" ? null : form.Value(name, value);
        var control = Html.Of($"""<input id="{id}" name="{name}" type="{type}" value="{current}"{Attributes(form, name, id, required, hint)}{(autocomplete is null ? Html.Empty : Html.Of($" autocomplete=\"{autocomplete}\""))}{(maxLength is { } max ? Html.Of($" maxlength=\"{max}\"") : Html.Empty)}>""");
        return Wrap(form, name, label, id, control, hint);
    }

    public static Html TextArea(FormState form, string name, string label, string? value = null, bool required = false, string idPrefix = "", int rows = 3)
    {
        var id = idPrefix + name;
        var control = Html.Of($"""<textarea id="{id}" name="{name}" rows="{rows}"{Attributes(form, name, id, required, null)}>{form.Value(name, value)}</textarea>""");
        return Wrap(form, name, label, id, control, null);
    }

    public static Html Select(FormState form, string name, string label, IEnumerable<(string Value, string Text)> options, string? selected = null,
        string idPrefix = "")
    {
        var id = idPrefix + name;
        var current = form.Value(name, selected) ?? "";
        var w = new HtmlWriter();
        w.Add($"""<select id="{id}" name="{name}"{Attributes(form, name, id, false, null)}>""");
        foreach (var (value, text) in options)
        {
            w.Add($"""<option value="{value}"{(value == current ? Html.Raw(" selected") : Html.Empty)}>{text}</option>""");
        }

        w.Add($"</select>");
        return Wrap(form, name, label, id, w.ToHtml(), null);
    }

    public static Html Checkbox(FormState form, string name, string label, bool isChecked = false, string idPrefix = "")
    {
        var id = idPrefix + name;
        var on = form.Value(name) is { } sent ? sent == "true" : isChecked;
        var errors = Errors(form, name, id);
        return Html.Of($"""
            <div class="field check">
            <input id="{id}" name="{name}" type="checkbox" value="true"{(on ? Html.Raw(" checked") : Html.Empty)}>
            <label for="{id}">{label}</label>
            {errors}
            </div>
            """);
    }

    private static Html Attributes(FormState form, string name, string id, bool required, string? hint)
    {
        var invalid = form.Errors(name).Count > 0;
        var described = string.Join(' ', new[] { invalid ? id + "-error" : null, hint is null ? null : id + "-hint" }.Where(d => d is not null));
        return Html.Of($"""{(required ? Html.Raw(" required") : Html.Empty)}{(invalid ? Html.Raw(" aria-invalid=\"true\"") : Html.Empty)}{(described.Length > 0 ? Html.Of($" aria-describedby=\"{described}\"") : Html.Empty)}""");
    }

    private static Html Wrap(FormState form, string name, string label, string id, Html control, string? hint) =>
        Html.Of($"""
            <div class="field{(form.Errors(name).Count > 0 ? Html.Raw(" invalid") : Html.Empty)}">
            <label for="{id}">{label}</label>
            {(hint is null ? Html.Empty : Html.Of($"<small id=\"{id}-hint\" class=\"hint\">{hint}</small>"))}
            {control}
            {Errors(form, name, id)}
            </div>
            """);

    private static Html Errors(FormState form, string name, string id)
    {
        var errors = form.Errors(name);
        return errors.Count == 0 ? Html.Empty : Html.Of($"""<p class="error" id="{id}-error">{string.Join("; ", errors)}</p>""");
    }
}
