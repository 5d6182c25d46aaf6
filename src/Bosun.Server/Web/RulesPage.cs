using System.Text.Json;
using Bosun.Core.Automation;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Web;

/// The tenant's rules: the event each waits for, its filters and actions, whether it is enabled, and what it did lately.
internal static class RulesPage
{
    /// How many of the newest actions, over all rules, the page shows.
    private const int RecentActions = 200;

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/rules", async (HttpContext http, RuleService rules) =>
        {
            var (list, recent) = await http.ReadAsync(async c =>
            {
                var all = new List<RuleView>();
                for (string? cursor = null; ;)
                {
                    var page = await rules.ListAsync(null, new PageRequest(PageRequest.MaxLimit, cursor), c);
                    all.AddRange(page.Items);
                    if ((cursor = page.NextCursor) is null)
                    {
                        break;
                    }
                }

                var actions = await rules.ActionsAsync(null, null, new PageRequest(RecentActions, null), c);
                return (all, actions.Items);
            });
            return Layout.Page(http, "Rules", Nav.Rules, Render(list, recent));
        });

    private static Html Render(IReadOnlyList<RuleView> rules, IReadOnlyList<RuleActionView> recent)
    {
        var w = new HtmlWriter();
        w.Add($"""
            <div class="page-head"><h1>Rules</h1></div>
            <p class="muted">When an event happens, a rule runs its actions once for it. Create one with
            <code>bosun rule create --file rule.json</code>, <code>bosun rule create --preset KEY</code> or <code>POST /api/v1/rules</code>.</p>
            """);
        if (rules.Count == 0)
        {
            w.Add($"""<p class="muted">No rules yet.</p>""");
            return w.ToHtml();
        }

        var byRule = recent.GroupBy(a => a.RuleId).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var rule in rules)
        {
            w.Add($"""
                <article class="panel rule" id="rule-{rule.Id}" data-rule="{rule.Id}">
                <div class="goal-head"><h2>{rule.Name}</h2><span class="status">{(rule.Enabled ? "enabled" : "disabled")}</span></div>
                <p class="meta"><span>on <code>{rule.Event}</code></span>{When(rule.When)}<span><code>{rule.Id}</code></span>{(rule.Inbound is { } inbound ? Html.Of($"<span>inbound <code>{inbound.Url}</code></span>") : Html.Empty)}</p>
                """);
            if (rule.Description is { Length: > 0 } description)
            {
                w.Add($"""<p class="prose">{description}</p>""");
            }

            w.Add($"""<h3>Actions</h3><ol class="steps">""");
            foreach (var action in rule.Actions)
            {
                w.Add($"""<li><code>{action.Type ?? ""}</code> <span class="muted">{Target(action)}</span></li>""");
            }

            w.Add($"</ol><h3>Recent actions</h3>");
            if (!byRule.TryGetValue(rule.Id, out var done))
            {
                w.Add($"""<p class="muted">Nothing yet.</p>""");
            }
            else
            {
                w.Add($"""<table class="rule-actions"><thead><tr><th>When</th><th>Event</th><th>Action</th><th>Result</th><th>Made</th></tr></thead><tbody>""");
                foreach (var action in done)
                {
                    w.Add($"""
                        <tr data-action="{action.Id}"><td>{Format.Time(action.CreatedAt)}</td><td><code>{action.EventType}</code></td><td>{action.ActionType}</td>
                        <td><span class="status">{action.Status.Snake()}</span>{(action.Error is { Length: > 0 } error ? Html.Of($" <span class=\"muted\">{error}</span>") : Html.Empty)}</td><td>{Made(action.Result)}</td></tr>
                        """);
                }

                w.Add($"</tbody></table>");
            }

            w.Add($"</article>");
        }

        return w.ToHtml();
    }

    private static Html When(RuleWhen when)
    {
        var parts = new[] { ("project", when.Project), ("type", when.ItemType), ("label", when.Label), ("from", when.From), ("to", when.To) }
            .Where(p => p.Item2 is { Length: > 0 }).Select(p => $"{p.Item1} {p.Item2}").ToList();
        return parts.Count == 0 ? Html.Empty : Html.Of($"<span>when {string.Join(", ", parts)}</span>");
    }

    private static string Target(RuleActionSpec action) =>
        string.Join(" · ", new[] { action.Template, action.Project, action.Title, action.Item, action.ChildrenOf, action.Body, action.Subject }.OfType<string>().Where(t => t.Length > 0));

    /// What an action made, from its result: the keys and ids it names.
    private static string Made(JsonElement? result) =>
        result is { ValueKind: JsonValueKind.Object } made
            ? string.Join(", ", made.EnumerateObject().Select(p => p.Value.ValueKind == JsonValueKind.Array
                ? string.Join(", ", p.Value.EnumerateArray().Select(v => v.ToString()))
                : p.Value.ToString()))
            : "";
}
