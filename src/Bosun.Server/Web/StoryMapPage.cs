using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Server.Web;

/// A project's story map: the workflows across the top, each workflow's activities as columns under it, and each
/// activity's cards stacked in its column. Buttons move a card up or down and an activity or a workflow left or right,
/// through the same service as POST /api/v1/work/{id}/move.
internal static class StoryMapPage
{
    private sealed record Model(IReadOnlyList<ProjectView> Projects, StoryMap? Map, Roster Roster, string? Error);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/map", (HttpContext http, string? project) => ShowAsync(http, project, null));

        app.MapPost("/map/move", async (HttpContext http, WorkItemService items) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var project = form["project"].ToString();
            var item = form["item"].ToString();
            try
            {
                var moved = await http.WriteAsync(c => items.MoveAmongSiblingsAsync(item,
                    new MoveWorkItem(BoardPage.Optional(form["before"]), BoardPage.Optional(form["after"])), c));
                Layout.SetFlash(http, $"Moved {moved.Key}.");
                return (IResult)new SeeOther("/map" + Html.Query(("project", project)) + $"#item-{moved.Key}");
            }
            catch (ProblemException problem) when (problem.Status != 404)
            {
                var why = problem.Errors.Count > 0 ? string.Join(" ", problem.Errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}."))) : problem.Detail;
                return await ShowAsync(http, project, $"{item} was not moved. {why}", problem.Status);
            }
        });
    }

    private static async Task<HtmlResult> ShowAsync(HttpContext http, string? projectRef, string? error, int status = 200)
    {
        var model = await http.ReadAsync(async c =>
        {
            var services = http.RequestServices;
            var projectService = services.GetRequiredService<ProjectService>();
            var projects = (await projectService.ListAsync(null, false, new PageRequest(PageRequest.MaxLimit, null), c)).Items
                .OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
            var wanted = projectRef is { Length: > 0 } named ? named : projects.FirstOrDefault()?.Key;
            var map = wanted is null ? null : await services.GetRequiredService<WorkItemService>().StoryMapAsync(wanted, c);
            var roster = await Roster.LoadAsync(services.GetRequiredService<AgentService>(), services.GetRequiredService<PeopleService>(), c);
            return new Model(projects, map, roster, error);
        });
        var title = model.Map is { } m ? $"{m.Project.Key} story map" : "Story map";
        return Layout.Page(http, title, Nav.Board, Render(http, model), status);
    }

    private static Html Render(HttpContext http, Model model)
    {
        var w = new HtmlWriter();
        if (model.Map is not { } map)
        {
            w.Add($"""<h1>Story map</h1><p>There are no projects yet. Create one on the <a href="/board">board</a>.</p>""");
            return w.ToHtml();
        }

        var project = map.Project;
        w.Add($"""
            <div class="page-head">
            <h1>{project.Name} <span class="muted">{project.Key}</span></h1>
            <form class="inline" method="get" action="/map" aria-label="Choose a project">
            {Field.Select(FormState.Empty, "project", "Project", model.Projects.Select(p => (p.Key, $"{p.Key} · {p.Name}")), project.Key, "map-")}
            <button type="submit">Show</button>
            </form>
            </div>
            {BoardPage.ProjectViews(project, onMap: true)}
            {BoardPage.ArchivedNotice(project)}
            """);
        if (model.Error is { } error)
        {
            w.Add($"""<p class="notice error" role="alert">{error}</p>""");
        }

        if (map.Workflows.Count == 0)
        {
            w.Add($"""
                <p class="muted">No workflows yet. A story map is built from work items: top-level items of type <code>workflow</code>,
                their sub-items of type <code>activity</code>, and the activities' sub-items of type <code>card</code>.</p>
                """);
            return w.ToHtml();
        }

        if (map.Truncated)
        {
            w.Add($"""<p class="notice">The map is too large to show whole; only its first items are shown.</p>""");
        }

        w.Add($"""<div class="story-map" aria-label="Story map of {project.Key}">""");
        for (var i = 0; i < map.Workflows.Count; i++)
        {
            var (workflow, activities) = (map.Workflows[i].Workflow, map.Workflows[i].Activities);
            w.Add($"""
                <section class="workflow" id="item-{workflow.Key}" data-key="{workflow.Key}" aria-labelledby="wf-{workflow.Key}">
                <div class="workflow-head"><h2 id="wf-{workflow.Key}"><a href="/work/{workflow.Key}"><span class="key">{workflow.Key}</span> {workflow.Title}</a></h2>
                {Moves(http, project, workflow, Neighbour(map.Workflows, i - 1, x => x.Workflow), Neighbour(map.Workflows, i + 1, x => x.Workflow), "left", "right")}</div>
                <div class="activities">
                """);
            if (activities.Count == 0)
            {
                w.Add($"""<p class="muted">No activities.</p>""");
            }

            for (var j = 0; j < activities.Count; j++)
            {
                var (activity, cards) = (activities[j].Activity, activities[j].Cards);
                w.Add($"""
                    <section class="activity column" id="item-{activity.Key}" data-key="{activity.Key}" aria-labelledby="act-{activity.Key}">
                    <div class="activity-head"><h3 id="act-{activity.Key}"><a href="/work/{activity.Key}"><span class="key">{activity.Key}</span> {activity.Title}</a></h3>
                    {Moves(http, project, activity, Neighbour(activities, j - 1, x => x.Activity), Neighbour(activities, j + 1, x => x.Activity), "left", "right")}</div>
                    <ol class="cards">
                    """);
                if (cards.Count == 0)
                {
                    w.Add($"""<li class="muted">No cards.</li>""");
                }

                for (var k = 0; k < cards.Count; k++)
                {
                    var card = cards[k];
                    w.Add($"""
                        <li class="card" id="item-{card.Key}" data-key="{card.Key}"><a href="/work/{card.Key}"><span class="key">{card.Key}</span> {card.Title}</a>
                        <div class="meta"><span class="status status-{card.Status.Snake()}">{BoardPage.StatusText(card.Status)}</span> <span class="assignee">{model.Roster.Describe(card.Assignee)}</span></div>
                        {Moves(http, project, card, Neighbour(cards, k - 1, x => x), Neighbour(cards, k + 1, x => x), "up", "down")}</li>
                        """);
                }

                w.Add($"</ol></section>");
            }

            w.Add($"</div></section>");
        }

        w.Add($"</div>");
        return w.ToHtml();
    }

    private static WorkItemView? Neighbour<T>(IReadOnlyList<T> list, int at, Func<T, WorkItemView> item) =>
        at >= 0 && at < list.Count ? item(list[at]) : null;

    /// One small form per direction: moving towards the start puts the item before its neighbour there, towards the end after it.
    private static Html Moves(HttpContext http, ProjectView project, WorkItemView item, WorkItemView? previous, WorkItemView? next, string back, string forward)
    {
        var w = new HtmlWriter();
        w.Add($"""<div class="reorder">""");
        foreach (var (neighbour, field, word, arrow) in new[] { (previous, "before", back, back == "up" ? "↑" : "←"), (next, "after", forward, forward == "down" ? "↓" : "→") })
        {
            if (neighbour is null)
            {
                continue;
            }

            w.Add($"""
                <form method="post" action="/map/move">{Layout.Token(http)}<input type="hidden" name="project" value="{project.Key}"><input type="hidden" name="item" value="{item.Key}"><input type="hidden" name="{field}" value="{neighbour.Key}"><button type="submit" class="small" aria-label="Move {item.Key} {word}" title="Move {word}">{arrow}</button></form>
                """);
        }

        w.Add($"</div>");
        return w.ToHtml();
    }
}
