using Bosun.Core.Common;
using Bosun.Core.Integrations;
using Bosun.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Api;

/// GitHub integrations, the webhook GitHub posts to, and an item's pull requests.
public static class GitHubEndpoints
{
    /// GitHub caps a webhook payload at 25 MB.
    private const long MaxPayloadBytes = 25 * 1024 * 1024;

    public static void MapGitHub(this IEndpointRouteBuilder api)
    {
        var github = api.MapGroup("/github").WithTags("GitHub");
        var integrations = github.MapGroup("/integrations");
        integrations.MapGet("", (int? limit, string? cursor, GitHubService s, CancellationToken ct) => s.ListAsync(PageRequest.From(limit, cursor), ct))
            .WithSummary("Your tenant's GitHub integrations");
        integrations.MapPost("", async Task<Created<GitHubIntegrationWithSecret>> (GitHubIntegrationRequest body, GitHubService s, CancellationToken ct) =>
            {
                var created = await s.CreateAsync(body, ct);
                return TypedResults.Created($"/api/v1/github/integrations/{created.Id}", created);
            })
            .WithMetadata(new ShownOnceAttribute("secret"))
            .WithSummary("Accept webhooks from repositories (for one project or all); the webhook secret is shown once");
        integrations.MapGet("/{id}", (string id, GitHubService s, CancellationToken ct) => s.GetAsync(id, ct)).WithSummary("Read a GitHub integration");
        integrations.MapDelete("/{id}", async Task<NoContent> (string id, GitHubService s, CancellationToken ct) =>
        {
            await s.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).WithSummary("Remove an integration and its delivery log; pull requests and checks stay with their items");
        integrations.MapGet("/{id}/deliveries", (string id, int? limit, string? cursor, GitHubService s, CancellationToken ct) =>
                s.DeliveriesAsync(id, PageRequest.From(limit, cursor), ct))
            .WithSummary("The deliveries GitHub sent, newest first, with what Bosun made of each");

        github.MapPost("/{id}/webhook", async (string id, HttpRequest request, GitHubWebhooks s, CancellationToken ct) =>
            {
                using var body = new MemoryStream();
                await request.Body.CopyToAsync(body, ct);
                var result = await s.ReceiveAsync(id, Header(request, "X-GitHub-Event"), Header(request, "X-GitHub-Delivery"),
                    Header(request, "X-Hub-Signature-256"), body.ToArray(), ct);
                return Results.Json(new
                {
                    delivery = result.Delivery,
                    @event = result.Event,
                    outcome = result.Outcome,
                    work_items = result.WorkItems,
                    duplicate = result.Duplicate,
                }, statusCode: result.Status);
            })
            .AllowAnonymous()
            .WithMetadata(new OwnsTransactionAttribute(), new BodySizeLimit(MaxPayloadBytes))
            .WithSummary("GitHub posts its webhooks here, signed with the integration's secret (X-Hub-Signature-256); no bearer token");

        api.MapGet("/work/{id}/pull-requests", (string id, int? limit, string? cursor, GitHubService s, CancellationToken ct) =>
                s.ForItemAsync(id, PageRequest.From(limit, cursor), ct))
            .WithTags("Work items").WithSummary("The item's pull requests, newest first, each with the checks GitHub reported for its head commit");
    }

    private static string? Header(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var value) && value.ToString() is { Length: > 0 } text ? text : null;
}
