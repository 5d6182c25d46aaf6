using Bosun.Core.Common;
using Bosun.Core.Identity;
using Bosun.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Api;

/// The instance operator's API: only operator tokens reach it (see AuthenticationMiddleware), and it answers with
/// tenants' names and standing, never with what they hold.
public static class OperatorEndpoints
{
    public static void MapOperator(this IEndpointRouteBuilder api)
    {
        var tenants = api.MapGroup("/operator/tenants").WithTags("Operator");
        tenants.MapGet("", (string? status, int? limit, string? cursor, OperatorService s, CancellationToken ct) =>
            s.ListTenantsAsync(status, PageRequest.From(limit, cursor), ct)).WithSummary("List the instance's tenants; filter by status");
        tenants.MapPost("", async Task<Created<OperatorCreatedTenant>> (CreateTenantByOperator body, OperatorService s, CancellationToken ct) =>
        {
            var created = await s.CreateTenantAsync(body, ct);
            return TypedResults.Created($"/api/v1/operator/tenants/{created.Tenant.Id}", created);
        }).WithMetadata(new ShownOnceAttribute("owner_token")).WithSummary("Create a tenant with its first owner; the owner's token is shown once");
        tenants.MapGet("/{id}", (string id, OperatorService s, CancellationToken ct) => s.GetTenantAsync(id, ct)).WithSummary("Read a tenant's standing");
        tenants.MapPatch("/{id}", (string id, ChangeTenantStatus body, OperatorService s, CancellationToken ct) => s.UpdateTenantAsync(id, body, ct))
            .WithSummary("Move a tenant between trialing and active");
        tenants.MapPost("/{id}/suspend", (string id, OperatorService s, CancellationToken ct) => s.SuspendAsync(id, ct))
            .WithSummary("Suspend a tenant: its tokens and sign-ins are refused until it is resumed");
        tenants.MapPost("/{id}/resume", (string id, OperatorService s, CancellationToken ct) => s.ResumeAsync(id, ct))
            .WithSummary("Make a suspended or cancelled tenant active again");
        tenants.MapPost("/{id}/cancel", (string id, OperatorService s, CancellationToken ct) => s.CancelAsync(id, ct))
            .WithSummary("Cancel a tenant: its data stays, its tokens and sign-ins are refused");
    }
}
