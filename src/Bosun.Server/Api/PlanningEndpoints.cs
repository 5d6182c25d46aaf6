using Bosun.Core.Common;
using Bosun.Core.HumanInput;
using Bosun.Core.Planning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Api;

public sealed record AddDependency(string? DependsOn);

public sealed record AddComment(string? Body);

public sealed record ReopenWork(string? Reason);

public sealed record BatchCreatedItems(IReadOnlyList<BatchCreated> Items);

public static class PlanningEndpoints
{
    public static void MapPlanning(this IEndpointRouteBuilder api)
    {
        var projects = api.MapGroup("/projects").WithTags("Projects");
        projects.MapGet("", (string? status, bool? archived, int? limit, string? cursor, ProjectService s, CancellationToken ct) =>
            s.ListAsync(Check.OneOf<ProjectStatus>("status", status), archived == true, PageRequest.From(limit, cursor), ct))
            .WithSummary("List projects; archived ones only with ?archived=true (or ?status=archived)");
        projects.MapPost("", async Task<Created<ProjectView>> (ProjectRequest body, ProjectService s, CancellationToken ct) =>
        {
            var project = await s.CreateAsync(body, ct);
            return TypedResults.Created($"/api/v1/projects/{project.Id}", project);
        }).WithSummary("Create a project");
        projects.MapGet("/{id}", (string id, ProjectService s, CancellationToken ct) => s.GetAsync(id, ct)).WithSummary("Read a project (by id or key)");
        projects.MapPatch("/{id}", (string id, ProjectRequest body, ProjectService s, CancellationToken ct) => s.UpdateAsync(id, body, ct))
            .WithSummary("Change a project");
        projects.MapPost("/{id}/archive", (string id, ProjectService s, CancellationToken ct) => s.ArchiveAsync(id, ct))
            .WithSummary("Archive a project: it leaves the lists and its work is no longer claimed");
        projects.MapPost("/{id}/restore", (string id, ProjectService s, CancellationToken ct) => s.RestoreAsync(id, ct))
            .WithSummary("Restore an archived project (it becomes active)");
        projects.MapGet("/{id}/story-map", (string id, WorkItemService s, CancellationToken ct) => s.StoryMapAsync(id, ct))
            .WithSummary("The project's story map: its workflows, their activities and the activities' cards, each in position order");

        var goals = api.MapGroup("/goals").WithTags("Goals");
        goals.MapGet("", (string? project, string? status, bool? archived, int? limit, string? cursor, GoalService s, CancellationToken ct) =>
            s.ListAsync(project, Check.OneOf<GoalStatus>("status", status), archived == true, PageRequest.From(limit, cursor), ct))
            .WithSummary("List goals with their progress; archived ones only with ?archived=true");
        goals.MapPost("", async Task<Created<GoalView>> (GoalRequest body, GoalService s, CancellationToken ct) =>
        {
            var goal = await s.CreateAsync(body, ct);
            return TypedResults.Created($"/api/v1/goals/{goal.Id}", goal);
        }).WithSummary("Set a goal");
        goals.MapGet("/{id}", (string id, GoalService s, CancellationToken ct) => s.GetAsync(id, ct)).WithSummary("Read a goal");
        goals.MapPatch("/{id}", (string id, GoalRequest body, GoalService s, CancellationToken ct) => s.UpdateAsync(id, body, ct))
            .WithSummary("Change a goal or record its current value");
        goals.MapPost("/{id}/archive", (string id, GoalService s, CancellationToken ct) => s.ArchiveAsync(id, ct)).WithSummary("Archive a goal");
        goals.MapPost("/{id}/restore", (string id, GoalService s, CancellationToken ct) => s.RestoreAsync(id, ct)).WithSummary("Restore an archived goal");

        var work = api.MapGroup("/work").WithTags("Work items");
        work.MapGet("", (string? status, string? assignee, string? project, string? type, string? label, string? parent, string? goal, string? q,
                bool? archived, int? limit, string? cursor, WorkItemService s, CancellationToken ct) =>
            s.ListAsync(new WorkItemFilter(status, assignee, project, type, label, parent, goal, q, archived == true),
                PageRequest.From(limit, cursor, keyed: WorkItemFilter.OrdersByPosition(parent)), ct))
            .WithSummary("List work items; filter by status (comma-separated), assignee, project, type, label, parent, goal, q, archived; "
                + "with parent, in position order");
        work.MapPost("", async Task<Created<WorkItemView>> (CreateWorkItem body, HumanInputService s, CancellationToken ct) =>
        {
            var item = await s.CreateWithFormAsync(body, body.Form, ct);
            return TypedResults.Created($"/api/v1/work/{item.Id}", item);
        }).WithSummary("Create a work item, optionally with a form people fill in (form: {fields, bindings, one_shot})");
        work.MapPost("/batch", async Task<Created<BatchCreatedItems>> (CreateWorkItems body, WorkItemService s, CancellationToken ct) =>
            TypedResults.Created("/api/v1/work", new BatchCreatedItems(await s.CreateBatchAsync(body, ct))))
            .WithSummary("Create up to 1,000 work items at once, all or none; items name each other by ref (parent_ref, depends_on_refs)");
        work.MapGet("/board", async (string? project, string? status, string? cursor, string? assignee, string? type, string? label, string? goal, string? q,
                [Microsoft.AspNetCore.Mvc.FromQuery(Name = "per_column")] int? perColumn, WorkItemService s, CancellationToken ct) =>
        {
            var filter = new WorkItemFilter(null, assignee, project is { Length: > 0 } ? project : throw ProblemException.Invalid("project", "is required"), type, label, null, goal, q);
            var page = PageRequest.From(perColumn ?? 25, cursor, keyed: true);
            if (Check.OneOf<WorkStatus>("status", status) is not { } column)
            {
                return Results.Ok(await s.BoardAsync(filter, WorkItemService.BoardColumns, page.Limit, ct));
            }

            return Results.Ok(await s.ColumnAsync(filter, column, page, ct));
        })
            .WithSummary("A project's board: every column (status) with its true count of matching items, its first per_column items (default 25) "
                + "in position order and next_cursor; with status and cursor, that column's next items");
        work.MapGet("/{id}", (string id, WorkItemService s, CancellationToken ct) => s.GetAsync(id, ct)).WithSummary("Read a work item (by id or key, e.g. WEB-42)");
        work.MapPatch("/{id}", (string id, UpdateWorkItem body, WorkItemService s, CancellationToken ct) => s.UpdateAsync(id, body, ct))
            .WithSummary("Change a work item; a status change must follow the workflow (409 lists the allowed moves)");
        work.MapPost("/{id}/move", (string id, MoveWorkItem body, WorkItemService s, CancellationToken ct) => s.MoveAmongSiblingsAsync(id, body, ct))
            .WithSummary("Put the item just before or after a sibling ({\"before\": key} or {\"after\": key}); only the item is written");
        work.MapPost("/{id}/archive", (string id, WorkItemService s, CancellationToken ct) => s.ArchiveAsync(id, ct))
            .WithSummary("Archive a work item: it leaves every list, board and claim (not while it is worked on); its sub-items stay");
        work.MapPost("/{id}/restore", (string id, WorkItemService s, CancellationToken ct) => s.RestoreAsync(id, ct))
            .WithSummary("Restore an archived work item to where it stood");
        work.MapPost("/{id}/dependencies", (string id, AddDependency body, WorkItemService s, CancellationToken ct) =>
            s.AddDependencyAsync(id, body.DependsOn, ct)).WithSummary("Make the item wait for another (a cycle is refused)");
        work.MapDelete("/{id}/dependencies/{dependsOn}", (string id, string dependsOn, WorkItemService s, CancellationToken ct) =>
            s.RemoveDependencyAsync(id, dependsOn, ct)).WithSummary("Remove a dependency");
        work.MapGet("/{id}/comments", (string id, int? limit, string? cursor, WorkItemService s, CancellationToken ct) =>
            s.ListCommentsAsync(id, PageRequest.From(limit, cursor), ct)).WithSummary("List an item's comments, oldest first");
        work.MapPost("/{id}/comments", async Task<Created<CommentView>> (string id, AddComment body, WorkItemService s, CancellationToken ct) =>
        {
            var comment = await s.AddCommentAsync(id, body.Body, ct);
            return TypedResults.Created($"/api/v1/work/{comment.WorkItemId}/comments", comment);
        }).WithSummary("Comment on an item");
        work.MapPost("/{id}/reopen", (string id, ReopenWork body, WorkItemService s, CancellationToken ct) => s.ReopenAsync(id, body.Reason, ct))
            .WithSummary("Re-open a done item (people only): it goes back to ready with the reason as its revision notes");

        api.MapDeliverables();
        api.MapTemplates();
    }
}
