using System.CommandLine;
using System.Text.Json;
using Bosun.Cli.Client;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// Roles, who holds them where, attribute policies, and explaining a decision (docs/governance.md).
public static class AccessCommands
{
    public static Command Roles() => ClientCommand.Group("roles", "Roles and their capabilities, and who holds them where",
        ListRoles(), CreateRole(), DeleteRole(), Capabilities(), Assignments(), Assign(), Unassign());

    public static Command Policies() => ClientCommand.Group("policies", "Attribute policies that allow or deny actions",
        ListPolicies(), CreatePolicy(), Toggle("enable", true), Toggle("disable", false), DeletePolicy());

    public static Command Permissions() => ClientCommand.Group("permissions", "Why an action is allowed or denied, and the evaluation log",
        Explain(), Decisions());

    private static Command ListRoles() => ClientCommand.Create("list", "System roles and your tenant's own", async (cli, ct) =>
    {
        var roles = await cli.Client.GetAsync("api/v1/roles", ct);
        return cli.Print(roles, () => cli.Out.Table(roles.EnumerateArray().ToList(), "roles",
            Column.Of("Key", "key"), Column.Of("System", r => r.GetProperty("system").GetBoolean() ? "yes" : ""),
            Column.Of("Capabilities", r => string.Join(" ", r.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString())))));
    });

    private static Command Capabilities() => ClientCommand.Create("capabilities", "Every capability Bosun checks and the system roles that hold it", async (cli, ct) =>
    {
        var all = await cli.Client.GetAsync("api/v1/capabilities", ct);
        return cli.Print(all, () => cli.Out.Table(all.EnumerateArray().ToList(), "capabilities",
            Column.Of("Capability", "name"), Column.Of("Lets you", "description"),
            Column.Of("System roles", c => string.Join(" ", c.GetProperty("system_roles").EnumerateArray().Select(r => r.GetString())))));
    });

    private static Command CreateRole()
    {
        var key = new Argument<string>("key") { Description = "Short name: lowercase letters, digits and dashes" };
        var name = new Option<string?>("--name") { Description = "Display name" };
        var capabilities = new Option<string[]>("--capability") { Description = "A capability or `work:*`; repeat for more", Required = true, AllowMultipleArgumentsPerToken = true };
        return ClientCommand.Create("create", "Define a role of your own", async (cli, ct) =>
        {
            var role = await cli.Client.PostAsync("api/v1/roles", new { key = cli.Get(key), name = cli.Get(name), capabilities = cli.Get(capabilities) }, ct);
            return cli.Print(role, () => cli.Out.MarkupLineInterpolated($"[green]Created[/] role {role.Text("key")} with {role.Items("capabilities").Count} capabilities."));
        }, key, name, capabilities);
    }

    private static Command DeleteRole()
    {
        var key = new Argument<string>("key") { Description = "The role's key" };
        return ClientCommand.Create("delete", "Delete a role no one holds", async (cli, ct) =>
        {
            var deleted = await cli.Client.DeleteAsync($"api/v1/roles/{Query.Segment(cli.Get(key))}", ct);
            return cli.Print(deleted, () => cli.Out.MarkupLineInterpolated($"Deleted role {cli.Get(key)}."));
        }, key);
    }

    private static Command Assignments()
    {
        var user = new Option<string?>("--user") { Description = "A person's id" };
        var agent = new Option<string?>("--agent") { Description = "An agent's id" };
        var project = new Option<string?>("--project") { Description = "A project's key or id" };
        var list = new ListOptions();
        return ClientCommand.Create("assignments", "Who holds which role where", async (cli, ct) =>
        {
            var rows = await list.FetchAsync(cli, "api/v1/role-assignments",
                new Query().Add("user_id", cli.Get(user)).Add("agent_id", cli.Get(agent)).Add("project_id", cli.Get(project)), ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "assignments",
                    Column.Of("Role", "role"), Column.Of("Who", a => a.TextOrNull("user_id") is { } u ? $"user:{u}" : $"agent:{a.Text("agent_id")}"),
                    Column.Of("Where", a => a.TextOrNull("project_id") is { } p ? $"project:{p}" : a.TextOrNull("resource") ?? "tenant"),
                    Column.Of("Expires", a => a.GetProperty("expired").GetBoolean() ? "expired" : a.TextOrNull("expires_at") ?? "never"), Column.Of("Id", "id"));
            }

            return CliContext.Ok;
        }, [user, agent, project, .. list.Symbols]);
    }

    private static Command Assign()
    {
        var role = new Argument<string>("role") { Description = "A role's key" };
        var user = new Option<string?>("--user") { Description = "A person's id" };
        var agent = new Option<string?>("--agent") { Description = "An agent's id" };
        var project = new Option<string?>("--project") { Description = "Only in this project (key or id)" };
        var resource = new Option<string?>("--resource") { Description = "Only on this resource, e.g. work:WEB-12" };
        var expires = new Option<DateTimeOffset?>("--expires") { Description = "When the role stops working, e.g. 2027-01-31T18:00:00Z" };
        return ClientCommand.Create("assign", "Give a person or an agent a role for the tenant, a project or one item", async (cli, ct) =>
        {
            var created = await cli.Client.PostAsync("api/v1/role-assignments", new Body()
                .Set("role", cli.Get(role)).Set("user_id", cli.Get(user)).Set("agent_id", cli.Get(agent)).Set("project_id", cli.Get(project))
                .Set("resource", cli.Get(resource)).Set("expires_at", cli.Get(expires)), ct);
            return cli.Print(created, () => cli.Out.MarkupLineInterpolated($"[green]Assigned[/] {created.Text("role")} ({created.Text("id")})."));
        }, role, user, agent, project, resource, expires);
    }

    private static Command Unassign()
    {
        var id = new Argument<string>("id") { Description = "The assignment's id" };
        return ClientCommand.Create("unassign", "Take a role assignment back", async (cli, ct) =>
        {
            var deleted = await cli.Client.DeleteAsync($"api/v1/role-assignments/{Query.Segment(cli.Get(id))}", ct);
            return cli.Print(deleted, () => cli.Out.MarkupLineInterpolated($"Removed assignment {cli.Get(id)}."));
        }, id);
    }

    private static Command ListPolicies() => ClientCommand.Create("list", "Built-in and your own policies", async (cli, ct) =>
    {
        var policies = await cli.Client.GetAsync("api/v1/policies", ct);
        return cli.Print(policies, () => cli.Out.Table(policies.EnumerateArray().ToList(), "policies",
            Column.Of("Name", "name"), Column.Of("Effect", "effect"), Column.Of("Actions", p => string.Join(" ", p.GetProperty("actions").EnumerateArray().Select(a => a.GetString()))),
            Column.Of("Resources", p => string.Join(" ", p.GetProperty("resources").EnumerateArray().Select(a => a.GetString()))),
            Column.Of("Conditions", p => p.GetProperty("conditions").GetRawText()), Column.Of("Priority", "priority"),
            Column.Of("On", p => p.GetProperty("enabled").GetBoolean() ? "yes" : "no"), Column.Of("Id", "id")));
    });

    private static Command CreatePolicy()
    {
        var file = new Option<FileInfo>("--file") { Description = "A JSON file with the policy as POST /api/v1/policies takes it", Required = true };
        return ClientCommand.Create("create", "Write a policy from a JSON file", async (cli, ct) =>
        {
            var body = await TemplateCommands.ReadDefinitionAsync(cli.Get(file)!, ct);
            var created = await cli.Client.PostAsync("api/v1/policies", body, ct);
            return cli.Print(created, () => cli.Out.MarkupLineInterpolated($"[green]Created[/] policy {created.Text("name")} ({created.Text("id")})."));
        }, file);
    }

    private static Command Toggle(string name, bool enabled)
    {
        var id = new Argument<string>("id") { Description = "The policy's id, e.g. system:agent-sub-items" };
        return ClientCommand.Create(name, enabled ? "Turn a policy on" : "Turn a policy off", async (cli, ct) =>
        {
            var policy = await cli.Client.PatchAsync($"api/v1/policies/{Query.Segment(cli.Get(id))}", new { enabled }, ct);
            return cli.Print(policy, () => cli.Out.MarkupLineInterpolated($"Policy {policy.Text("name")} is {(enabled ? "on" : "off")}."));
        }, id);
    }

    private static Command DeletePolicy()
    {
        var id = new Argument<string>("id") { Description = "The policy's id" };
        return ClientCommand.Create("delete", "Delete one of your policies", async (cli, ct) =>
        {
            var deleted = await cli.Client.DeleteAsync($"api/v1/policies/{Query.Segment(cli.Get(id))}", ct);
            return cli.Print(deleted, () => cli.Out.MarkupLineInterpolated($"Deleted policy {cli.Get(id)}."));
        }, id);
    }

    private static Command Explain()
    {
        var action = new Argument<string>("action") { Description = "A capability, e.g. work:move" };
        var resource = new Argument<string?>("resource") { Description = "e.g. work:WEB-12, project:WEB or tenant", Arity = ArgumentArity.ZeroOrOne };
        var principal = new Option<string?>("--principal") { Description = "user:ID, agent:NAME or an email; yourself when left out" };
        return ClientCommand.Create("explain", "Would this principal be allowed this action, and why?", async (cli, ct) =>
        {
            var answer = await cli.Client.PostAsync("api/v1/permissions/explain",
                new Body().Set("principal", cli.Get(principal)).Set("action", cli.Get(action)).Set("resource", cli.Get(resource)), ct);
            return cli.Print(answer, () => cli.Out.MarkupLineInterpolated(
                $"[bold]{(answer.GetProperty("allowed").GetBoolean() ? "allow" : "deny")}[/] {answer.Text("principal")} {answer.Text("action")} on {answer.Text("resource")}: {answer.Text("reason")}"));
        }, action, resource, principal);
    }

    private static Command Decisions()
    {
        var principal = new Option<string?>("--principal") { Description = "Only this principal's, e.g. user:ID" };
        var denied = new Option<bool>("--denied") { Description = "Only denies" };
        var list = new ListOptions();
        return ClientCommand.Create("decisions", "The evaluation log: denies and sensitive allows, newest first", async (cli, ct) =>
        {
            var rows = await list.FetchAsync(cli, "api/v1/permissions/decisions",
                new Query().Add("principal", cli.Get(principal)).Add("allowed", cli.Get(denied) ? false : null), ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "decisions",
                    Column.Of("When", d => d.Time("at")), Column.Of("Who", "principal"), Column.Of("Action", "action"), Column.Of("Resource", "resource"),
                    Column.Of("Result", d => d.GetProperty("allowed").GetBoolean() ? "allow" : "deny"),
                    Column.Of("Why", d => d.GetProperty("matched").TryGetProperty("reason", out var r) ? r.GetString() ?? "" : ""),
                    Column.Of("µs", d => d.GetProperty("microseconds").GetDouble().ToString("F1", System.Globalization.CultureInfo.InvariantCulture)));
            }

            return CliContext.Ok;
        }, [principal, denied, .. list.Symbols]);
    }
}
