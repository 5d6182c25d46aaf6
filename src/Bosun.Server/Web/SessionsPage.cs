using System.Globalization;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Ledger;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Web;

/// Agent sessions: a list to find one by outcome, and one session as a timeline of its messages, tool uses and the LLM
/// calls billed for them, with its sub-agents inline and a form to say how it went.
internal static class SessionsPage
{
    private const int TimelinePage = 200;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/sessions", async (HttpContext http, string? outcome, string? cursor, SessionService sessions) =>
        {
            var filter = new SessionFilter(null, outcome is { Length: > 0 } ? outcome : null, null, null);
            var (page, rollup) = await http.ReadAsync(async c =>
                (await sessions.ListAsync(filter, PageRequest.From(50, cursor), c), await sessions.OutcomesAsync(new SessionFilter(null, null, null, null), c)));
            return Layout.Page(http, "Sessions", Nav.Sessions, RenderList(page, rollup, filter.Outcome));
        });

        app.MapGet("/sessions/{id}", (string id, string? after, HttpContext http, SessionService sessions) => ShowAsync(http, sessions, id, after, FormState.Empty));

        app.MapPost("/sessions/{id}/rate", async (string id, HttpContext http, SessionService sessions) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            try
            {
                var rating = new SessionRating(
                    form["outcome"] is { Count: > 0 } o && o.ToString().Length > 0 ? Check.OneOf<SessionOutcome>("outcome", o) : null,
                    form["quality_score"] is { Count: > 0 } q && q.ToString().Length > 0
                        ? int.TryParse(q, NumberStyles.Integer, CultureInfo.InvariantCulture, out var score) ? score : throw ProblemException.Invalid("quality_score", "must be a whole number 0-100")
                        : null);
                var rated = await http.WriteAsync(c => sessions.RateAsync(id, rating, c));
                Layout.SetFlash(http, $"Session rated: {rated.Outcome?.Snake() ?? "no outcome"}{(rated.QualityScore is { } s ? $", quality {s}" : "")}.");
                return (IResult)new SeeOther($"/sessions/{Html.Segment(id)}");
            }
            catch (ProblemException problem) when (problem.Status != 404)
            {
                return await ShowAsync(http, sessions, id, null, new FormState(form, problem), problem.Status);
            }
        });
    }

    private static async Task<IResult> ShowAsync(HttpContext http, SessionService sessions, string id, string? after, FormState form, int status = 200)
    {
        var (detail, messages) = await http.ReadAsync(async c =>
            (await sessions.GetAsync(id, c), await sessions.MessagesAsync(id, TimelinePage, after is { Length: > 0 } ? after : null, c)));
        return Layout.Page(http, detail.Session.Title ?? "Session", Nav.Sessions, RenderSession(http, detail, messages, form), status);
    }

    private static Html RenderList(Page<SessionView> page, IReadOnlyList<SessionOutcomeRow> rollup, string? outcome)
    {
        var w = new HtmlWriter();
        w.Add($"""
            <div class="page-head"><h1>Sessions</h1>
            <form method="get" action="/sessions" class="inline">
            <label for="outcome">Outcome</label>
            <select id="outcome" name="outcome"><option value="">any</option>
            """);
        foreach (var name in EnumNames<SessionOutcome>.All.Append(SessionService.Unrated))
        {
            w.Add($"""<option value="{name}"{(name == outcome ? Html.Raw(" selected") : Html.Empty)}>{(name == SessionService.Unrated ? "not rated" : name)}</option>""");
        }

        w.Add($"""</select> <button type="submit">Show</button></form></div>""");
        if (rollup.Count > 0)
        {
            w.Add($"""<table class="grid" data-testid="outcomes"><caption>By outcome</caption><thead><tr><th scope="col">Outcome</th><th scope="col">Sessions</th><th scope="col">Average quality</th><th scope="col">Cost</th></tr></thead><tbody>""");
            foreach (var row in rollup)
            {
                w.Add($"""<tr><td>{(row.Outcome == SessionService.Unrated ? "not rated" : row.Outcome)}</td><td>{Format.Count(row.Sessions)}</td><td>{row.AverageQuality?.ToString("0.#", CultureInfo.InvariantCulture) ?? "—"}</td><td>{Format.Usd(row.CostUsd)}</td></tr>""");
            }

            w.Add($"</tbody></table>");
        }

        if (page.Items.Count == 0)
        {
            w.Add($"""<p class="muted">No sessions{(outcome is null ? "" : " with this outcome")} yet. Import transcripts with <code>bosun import claude-code</code>, <code>codex</code> or <code>generic</code>.</p>""");
            return w.ToHtml();
        }

        w.Add($"""<table class="grid" data-testid="sessions"><thead><tr><th scope="col">Started</th><th scope="col">Session</th><th scope="col">Source</th><th scope="col">Model</th><th scope="col">Messages</th><th scope="col">Outcome</th><th scope="col">Quality</th></tr></thead><tbody>""");
        foreach (var s in page.Items)
        {
            w.Add($"""
                <tr data-testid="session-{s.Id}"><td>{Format.Time(s.StartedAt)}</td><td><a href="/sessions/{s.Id}">{s.Title ?? s.ExternalId}</a>{(s.ParentId is null ? Html.Empty : Html.Raw(" <small class=\"muted\">sub-agent</small>"))}</td>
                <td>{s.Source.Snake()}</td><td>{s.Model ?? ""}</td><td>{Format.Count(s.MessageCount)}</td><td>{s.Outcome?.Snake() ?? "—"}</td><td>{s.QualityScore?.ToString(CultureInfo.InvariantCulture) ?? "—"}</td></tr>
                """);
        }

        w.Add($"</tbody></table>");
        if (page.NextCursor is { } next)
        {
            w.Add($"""<p><a href="/sessions{Html.Query(("outcome", outcome), ("cursor", next))}" rel="next">Older sessions →</a></p>""");
        }

        return w.ToHtml();
    }

    private static Html RenderSession(HttpContext http, SessionDetail detail, Page<SessionMessageView> messages, FormState form)
    {
        var s = detail.Session;
        var u = detail.Usage;
        var w = new HtmlWriter();
        w.Add($"""
            <div class="page-head"><h1>{s.Title ?? s.ExternalId}</h1><a href="/sessions">All sessions</a></div>
            <dl class="facts">
            <dt>Source</dt><dd>{s.Source.Snake()} <code>{s.ExternalId}</code></dd>
            <dt>Where</dt><dd>{s.Machine ?? "—"} {s.WorkspacePath ?? ""} {(s.GitBranch is null ? Html.Empty : Html.Of($"on <code>{s.GitBranch}</code>"))}</dd>
            <dt>When</dt><dd>{Format.Time(s.StartedAt)} to {Format.Time(s.EndedAt)}</dd>
            <dt>Model</dt><dd>{s.Model ?? "—"}</dd>
            <dt>Usage</dt><dd data-testid="session-usage">{Format.Count(u.Calls)} LLM calls · {Format.Count(u.InputTokens)} input, {Format.Count(u.OutputTokens)} output, {Format.Count(u.CacheReadTokens)} cache read tokens · {Format.Usd(u.CostUsd)} (list {Format.Usd(u.ListCostUsd)})</dd>
            <dt>Outcome</dt><dd data-testid="session-outcome">{s.Outcome?.Snake() ?? "not rated"}{(s.QualityScore is { } q ? $", quality {q}" : "")}</dd>
            {(s.ParentId is null ? Html.Empty : Html.Of($"<dt>Parent</dt><dd><a href=\"/sessions/{s.ParentId}\">the session that started this sub-agent</a></dd>"))}
            </dl>
            <section class="panel" aria-labelledby="rate"><h2 id="rate">How did it go?</h2>
            <form method="post" action="/sessions/{s.Id}/rate" class="inline">{Layout.Token(http)}
            {form.Summary()}
            {Field.Select(form, "outcome", "Outcome", new[] { ("", "—") }.Concat(EnumNames<SessionOutcome>.All.Select(o => (o, o))), s.Outcome?.Snake())}
            {Field.Text(form, "quality_score", "Quality (0-100)", s.QualityScore?.ToString(CultureInfo.InvariantCulture), type: "number")}
            <button type="submit">Save</button>
            </form></section>
            """);
        if (detail.SubAgents.Count > 0)
        {
            w.Add($"""<section class="panel" aria-labelledby="subagents"><h2 id="subagents">Sub-agents</h2><ul>""");
            foreach (var sub in detail.SubAgents)
            {
                w.Add($"""<li data-testid="sub-agent"><a href="/sessions/{sub.Id}">{sub.Title ?? sub.ExternalId}</a> <span class="muted">{Format.Count(sub.MessageCount)} messages · {Format.Time(sub.StartedAt)}</span></li>""");
            }

            w.Add($"</ul></section>");
        }

        w.Add($"""<section aria-labelledby="timeline"><h2 id="timeline">Timeline</h2><ol class="timeline" data-testid="timeline">""");
        foreach (var m in messages.Items)
        {
            w.Add($"""<li class="message role-{m.Role}" data-testid="message"><p class="muted"><strong>{m.Role}</strong> {Format.Time(m.At)}{(m.Model is null ? "" : $" · {m.Model}")}</p>""");
            if (m.Text is { Length: > 0 } text)
            {
                w.Add($"""<pre class="message-text">{text}</pre>""");
            }
            else if (m.TextLength > 0)
            {
                w.Add($"""<p class="muted">{Format.Count(m.TextLength)} characters (the tenant keeps no text)</p>""");
            }
            foreach (var tool in m.ToolUses)
            {
                w.Add($"""<p class="tool-use" data-testid="tool-use">→ <code>{tool.Name ?? "tool"}</code> {(tool.Input is { Length: > 0 } input ? Html.Of($"<small class=\"muted\">{(input.Length > 200 ? input[..199] + "…" : input)}</small>") : Html.Empty)}</p>""");
            }

            foreach (var call in m.LlmCalls)
            {
                w.Add($"""<p class="llm-call muted" data-testid="llm-call">{call.Model}: {Format.Count(call.InputTokens)} in, {Format.Count(call.OutputTokens)} out, {Format.Count(call.CacheReadTokens)} cache read · {(call.CostUsd is { } cost ? Format.Usd(cost) : "unpriced")}</p>""");
            }

            w.Add($"</li>");
        }

        w.Add($"</ol></section>");
        if (messages.NextCursor is { } next)
        {
            w.Add($"""<p><a href="/sessions/{s.Id}{Html.Query(("after", next))}" rel="next">Later messages →</a></p>""");
        }

        return w.ToHtml();
    }
}
