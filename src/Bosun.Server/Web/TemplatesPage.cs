using Bosun.Core.Common;
using Bosun.Core.Planning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Web;

/// The templates a tenant may instantiate, each with a preview of the items it would make.
internal static class TemplatesPage
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/templates", async (HttpContext http, string? kind, bool? archived, TemplateService templates) =>
        {
            var showArchived = archived ?? false;
            var list = await http.ReadAsync(async c =>
            {
                var all = new List<TemplateView>();
                for (string? cursor = null; ;)
                {
                    var page = await templates.ListAsync(kind, showArchived, PageRequest.MaxLimit, cursor, c);
                    all.AddRange(page.Items);
                    if ((cursor = page.NextCursor) is null)
                    {
                        return all;
                    }
                }
            });
            return Layout.Page(http, "Templates", Nav.Templates, Render(list, templates, kind, showArchived));
        });

    private static Html Render(IReadOnlyList<TemplateView> templates, TemplateService service, string? kind, bool archived)
    {
        var w = new HtmlWriter();
        w.Add($"""
            <div class="page-head"><h1>Templates</h1>
            <p><a href="/templates{Html.Query(("kind", kind), ("archived", archived ? null : "true"))}">{(archived ? "Show the templates in use" : "Show the archived templates")}</a></p></div>
            <p class="muted">Each template makes a parent item and one sub-item per step. Instantiate one with
            <code>bosun template instantiate ID --project KEY --var key=value</code> or <code>POST /api/v1/templates/ID/instantiate</code>;
            copy a global one with <code>bosun template copy ID</code> to change it.</p>
            """);
        if (kind is { Length: > 0 })
        {
            w.Add($"""<p>Only templates of kind <strong>{kind}</strong>. <a href="/templates{Html.Query(("archived", archived ? "true" : null))}">All kinds</a></p>""");
        }

        if (templates.Count == 0)
        {
            w.Add($"""<p class="muted">{(archived ? "No archived templates." : "No templates of this kind.")}</p>""");
            return w.ToHtml();
        }

        foreach (var template in templates)
        {
            w.Add($"""
                <article class="panel template" id="template-{template.Id}" data-template="{template.Id}">
                <div class="goal-head"><h2>{template.Name}</h2><span class="status">{(template.ArchivedAt is null ? template.Scope : "archived")}</span></div>
                <p class="meta"><span><a href="/templates{Html.Query(("kind", template.Kind), ("archived", archived ? "true" : null))}">{template.Kind}</a></span><span>version {template.Version}</span><span><code>{template.Id}</code></span>{Source(template)}</p>
                """);
            if (template.Description is { Length: > 0 } description)
            {
                w.Add($"""<p class="prose">{description}</p>""");
            }

            if (template.Variables.Count > 0)
            {
                w.Add($"""<h3>Variables</h3><dl class="facts variables">""");
                foreach (var variable in template.Variables)
                {
                    var facts = string.Join(", ", new[]
                    {
                        variable.Type ?? "text", variable.Required == true ? "required" : null,
                        variable.Default is { } given && given.ValueKind != System.Text.Json.JsonValueKind.Null ? $"default {given}" : null,
                    }.OfType<string>());
                    w.Add($"""<dt><code>{variable.Key}</code></dt><dd>{variable.Label ?? ""} <span class="muted">({facts})</span></dd>""");
                }

                w.Add($"</dl>");
            }

            var steps = service.Preview(template);
            var titles = steps.ToDictionary(s => s.Key, s => s.Title);
            w.Add($"""<h3>An instantiate makes</h3><p class="preview-parent"><strong>{template.Name}</strong> <span class="muted">({template.Kind}), with {steps.Count} sub-items:</span></p><ol class="steps">""");
            foreach (var step in steps)
            {
                w.Add($"""<li data-step="{step.Key}"><span class="step-title">{step.Title}</span> <span class="meta"><span>{step.Type}</span>""");
                if (step.Assignee is { Length: > 0 } assignee)
                {
                    w.Add($"<span>{assignee}</span>");
                }

                if (step.ApprovalRequired)
                {
                    w.Add($"""<span class="gate">approval</span>""");
                }

                w.Add($"</span>");
                if (step.After.Count > 0)
                {
                    w.Add($"""<span class="after muted">after {string.Join(", ", step.After.Select(a => titles.GetValueOrDefault(a, a)))}</span>""");
                }

                w.Add($"</li>");
            }

            w.Add($"</ol></article>");
        }

        return w.ToHtml();
    }

    private static Html Source(TemplateView template) =>
        template.SourceTemplateId is { } source ? Html.Of($"<span>copied from <code>{source}</code> version {template.SourceVersion}</span>") : Html.Empty;
}
