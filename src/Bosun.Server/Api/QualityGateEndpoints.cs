using Bosun.Core.Common;
using Bosun.Core.Dispatch;
using Bosun.Core.Planning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Api;

/// Projects' quality gates and the checks runs reported.
public static class QualityGateEndpoints
{
    public static void MapQualityGate(this IEndpointRouteBuilder api)
    {
        var projects = api.MapGroup("/projects").WithTags("Projects");
        projects.MapGet("/{id}/policy", (string id, ProjectPolicyService s, CancellationToken ct) => s.GetAsync(id, ct))
            .WithSummary("Read a project's policy: the checks a run must pass before its item is done, and the paths it may change");
        projects.MapPut("/{id}/policy", (string id, PolicyRequest body, ProjectPolicyService s, CancellationToken ct) => s.SetAsync(id, body, ct))
            .WithSummary("Set a project's policy (required_checks, allowed_paths, on_failure: block or approval); a field left out keeps its value");
        projects.MapGet("/{id}/checks", (string id, string? status, string? name, int? limit, string? cursor, RunCheckService s, CancellationToken ct) =>
                s.ForProjectAsync(id, new CheckFilter(Check.OneOf<CheckStatus>("status", status), name), PageRequest.From(limit, cursor), ct))
            .WithSummary("List the checks the project's runs reported, newest first; filter by status and name");

        api.MapGet("/work/{id}/checks", (string id, int? limit, string? cursor, RunCheckService s, CancellationToken ct) =>
                s.ForItemAsync(id, PageRequest.From(limit, cursor), ct))
            .WithTags("Work items").WithSummary("List the checks every run of the item reported, newest first");
    }
}
