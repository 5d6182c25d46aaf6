using System.Net.Http.Headers;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Server.Http;
using Bosun.Server.Mcp;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Bosun.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Bosun.Tests.Agents;

public sealed class McpServerTests
{
    internal static async Task<McpClient> ConnectAsync(BosunTestApp app, string token)
    {
        var http = new HttpClient(app.CreateHandler()) { BaseAddress = new Uri("http://localhost") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = new Uri("http://localhost/mcp"), TransportMode = HttpTransportMode.StreamableHttp },
            http, ownsHttpClient: true);
        return await McpClient.CreateAsync(transport);
    }

    internal static async Task<JsonElement> CallAsync(McpClient client, string tool, object? arguments = null)
    {
        var result = await CallRawAsync(client, tool, arguments);
        Assert.True(result.IsError is not true, $"{tool} failed: {Text(result)}");
        return JsonDocument.Parse(Text(result)).RootElement.Clone();
    }

    internal static async Task<CallToolResult> CallRawAsync(McpClient client, string tool, object? arguments = null)
    {
        var args = arguments is null
            ? null
            : JsonSerializer.SerializeToElement(arguments).EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
        return await client.CallToolAsync(tool, args);
    }

    internal static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(c => c.Text));

    [Theory, BothStores]
    public async Task Mcp_client_lists_the_tools_and_drives_a_claim_usage_complete_cycle(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var item = await acme.CreateWorkAsync("WEB", "Write the landing page", new { status = "ready", description = "Hero, pricing, footer" });
        var (agent, _, token) = await acme.CreateAgentAsync("coder");
        await using var mcp = await ConnectAsync(app, token);

        var tools = (await mcp.ListToolsAsync()).Select(t => t.Name).ToHashSet();
        foreach (var name in new[] { "whoami", "list_my_work", "claim_work", "get_work_item", "heartbeat", "complete_work", "fail_work",
                     "release_work", "add_comment", "create_work_item", "move_work_item", "request_approval", "record_llm_usage", "record_tool_call", "search_context",
                     "link_session", "list_deliverables", "deliverable_progress", "list_schedules", "run_schedule",
                     "list_templates", "instantiate_template", "list_notifications", "get_connection_token" })
        {
            Assert.Contains(name, tools);
        }

        var me = await CallAsync(mcp, "whoami");
        Assert.Equal($"agent:{agent.Str("id")}", me.Str("actor"));
        Assert.Equal(acme.Slug, me.GetProperty("tenant").Str("slug"));

        var claim = await CallAsync(mcp, "claim_work", new { wait_seconds = 0 });
        Assert.True(claim.GetProperty("claimed").GetBoolean());
        Assert.Equal(item.Str("id"), claim.GetProperty("item").Str("id"));
        var run = claim.Str("run_id");
        var lease = claim.Str("lease_token");

        var beat = await CallAsync(mcp, "heartbeat", new { run_id = run, lease_token = lease, progress = "drafting" });
        Assert.False(beat.GetProperty("stop").GetBoolean());
        var usage = await CallAsync(mcp, "record_llm_usage", new
        {
            run_id = run, provider = "anthropic", model = "claude-sonnet-4-5", input_tokens = 1000, output_tokens = 200, cost_usd = 0.25,
        });
        Assert.Equal(1, usage.GetProperty("recorded").GetInt32());
        await CallAsync(mcp, "record_tool_call", new { run_id = run, tool_name = "bash", input_summary = "npm test", status = "ok" });
        var linked = await CallAsync(mcp, "link_session", new { run_id = run, source = "claude_code", session_id = "6f1d0c52-mcp" });
        Assert.Equal((run, "6f1d0c52-mcp"), (linked.Str("run_id"), linked.Str("external_id")));
        await CallAsync(mcp, "add_comment", new { work_item = "WEB-1", body = "Pricing table follows the plan from the brief." });
        var child = await CallAsync(mcp, "create_work_item", new { parent = "WEB-1", title = "Compress the hero image" });
        Assert.Equal(item.Str("id"), child.Str("parent_id"));
        Assert.Equal("ready", child.Str("status"));
        var first = await CallAsync(mcp, "create_work_item", new { parent = "WEB-1", title = "Measure the page weight first" });
        await CallAsync(mcp, "move_work_item", new { work_item = first.Str("key"), before = child.Str("key") });
        Assert.Equal([first.Str("key"), child.Str("key")], (await acme.Owner.ListAllAsync("/api/v1/work?parent=WEB-1")).Select(w => w.Str("key")));

        var held = await CallAsync(mcp, "list_my_work");
        Assert.Equal(run, held.GetProperty("holding").EnumerateArray().Single().Str("run_id"));

        var found = await CallAsync(mcp, "search_context", new { query = "pricing brief" });
        Assert.Contains(found.GetProperty("results").EnumerateArray(), r => r.Str("kind") == "comment" && r.Str("work_item_key") == "WEB-1");

        var done = await CallAsync(mcp, "complete_work", new { run_id = run, lease_token = lease, output = new { url = "https://example.test" }, summary = "Shipped" });
        Assert.Equal("done", done.GetProperty("item").Str("status"));

        var cost = await acme.Owner.GetJsonAsync($"/api/v1/runs/{run}/cost");
        Assert.Equal(0.25m, cost.GetProperty("cost_usd").GetDecimal());
        var tools2 = await acme.Owner.GetJsonAsync($"/api/v1/runs/{run}/tool-calls");
        Assert.Equal("bash", tools2.GetProperty("items").EnumerateArray().Single().Str("tool_name"));
        var audit = await acme.Owner.GetJsonAsync($"/api/v1/audit?entity_id={item.Str("id")}");
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), a => a.Str("actor") == $"agent:{agent.Str("id")}");
    }

    [Theory, BothStores]
    public async Task An_agent_turns_the_item_it_holds_into_a_pipeline_from_a_template(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var brief = await acme.CreateWorkAsync("WEB", "Blog about pricing", new { status = "ready" });
        var (_, _, token) = await acme.CreateAgentAsync("planner", role: "planner");
        await using var mcp = await ConnectAsync(app, token);

        var listed = await CallAsync(mcp, "list_templates", new { kind = "blog_post" });
        var template = listed.GetProperty("items").EnumerateArray().Single();
        Assert.Equal("global:content_pipeline", template.Str("id"));
        Assert.Contains(template.GetProperty("variables").EnumerateArray(), v => v.Str("key") == "topic" && v.GetProperty("required").GetBoolean());

        var unheld = await CallRawAsync(mcp, "instantiate_template", new { template = "global:content_pipeline", project = "WEB", variables = new { topic = "Pricing" } });
        Assert.True(unheld.IsError);
        Assert.Contains("- parent:", Text(unheld));

        await CallAsync(mcp, "claim_work");
        var missing = await CallRawAsync(mcp, "instantiate_template", new { template = "global:content_pipeline", project = "WEB", parent = "WEB-1" });
        Assert.True(missing.IsError);
        Assert.Contains("- variables.topic: is required", Text(missing));

        var made = await CallAsync(mcp, "instantiate_template", new
        {
            template = "global:content_pipeline", project = "WEB", parent = "WEB-1", title = "Pricing post",
            variables = new { topic = "Pricing", keywords = new[] { "plans", "trial" } },
        });
        var parent = made.GetProperty("parent");
        Assert.Equal(brief.Str("id"), parent.Str("parent_id"));
        Assert.Equal("Pricing post", parent.Str("title"));
        Assert.Equal(["Research: Pricing", "Write: Pricing", "Review: Pricing", "Publish: Pricing"],
            made.GetProperty("steps").EnumerateArray().Select(s => s.Str("title")));
        Assert.Equal(5, (await acme.Owner.ListAllAsync("/api/v1/work?project=WEB")).Count(w => w.Str("key") != "WEB-1"));
        var audit = await acme.Owner.ListAllAsync($"/api/v1/audit?entity_id={parent.Str("id")}");
        Assert.Contains(audit, a => a.Str("action") == "work_item.created" && a.Str("actor").StartsWith("agent:"));
    }

    [Theory, BothStores]
    public async Task Another_tenants_token_sees_none_of_it(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Secret launch plan", new { status = "ready" });
        var (_, acmeAgent, _) = await acme.CreateAgentAsync("coder");
        var claimed = await acmeAgent.PostJsonAsync("/api/v1/work/claim", new { });
        var run = claimed.GetProperty("items")[0].GetProperty("run");

        var globex = await app.CreateTenantAsync();
        await globex.CreateProjectAsync("WEB");
        var (_, _, globexToken) = await globex.CreateAgentAsync("spy");
        await using var mcp = await ConnectAsync(app, globexToken);

        var claim = await CallAsync(mcp, "claim_work");
        Assert.False(claim.GetProperty("claimed").GetBoolean());
        var get = await CallRawAsync(mcp, "get_work_item", new { work_item = "WEB-1" });
        Assert.True(get.IsError);
        Assert.Contains("not found", Text(get), StringComparison.OrdinalIgnoreCase);
        var search = await CallAsync(mcp, "search_context", new { query = "launch" });
        Assert.Empty(search.GetProperty("results").EnumerateArray());
        var complete = await CallRawAsync(mcp, "complete_work", new { run_id = run.Str("run_id"), lease_token = run.Str("lease_token") });
        Assert.True(complete.IsError);
        Assert.Empty((await CallAsync(mcp, "list_my_work")).GetProperty("holding").EnumerateArray());

        var item = await acme.Owner.GetJsonAsync("/api/v1/work/WEB-1");
        Assert.Equal("claimed", item.Str("status"));
    }

    [Theory, BothStores]
    public async Task Tool_errors_name_the_argument_and_change_nothing(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Parent", new { status = "ready" });
        var (_, _, token) = await acme.CreateAgentAsync("coder");
        await using var mcp = await ConnectAsync(app, token);

        var missing = await CallRawAsync(mcp, "add_comment", new { work_item = "WEB-1", colour = "red" });
        Assert.True(missing.IsError);
        Assert.Contains("body: is required", Text(missing));
        Assert.Contains("colour: is not an argument", Text(missing));

        // Agents only split the item they hold.
        var notHeld = await CallRawAsync(mcp, "create_work_item", new { parent = "WEB-1", title = "Sneaky" });
        Assert.True(notHeld.IsError);
        Assert.Contains("parent:", Text(notHeld));

        var reorder = await CallRawAsync(mcp, "move_work_item", new { work_item = "WEB-1" });
        Assert.True(reorder.IsError);
        Assert.Contains("before:", Text(reorder));
        var notHeldMove = await CallRawAsync(mcp, "move_work_item", new { work_item = "WEB-1", after = "WEB-1" });
        Assert.True(notHeldMove.IsError);
        Assert.Contains("sub-items of the item they are working on", Text(notHeldMove));

        var stale = await CallRawAsync(mcp, "heartbeat", new { run_id = "01ARZ3NDEKTSV4RRFFQ69G5FAV", lease_token = "nope" });
        Assert.True(stale.IsError);
        Assert.Contains("Run was not found", Text(stale));

        var items = await acme.Owner.GetJsonAsync("/api/v1/work?project=WEB");
        Assert.Single(items.GetProperty("items").EnumerateArray());
        Assert.Empty((await acme.Owner.GetJsonAsync("/api/v1/work/WEB-1/comments")).GetProperty("items").EnumerateArray());
    }

    [Theory, BothStores]
    public async Task List_my_work_answers_what_rest_work_mine_answers(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var (agent, coder, token) = await acme.CreateAgentAsync("coder");
        await acme.CreateWorkAsync("WEB", "Take me", new { status = "ready" });
        await acme.CreateWorkAsync("WEB", "Later", new { status = "backlog", assignee = $"agent:{agent.Str("id")}" });
        await using var mcp = await ConnectAsync(app, token);
        await CallAsync(mcp, "claim_work");

        var overMcp = await CallAsync(mcp, "list_my_work");
        var overRest = await coder.GetJsonAsync("/api/v1/work/mine");
        Assert.Equal("WEB-1", overMcp.GetProperty("holding").EnumerateArray().Single().Str("work_item"));
        Assert.Equal("WEB-2", overMcp.GetProperty("assigned").EnumerateArray().Single().Str("key"));
        Assert.Equal(overRest.GetRawText(), overMcp.GetRawText());
    }

    [Theory, BothStores]
    public async Task An_agent_reads_deliverables_and_their_progress_as_rest_answers_them(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("MKT");
        var goal = await acme.CreateGoalAsync(new { title = "Grow organic traffic", project_id = "MKT" });
        var posts = await acme.Owner.PostJsonAsync("/api/v1/deliverables", new { goal_id = goal.Str("id"), name = "Blog posts", type = "blog_posts", quantity_per_period = 4 });
        await acme.Owner.PostJsonAsync("/api/v1/deliverables", new { goal_id = goal.Str("id"), name = "Paused posts", type = "blog_posts", quantity_per_period = 1, active = false });
        var (_, writer, token) = await acme.CreateAgentAsync("writer", role: "copywriter");
        await using var mcp = await ConnectAsync(app, token);

        var listed = await CallAsync(mcp, "list_deliverables", new { goal = goal.Str("id"), active = true });
        var only = listed.GetProperty("items").EnumerateArray().Single();
        Assert.Equal(posts.Str("id"), only.Str("id"));
        Assert.Equal(4, only.GetProperty("current").GetProperty("target").GetInt32());
        var overMcp = await CallAsync(mcp, "deliverable_progress");
        var overRest = await writer.GetJsonAsync("/api/v1/deliverables/progress");
        Assert.Equal(overRest.GetRawText(), overMcp.GetRawText());
        Assert.Equal(["Blog posts"], overMcp.GetProperty("items").EnumerateArray().Select(r => r.Str("deliverable")));

        var bad = await CallRawAsync(mcp, "deliverable_progress", new { period = "April" });
        Assert.True(bad.IsError);
        Assert.Contains("period", Text(bad));
    }

    [Fact]
    public async Task Mcp_tools_run_their_unit_of_work_as_the_matching_rest_endpoints_do()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        OwnsTransactionAttribute? Rest(string method, string route) => endpoints
            .Single(e => e.RoutePattern.RawText?.TrimEnd('/') == route && e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains(method) == true)
            .Metadata.GetMetadata<OwnsTransactionAttribute>();
        var pairs = new (string Tool, string Route)[]
        {
            ("claim_work", "/api/v1/work/claim"), ("heartbeat", "/api/v1/runs/{id}/heartbeat"), ("complete_work", "/api/v1/runs/{id}/complete"),
            ("fail_work", "/api/v1/runs/{id}/fail"), ("release_work", "/api/v1/runs/{id}/release"), ("add_comment", "/api/v1/work/{id}/comments"),
            ("move_work_item", "/api/v1/work/{id}/move"), ("request_approval", "/api/v1/approvals"), ("record_llm_usage", "/api/v1/runs/{id}/llm-calls"), ("record_tool_call", "/api/v1/runs/{id}/tool-calls"),
            ("link_session", "/api/v1/runs/{id}/session"),
        };
        foreach (var (tool, route) in pairs)
        {
            var rest = Rest("POST", route);
            var mcp = McpTools.All.Single(t => t.Name == tool).Transaction;
            Assert.True(ReferenceEquals(rest, mcp), $"{tool} runs its unit of work differently from POST {route}");
        }

        Assert.NotNull(McpTools.All.Single(t => t.Name == "heartbeat").Transaction);
    }

    [Theory, BothStores]
    public async Task An_agent_learns_the_required_checks_and_which_of_them_held_its_card_back(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var project = await acme.CreateProjectAsync("MAP");
        await (await acme.Owner.SendJsonAsync(HttpMethod.Put, "/api/v1/projects/MAP/policy", new { required_checks = new[] { "tests", "lint" } })).ReadSuccessAsync();
        await acme.CreateWorkAsync("MAP", "Checkout card", new { status = "ready" });
        var (_, _, token) = await acme.CreateAgentAsync("coder");
        await using var mcp = await ConnectAsync(app, token);

        Assert.Contains("get_project_policy", (await mcp.ListToolsAsync()).Select(t => t.Name));
        var claim = await CallAsync(mcp, "claim_work");
        var policy = await CallAsync(mcp, "get_project_policy", new { project = claim.GetProperty("item").Str("project_id") });
        Assert.Equal(["tests", "lint"], policy.GetProperty("required_checks").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(project.Str("id"), policy.Str("project_id"));

        var done = await CallAsync(mcp, "complete_work", new
        {
            run_id = claim.Str("run_id"), lease_token = claim.Str("lease_token"),
            artifacts = new { checks = new[] { new { name = "tests", status = "passed" }, new { name = "lint", status = "failed" } } },
        });
        Assert.Equal("blocked", done.GetProperty("item").Str("status"));
        var failed = Assert.Single(done.GetProperty("failed_checks").EnumerateArray());
        Assert.Equal(("lint", "failed"), (failed.Str("name"), failed.Str("reason")));
        Assert.Equal(2, (await acme.Owner.ListAllAsync("/api/v1/work/MAP-1/checks")).Count);

        var unknown = await CallRawAsync(mcp, "get_project_policy", new { project = "NOPE" });
        Assert.True(unknown.IsError);
        Assert.Contains("not found", Text(unknown), StringComparison.OrdinalIgnoreCase);
    }
}
