using Bosun.Core.Automation;
using Bosun.Core.Common;
using Bosun.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Api;

public static class RuleEndpoints
{
    public static void MapRules(this IEndpointRouteBuilder api)
    {
        var rules = api.MapGroup("/rules").WithTags("Rules");
        rules.MapGet("", (bool? enabled, int? limit, string? cursor, RuleService s, CancellationToken ct) => s.ListAsync(enabled, PageRequest.From(limit, cursor), ct))
            .WithSummary("Your tenant's rules; ?enabled=true|false");
        rules.MapGet("/presets", () => RuleService.Presets()).WithSummary("Rules Bosun ships, to create with {\"preset\": key}");
        rules.MapGet("/actions", (string? status, int? limit, string? cursor, RuleService s, CancellationToken ct) =>
                s.ActionsAsync(null, Check.OneOf<RuleActionStatus>("status", status), PageRequest.From(limit, cursor), ct))
            .WithSummary("What every rule did, newest first; ?status=pending|done|failed|skipped");
        rules.MapPost("", async Task<Created<RuleView>> (RuleRequest body, RuleService s, CancellationToken ct) =>
            {
                var created = await s.CreateAsync(body, ct);
                return TypedResults.Created($"/api/v1/rules/{created.Id}", created);
            })
            .WithSummary("Create a rule: an event, filters (when) and actions, or a preset");
        rules.MapGet("/{id}", (string id, RuleService s, CancellationToken ct) => s.GetAsync(id, ct)).WithSummary("Read a rule");
        rules.MapPatch("/{id}", (string id, RuleRequest body, RuleService s, CancellationToken ct) => s.UpdateAsync(id, body, ct))
            .WithSummary("Change a rule's name, event, filters or actions, or enable and disable it");
        rules.MapPost("/{id}/enable", (string id, RuleService s, CancellationToken ct) => s.EnableAsync(id, true, ct))
            .WithSummary("Enable a rule; it acts on events from now on");
        rules.MapPost("/{id}/disable", (string id, RuleService s, CancellationToken ct) => s.EnableAsync(id, false, ct))
            .WithSummary("Disable a rule; pending actions are skipped");
        rules.MapDelete("/{id}", async Task<NoContent> (string id, RuleService s, CancellationToken ct) =>
        {
            await s.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).WithSummary("Remove a rule, its inbound trigger and its action history");
        rules.MapGet("/{id}/actions", (string id, string? status, int? limit, string? cursor, RuleService s, CancellationToken ct) =>
                s.ActionsAsync(id, Check.OneOf<RuleActionStatus>("status", status), PageRequest.From(limit, cursor), ct))
            .WithSummary("What the rule did, newest first, each action with its event, status, attempts, error and result");
        rules.MapPost("/{id}/inbound", (string id, RuleService s, CancellationToken ct) => s.CreateInboundAsync(id, ct))
            .WithMetadata(new ShownOnceAttribute("secret"))
            .WithSummary("Give the rule an inbound webhook URL (or a new secret for it); the secret is shown once");
        rules.MapDelete("/{id}/inbound", async Task<NoContent> (string id, RuleService s, CancellationToken ct) =>
        {
            await s.RemoveInboundAsync(id, ct);
            return TypedResults.NoContent();
        }).WithSummary("Remove the rule's inbound URL");

        api.MapPost("/hooks/{tenant}/{trigger}", async Task<Accepted<InboundFired>> (string tenant, string trigger, HttpRequest request, InboundTriggerService s, CancellationToken ct) =>
            {
                var body = await ReadBodyAsync(request, ct);
                var fired = await s.ReceiveAsync(tenant, trigger, request.Headers[Core.Integrations.WebhookDispatcher.TimestampHeader],
                    request.Headers[Core.Integrations.WebhookDispatcher.SignatureHeader], body, ct);
                return TypedResults.Accepted((string?)null, fired);
            })
            .AllowAnonymous()
            .WithMetadata(new OwnsTransactionAttribute())
            .WithTags("Rules")
            .WithSummary("An inbound trigger: a POST signed like Bosun's webhooks (Bosun-Timestamp, Bosun-Signature) fires its rule with the JSON body as variables");
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > InboundTriggerService.MaxBody)
            {
                throw new ProblemException(413, "Payload too large", $"An inbound call's body is at most {InboundTriggerService.MaxBody / 1024} KB.");
            }
        }

        return buffer.ToArray();
    }
}
