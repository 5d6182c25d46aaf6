using Bosun.Core.Knowledge;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Api;

public static class SearchEndpoints
{
    public static void MapSearch(this IEndpointRouteBuilder api)
    {
        api.MapGet("/search", (string? q, string? kind, string? project, int? limit, SearchService s, CancellationToken ct) =>
                s.SearchAsync(q, kind, project, limit, ct))
            .WithTags("Search")
            .WithSummary("Full-text search of work items, comments, artifacts, documents, session messages and memory, best match first; "
                         + "?q= (\"a phrase\", OR, -word), ?kind=work_item,comment,artifact,document,message,memory, ?project=, ?limit=1-50");
    }
}
