using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Tests.Agents;
using Bosun.Tests.Cli;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Automation;

/// Rules on the command line: `bosun rule ...` against the in-process server.
[Collection("CLI")]
public sealed class RuleCliTests
{
    [Theory, BothStores]
    public async Task Rules_are_created_listed_shown_disabled_enabled_and_deleted_on_the_command_line(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        using var cli = new CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);
        var file = Path.Combine(Path.GetTempPath(), $"rule-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """
            {"name": "Follow up requests", "event": "work_item.created", "when": {"item_type": "request"},
             "actions": [{"type": "create_item", "project": "WEB", "title": "Follow up {{item.key}}"}]}
            """);
        try
        {
            var created = (await cli.OkAsync("rule", "create", "--file", file, "--json")).Json();
            var id = created.Str("id");
            Assert.True(created.GetProperty("enabled").GetBoolean());
            var preset = await cli.OkAsync("rule", "create", "--preset", "plan_activated_release", "--disabled");
            Assert.Contains("Created rule When a plan is activated, release its tickets", preset.Output);

            var listed = await cli.OkAsync("rule", "list");
            Assert.Contains("Follow up requests", listed.Output);
            Assert.Contains("work_item.created", listed.Output);
            Assert.Contains("create_item", listed.Output);
            var disabledOnly = (await cli.OkAsync("rule", "list", "--enabled", "false", "--json")).Json();
            Assert.Equal("plan_activated_release", Assert.Single(disabledOnly.GetProperty("items").EnumerateArray()).Str("preset"));
            var shown = await cli.OkAsync("rule", "show", id);
            Assert.Contains("item_type=request", shown.Output);
            Assert.Contains("Follow up {{item.key}}", shown.Output);

            await acme.CreateWorkAsync("WEB", "A request", new { type = "request" });
            await RuleTests.RunRulesAsync(app);
            var actions = await cli.OkAsync("rule", "actions", id);
            Assert.Contains("create_item", actions.Output);
            Assert.Contains("done", actions.Output);
            Assert.Contains("WEB-2", actions.Output);

            var disabled = (await cli.OkAsync("rule", "disable", id, "--json")).Json();
            Assert.False(disabled.GetProperty("enabled").GetBoolean());
            await cli.OkAsync("rule", "enable", id);
            Assert.True((await acme.Owner.GetJsonAsync($"/api/v1/rules/{id}")).GetProperty("enabled").GetBoolean());

            var bad = await cli.RunAsync("rule", "create", "--name", "No event");
            Assert.NotEqual(0, bad.ExitCode);
            Assert.Contains("event", bad.Error);

            await cli.OkAsync("rule", "delete", id);
            var gone = await cli.RunAsync("rule", "show", id);
            Assert.Equal(2, gone.ExitCode);
        }
        finally
        {
            File.Delete(file);
        }
    }
}

/// Rules over MCP: an agent reads the tenant's rules and what one of them did.
public sealed class RuleMcpTests
{
    [Theory, BothStores]
    public async Task An_agent_lists_the_rules_and_a_rules_recent_actions_over_mcp(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store, fakeClock: true);
        var acme = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var rule = await acme.Owner.PostJsonAsync("/api/v1/rules", new
        {
            name = "Follow up requests", @event = "work_item.created", when = new { item_type = "request" },
            actions = new object[] { new { type = "create_item", project = "WEB", title = "Follow up {{item.key}}" } },
        });
        var foreign = await other.Owner.PostJsonAsync("/api/v1/rules", new { preset = "blog_request_approved" });
        await acme.CreateWorkAsync("WEB", "A request", new { type = "request" });
        await RuleTests.RunRulesAsync(app);
        var (_, _, token) = await acme.CreateAgentAsync("planner", role: "planner");
        await using var mcp = await McpServerTests.ConnectAsync(app, token);

        var tools = (await mcp.ListToolsAsync()).Select(t => t.Name).ToHashSet();
        Assert.Contains("list_rules", tools);
        Assert.Contains("list_rule_actions", tools);

        var listed = await McpServerTests.CallAsync(mcp, "list_rules");
        var only = Assert.Single(listed.GetProperty("items").EnumerateArray());
        Assert.Equal(rule.Str("id"), only.Str("id"));
        Assert.Equal("work_item.created", only.Str("event"));

        var actions = await McpServerTests.CallAsync(mcp, "list_rule_actions", new { rule = rule.Str("id") });
        var action = Assert.Single(actions.GetProperty("items").EnumerateArray());
        Assert.Equal("create_item", action.Str("action_type"));
        Assert.Equal("done", action.Str("status"));
        Assert.Contains("WEB-2", action.GetProperty("result").GetRawText());

        var cross = await McpServerTests.CallRawAsync(mcp, "list_rule_actions", new { rule = foreign.Str("id") });
        Assert.True(cross.IsError);
        var badStatus = await McpServerTests.CallRawAsync(mcp, "list_rule_actions", new { rule = rule.Str("id"), status = "nope" });
        Assert.True(badStatus.IsError);
    }
}
