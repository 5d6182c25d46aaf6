using Bosun.Core.Common;
using Bosun.Core.Integrations;
using Bosun.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Api;

public static class SecretEndpoints
{
    public static void MapSecrets(this IEndpointRouteBuilder api)
    {
        // {secret} is the id, or the name (with ?project= for a project's secret).
        var secrets = api.MapGroup("/secrets").WithTags("Secrets");
        secrets.MapGet("", (string? project, bool? archived, int? limit, string? cursor, SecretService s, CancellationToken ct) =>
                s.ListAsync(project, archived ?? false, PageRequest.From(limit, cursor), ct))
            .WithSummary("The tenant's secrets, metadata only (never a value); ?project= one project's, ?archived=true the archived ones");
        secrets.MapPost("", async Task<Created<SecretView>> (SecretRequest body, SecretService s, CancellationToken ct) =>
            {
                var created = await s.CreateAsync(body, ct);
                return TypedResults.Created($"/api/v1/secrets/{created.Id}", created);
            })
            .WithSummary("Store a secret {name, value, type, project?, description?, expires_at?}; the value is write-only");
        secrets.MapGet("/{secret}", (string secret, string? project, SecretService s, CancellationToken ct) => s.GetAsync(secret, project, ct))
            .WithSummary("A secret's metadata and bindings");
        secrets.MapPatch("/{secret}", (string secret, string? project, SecretRequest body, SecretService s, CancellationToken ct) =>
                s.UpdateAsync(secret, project, body, ct))
            .WithSummary("Set a new value (a new data key, version + 1), change type, description or expiry, or record a check (status active|failing)");
        secrets.MapDelete("/{secret}", (string secret, string? project, SecretService s, CancellationToken ct) => s.ArchiveAsync(secret, project, ct))
            .WithSummary("Archive a secret: its value and bindings are erased, its access events kept");
        secrets.MapGet("/{secret}/bindings", (string secret, string? project, SecretService s, CancellationToken ct) => s.ListBindingsAsync(secret, project, ct))
            .WithSummary("Who may read the secret");
        secrets.MapPost("/{secret}/bindings", (string secret, string? project, BindingRequest body, SecretService s, CancellationToken ct) =>
                s.AddBindingAsync(secret, project, body, ct))
            .WithSummary("Let an agent (subject agent:NAME) or every agent of a role (role:NAME) read the secret during its runs");
        secrets.MapDelete("/{secret}/bindings/{binding}", async Task<NoContent> (string secret, string binding, string? project, SecretService s, CancellationToken ct) =>
            {
                await s.RemoveBindingAsync(secret, project, binding, ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Remove a binding (by its id, or agent:NAME / role:NAME)");
        secrets.MapGet("/{secret}/accesses", (string secret, string? project, int? limit, string? cursor, SecretService s, CancellationToken ct) =>
                s.AccessesAsync(secret, project, null, PageRequest.From(limit, cursor), ct))
            .WithSummary("Reads of the secret, newest first: who, which run, when");
        api.MapGet("/secret-accesses", ([FromQuery(Name = "run")] string? run, int? limit, string? cursor, SecretService s, CancellationToken ct) =>
                s.AccessesAsync(null, null, run, PageRequest.From(limit, cursor), ct))
            .WithTags("Secrets").WithSummary("Reads of every secret of the tenant, newest first; ?run= one run's");

        api.MapGet("/runs/{id}/secrets/{name}", async (string id, string name, HttpContext http, SecretService s, CancellationToken ct) =>
            {
                var value = await s.ReadForRunAsync(id, name, SecretService.ViaRest, ct);
                http.Response.Headers.CacheControl = "no-store";
                return value;
            })
            .WithMetadata(Transactions.SecretRead)
            .WithTags("Runs").WithSummary("The value of a bound secret, for the agent holding this active run; the read is recorded");
    }
}
