using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// Agents as principals: their settings, and the tokens they authenticate with.
public static class AgentCommands
{
    private const string Adapters = "claude, openai, ollama, gemini, http, cli, mcp or custom";

    public static Command Create() => ClientCommand.Group("agent", "Agents that claim and do work",
        List(), Show(), New(), Update(), Toggle("enable", true), Toggle("disable", false), Resume(), Token());

    private static Command List()
    {
        var role = new Option<string?>("--role") { Description = "Only agents with this role" };
        var enabled = new Option<bool?>("--enabled") { Description = "Only enabled (true) or disabled (false) agents" };
        var list = new ListOptions();
        return ClientCommand.Create("list", "List agents", async (cli, ct) =>
        {
            var rows = await list.FetchAsync(cli, "api/v1/agents", new Query().Add("role", cli.Get(role)).Add("enabled", cli.Get(enabled)), ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "agents",
                    Column.Of("Name", "name"), Column.Of("Role", "role"), Column.Of("Adapter", "adapter"), Column.Of("Model", "model"),
                    new Column("Enabled", a => a.Text("enabled") == "yes" ? new Markup("[green]yes[/]") : new Markup("[red]no[/]")),
                    new Column("Paused", a => Paused(a) is { } paused ? new Markup($"[yellow]{Markup.Escape(paused)}[/]") : new Markup("")),
                    Column.Of("Max runs", "max_concurrent_runs"), Column.Of("Cost cap/item", a => a.Usd("max_cost_per_work_item_usd")),
                    Column.Of("Last heartbeat", a => a.Time("last_heartbeat_at")), Column.Of("Id", "id"));
            }

            return CliContext.Ok;
        }, [role, enabled, .. list.Symbols]);
    }

    private static Command Show()
    {
        var agent = AgentArgument();
        return ClientCommand.Create("show", "Show an agent", async (cli, ct) =>
        {
            var found = await cli.Client.GetAsync($"api/v1/agents/{Query.Segment(cli.Get(agent))}", ct);
            return cli.Print(found, () => Render(cli.Out, found));
        }, agent);
    }

    private static Command New()
    {
        var name = new Argument<string>("name") { Description = "A unique name, e.g. backend-coder" };
        var settings = new AgentOptions();
        var disabled = new Option<bool>("--disabled") { Description = "Register it disabled: it claims no work until enabled" };
        return ClientCommand.Create("create", "Register an agent", async (cli, ct) =>
        {
            var body = await settings.BodyAsync(cli, ct);
            body.Set("name", cli.Get(name)).Set("enabled", cli.Get(disabled) ? false : null);
            var agent = await cli.Client.PostAsync("api/v1/agents", body, ct);
            return cli.Print(agent, () =>
            {
                cli.Out.MarkupLineInterpolated($"[green]Registered[/] agent {agent.Text("name")} ({agent.Text("id")}).");
                cli.Out.MarkupLineInterpolated($"[grey]Give it a token with[/] bosun agent token {agent.Text("name")}");
            });
        }, [name, .. settings.Symbols, disabled]);
    }

    private static Command Update()
    {
        var agent = AgentArgument();
        var name = new Option<string?>("--name") { Description = "A new name" };
        var settings = new AgentOptions();
        var noCap = new Option<bool>("--no-max-cost") { Description = "Remove the cost cap per work item" };
        var noProjects = new Option<bool>("--no-projects") { Description = "Let the agent work on every project" };
        return ClientCommand.Create("update", "Change an agent's settings", async (cli, ct) =>
        {
            var body = await settings.BodyAsync(cli, ct);
            body.Set("name", cli.Get(name))
                .Set("clear_max_cost_per_work_item", cli.Get(noCap) ? true : null)
                .Set("project_ids", cli.Get(noProjects) ? Array.Empty<string>() : null)
                .RequireChanges();
            var updated = await cli.Client.PatchAsync($"api/v1/agents/{Query.Segment(cli.Get(agent))}", body, ct);
            return cli.Print(updated, () => Render(cli.Out, updated));
        }, [agent, name, .. settings.Symbols, noCap, noProjects]);
    }

    private static Command Toggle(string verb, bool enabled)
    {
        var agent = AgentArgument();
        return ClientCommand.Create(verb, enabled ? "Let an agent claim work again" : "Stop an agent from claiming work", async (cli, ct) =>
        {
            var updated = await cli.Client.PatchAsync($"api/v1/agents/{Query.Segment(cli.Get(agent))}", new Body().Set("enabled", enabled), ct);
            return cli.Print(updated, () => cli.Out.MarkupLineInterpolated($"Agent {updated.Text("name")} is {(enabled ? "enabled" : "disabled")}."));
        }, agent);
    }

    private static Command Resume()
    {
        var agent = AgentArgument();
        return ClientCommand.Create("resume", "Let an agent claim again now, before the reset of the provider's limit that paused it", async (cli, ct) =>
        {
            var resumed = await cli.Client.PostAsync($"api/v1/agents/{Query.Segment(cli.Get(agent))}/resume", new { }, ct);
            return cli.Print(resumed, () => cli.Out.MarkupLineInterpolated($"Agent {resumed.Text("name")} claims work again."));
        }, agent);
    }

    private static Command Token()
    {
        var agent = AgentArgument();
        var name = new Option<string?>("--name") { Description = "A name for the token (default: '<agent> token')" };
        var expires = Moments.Option("--expires", "When the token stops working (default: never)");
        return ClientCommand.Create("token", "Create an API token for an agent and print it (shown only once)", async (cli, ct) =>
        {
            var found = await cli.Client.GetAsync($"api/v1/agents/{Query.Segment(cli.Get(agent))}", ct);
            var token = await cli.Client.PostAsync("api/v1/tokens", new Body()
                .Set("name", cli.Get(name) ?? $"{found.Text("name")} token")
                .Set("agent_id", found.Text("id"))
                .Set("expires_at", cli.Get(expires)), ct);
            return cli.Print(token, () => TokenCommands.PrintSecret(cli, token, $"agent {found.Text("name")}"));
        }, agent, name, expires);
    }

    /// "until … (rate limit)" while a provider's limit pauses the agent's claims.
    private static string? Paused(JsonElement agent) =>
        agent.Time("claims_paused_until") is { Length: > 0 } until
            ? $"paused until {until} ({(agent.Text("pause_reason") == "quota" ? "quota" : "rate limit")})"
            : null;

    private static Argument<string> AgentArgument() => new("agent") { Description = "The agent's name or id" };

    private static void Render(IAnsiConsole console, JsonElement agent) => console.Details(
        Output.Row("Name", agent.Text("name")),
        Output.Row("Role", agent.Text("role")),
        Output.Row("Adapter", agent.Text("adapter")),
        Output.Row("Model", agent.Text("model")),
        Output.Row("Description", agent.Text("description")),
        Output.Row("Enabled", agent.Text("enabled")),
        Output.Row("Claims", Paused(agent) ?? "not paused"),
        Output.Row("Max concurrent runs", agent.Text("max_concurrent_runs")),
        Output.Row("Run timeout", $"{agent.Text("run_timeout_seconds")}s"),
        Output.Row("Max cost per work item", agent.Usd("max_cost_per_work_item_usd") is { Length: > 0 } cap ? cap : "none"),
        Output.Row("Failures before escalation", agent.Text("failures_before_escalation")),
        Output.Row("Projects", agent.Text("project_ids") is { Length: > 0 } projects ? projects : "all"),
        Output.Row("Last heartbeat", agent.Time("last_heartbeat_at")),
        Output.Row("Id", agent.Text("id")));

    /// The settings shared by create and update.
    private sealed class AgentOptions
    {
        private readonly Option<string?> _role = new("--role") { Description = "The kind of work it claims, e.g. backend" };
        private readonly Option<string?> _adapter = new("--adapter") { Description = $"How Bosun talks to it: {Adapters}" };
        private readonly Option<string?> _model = new("--model") { Description = "Model name, e.g. claude-sonnet-4" };
        private readonly Option<string?> _description = new("--description") { Description = "What it is for" };
        private readonly Option<int?> _maxRuns = new("--max-concurrent-runs") { Description = "Runs it may have at once (1 to 1000)" };
        private readonly Option<int?> _timeout = new("--run-timeout") { Description = "Seconds a run may take before it is failed (10 to 604800)" };
        private readonly Option<decimal?> _maxCost = new("--max-cost-per-item") { Description = "Most it may spend on one work item, in USD" };
        private readonly Option<int?> _failures = new("--failures-before-escalation") { Description = "Failed attempts before a person is asked (1 to 100)" };
        private readonly Option<string[]> _projects = new("--project") { Description = "A project (id or key) it may work on; repeat for several; replaces the list" };

        public Symbol[] Symbols => [_role, _adapter, _model, _description, _maxRuns, _timeout, _maxCost, _failures, _projects];

        public async Task<Body> BodyAsync(CliContext cli, CancellationToken ct) => new Body()
            .Set("role", cli.Get(_role))
            .Set("adapter", cli.Get(_adapter))
            .Set("model", cli.Get(_model))
            .Set("description", cli.Get(_description))
            .Set("max_concurrent_runs", cli.Get(_maxRuns))
            .Set("run_timeout_seconds", cli.Get(_timeout))
            .Set("max_cost_per_work_item_usd", cli.Get(_maxCost))
            .Set("failures_before_escalation", cli.Get(_failures))
            .Set("project_ids", await Lookups.ProjectIdsAsync(cli, cli.Result.GetValue(_projects), ct));
    }
}
