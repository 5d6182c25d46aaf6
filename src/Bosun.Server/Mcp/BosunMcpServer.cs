using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Bosun.Server.Mcp;

/// One MCP tool: its schema, and the work it does with the caller's request services.
internal sealed record McpTool(
    string Name, string Title, string Description, JsonElement InputSchema, bool ReadOnly,
    Func<McpArgs, IServiceProvider, CancellationToken, Task<object>> Run, OwnsTransactionAttribute? Transaction = null)
{
    public IReadOnlyList<string> Arguments { get; } =
        InputSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToList();

    public Tool ToProtocol() => new()
    {
        Name = Name,
        Title = Title,
        Description = Description,
        InputSchema = InputSchema,
        Annotations = new ToolAnnotations { Title = Title, ReadOnlyHint = ReadOnly, DestructiveHint = false, OpenWorldHint = false },
    };
}

/// Bosun's MCP server at /mcp (Streamable HTTP). It runs stateless: every HTTP request gets a fresh server on
/// that request's services, so each tool call sees the tenant and actor the bearer token set, and goes through
/// the same services as the REST API.
public static class BosunMcpServer
{
    private const string Instructions = """
        Bosun hands you work and records what you do. Loop: claim_work (wait up to 60 s for an item), read the item and its
        context, heartbeat every minute or so while you work (stop at once if it answers stop: true), record_llm_usage and
        record_tool_call as you go, then complete_work with your output, or fail_work / release_work. Keep the run_id and
        lease_token from claim_work: every call about the run needs them. add_comment, create_work_item (sub-items of the
        item you hold), move_work_item (to order those sub-items), request_approval and search_context help along the way;
        list_templates and instantiate_template turn the item you hold into a pipeline of sub-items from a template. To plan
        work for people to approve first: create_plan (steps become work items once approved), submit_plan, get_plan to read
        the decision, and after a rejection add_plan_version with what the decision_note asked for.
        """;

    public static IServiceCollection AddBosunMcp(this IServiceCollection services)
    {
        services.AddMcpServer(o =>
            {
                o.ServerInfo = new Implementation { Name = "bosun", Title = "Bosun", Version = "1.0.0" };
                o.ServerInstructions = Instructions;
            })
            .WithHttpTransport(o => o.Stateless = true)
            .WithListToolsHandler((_, _) => ValueTask.FromResult(new ListToolsResult { Tools = [.. McpTools.All.Select(t => t.ToProtocol())] }))
            .WithCallToolHandler(CallAsync);
        return services;
    }

    public static void MapBosunMcp(this IEndpointRouteBuilder app) => app.MapMcp("/mcp");

    private static async ValueTask<CallToolResult> CallAsync(RequestContext<CallToolRequestParams> request, CancellationToken ct)
    {
        var services = request.Services ?? throw new InvalidOperationException("The MCP request has no services.");
        var tool = McpTools.All.FirstOrDefault(t => t.Name == request.Params?.Name);
        if (tool is null)
        {
            return Error($"Unknown tool '{request.Params?.Name}'. Tools: {string.Join(", ", McpTools.All.Select(t => t.Name))}.", null);
        }

        try
        {
            var args = new McpArgs(request.Params!.Arguments, tool);
            var db = services.GetRequiredService<BosunDb>();
            var result = await Transactions.RunAsync(db, tool.Transaction, write: !tool.ReadOnly, c => tool.Run(args, services, c), ct);
            return Success(result);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var problem = ProblemMiddleware.Translate(ex);
            if (problem.Status >= 500)
            {
                services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BosunMcpServer))
                    .LogError(ex, "MCP tool {Tool} failed", tool.Name);
            }

            return Error(Describe(problem), problem);
        }
    }

    private static CallToolResult Success(object result)
    {
        var json = JsonSerializer.SerializeToElement(result, BosunJson.Options);
        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = json.GetRawText() }],
            StructuredContent = json.ValueKind == JsonValueKind.Object ? json : null,
        };
    }

    private static CallToolResult Error(string message, ProblemException? problem) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = message }],
        StructuredContent = problem is null ? null : JsonSerializer.SerializeToElement(new Dictionary<string, object?>
        {
            ["type"] = problem.Type,
            ["title"] = problem.Title,
            ["status"] = problem.Status,
            ["detail"] = problem.Detail,
            ["errors"] = problem.Errors.Count > 0 ? problem.Errors : null,
        }, BosunJson.Options),
    };

    /// A message a model can act on: what went wrong, and each argument to fix.
    internal static string Describe(ProblemException problem)
    {
        var text = problem.Status >= 500
            ? "Bosun failed to do this; try again later."
            : $"{problem.Title} ({problem.Status}): {problem.Detail ?? problem.Title}";
        foreach (var (field, messages) in problem.Errors)
        {
            text += $"\n- {field}: {string.Join("; ", messages)}";
        }

        return text;
    }
}
