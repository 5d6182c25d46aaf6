using Bosun.Core.Common;
using Bosun.Core.Identity;
using Bosun.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Api;

public static class IdentityEndpoints
{
    public static void MapIdentity(this IEndpointRouteBuilder api)
    {
        var tenant = api.MapGroup("/tenant").WithTags("Tenant");
        tenant.MapGet("", (TenantService s, CancellationToken ct) => s.GetAsync(ct)).WithSummary("Read your tenant's settings");
        tenant.MapPatch("", (UpdateTenant body, TenantService s, CancellationToken ct) => s.UpdateAsync(body, ct)).WithSummary("Change your tenant's settings");

        var users = api.MapGroup("/users").WithTags("People");
        users.MapGet("", (string? role, string? status, int? limit, string? cursor, PeopleService s, CancellationToken ct) =>
            s.ListAsync(new PeopleFilter(Check.OneOf<PersonRole>("role", role), Check.OneOf<PersonStatus>("status", status)), PageRequest.From(limit, cursor), ct))
            .WithSummary("List people; filter by role and status");
        users.MapGet("/me", (RequestContext context, PeopleService s, CancellationToken ct) =>
            context.Actor.Type == ActorType.Person ? s.GetAsync(context.Actor.Id!, ct) : throw ProblemException.NotFound("Person"))
            .WithSummary("The person behind the token");
        users.MapGet("/{id}", (string id, PeopleService s, CancellationToken ct) => s.GetAsync(id, ct)).WithSummary("Read a person");
        users.MapPatch("/{id}", (string id, UpdatePerson body, PeopleService s, CancellationToken ct) => s.UpdateAsync(id, body, ct))
            .WithSummary("Rename a person or change their role");
        users.MapPost("/{id}/deactivate", (string id, PeopleService s, CancellationToken ct) => s.DeactivateAsync(id, ct))
            .WithSummary("Deactivate a person: their tokens stop working");
        users.MapPost("/{id}/reactivate", (string id, PeopleService s, CancellationToken ct) => s.ReactivateAsync(id, ct))
            .WithSummary("Reactivate a person");

        var invitations = api.MapGroup("/invitations").WithTags("People");
        invitations.MapPost("", async Task<Created<IssuedInvitation>> (InvitePerson body, PeopleService s, CancellationToken ct) =>
        {
            var issued = await s.InviteAsync(body, ct);
            return TypedResults.Created($"/api/v1/invitations/{issued.Invitation.Id}", issued);
        }).WithMetadata(new ShownOnceAttribute("token", "accept_path")).WithSummary("Invite a person by email; the link is valid for 7 days and shown once");
        invitations.MapGet("", (int? limit, string? cursor, PeopleService s, CancellationToken ct) =>
            s.ListInvitationsAsync(PageRequest.From(limit, cursor), ct)).WithSummary("List invitations");
        invitations.MapPost("/{id}/revoke", (string id, PeopleService s, CancellationToken ct) => s.RevokeInvitationAsync(id, ct))
            .WithSummary("Revoke a pending invitation");
        invitations.MapPost("/accept", async Task<Created<AcceptedInvitation>> (AcceptInvitation body, PeopleService s, CancellationToken ct) =>
        {
            var accepted = await s.AcceptAsync(body, ct);
            return TypedResults.Created($"/api/v1/users/{accepted.User.Id}", accepted);
        }).AllowAnonymous().WithSummary("Accept an invitation: creates the person and returns their first API token");

        var agents = api.MapGroup("/agents").WithTags("Agents");
        agents.MapGet("", (string? role, bool? enabled, int? limit, string? cursor, AgentService s, CancellationToken ct) =>
            s.ListAsync(new AgentFilter(role, enabled), PageRequest.From(limit, cursor), ct)).WithSummary("List agents");
        agents.MapPost("", async Task<Created<AgentView>> (AgentRequest body, AgentService s, CancellationToken ct) =>
        {
            var agent = await s.CreateAsync(body, ct);
            return TypedResults.Created($"/api/v1/agents/{agent.Id}", agent);
        }).WithSummary("Register an agent");
        agents.MapGet("/{id}", (string id, AgentService s, CancellationToken ct) => s.GetAsync(id, ct)).WithSummary("Read an agent (by id or name)");
        agents.MapPatch("/{id}", (string id, AgentRequest body, AgentService s, CancellationToken ct) => s.UpdateAsync(id, body, ct))
            .WithSummary("Change an agent, enable or disable it");
        agents.MapPost("/{id}/resume", (string id, AgentService s, CancellationToken ct) => s.ResumeAsync(id, ct))
            .WithSummary("Lift a pause that a provider's rate limit or quota set, before its reset time");

        var tokens = api.MapGroup("/tokens").WithTags("Tokens");
        tokens.MapGet("", ([Microsoft.AspNetCore.Mvc.FromQuery(Name = "agent_id")] string? agentId, int? limit, string? cursor, TokenService s, CancellationToken ct) =>
            s.ListAsync(agentId, PageRequest.From(limit, cursor), ct)).WithSummary("List API tokens (prefix only)");
        tokens.MapPost("", async Task<Created<IssuedToken>> (CreateToken body, TokenService s, CancellationToken ct) =>
        {
            var token = await s.CreateAsync(body, ct);
            return TypedResults.Created($"/api/v1/tokens/{token.Id}", token);
        }).WithMetadata(new ShownOnceAttribute("token")).WithSummary("Create an API token for yourself, an agent or a person; the secret is shown once");
        tokens.MapPost("/{id}/revoke", (string id, TokenService s, CancellationToken ct) => s.RevokeAsync(id, ct)).WithSummary("Revoke a token");
    }
}
