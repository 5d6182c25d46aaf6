using Bosun.Core.Common;
using Bosun.Core.Integrations;
using Bosun.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Server.Api;

public static class WebhookEndpoints
{
    public static void MapWebhooks(this IEndpointRouteBuilder api)
    {
        var webhooks = api.MapGroup("/webhooks").WithTags("Webhooks");
        webhooks.MapGet("", (int? limit, string? cursor, WebhookService s, CancellationToken ct) => s.ListAsync(PageRequest.From(limit, cursor), ct))
            .WithSummary("Your tenant's webhooks");
        webhooks.MapPost("", async Task<Created<WebhookWithSecret>> (WebhookRequest body, WebhookService s, CancellationToken ct) =>
            {
                var created = await s.CreateAsync(body, ct);
                return TypedResults.Created($"/api/v1/webhooks/{created.Id}", created);
            })
            .WithMetadata(new ShownOnceAttribute("secret"))
            .WithSummary("Register a URL for events (default all); the signing secret is shown once");
        webhooks.MapGet("/{id}", (string id, WebhookService s, CancellationToken ct) => s.GetAsync(id, ct)).WithSummary("Read a webhook");
        webhooks.MapPatch("/{id}", (string id, WebhookRequest body, WebhookService s, CancellationToken ct) => s.UpdateAsync(id, body, ct))
            .WithSummary("Change the URL, the events or the description, or enable and disable it");
        webhooks.MapDelete("/{id}", async Task<NoContent> (string id, WebhookService s, CancellationToken ct) =>
        {
            await s.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).WithSummary("Remove a webhook and its deliveries");
        webhooks.MapPost("/{id}/rotate-secret", (string id, WebhookService s, CancellationToken ct) => s.RotateSecretAsync(id, ct))
            .WithMetadata(new ShownOnceAttribute("secret"))
            .WithSummary("Replace the signing secret; the new one is shown once and the old one stops working");
        webhooks.MapGet("/{id}/deliveries", (string id, string? status, int? limit, string? cursor, WebhookService s, CancellationToken ct) =>
                s.DeliveriesAsync(id, Check.OneOf<DeliveryStatus>("status", status), PageRequest.From(limit, cursor), ct))
            .WithSummary("Deliveries newest first with their status, attempts and last response; ?status=pending|delivered|failed");
        webhooks.MapPost("/{id}/deliveries/{delivery}/redeliver", (string id, string delivery, WebhookService s, CancellationToken ct) =>
                s.RedeliverAsync(id, delivery, ct))
            .WithSummary("Send a delivery again now");
    }
}
