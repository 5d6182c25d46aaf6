using Bosun.Core.Common;
using Bosun.Core.Governance;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Api;

public static class GovernanceEndpoints
{
    public static void MapGovernance(this IEndpointRouteBuilder api)
    {
        api.MapGet("/audit", ([Microsoft.AspNetCore.Mvc.FromQuery(Name = "entity_type")] string? entityType, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "entity_id")] string? entityId, string? actor, string? action, int? limit, string? cursor, AuditService s, CancellationToken ct) =>
                s.ListAsync(new AuditFilter(entityType, entityId, actor, action), PageRequest.From(limit, cursor), ct))
            .WithTags("Audit").WithSummary("The audit trail, newest first; filter by entity_type, entity_id, actor, action");
    }
}
