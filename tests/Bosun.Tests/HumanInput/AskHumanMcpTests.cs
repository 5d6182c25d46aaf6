using Bosun.Core.Data;
using Bosun.Tests.Agents;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.HumanInput;

/// ask_human and get_question over MCP call the service POST /runs/{id}/ask calls.
public sealed class AskHumanMcpTests
{
    [Theory, BothStores]
    public async Task An_agent_asks_over_mcp_names_a_bad_argument_and_reads_the_answer_of_a_question_that_did_not_block(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        await acme.CreateWorkAsync("WEB", "Write the pricing page", new { status = "ready" });
        var (_, _, token) = await acme.CreateAgentAsync("coder");
        await using var mcp = await McpServerTests.ConnectAsync(app, token);
        var run = await McpServerTests.CallAsync(mcp, "claim_work");

        var refused = await McpServerTests.CallRawAsync(mcp, "ask_human", new
        {
            run_id = run.Str("run_id"), lease_token = run.Str("lease_token"), question = "Currency?", to = "role:intern",
        });
        Assert.True(refused.IsError);
        Assert.Contains("to", McpServerTests.Text(refused));

        var asked = await McpServerTests.CallAsync(mcp, "ask_human", new
        {
            run_id = run.Str("run_id"), lease_token = run.Str("lease_token"), question = "Which currencies?", blocking = false, to = "role:owner",
            form = new { fields = new object[] { new { key = "currencies", type = "multi_select", label = "Currencies", required = true, options = new[] { "eur", "usd", "gbp" }, max = 2 } } },
        });
        Assert.Equal("active", asked.GetProperty("run").Str("status"));
        var key = asked.GetProperty("question").Str("key");

        var tooMany = await acme.Owner.SendJsonAsync(HttpMethod.Post, $"/api/v1/work/{key}/submissions", new { values = new { currencies = new[] { "eur", "usd", "gbp" } } }, "m-1");
        Assert.NotEmpty((await tooMany.ProblemAsync(System.Net.HttpStatusCode.BadRequest)).FieldErrors("values.currencies"));
        await (await acme.Owner.SendJsonAsync(HttpMethod.Post, $"/api/v1/work/{key}/submissions", new { values = new { currencies = new[] { "usd", "eur" } } }, "m-2")).ReadSuccessAsync();

        var read = await McpServerTests.CallAsync(mcp, "get_question", new { question = key });
        Assert.Equal("answered", read.Str("status"));
        Assert.Equal(["eur", "usd"], read.GetProperty("answer").GetProperty("currencies").EnumerateArray().Select(c => c.GetString()));
        var heartbeat = await McpServerTests.CallAsync(mcp, "heartbeat", new { run_id = run.Str("run_id"), lease_token = run.Str("lease_token") });
        Assert.False(heartbeat.GetProperty("stop").GetBoolean());
    }
}
