using Bosun.Core.Common;
using Bosun.Core.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;

namespace Bosun.Server.Http;

/// Bearer tokens for the API and MCP: the token decides the tenant, never the URL.
public sealed class AuthenticationMiddleware(RequestDelegate next)
{
    public const string PrincipalItem = "bosun.principal";

    public async Task InvokeAsync(HttpContext context, AuthService auth, OperatorService operators, RequestContext request,
        Bosun.Core.Governance.Access.AccessLoader access)
    {
        request.RequestId = context.TraceIdentifier;
        var endpoint = context.GetEndpoint();
        var path = context.Request.Path;
        var guarded = path.StartsWithSegments("/api") || path.StartsWithSegments("/mcp") || path.StartsWithSegments("/otlp");
        if (!guarded || endpoint?.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            await next(context);
            return;
        }

        var header = context.Request.Headers.Authorization.ToString();
        var secret = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
        var operatorPath = path.StartsWithSegments("/api/v1/operator");
        if (secret is { Length: > 0 and <= 200 } && Secrets.IsOperatorToken(secret))
        {
            // An operator manages tenants and reads none of their data, so its token opens the operator API only.
            if (!operatorPath)
            {
                throw new ProblemException(403, "Forbidden",
                    "An operator token opens only /api/v1/operator; it reads no tenant's data. Use a token of the tenant.", "/problems/operator-token");
            }

            var actor = await operators.AuthenticateAsync(secret, context.RequestAborted) ?? throw Unauthorized(secret);
            request.EnterOperator(actor);
            await next(context);
            return;
        }

        var principal = secret is null ? null : await auth.AuthenticateAsync(secret, context.RequestAborted);
        if (principal is null)
        {
            throw Unauthorized(secret);
        }

        if (operatorPath)
        {
            throw OperatorService.OperatorOnly();
        }

        TenantAccess.Require(principal.TenantStatus);
        request.EnterTenant(principal.TenantId, principal.Actor, principal.PersonRole, principal.AgentRole, principal.TokenId);
        await access.EnterAsync(context.Connection.RemoteIpAddress?.ToString(), context.RequestAborted);
        context.Items[PrincipalItem] = principal;
        await next(context);
    }

    private static ProblemException Unauthorized(string? secret)
    {
        var problem = new ProblemException(401, "Unauthorized",
            secret is null ? "Send an API token as 'Authorization: Bearer <token>'." : "The token is unknown, revoked or expired.",
            "/problems/unauthorized");
        problem.Headers["WWW-Authenticate"] = "Bearer";
        return problem;
    }
}
