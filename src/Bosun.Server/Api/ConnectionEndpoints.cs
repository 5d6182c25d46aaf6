using Bosun.Core.Common;
using Bosun.Core.Integrations;
using Bosun.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Api;

public static class ConnectionEndpoints
{
    public static void MapConnections(this IEndpointRouteBuilder api)
    {
        // {connection} is the id or the name. OAuth2 connections are authorized from the web UI (/connections).
        var connections = api.MapGroup("/connections").WithTags("Connections");
        connections.MapGet("", (bool? revoked, int? limit, string? cursor, ConnectionService s, CancellationToken ct) =>
                s.ListAsync(revoked ?? false, PageRequest.From(limit, cursor), ct))
            .WithSummary("The tenant's connected accounts (never a token); ?revoked=true the revoked ones");
        connections.MapPost("", async Task<Created<ConnectionView>> (ConnectionRequest body, ConnectionService s, CancellationToken ct) =>
            {
                var created = await s.CreateAsync(body, ct);
                return TypedResults.Created($"/api/v1/connections/{created.Id}", created);
            })
            .WithSummary("Create a connection {name, provider, type?, scopes?, secrets?, authorize_url?, token_url?, client_id?, client_secret?, token_auth?, project?}; the client secret is write-only");
        connections.MapGet("/{connection}", (string connection, ConnectionService s, CancellationToken ct) => s.GetAsync(connection, ct))
            .WithSummary("A connection: provider, status, scopes, expiry, owner and the names of the secrets it uses");
        connections.MapPatch("/{connection}", (string connection, ConnectionRequest body, ConnectionService s, CancellationToken ct) =>
                s.UpdateAsync(connection, body, ct))
            .WithSummary("Change scopes, URLs, client id or secret, the secrets it uses, its project or description");
        connections.MapDelete("/{connection}", (string connection, ConnectionService s, CancellationToken ct) => s.RevokeAsync(connection, ct))
            .WithSummary("Revoke a connection: its client secret and tokens are erased from the vault");
        connections.MapPost("/{connection}/refresh", (string connection, ConnectionService s, CancellationToken ct) => s.RefreshAsync(connection, ct))
            .WithMetadata(Transactions.ProviderCall)
            .WithSummary("Refresh the access token now; a refusal marks the connection expired and asks its owner to reconnect");
        connections.MapPost("/{connection}/bindings", (string connection, BindingRequest body, ConnectionService s, CancellationToken ct) =>
                s.AddBindingAsync(connection, body, ct))
            .WithSummary("Let an agent (agent:NAME) or a role (role:NAME) read the access token during its runs (a binding of NAME.access_token)");

        api.MapGet("/runs/{id}/connections/{name}/token", async (string id, string name, HttpContext http, ConnectionService s, CancellationToken ct) =>
            {
                var token = await s.ReadTokenForRunAsync(id, name, SecretService.ViaRest, ct);
                http.Response.Headers.CacheControl = "no-store";
                return token;
            })
            .WithMetadata(Transactions.SecretRead)
            .WithTags("Runs").WithSummary("The current access token of a bound connection, for the agent holding this active run; the read is recorded");
    }
}
