using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Server.Web;

/// A project's work items as columns by status, with filters, search and a form for a new item.
internal static class BoardPage
{

    /// Cards a column shows before its "Show more" link; the count above it is the column's true size. 25 fill more than
    /// a screen's height, and nine full columns stay a page the server renders in a few milliseconds.
    public const int CardsPerColumn = 25;

    public sealed record Filters(string? Project, string? Assignee, string? Type, string? Label, string? Goal, string? Q);

    public sealed record Model(
        IReadOnlyList<ProjectView> Projects, ProjectView? Project, Filters Filters, IReadOnlyList<BoardColumn> Columns,
        Roster Roster, IReadOnlyList<GoalView> Goals);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/board", async (HttpContext http, string? project, string? assignee, string? type, string? label, string? goal, string? q) =>
        {
            var filters = new Filters(project, assignee, type, label, goal, q);
            return await ShowAsync(http, filters, FormState.Empty);
        });

        // The next cards of one column. The board's script asks for the cards alone (part=cards) and appends them to
        // the column; without the script the link opens them as a page of their own.
        app.MapGet("/board/column", async (HttpContext http, string? project, string? status, string? after, string? part,
            string? assignee, string? type, string? label, string? goal, string? q) =>
        {
            var filters = new Filters(project, assignee, type, label, goal, q);
            var column = Check.OneOf<WorkStatus>("status", status) ?? throw ProblemException.Invalid("status", "is required");
            var services = http.RequestServices;
            var (projectView, roster, page) = await http.ReadAsync<(ProjectView, Roster, Page<WorkItemView>)>(async c =>
            {
                var projectView = await services.GetRequiredService<ProjectService>().GetAsync(
                    Optional(project) ?? throw ProblemException.Invalid("project", "is required"), c);
                var roster = await Roster.LoadAsync(services.GetRequiredService<AgentService>(), services.GetRequiredService<PeopleService>(), c);
                var page = await services.GetRequiredService<WorkItemService>().ColumnAsync(
                    ItemFilter(filters, projectView.Id), column, PageRequest.From(CardsPerColumn, Optional(after), keyed: true), c);
                return (projectView, roster, page);
            });
            var w = new HtmlWriter();
            Cards(w, page.Items, roster);
            MoreLink(w, projectView, filters, column, page.NextCursor);
            if (part == "cards")
            {
                return (IResult)new HtmlResult(w.ToHtml().ToString());
            }

            return Layout.Page(http, $"{projectView.Key} · {StatusText(column)}", Nav.Board, Html.Of($"""
                <div class="page-head"><h1>{projectView.Name} <span class="muted">{StatusText(column)}</span></h1>
                <a class="button" href="/board{Html.Query(("project", projectView.Key))}">Back to the board</a></div>
                <ol class="cards">{w.ToHtml()}</ol>
                """));
        });

        app.MapPost("/board/items", async (HttpContext http, WorkItemService items) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var project = form["project_id"].ToString();
            try
            {
                var created = await http.WriteAsync(c => items.CreateRequestedAsync(new CreateWorkItem(
                    project, Optional(form["type"]), form["title"], Optional(form["description"]),
                    Check.OneOf<WorkStatus>("status", form["status"]), Check.OneOf<Priority>("priority", form["priority"]),
                    Optional(form["assignee"]), null, Optional(form["goal_id"]), null,
                    form["labels"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                    form["approval_required"] == "true", null, null), c));
                Layout.SetFlash(http, $"Created {created.Key}: {created.Title}");
                return (IResult)new SeeOther("/board" + Html.Query(("project", project)));
            }
            catch (ProblemException problem)
            {
                return await ShowAsync(http, new Filters(project, null, null, null, null, null), new FormState(form, problem, "item"), problem.Status);
            }
        });

        app.MapPost("/board/projects", async (HttpContext http, ProjectService projects) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            try
            {
                var created = await http.WriteAsync(c => projects.CreateAsync(
                    new ProjectRequest(form["key"], form["name"], Optional(form["description"]), null, null, null, null), c));
                Layout.SetFlash(http, $"Created project {created.Key}.");
                return (IResult)new SeeOther("/board" + Html.Query(("project", created.Key)));
            }
            catch (ProblemException problem)
            {
                return await ShowAsync(http, new Filters(null, null, null, null, null, null), new FormState(form, problem, "project"), problem.Status);
            }
        });
    }

    internal static string? Optional(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    public static async Task<HtmlResult> ShowAsync(HttpContext http, Filters filters, FormState form, int status = 200)
    {
        var model = await http.ReadAsync(c => LoadAsync(http.RequestServices, filters, c));
        return Layout.Page(http, model.Project is { } p ? $"{p.Key} board" : "Board", Nav.Board, Render(http, model, form), status);
    }

    public static async Task<Model> LoadAsync(IServiceProvider services, Filters filters, CancellationToken ct)
    {
        var projectService = services.GetRequiredService<ProjectService>();
        var projects = new List<ProjectView>();
        for (string? cursor = null; ;)
        {
            var page = await projectService.ListAsync(null, false, new PageRequest(PageRequest.MaxLimit, cursor), ct);
            projects.AddRange(page.Items);
            if ((cursor = page.NextCursor) is null)
            {
                break;
            }
        }

        projects = projects.OrderBy(p => p.Status != ProjectStatus.Active).ThenBy(p => p.Key, StringComparer.Ordinal).ToList();
        var project = filters.Project is { Length: > 0 } wanted
            ? projects.FirstOrDefault(p => p.Id == wanted || string.Equals(p.Key, wanted, StringComparison.OrdinalIgnoreCase))
              ?? await ArchivedProjectAsync(projectService, wanted, ct)
            : projects.FirstOrDefault();
        var roster = await Roster.LoadAsync(services.GetRequiredService<AgentService>(), services.GetRequiredService<PeopleService>(), ct);
        var goals = (await services.GetRequiredService<GoalService>().ListAsync(null, null, false, new PageRequest(PageRequest.MaxLimit, null), ct)).Items;
        if (project is null)
        {
            return new Model(projects, null, filters, [], roster, goals);
        }

        var columns = await services.GetRequiredService<WorkItemService>().BoardAsync(ItemFilter(filters, project.Id), WorkItemService.BoardColumns, CardsPerColumn, ct);
        return new Model(projects, project, filters, columns, roster, goals);
    }

    private static WorkItemFilter ItemFilter(Filters filters, string projectId) =>
        new(null, Optional(filters.Assignee), projectId, Optional(filters.Type), Optional(filters.Label), null, Optional(filters.Goal), Optional(filters.Q));

    /// The picker leaves archived projects out, but a link to one still opens its board, marked as archived.
    internal static async Task<ProjectView> ArchivedProjectAsync(ProjectService projects, string wanted, CancellationToken ct)
    {
        try
        {
            return await projects.GetAsync(wanted, ct);
        }
        catch (ProblemException problem) when (problem.Status == 404)
        {
            throw ProblemException.NotFound($"Project {wanted}");
        }
    }

    /// The board and the story map of one project link to each other.
    internal static Html ProjectViews(ProjectView project, bool onMap) => Html.Of($"""
        <nav class="views" aria-label="Project views"><a href="/board{Html.Query(("project", project.Key))}"{(onMap ? Html.Empty : Current)}>Board</a> <a href="/map{Html.Query(("project", project.Key))}"{(onMap ? Current : Html.Empty)}>Story map</a></nav>
        """);

    private static readonly Html Current = Html.Raw(" aria-current=\"page\"");

    internal static Html ArchivedNotice(ProjectView project) => project.ArchivedAt is { } archived
        ? Html.Of($"""<p class="notice" role="note">{project.Key} was archived {Format.Time(archived)}: it is left out of lists, and agents claim none of its work.</p>""")
        : Html.Empty;

    public static Html Render(HttpContext http, Model model, FormState form)
    {
        var w = new HtmlWriter();
        if (model.Project is not { } project)
        {
            w.Add($"""
                <h1>Board</h1>
                <p>There are no projects yet. Create the first one; its key starts every work item's name (WEB-1, WEB-2, ...).</p>
                """);
            NewProjectForm(w, http, form);
            return w.ToHtml();
        }

        var f = model.Filters;
        w.Add($"""
            <div class="page-head">
            <h1>{project.Name} <span class="muted">{project.Key}</span></h1>
            <span><a class="button" href="/projects/{project.Key}/policy">Policy</a> <a class="button" href="#new-item">New work item</a></span>
            </div>
            {ProjectViews(project, onMap: false)}
            {ArchivedNotice(project)}
            <form class="filters" method="get" action="/board" role="search" aria-label="Filter work items">
            """);
        w.Add($"{Field.Select(FormState.Empty, "project", "Project", model.Projects.Select(p => (p.Key, $"{p.Key} · {p.Name}")), project.Key, "filter-")}");
        w.Add($"{Field.Text(FormState.Empty, "q", "Search", f.Q, type: "search", idPrefix: "filter-")}");
        w.Add($"{Field.Select(FormState.Empty, "assignee", "Assignee", new[] { ("", "Anyone"), ("none", "Unassigned") }.Concat(model.Roster.AssigneeChoices()), f.Assignee, "filter-")}");
        var types = WorkItemService.DefaultTypes.Concat(model.Columns.SelectMany(c => c.Items).Select(i => i.Type)).Distinct().Order();
        w.Add($"{Field.Select(FormState.Empty, "type", "Type", new[] { ("", "Any type") }.Concat(types.Select(t => (t, t))), f.Type, "filter-")}");
        w.Add($"{Field.Text(FormState.Empty, "label", "Label", f.Label, idPrefix: "filter-")}");
        w.Add($"{Field.Select(FormState.Empty, "goal", "Goal", new[] { ("", "Any goal") }.Concat(model.Goals.Select(g => (g.Id, g.Title))), f.Goal, "filter-")}");
        w.Add($"""
            <div class="actions"><button type="submit">Filter</button> <a href="/board{Html.Query(("project", project.Key))}">Clear</a></div>
            </form>
            """);
        w.Add($"""<div class="board" aria-label="Work items by status">""");
        foreach (var column in model.Columns)
        {
            var name = column.Status.Snake();
            w.Add($"""
                <section class="column" data-status="{name}" aria-labelledby="col-{name}">
                <h2 id="col-{name}">{StatusText(column.Status)} <span class="count">{column.Count}</span></h2>
                <ol class="cards">
                """);
            Cards(w, column.Items, model.Roster);
            MoreLink(w, project, f, column.Status, column.NextCursor);
            w.Add($"</ol></section>");
        }

        w.Add($"""</div><script src="{Assets.Url("board.js")}" defer></script>""");
        NewItemForm(w, http, model, form);
        return w.ToHtml();
    }

    private static void Cards(HtmlWriter w, IEnumerable<WorkItemView> items, Roster roster)
    {
        foreach (var item in items)
        {
            w.Add($"""<li class="card" data-key="{item.Key}"><a href="/work/{item.Key}"><span class="key">{item.Key}</span> {item.Title}</a><div class="meta"><span class="prio prio-{item.Priority.Snake()}">{item.Priority.Snake()}</span> <span class="type">{item.Type}</span>""");
            if (item.Assignee is not null)
            {
                w.Add($""" <span class="assignee">{roster.Describe(item.Assignee)}</span>""");
            }

            foreach (var label in item.Labels)
            {
                w.Add($""" <span class="label">{label}</span>""");
            }

            if (item.ApprovalRequired)
            {
                w.Add($""" <span class="gate" title="Needs a reviewer's approval">gated</span>""");
            }

            w.Add($"</div></li>");
        }
    }

    /// The link to a column's next cards, keeping the board's filters; none when the column has no more.
    private static void MoreLink(HtmlWriter w, ProjectView project, Filters f, WorkStatus status, string? next)
    {
        if (next is null)
        {
            return;
        }

        var href = "/board/column" + Html.Query(("project", project.Key), ("status", status.Snake()), ("after", next),
            ("assignee", f.Assignee), ("type", f.Type), ("label", f.Label), ("goal", f.Goal), ("q", f.Q));
        w.Add($"""<li class="more"><a href="{href}" data-more>Show more</a></li>""");
    }

    private static void NewItemForm(HtmlWriter w, HttpContext http, Model model, FormState form)
    {
        var statusChoices = new[] { (WorkStatus.Backlog.Snake(), "Backlog"), (WorkStatus.Ready.Snake(), "Ready (agents may claim it)") };
        var priorities = Enum.GetValues<Priority>().Select(p => (p.Snake(), p.Snake()));
        w.Add($"""
            <section class="panel" id="new-item" aria-labelledby="new-item-title">
            <h2 id="new-item-title">New work item</h2>
            <form method="post" action="/board/items" novalidate>
            {Layout.Token(http)}
            <input type="hidden" name="project_id" value="{model.Project!.Key}">
            {form.Summary("item", "item-")}
            <div class="grid">
            {Field.Text(form, "title", "Title", required: true, idPrefix: "item-", maxLength: 500)}
            {Field.Select(form, "type", "Type", WorkItemService.DefaultTypes.Select(t => (t, t)), "task", "item-")}
            {Field.Select(form, "priority", "Priority", priorities, Priority.Normal.Snake(), "item-")}
            {Field.Select(form, "status", "Status", statusChoices, WorkStatus.Backlog.Snake(), "item-")}
            {Field.Select(form, "assignee", "Assignee", new[] { ("", "Unassigned") }.Concat(model.Roster.AssigneeChoices()), "", "item-")}
            {Field.Select(form, "goal_id", "Goal", new[] { ("", "No goal") }.Concat(model.Goals.Select(g => (g.Id, g.Title))), "", "item-")}
            {Field.Text(form, "labels", "Labels", hint: "Comma-separated, e.g. launch, frontend", idPrefix: "item-")}
            </div>
            {Field.TextArea(form, "description", "Description", idPrefix: "item-")}
            {Field.Checkbox(form, "approval_required", "A reviewer approves the output before it is done", idPrefix: "item-")}
            <button type="submit" class="primary">Create work item</button>
            </form>
            </section>
            """);
    }

    private static void NewProjectForm(HtmlWriter w, HttpContext http, FormState form) =>
        w.Add($"""
            <section class="panel narrow">
            <h2>New project</h2>
            <form method="post" action="/board/projects" novalidate>
            {Layout.Token(http)}
            {form.Summary("project", "project-")}
            {Field.Text(form, "key", "Key", required: true, hint: "2–10 letters or digits, e.g. WEB", idPrefix: "project-", maxLength: 10)}
            {Field.Text(form, "name", "Name", required: true, idPrefix: "project-")}
            {Field.TextArea(form, "description", "Description", idPrefix: "project-")}
            <button type="submit" class="primary">Create project</button>
            </form>
            </section>
            """);

    public static string StatusText(WorkStatus status) => status switch
    {
        WorkStatus.InProgress => "In progress",
        WorkStatus.AwaitingApproval => "Awaiting approval",
        _ => status.ToString(),
    };
}
