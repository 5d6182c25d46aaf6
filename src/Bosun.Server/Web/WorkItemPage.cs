using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Dispatch;
using Bosun.Core.Governance;
using Bosun.Core.HumanInput;
using Bosun.Core.Identity;
using Bosun.Core.Integrations;
using Bosun.Core.Knowledge;
using Bosun.Core.Ledger;
using Bosun.Core.Planning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Server.Web;

/// One work item: what it is, where it stands, who works on it, what its runs cost, and what people said.
internal static class WorkItemPage
{
    private sealed record RunDetail(RunView Run, RunCostView Cost, IReadOnlyList<LlmCallView> Calls);

    private sealed record Model(
        WorkItemView Item, ProjectView Project, IReadOnlyList<WorkItemView> SubItems, IReadOnlyList<CommentView> Comments,
        IReadOnlyList<RunDetail> Runs, IReadOnlyList<ApprovalView> Approvals, Roster Roster, GoalView? Goal, WorkItemView? Parent, DateTime Now,
        IReadOnlyList<RunCheckView> Checks, FormView? Form, IReadOnlyList<SubmissionView> Submissions, IReadOnlyList<QuestionView> Questions,
        IReadOnlyList<PullRequestView> PullRequests, WorkItemKnowledge.Model Knowledge, IReadOnlyList<Bosun.Core.Knowledge.DocumentView> Documents);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/work/{key}", (string key, HttpContext http) => ShowAsync(http, key, FormState.Empty));

        app.MapPost("/work/{key}/move", async (string key, HttpContext http, WorkItemService items) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            return await ActAsync(http, key, form, "move", async c =>
            {
                var moved = await items.UpdateAsync(key, Update(status: Check.OneOf<WorkStatus>("status", form["status"]) ?? throw ProblemException.Invalid("status", "is required")), c);
                return $"{moved.Key} is now {BoardPage.StatusText(moved.Status).ToLowerInvariant()}.";
            });
        });

        app.MapPost("/work/{key}/assign", async (string key, HttpContext http, WorkItemService items) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            return await ActAsync(http, key, form, "assign", async c =>
            {
                var updated = await items.UpdateAsync(key, Update(assignee: form["assignee"].ToString()), c);
                return updated.Assignee is null ? $"{updated.Key} is unassigned." : $"{updated.Key} is reassigned.";
            });
        });

        app.MapPost("/work/{key}/archive", async (string key, HttpContext http, WorkItemService items) =>
            await ActAsync(http, key, await http.Request.ReadFormAsync(http.RequestAborted), "archive", async c =>
                $"{(await items.ArchiveAsync(key, c)).Key} is archived: it has left the board and the lists until it is restored."));

        app.MapPost("/work/{key}/restore", async (string key, HttpContext http, WorkItemService items) =>
            await ActAsync(http, key, await http.Request.ReadFormAsync(http.RequestAborted), "archive", async c =>
                $"{(await items.RestoreAsync(key, c)).Key} is restored."));

        app.MapPost("/work/{key}/comments", async (string key, HttpContext http, WorkItemService items) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            return await ActAsync(http, key, form, "comment", async c =>
            {
                await items.AddCommentAsync(key, form["body"], c);
                return "Comment added.";
            });
        });

        WorkItemDocuments.Map(app);
    }

    /// Where an item came from, for the items a plan, a template or a deliverable period made: the way back to what
    /// explains why the item exists.
    private static Html MadeFrom(WorkItemView item)
    {
        var sources = new List<Html>();
        if (item.PlanId is { } plan)
        {
            sources.Add(Html.Of($"<a href=\"/plans/{plan}\">its plan</a>"));
        }

        if (item.TemplateId is { } template)
        {
            sources.Add(Html.Of($"<a href=\"/templates#template-{template}\">template version {item.TemplateVersion}</a>{(item.StepKey is { } step ? $", step {step}" : "")}"));
        }

        if (item.DeliverablePeriodId is not null)
        {
            sources.Add(Html.Raw("<a href=\"/deliverables\">a deliverable period</a>"));
        }

        return sources.Count == 0 ? Html.Raw("") : Html.Of($"<dt>Made from</dt><dd>{Html.Raw(string.Join(", ", sources.Select(x => x.Value)))}</dd>");
    }

    private static UpdateWorkItem Update(WorkStatus? status = null, string? assignee = null) =>
        new(null, null, null, status, null, assignee, null, null, null, null, null, null, null, null);

    internal static async Task<IResult> ActAsync(HttpContext http, string key, IFormCollection form, string scope, Func<CancellationToken, Task<string>> action)
    {
        try
        {
            var message = await http.WriteAsync(action);
            Layout.SetFlash(http, message);
            return new SeeOther($"/work/{Html.Segment(key)}");
        }
        catch (ProblemException problem) when (problem.Status != 404)
        {
            return await ShowAsync(http, key, new FormState(form, problem, scope), problem.Status);
        }
    }

    internal static async Task<HtmlResult> ShowAsync(HttpContext http, string key, FormState form, int status = 200)
    {
        var model = await http.ReadAsync(c => LoadAsync(http.RequestServices, key, c));
        return Layout.Page(http, $"{model.Item.Key} {model.Item.Title}", Nav.Board, Render(http, model, form), status);
    }

    private static async Task<Model> LoadAsync(IServiceProvider services, string key, CancellationToken ct)
    {
        var items = services.GetRequiredService<WorkItemService>();
        var item = await items.GetAsync(key, ct);
        var project = await services.GetRequiredService<ProjectService>().GetAsync(item.ProjectId, ct);
        var subItems = (await items.ListAsync(new WorkItemFilter(null, null, null, null, null, item.Id, null, null), new PageRequest(PageRequest.MaxLimit, null), ct)).Items;
        var comments = (await items.ListCommentsAsync(item.Id, new PageRequest(PageRequest.MaxLimit, null), ct)).Items;
        var ledger = services.GetRequiredService<LedgerService>();
        var runs = new List<RunDetail>();
        foreach (var run in (await services.GetRequiredService<RunService>().ListAsync(new RunFilter(item.Id, null, null), new PageRequest(PageRequest.MaxLimit, null), ct)).Items)
        {
            runs.Add(new RunDetail(run, await ledger.RunCostAsync(run.Id, ct), (await ledger.ListLlmCallsAsync(run.Id, new PageRequest(200, null), ct)).Items));
        }

        var approvals = (await services.GetRequiredService<ApprovalService>().ListAsync(null, item.Id, new PageRequest(PageRequest.MaxLimit, null), ct)).Items;
        var roster = await Roster.LoadAsync(services.GetRequiredService<AgentService>(), services.GetRequiredService<PeopleService>(), ct);
        var goal = item.GoalId is { } goalId ? await services.GetRequiredService<GoalService>().GetAsync(goalId, ct) : null;
        var parent = item.ParentId is { } parentId ? await items.GetAsync(parentId, ct) : null;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        var checks = await services.GetRequiredService<RunCheckService>().LatestOfItemAsync(item.Id, ct);
        var input = services.GetRequiredService<HumanInputService>();
        var itemForm = await input.FindFormAsync(item.Id, ct);
        var submissions = itemForm is null ? [] : (await input.ListSubmissionsAsync(item.Id, new PageRequest(PageRequest.MaxLimit, null), ct)).Items;
        var questions = (await input.ListQuestionsAsync(null, mine: false, item.Id, new PageRequest(PageRequest.MaxLimit, null), ct)).Items;
        var pullRequests = (await services.GetRequiredService<GitHubService>().ForItemAsync(item.Id, new PageRequest(PageRequest.MaxLimit, null), ct)).Items;
        var knowledge = await WorkItemKnowledge.LoadAsync(services.GetRequiredService<ArtifactService>(), item.Id, ct);
        var documents = (await WorkItemDocuments.LoadAsync(services, item.Id, ct)).Items;
        return new Model(item, project, subItems, comments, runs, approvals, roster, goal, parent, now, checks, itemForm, submissions, questions, pullRequests, knowledge, documents);
    }

    /// Moves a person may make by hand; claims, starts and approvals have their own buttons and services.
    private static Html Render(HttpContext http, Model m, FormState form)
    {
        var item = m.Item;
        var w = new HtmlWriter();
        w.Add($"""
            <nav class="crumbs" aria-label="Breadcrumb"><a href="/board{Html.Query(("project", m.Project.Key))}">{m.Project.Key} board</a></nav>
            <div class="page-head">
            <h1><span class="muted">{item.Key}</span> {item.Title}</h1>
            <span class="status status-{item.Status.Snake()}" data-testid="status">{BoardPage.StatusText(item.Status)}</span>
            </div>
            <div class="split">
            <div class="main-col">
            """);

        w.Add($"""<section aria-labelledby="desc-h"><h2 id="desc-h">Description</h2>""");
        if (item.Description is { Length: > 0 } description)
        {
            w.Add($"""<div class="prose">{description}</div>""");
        }
        else
        {
            w.Add($"""<p class="muted">No description.</p>""");
        }

        if (item.RevisionNotes is { Length: > 0 } notes)
        {
            w.Add($"""<h3>Revision notes from the last review</h3><div class="prose">{notes}</div>""");
        }

        if (item.Output is { } output)
        {
            w.Add($"""<h3>Output</h3><pre class="json">{output.ToString()}</pre>""");
        }

        w.Add($"</section>");

        RenderQuestions(w, m);
        RenderForm(w, http, m, form);
        WorkItemKnowledge.Render(w, http, m.Knowledge, m.Item.Key, form);
        RenderDependencies(w, m);
        RenderPullRequests(w, m);
        RenderChecks(w, m);
        RenderRuns(w, m);
        RenderApprovals(w, m);
        WorkItemDocuments.Render(w, http, item.Key, m.Documents, form);
        RenderComments(w, http, m, form);
        w.Add($"</div><aside class=\"side-col\">");
        RenderSide(w, http, m, form);
        w.Add($"</aside></div>");
        return w.ToHtml();
    }

    private static void RenderSide(HtmlWriter w, HttpContext http, Model m, FormState form)
    {
        var item = m.Item;
        w.Add($"""
            <section class="panel" aria-labelledby="move-h">
            <h2 id="move-h">Status</h2>
            {form.Summary("move", "move-")}
            """);
        var moves = item.ManualTransitions.Select(EnumNames<WorkStatus>.Parse).ToList();
        if (moves.Count == 0)
        {
            w.Add($"""<p class="muted">{(item.Status == WorkStatus.AwaitingApproval ? "Waiting for a reviewer: decide it in the inbox." : "No moves from here.")}</p>""");
        }
        else
        {
            w.Add($"""<form method="post" action="/work/{item.Key}/move" class="moves">{Layout.Token(http)}""");
            foreach (var move in moves)
            {
                w.Add($"""<button type="submit" name="status" value="{move.Snake()}">Move to {BoardPage.StatusText(move).ToLowerInvariant()}</button>""");
            }

            w.Add($"</form>");
        }

        if (item.Status == WorkStatus.AwaitingApproval)
        {
            w.Add($"""<p><a href="/inbox">Open the inbox</a></p>""");
        }

        // Nothing a person planned is deleted: an item is archived out of the lists and restored from its page.
        w.Add($"""
            {form.Summary("archive", "archive-")}
            <form method="post" action="/work/{item.Key}/{(item.ArchivedAt is null ? "archive" : "restore")}" class="archive">{Layout.Token(http)}
            {(item.ArchivedAt is { } archivedAt ? Html.Of($"<p data-testid=\"archived\">Archived {Format.Time(archivedAt)}.</p>") : Html.Empty)}
            <button type="submit">{(item.ArchivedAt is null ? "Archive" : "Restore")}</button>
            </form>
            """);

        w.Add($"""
            </section>
            <section class="panel" aria-labelledby="assign-h">
            <h2 id="assign-h">Assignee</h2>
            <p data-testid="assignee">{m.Roster.Describe(item.Assignee)}</p>
            <form method="post" action="/work/{item.Key}/assign">
            {Layout.Token(http)}
            {form.Summary("assign", "assign-")}
            {Field.Select(form, "assignee", "Assign to", new[] { ("", "Unassigned") }.Concat(m.Roster.AssigneeChoices()), item.Assignee ?? "", "assign-")}
            <button type="submit">Assign</button>
            </form>
            </section>
            <section class="panel" aria-labelledby="facts-h">
            <h2 id="facts-h">Details</h2>
            <dl class="facts">
            <dt>Type</dt><dd>{item.Type}</dd>
            <dt>Priority</dt><dd><span class="prio prio-{item.Priority.Snake()}">{item.Priority.Snake()}</span></dd>
            <dt>Labels</dt><dd>{(item.Labels.Count == 0 ? "none" : string.Join(", ", item.Labels))}</dd>
            <dt>Goal</dt><dd>{(m.Goal is { } goal ? Html.Of($"<a href=\"/goals#goal-{goal.Id}\">{goal.Title}</a>") : Html.Raw("none"))}</dd>
            <dt>Parent</dt><dd>{(m.Parent is { } parent ? Html.Of($"<a href=\"/work/{parent.Key}\">{parent.Key} {parent.Title}</a>") : Html.Raw("none"))}</dd>
            {MadeFrom(item)}
            <dt>Approval</dt><dd>{(item.ApprovalRequired ? "a reviewer approves the output" : "not required")}</dd>
            <dt>Attempts</dt><dd>{item.Attempts}</dd>
            <dt>Due</dt><dd>{Format.Time(item.DueAt)}</dd>
            <dt>Created</dt><dd>{Format.Time(item.CreatedAt)} by {m.Roster.Describe(item.CreatedBy)}</dd>
            <dt>Updated</dt><dd>{Format.Time(item.UpdatedAt)}</dd>
            </dl>
            </section>
            """);
    }

    /// The questions the item asked (or, on a question's own item, the question itself) and their answers.
    private static void RenderQuestions(HtmlWriter w, Model m)
    {
        if (m.Questions.Count == 0)
        {
            return;
        }

        w.Add($"""<section aria-labelledby="questions-h"><h2 id="questions-h">Questions</h2><ol class="history questions">""");
        foreach (var q in m.Questions.OrderBy(q => q.Id))
        {
            w.Add($"""
                <li data-question="{q.Key}"><span class="status question-{q.Status.Snake()}">{q.Status.Snake()}</span> <a href="/work/{q.Key}">{q.Key}</a> {q.Question}
                <small>{q.Kind.Snake()} · asked by {m.Roster.Describe(q.AskedBy)} of {(q.To.StartsWith("role:", StringComparison.Ordinal) ? $"any {q.To[5..]}" : m.Roster.Describe(q.To))} for <a href="/work/{q.AskingItemKey}">{q.AskingItemKey}</a>{(q.Blocking ? " · blocking" : "")} {Format.Time(q.CreatedAt)}</small>
                """);
            if (q.Answer is { } answer)
            {
                w.Add($"""<br><small>answered by {m.Roster.Describe(q.AnsweredBy)} {Format.Time(q.AnsweredAt)}</small><pre class="json" data-testid="answer">{answer.ToString()}</pre>""");
            }

            w.Add($"</li>");
        }

        w.Add($"</ol></section>");
    }

    /// The item's form while it takes a submission, and what was submitted.
    private static void RenderForm(HtmlWriter w, HttpContext http, Model m, FormState form)
    {
        if (m.Form is not { Definition: { } definition } itemForm)
        {
            return;
        }

        w.Add($"""<section aria-labelledby="form-h"><h2 id="form-h">Form</h2>""");
        if (itemForm.Accepting)
        {
            w.Add($"{HumanInputForms.Render(http, m.Item.Key, definition, form, $"/work/{m.Item.Key}")}");
        }
        else
        {
            w.Add($"""<p class="muted">{(itemForm.OneShot && itemForm.Submissions > 0 ? "Submitted: the form takes one submission." : "The item takes no more submissions.")}</p>""");
        }

        if (m.Submissions.Count > 0)
        {
            w.Add($"""<h3>Submissions</h3><ol class="history submissions">""");
            foreach (var submission in m.Submissions)
            {
                w.Add($"""<li data-submission="{submission.Id}"><small>{submission.SubmittedByName} {Format.Time(submission.SubmittedAt)}</small><pre class="json">{submission.Values.ToString()}</pre></li>""");
            }

            w.Add($"</ol>");
        }

        w.Add($"</section>");
    }

    private static void RenderDependencies(HtmlWriter w, Model m)
    {
        w.Add($"""<section aria-labelledby="deps-h"><h2 id="deps-h">Depends on</h2>""");
        if (m.Item.DependsOn.Count == 0)
        {
            w.Add($"""<p class="muted">Nothing.</p>""");
        }
        else
        {
            w.Add($"<ul class=\"links\">");
            foreach (var dependency in m.Item.DependsOn)
            {
                w.Add($"""<li><a href="/work/{dependency.Key}">{dependency.Key} {dependency.Title}</a> <span class="status status-{dependency.Status.Snake()}">{BoardPage.StatusText(dependency.Status)}</span></li>""");
            }

            w.Add($"</ul>");
        }

        w.Add($"""<h2>Sub-items</h2>""");
        if (m.SubItems.Count == 0)
        {
            w.Add($"""<p class="muted">None.</p>""");
        }
        else
        {
            w.Add($"<ul class=\"links\">");
            foreach (var sub in m.SubItems)
            {
                w.Add($"""<li><a href="/work/{sub.Key}">{sub.Key} {sub.Title}</a> <span class="status status-{sub.Status.Snake()}">{BoardPage.StatusText(sub.Status)}</span></li>""");
            }

            w.Add($"</ul>");
        }

        w.Add($"</section>");
    }

    /// The pull requests GitHub reported naming the item, each with the checks of its head commit.
    private static void RenderPullRequests(HtmlWriter w, Model m)
    {
        if (m.PullRequests.Count == 0)
        {
            return;
        }

        w.Add($"""<section aria-labelledby="prs-h"><h2 id="prs-h">Pull requests</h2><ol class="history pull-requests">""");
        foreach (var pr in m.PullRequests)
        {
            var state = pr.Draft && pr.State == PullRequestState.Open ? "draft" : pr.State.Snake();
            w.Add($"""<li data-pull-request="{pr.Number}">{SafeUrl.Link(pr.Url, $"{pr.Repository}#{pr.Number}")} {pr.Title} <span class="status pr-{state}">{state}</span> <span class="muted">head {pr.HeadSha[..Math.Min(7, pr.HeadSha.Length)]}</span>""");
            if (pr.Checks.Count > 0)
            {
                w.Add($"""<ul class="checks">""");
                foreach (var check in pr.Checks)
                {
                    w.Add($"""<li data-check="{check.Name}">{SafeUrl.Link(check.Url, check.Name)} <span class="status check-{check.Status.Snake()}">{check.Status.Snake()}</span> {check.Summary}</li>""");
                }

                w.Add($"</ul>");
            }

            w.Add($"</li>");
        }

        w.Add($"</ol></section>");
    }

    /// The latest run's checks as stored at its completion; a link only where SafeUrl allows one.
    private static void RenderChecks(HtmlWriter w, Model m)
    {
        if (m.Checks.Count == 0)
        {
            return;
        }

        var attempt = m.Runs.FirstOrDefault(r => r.Run.Id == m.Checks[0].RunId)?.Run.Attempt;
        w.Add($"""
            <section aria-labelledby="checks-h"><h2 id="checks-h">Checks</h2>
            <p class="muted">Reported by run {(attempt is { } a ? $"#{a}" : m.Checks[0].RunId)} · <a href="/projects/{m.Project.Key}/policy">{m.Project.Key} policy</a></p>
            <div class="table-wrap"><table class="checks">
            <thead><tr><th scope="col">Check</th><th scope="col">Status</th><th scope="col">Summary</th></tr></thead>
            <tbody>
            """);
        foreach (var check in m.Checks)
        {
            w.Add($"""<tr data-check="{check.Name}"><td>{SafeUrl.Link(check.Url, check.Name)}</td><td><span class="status check-{check.Status.Snake()}">{check.Status.Snake()}</span></td><td>{check.Summary}</td></tr>""");
        }

        w.Add($"</tbody></table></div></section>");
    }

    private static void RenderRuns(HtmlWriter w, Model m)
    {
        w.Add($"""<section aria-labelledby="runs-h"><h2 id="runs-h">Runs</h2>""");
        if (m.Runs.Count == 0)
        {
            w.Add($"""<p class="muted">No runs yet.</p></section>""");
            return;
        }

        w.Add($"""
            <div class="table-wrap"><table class="runs">
            <thead><tr><th scope="col">Attempt</th><th scope="col">By</th><th scope="col">Started</th><th scope="col">Duration</th><th scope="col">Status</th><th scope="col" class="num">Cost</th><th scope="col" class="num">Tokens in / out</th></tr></thead>
            <tbody>
            """);
        foreach (var (run, cost, calls) in m.Runs)
        {
            var by = run.AgentId is { } agent ? m.Roster.Agent(agent) : m.Roster.Person(run.UserId);
            w.Add($"""
                <tr data-run="{run.Id}"><td>#{run.Attempt}</td><td>{by}</td><td>{Format.Time(run.StartedAt)}</td><td>{Format.Duration((run.EndedAt ?? m.Now) - run.StartedAt)}</td>
                <td><span class="status run-{run.Status.Snake()}">{run.Status.Snake()}</span>{(run.StopReason is { } reason ? Html.Of($" <small>({reason})</small>") : Html.Empty)}</td>
                <td class="num" data-testid="run-cost">{Format.Usd(cost.CostUsd)}{(cost.UnpricedCalls > 0 ? Html.Of($" <small title=\"calls of models without a price\">+{cost.UnpricedCalls} unpriced</small>") : Html.Empty)}</td>
                <td class="num">{Format.Count(cost.InputTokens + cost.CacheReadTokens + cost.CacheWriteTokens)} / {Format.Count(cost.OutputTokens)}</td></tr>
                """);
            if (run.Summary is { Length: > 0 } || run.Error is { Length: > 0 } || calls.Count > 0 || run.Artifacts is { ValueKind: JsonValueKind.Object })
            {
                w.Add($"""<tr class="detail"><td colspan="7">""");
                if (run.Summary is { Length: > 0 } summary)
                {
                    w.Add($"""<p>{summary}</p>""");
                }

                if (run.Error is { Length: > 0 } error)
                {
                    w.Add($"""<p class="error">{error}</p>""");
                }

                RenderArtifacts(w, run.Artifacts);
                if (calls.Count > 0)
                {
                    w.Add($"""
                        <details><summary>{calls.Count} LLM call{(calls.Count == 1 ? "" : "s")}</summary>
                        <table class="calls"><thead><tr><th scope="col">Model</th><th scope="col" class="num">Input</th><th scope="col" class="num">Output</th><th scope="col" class="num">Cache read / write</th><th scope="col" class="num">Duration</th><th scope="col" class="num">Cost</th><th scope="col">Billing</th></tr></thead><tbody>
                        """);
                    foreach (var call in calls)
                    {
                        w.Add($"""<tr><td>{call.Provider}/{call.Model}</td><td class="num">{Format.Count(call.InputTokens)}</td><td class="num">{Format.Count(call.OutputTokens)}</td><td class="num">{Format.Count(call.CacheReadTokens)} / {Format.Count(call.CacheWriteTokens)}</td><td class="num">{(call.DurationMs is { } ms ? Format.Duration(TimeSpan.FromMilliseconds(ms)) : "")}</td><td class="num">{(call.CostUsd is { } usd ? Format.Usd(usd) : "unpriced")}</td><td>{call.BillingType.Snake()}</td></tr>""");
                    }

                    w.Add($"</tbody></table></details>");
                }

                w.Add($"</td></tr>");
            }
        }

        w.Add($"</tbody></table></div></section>");
    }

    private static readonly (string Field, string Label)[] ArtifactKinds = [("commits", "Commits"), ("pull_requests", "Pull requests"), ("checks", "Checks")];

    /// What a run left behind, as the worker reported it: each entry a URL or text, or an object with a url and a
    /// title, name or sha. Only safe URLs become links.
    private static void RenderArtifacts(HtmlWriter w, JsonElement? artifacts)
    {
        if (artifacts is not { ValueKind: JsonValueKind.Object } reported)
        {
            return;
        }

        foreach (var (field, label) in ArtifactKinds)
        {
            if (!reported.TryGetProperty(field, out var entries) || entries.ValueKind != JsonValueKind.Array || entries.GetArrayLength() == 0)
            {
                continue;
            }

            w.Add($"""<p class="artifacts">{label}:""");
            foreach (var entry in entries.EnumerateArray().Take(50))
            {
                var (url, text, status) = entry.ValueKind switch
                {
                    JsonValueKind.String => (entry.GetString(), entry.GetString() ?? "", null),
                    JsonValueKind.Object => (Text(entry, "url"), Text(entry, "title") ?? Text(entry, "name") ?? Text(entry, "sha") ?? Text(entry, "url") ?? "", Text(entry, "status")),
                    _ => (null, entry.GetRawText(), (string?)null),
                };
                w.Add($""" {SafeUrl.Link(url, text.Length > 80 ? text[..79] + "…" : text)}{(status is null ? Html.Empty : Html.Of($" <small>({status})</small>"))}""");
            }

            w.Add($"</p>");
        }
    }

    private static string? Text(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static void RenderApprovals(HtmlWriter w, Model m)
    {
        w.Add($"""<section aria-labelledby="approvals-h"><h2 id="approvals-h">Approval history</h2>""");
        if (m.Approvals.Count == 0)
        {
            w.Add($"""<p class="muted">No approvals.</p></section>""");
            return;
        }

        w.Add($"<ol class=\"history\">");
        foreach (var approval in m.Approvals.OrderByDescending(a => a.CreatedAt))
        {
            w.Add($"""<li><span class="status approval-{approval.Status.Snake()}">{approval.Status.Snake().Replace('_', ' ')}</span> {approval.Subject} <small>requested by {m.Roster.Describe(approval.RequestedBy)} {Format.Time(approval.CreatedAt)}</small>""");
            if (approval.DecidedBy is not null)
            {
                w.Add($"""<br><small>decided by {m.Roster.Describe(approval.DecidedBy)} {Format.Time(approval.DecidedAt)}</small>""");
            }

            if (approval.DecisionNote is { Length: > 0 } note)
            {
                w.Add($"""<blockquote>{note}</blockquote>""");
            }

            w.Add($"</li>");
        }

        w.Add($"</ol></section>");
    }

    private static void RenderComments(HtmlWriter w, HttpContext http, Model m, FormState form)
    {
        w.Add($"""<section aria-labelledby="comments-h"><h2 id="comments-h">Comments</h2><ol class="comments">""");
        foreach (var comment in m.Comments)
        {
            w.Add($"""<li><div class="who">{comment.AuthorName} <small>{Format.Time(comment.CreatedAt)}</small></div><div class="prose">{comment.Body}</div></li>""");
        }

        w.Add($"""
            </ol>
            <form method="post" action="/work/{m.Item.Key}/comments" novalidate>
            {Layout.Token(http)}
            {form.Summary("comment", "comment-")}
            {Field.TextArea(form, "body", "Add a comment", idPrefix: "comment-")}
            <button type="submit">Comment</button>
            </form>
            </section>
            """);
    }
}
