using Bosun.Core.Common;
using Bosun.Core.Governance.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Api;

/// Roles, assignments, attribute policies, explain and the evaluation log (docs/governance.md).
public static class AccessEndpoints
{
    public static void MapAccess(this IEndpointRouteBuilder api)
    {
        api.MapGet("/capabilities", () => AccessService.ListCapabilities()).WithTags("Access")
            .WithSummary("Every capability Bosun checks, `resource:verb`, and the system roles that hold it");

        var roles = api.MapGroup("/roles").WithTags("Access");
        roles.MapGet("", (AccessService s, CancellationToken ct) => s.ListRolesAsync(ct)).WithSummary("System roles and your tenant's own");
        roles.MapPost("", async Task<Created<RoleView>> (RoleInput body, AccessService s, CancellationToken ct) =>
        {
            var created = await s.CreateRoleAsync(body, ct);
            return TypedResults.Created($"/api/v1/roles/{created.Key}", created);
        }).WithSummary("Define a role: a key, a name and its capabilities (`work:*` wildcards allowed)");
        roles.MapPatch("/{key}", (string key, RoleInput body, AccessService s, CancellationToken ct) => s.UpdateRoleAsync(key, body, ct))
            .WithSummary("Change a role's name, description or capabilities; system roles are fixed");
        roles.MapDelete("/{key}", async Task<NoContent> (string key, AccessService s, CancellationToken ct) =>
        {
            await s.DeleteRoleAsync(key, ct);
            return TypedResults.NoContent();
        }).WithSummary("Delete a role no one holds");

        var assignments = api.MapGroup("/role-assignments").WithTags("Access");
        assignments.MapGet("", ([FromQuery(Name = "user_id")] string? userId, [FromQuery(Name = "agent_id")] string? agentId,
                [FromQuery(Name = "project_id")] string? projectId, int? limit, string? cursor, AccessService s, CancellationToken ct) =>
                s.ListAssignmentsAsync(new AssignmentFilter(userId, agentId, projectId), PageRequest.From(limit, cursor), ct))
            .WithSummary("Who holds which role where; ?user_id, ?agent_id, ?project_id");
        assignments.MapPost("", async Task<Created<AssignmentView>> (AssignInput body, AccessService s, CancellationToken ct) =>
        {
            var created = await s.AssignAsync(body, ct);
            return TypedResults.Created($"/api/v1/role-assignments/{created.Id}", created);
        }).WithSummary("Give a person or an agent a role for the tenant, one project (project_id) or one resource (work:KEY), optionally until expires_at");
        assignments.MapDelete("/{id}", async Task<NoContent> (string id, AccessService s, CancellationToken ct) =>
        {
            await s.UnassignAsync(id, ct);
            return TypedResults.NoContent();
        }).WithSummary("Take a role assignment back");

        var policies = api.MapGroup("/policies").WithTags("Access");
        policies.MapGet("", (AccessService s, CancellationToken ct) => s.ListPoliciesAsync(ct)).WithSummary("Built-in and your own attribute policies");
        policies.MapPost("", async Task<Created<PolicyView>> (PolicyInput body, AccessService s, CancellationToken ct) =>
        {
            var created = await s.CreatePolicyAsync(body, ct);
            return TypedResults.Created($"/api/v1/policies/{created.Id}", created);
        }).WithSummary("Write a policy: effect allow|deny, actions, resources, conditions, priority");
        policies.MapPatch("/{id}", (string id, PolicyInput body, AccessService s, CancellationToken ct) => s.UpdatePolicyAsync(id, body, ct))
            .WithSummary("Change a policy; a built-in one only turns on and off ({\"enabled\": false})");
        policies.MapDelete("/{id}", async Task<NoContent> (string id, AccessService s, CancellationToken ct) =>
        {
            await s.DeletePolicyAsync(id, ct);
            return TypedResults.NoContent();
        }).WithSummary("Delete one of your policies");

        var permissions = api.MapGroup("/permissions").WithTags("Access");
        permissions.MapPost("/explain", (ExplainInput body, AccessService s, CancellationToken ct) => s.ExplainAsync(body, ct))
            .WithSummary("Would {principal} be allowed {action} on {resource}? The answer names the roles and policies that decide it");
        permissions.MapGet("/decisions", (string? principal, bool? allowed, int? limit, string? cursor, AccessService s, CancellationToken ct) =>
                s.ListDecisionsAsync(principal, allowed, PageRequest.From(limit, cursor), ct))
            .WithSummary("The evaluation log, newest first: every deny and the allows of sensitive actions");
    }
}
