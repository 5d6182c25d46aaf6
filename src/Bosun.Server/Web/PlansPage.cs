using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Server.Web;

/// Plans, and one plan's versions side by side, oldest on the left, so a reviewer sees what changed between attempts
/// and decides the version that waits, here or in the inbox.
internal static class PlansPage
{
    private sealed record ListModel(IReadOnlyList<PlanView> Plans, IReadOnlyDictionary<string, string> ProjectKeys, string? Project, string? Status,
        string? WorkItem, bool Archived);

    private sealed record Model(PlanView Plan, ProjectView Project, GoalView? Goal, IReadOnlyDictionary<string, WorkItem> SourceItems, Roster Roster,
        bool MayDecide, bool MayEdit);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/plans", async (HttpContext http, PlanService plans, ProjectService projects) =>
        {
            var query = http.Request.Query;
            var (project, status, workItem) = (BoardPage.Optional(query["project"]), BoardPage.Optional(query["status"]), BoardPage.Optional(query["work_item"]));
            var archived = query["archived"] == "true";
            var model = await http.ReadAsync(async c =>
            {
                var filter = new PlanFilter(project, null, workItem, Check.OneOf<PlanStatus>("status", status), archived);
                var all = new List<PlanView>();
                for (string? cursor = null; ;)
                {
                    var page = await plans.ListAsync(filter, new PageRequest(PageRequest.MaxLimit, cursor), c);
                    all.AddRange(page.Items);
                    if ((cursor = page.NextCursor) is null)
                    {
                        break;
                    }
                }

                var keys = await projects.KeysAsync(c);
                return new ListModel(all, keys, project, status, workItem, archived);
            });
            return Layout.Page(http, "Plans", Nav.Plans, RenderList(model));
        });

        app.MapGet("/plans/{id}", (string id, HttpContext http) => ShowAsync(http, id, FormState.Empty));

        app.MapPost("/plans/{id}/versions/{version:int}/decide", async (string id, int version, HttpContext http, PlanService plans, ApprovalService approvals) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            return await ActAsync(http, id, form, $"v{version}", async c =>
            {
                var verdict = Check.OneOf<Verdict>("verdict", form["verdict"]) ?? throw ProblemException.Invalid("verdict", "is required");
                var pending = await plans.GetVersionAsync(id, version, c);
                if (pending.Status != PlanStatus.AwaitingApproval || pending.ApprovalId is not { } approvalId)
                {
                    throw ProblemException.Conflict($"Version {version} is {pending.Status.Snake().Replace('_', ' ')}: nothing waits for a decision.",
                        "/problems/already-decided");
                }

                var decided = await approvals.DecideAsync(approvalId, verdict, new Decision(BoardPage.Optional(form["note"])), c);
                var made = decided.Plan?.Items?.Count ?? 0;
                return verdict == Verdict.Approve
                    ? $"Approved version {version}: the plan is active{(made > 0 ? $" and has {made} work item{(made == 1 ? "" : "s")}" : "")}."
                    : $"{(verdict == Verdict.Reject ? "Rejected" : "Asked for changes on")} version {version}: the plan waits for a re-plan with your note.";
            });
        });

        app.MapPost("/plans/{id}/archive", async (string id, HttpContext http, PlanService plans) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            return await ActAsync(http, id, form, "archive", async c =>
            {
                await plans.ArchiveAsync(id, c);
                return "The plan is archived: it leaves the lists until it is restored.";
            });
        });

        app.MapPost("/plans/{id}/restore", async (string id, HttpContext http, PlanService plans) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            return await ActAsync(http, id, form, "archive", async c =>
            {
                await plans.RestoreAsync(id, c);
                return "The plan is restored.";
            });
        });
    }

    private static async Task<IResult> ActAsync(HttpContext http, string id, IFormCollection form, string scope, Func<CancellationToken, Task<string>> action)
    {
        try
        {
            Layout.SetFlash(http, await http.WriteAsync(action));
            return new SeeOther($"/plans/{Html.Segment(id)}");
        }
        catch (ProblemException problem) when (problem.Status != 404)
        {
            return await ShowAsync(http, id, new FormState(form, problem, scope), problem.Status);
        }
    }

    private static async Task<HtmlResult> ShowAsync(HttpContext http, string id, FormState form, int status = 200)
    {
        var services = http.RequestServices;
        var model = await http.ReadAsync(async c =>
        {
            var plan = await services.GetRequiredService<PlanService>().GetAsync(id, c);
            var project = await services.GetRequiredService<ProjectService>().GetAsync(plan.ProjectId, c);
            var goal = plan.GoalId is { } goalId ? await services.GetRequiredService<GoalService>().GetAsync(goalId, c) : null;
            var workItems = services.GetRequiredService<WorkItemService>();
            var sources = new Dictionary<string, WorkItem>();
            foreach (var itemId in plan.Versions.SelectMany(v => v.SourceItems ?? []).Distinct())
            {
                if (await workItems.FindOrNullAsync(itemId, c) is { } item)
                {
                    sources[itemId] = item;
                }
            }

            var context = services.GetRequiredService<RequestContext>();
            var roster = await Roster.LoadAsync(services.GetRequiredService<AgentService>(), services.GetRequiredService<PeopleService>(), c);
            return new Model(plan, project, goal, sources, roster, Permissions.Has(context, Capability.DecideApprovals) && context.Actor.Type == ActorType.Person,
                Permissions.Has(context, Capability.EditWork));
        });
        return Layout.Page(http, model.Plan.Title, Nav.Plans, Render(http, model, form), status);
    }

    private static Html RenderList(ListModel m)
    {
        var w = new HtmlWriter();
        w.Add($"""
            <h1>Plans</h1>
            <form method="get" action="/plans" class="filters" role="search">
            {Field.Select(FormState.Empty, "project", "Project", new[] { ("", "All projects") }.Concat(m.ProjectKeys.Values.Order().Select(k => (k, k))), m.Project ?? "")}
            {Field.Select(FormState.Empty, "status", "Status", new[] { ("", "Any status") }.Concat(EnumNames<PlanStatus>.All.Select(s => (s, StatusText(s)))), m.Status ?? "")}
            {Field.Text(FormState.Empty, "work_item", "For work item", m.WorkItem, hint: "a key such as WEB-1: its plans, newest attempt first")}
            {Field.Checkbox(FormState.Empty, "archived", "Include archived plans", m.Archived)}
            <div class="actions"><button type="submit">Show</button></div>
            </form>
            """);
        if (m.Plans.Count == 0)
        {
            w.Add($"""<p class="muted">No plans here. Agents write them with <code>create_plan</code>; people with <code>bosun plan create</code> or the API.</p>""");
            return w.ToHtml();
        }

        w.Add($"""
            <div class="table-wrap"><table class="plans">
            <thead><tr><th scope="col">Plan</th><th scope="col">Kind</th><th scope="col">Project</th><th scope="col">Plans</th><th scope="col">Status</th><th scope="col" class="num">Version</th><th scope="col" class="num">Attempt</th><th scope="col">Updated</th></tr></thead>
            <tbody>
            """);
        foreach (var plan in m.Plans)
        {
            w.Add($"""
                <tr data-plan="{plan.Id}"><td><a href="/plans/{plan.Id}">{plan.Title}</a></td><td>{KindText(plan.Kind)}</td>
                <td>{m.ProjectKeys.GetValueOrDefault(plan.ProjectId) ?? ""}</td>
                <td>{(plan.WorkItemKey is { } key ? Html.Of($"<a href=\"/work/{key}\">{key}</a>") : Html.Raw("—"))}</td>
                <td><span class="status plan-{plan.Status.Snake()}">{StatusText(plan.Status.Snake())}</span></td>
                <td class="num">{plan.LatestVersion}{(plan.ActiveVersion is { } active && active != plan.LatestVersion ? $" (active {active})" : "")}</td>
                <td class="num">{plan.Attempt}</td><td>{Format.Time(plan.UpdatedAt)}</td></tr>
                """);
        }

        w.Add($"</tbody></table></div>");
        return w.ToHtml();
    }

    private static Html Render(HttpContext http, Model m, FormState form)
    {
        var plan = m.Plan;
        var w = new HtmlWriter();
        w.Add($"""
            <nav class="crumbs" aria-label="Breadcrumb"><a href="/plans{Html.Query(("project", m.Project.Key))}">{m.Project.Key} plans</a></nav>
            <div class="page-head">
            <h1>{plan.Title}</h1>
            <span class="status plan-{plan.Status.Snake()}" data-testid="plan-status">{StatusText(plan.Status.Snake())}</span>
            </div>
            <p class="muted">{KindText(plan.Kind)} · {m.Project.Name}{(plan.WorkItemKey is { } key ? Html.Of($" · plans <a href=\"/work/{key}\">{key}</a>") : Html.Empty)}{(m.Goal is { } goal ? Html.Of($" · towards <a href=\"/goals#goal-{goal.Id}\">{goal.Title}</a>") : Html.Empty)} · attempt {plan.Attempt} · written by {m.Roster.Describe(plan.CreatedBy)}</p>
            {form.Summary("archive")}
            """);

        if (plan.Items is { Count: > 0 } items)
        {
            w.Add($"""<section aria-labelledby="items-h"><h2 id="items-h">Work this plan made or released</h2><ul class="links">""");
            foreach (var item in items)
            {
                w.Add($"""<li><a href="/work/{item.Key}">{item.Key} {item.Title}</a> <span class="status status-{item.Status.Snake()}">{BoardPage.StatusText(item.Status)}</span></li>""");
            }

            w.Add($"</ul></section>");
        }

        w.Add($"""<section aria-labelledby="versions-h"><h2 id="versions-h">Versions</h2><div class="versions">""");
        foreach (var version in plan.Versions.OrderBy(v => v.Version))
        {
            RenderVersion(w, http, m, version, form);
        }

        w.Add($"</div></section>");
        if (m.MayEdit)
        {
            w.Add($"""
                <form method="post" action="/plans/{plan.Id}/{(plan.ArchivedAt is null ? "archive" : "restore")}" class="inline">
                {Layout.Token(http)}
                <button type="submit">{(plan.ArchivedAt is null ? "Archive this plan" : "Restore this plan")}</button>
                </form>
                """);
        }

        return w.ToHtml();
    }

    private static void RenderVersion(HtmlWriter w, HttpContext http, Model m, PlanVersionView v, FormState form)
    {
        var prefix = $"v{v.Version}-";
        w.Add($"""
            <article class="panel version" data-version="{v.Version}" aria-labelledby="{prefix}title">
            <div class="goal-head"><h3 id="{prefix}title">Version {v.Version}</h3><span class="status plan-{v.Status.Snake()}">{StatusText(v.Status.Snake())}</span></div>
            <p class="muted">attempt {v.Attempt} · by {v.AuthorName} · {Format.Time(v.CreatedAt)}</p>
            """);
        if (v.DecisionNote is { Length: > 0 } note)
        {
            w.Add($"""<blockquote class="decision"><strong>Decision, {Format.Time(v.DecidedAt)}:</strong> <span class="prose">{note}</span></blockquote>""");
        }
        else if (v.DecidedAt is { } decided)
        {
            w.Add($"""<p class="muted">Decided {Format.Time(decided)}.</p>""");
        }

        if (v.Body is { Length: > 0 } body)
        {
            w.Add($"""<div class="markdown">{SafeMarkdown.ToHtml(body)}</div>""");
        }

        if (v.Steps is { Count: > 0 } steps)
        {
            w.Add($"""
                <h4>Steps</h4>
                <div class="table-wrap"><table class="steps"><thead><tr><th scope="col">Step</th><th scope="col">Title</th><th scope="col">Assignee</th><th scope="col">After</th></tr></thead><tbody>
                """);
            foreach (var step in steps)
            {
                w.Add($"""<tr><td><code>{step.Key}</code></td><td>{step.Title}</td><td>{step.Assignee ?? "—"}</td><td>{(step.After is { Count: > 0 } after ? string.Join(", ", after) : "—")}</td></tr>""");
            }

            w.Add($"</tbody></table></div>");
        }
        else if (v.SourceItems is { Count: > 0 } sources)
        {
            w.Add($"""<h4>Releases from the backlog</h4><ul class="links">""");
            foreach (var id in sources)
            {
                if (m.SourceItems.TryGetValue(id, out var item))
                {
                    w.Add($"""<li><a href="/work/{item.Key}">{item.Key} {item.Title}</a> <span class="status status-{item.Status.Snake()}">{BoardPage.StatusText(item.Status)}</span></li>""");
                }
                else
                {
                    w.Add($"""<li>{id}</li>""");
                }
            }

            w.Add($"</ul>");
        }

        if (v.Status == PlanStatus.AwaitingApproval)
        {
            if (m.MayDecide)
            {
                var scoped = form.IsFor($"v{v.Version}") ? form : FormState.Empty;
                w.Add($"{InboxPage.DecisionForm(http, $"/plans/{m.Plan.Id}/versions/{v.Version}/decide", scoped, $"v{v.Version}", prefix, rows: 3)}");
            }
            else
            {
                w.Add($"""<p class="muted">Waits for a reviewer's decision.</p>""");
            }
        }

        w.Add($"</article>");
    }

    private static string KindText(string kind) => kind.Replace('_', ' ');

    private static string StatusText(string status) => status.Replace('_', ' ');
}
