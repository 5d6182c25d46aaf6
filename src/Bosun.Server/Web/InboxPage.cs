using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Core.HumanInput;
using Bosun.Core.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Server.Web;

/// What waits for the signed-in person: approvals they may decide (one click each) and work assigned to them.
internal static class InboxPage
{
    private sealed record Model(Inbox Inbox, bool MayDecide, Roster Roster, IReadOnlyList<QuestionView> Questions);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/inbox", (HttpContext http, CancellationToken _) => ShowAsync(http, FormState.Empty));

        app.MapPost("/inbox/{approvalId}", async (string approvalId, HttpContext http, ApprovalService approvals) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            try
            {
                var verdict = Check.OneOf<Verdict>("verdict", form["verdict"]) ?? throw ProblemException.Invalid("verdict", "is required");
                var decided = await http.WriteAsync(c => approvals.DecideAsync(approvalId, verdict, new Decision(BoardPage.Optional(form["note"])), c));
                var what = decided.Approval.WorkItemKey ?? decided.Approval.Subject;
                Layout.SetFlash(http, decided.Plan is not null ? verdict switch
                {
                    Verdict.Approve => $"Approved {decided.Approval.Subject}: the plan is active.",
                    Verdict.Reject => $"Rejected {decided.Approval.Subject}: the plan waits for a re-plan with your note.",
                    _ => $"Asked for changes on {decided.Approval.Subject}: the plan waits for a re-plan with your note.",
                } : verdict switch
                {
                    Verdict.Approve => decided.Item is { } item ? $"Approved {what}: it is now {BoardPage.StatusText(item.Status).ToLowerInvariant()}." : $"Approved {what}.",
                    Verdict.Reject => $"Rejected {what}: it goes back to the queue with your note.",
                    _ => $"Asked for changes on {what}: it goes back to the queue with your note.",
                });
                return (IResult)new SeeOther("/inbox");
            }
            catch (ProblemException problem) when (problem.Status != 404)
            {
                return await ShowAsync(http, new FormState(form, problem, approvalId), problem.Status);
            }
        });
    }

    internal static async Task<HtmlResult> ShowAsync(HttpContext http, FormState form, int status = 200)
    {
        var services = http.RequestServices;
        var model = await http.ReadAsync(async c => new Model(
            await services.GetRequiredService<ApprovalService>().InboxAsync(c),
            Permissions.Has(services.GetRequiredService<RequestContext>(), Capability.DecideApprovals),
            await Roster.LoadAsync(services.GetRequiredService<AgentService>(), services.GetRequiredService<PeopleService>(), c),
            (await services.GetRequiredService<HumanInputService>().ListQuestionsAsync(QuestionStatus.Open, mine: true, null, new PageRequest(PageRequest.MaxLimit, null), c)).Items));
        return Layout.Page(http, "Inbox", Nav.Inbox, Render(http, model, form), status);
    }

    /// Approve, request changes or reject, with the note a rejection needs; the plan page decides with the same form.
    internal static Html DecisionForm(HttpContext http, string action, FormState form, string scope, string idPrefix, int rows) => Html.Of($"""
        <form method="post" action="{action}" novalidate>
        {Layout.Token(http)}
        {form.Summary(scope, idPrefix)}
        {Field.TextArea(form, "note", "Note (required to reject or request changes)", idPrefix: idPrefix, rows: rows)}
        <div class="actions">
        <button type="submit" name="verdict" value="approve" class="primary">Approve</button>
        <button type="submit" name="verdict" value="request_changes">Request changes</button>
        <button type="submit" name="verdict" value="reject" class="danger">Reject</button>
        </div>
        </form>
        """);

    /// Questions asked of the person or their role, oldest first, each with its form: a choice is one click.
    private static void RenderQuestions(HtmlWriter w, HttpContext http, Model m, FormState form)
    {
        w.Add($"""<section aria-labelledby="questions-h"><h2 id="questions-h">Questions for you <span class="count">{m.Questions.Count}</span></h2>""");
        if (m.Questions.Count == 0)
        {
            w.Add($"""<p class="muted">No question waits for your answer.</p>""");
        }

        foreach (var question in m.Questions.OrderBy(q => q.Id))
        {
            var definition = FormDefinition.Parse(question.Form, "form", new ValidationProblem())!;
            w.Add($"""
                <article class="panel question" data-question="{question.Key}" aria-labelledby="q{question.Key}-title">
                <h3 id="q{question.Key}-title"><a href="/work/{question.Key}">{question.Key}</a> {question.Question}</h3>
                <p class="muted">{question.Kind.Snake()} · asked by {m.Roster.Describe(question.AskedBy)} for <a href="/work/{question.AskingItemKey}">{question.AskingItemKey}</a>{(question.Blocking ? " · the work waits for your answer" : "")} · {Format.Time(question.CreatedAt)}{(question.ExpiresAt is { } at ? Html.Of($" · expires {Format.Time(at)}") : Html.Empty)}</p>
                {HumanInputForms.Render(http, question.Key, definition, form, "/inbox", "Answer")}
                </article>
                """);
        }

        w.Add($"</section>");
    }

    private static Html Render(HttpContext http, Model m, FormState form)
    {
        var w = new HtmlWriter();
        w.Add($"""<h1>Inbox</h1>""");
        RenderQuestions(w, http, m, form);
        w.Add($"""<section aria-labelledby="approvals-h"><h2 id="approvals-h">Approvals waiting for you <span class="count">{m.Inbox.Approvals.Count}</span></h2>""");
        if (!m.MayDecide)
        {
            w.Add($"""<p class="muted">Your role does not decide approvals.</p>""");
        }
        else if (m.Inbox.Approvals.Count == 0)
        {
            w.Add($"""<p class="muted">Nothing waits for a decision.</p>""");
        }

        foreach (var approval in m.Inbox.Approvals)
        {
            var prefix = $"a{approval.Id}-";
            var scoped = form.IsFor(approval.Id) ? form : FormState.Empty;
            w.Add($"""
                <article class="panel approval" data-approval="{approval.Id}" aria-labelledby="{prefix}title">
                <h3 id="{prefix}title">{(approval.PlanId is { } planId ? Html.Of($"<a href=\"/plans/{planId}\">{approval.Subject}</a>") : approval.WorkItemKey is { } key ? Html.Of($"<a href=\"/work/{key}\">{approval.Subject}</a>") : Html.Of($"{approval.Subject}"))}</h3>
                <p class="muted">{approval.Kind.Snake().Replace('_', ' ')} · requested by {m.Roster.Describe(approval.RequestedBy)} · {Format.Time(approval.CreatedAt)}</p>
                """);
            if (approval.Summary is { Length: > 0 } summary)
            {
                w.Add($"""<div class="prose">{summary}</div>""");
            }

            if (approval.Output is { } output)
            {
                w.Add($"""<details><summary>Output</summary><pre class="json">{output.ToString()}</pre></details>""");
            }

            w.Add($"""
                {DecisionForm(http, $"/inbox/{approval.Id}", scoped, approval.Id, prefix, rows: 2)}
                </article>
                """);
        }

        // Questions assigned to the person are answered above.
        var asked = m.Questions.Select(q => q.WorkItemId).ToHashSet();
        var work = m.Inbox.Work.Where(i => !asked.Contains(i.Id)).ToList();
        w.Add($"""</section><section aria-labelledby="mine-h"><h2 id="mine-h">Assigned to you <span class="count">{work.Count}</span></h2>""");
        if (work.Count == 0)
        {
            w.Add($"""<p class="muted">No open work is assigned to you.</p>""");
        }
        else
        {
            w.Add($"<ul class=\"links\">");
            foreach (var item in work)
            {
                w.Add($"""<li><a href="/work/{item.Key}">{item.Key} {item.Title}</a> <span class="status status-{item.Status.Snake()}">{BoardPage.StatusText(item.Status)}</span></li>""");
            }

            w.Add($"</ul>");
        }

        w.Add($"</section>");
        return w.ToHtml();
    }
}
