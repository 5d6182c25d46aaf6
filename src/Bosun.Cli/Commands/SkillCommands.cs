using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// `bosun skill`: named Markdown instructions for agents, global or the tenant's, attached to agents and roles.
public static class SkillCommands
{
    public static Command Create() => ClientCommand.Group("skill", "Skills: versioned instructions handed to agents and roles",
        List(), Show(), Put(), Attach("attach", "Attach a skill to an agent or a role"), Attach("detach", "Detach a skill from an agent or a role"));

    private static Command List() => ClientCommand.Create("list", "List the global skills and your tenant's", async (cli, ct) =>
    {
        var skills = await cli.Client.GetAsync("api/v1/skills", ct);
        return cli.Print(skills, () => cli.Out.Table(skills.EnumerateArray().ToList(), "skills", Column.Of("Id", "id"), Column.Of("Name", "name"),
            Column.Of("Version", "version"), Column.Of("Attached to", Attached), Column.Of("Description", s => Output.Truncate(s.Text("description"), 60))));
    });

    private static Command Show()
    {
        var id = SkillArgument();
        var version = new Option<int?>("--version") { Description = "An older version" };
        return ClientCommand.Create("show", "Show a skill's content", async (cli, ct) =>
        {
            var skill = await cli.Client.GetAsync(new Query().Add("version", cli.Get(version)).On($"api/v1/skills/{Query.Segment(cli.Get(id))}"), ct);
            return cli.Print(skill, () =>
            {
                cli.Out.Details(Output.Row("Name", skill.Text("name")), Output.Row("Id", skill.Text("id")),
                    Output.Row("Version", $"{skill.Text("version")} of {skill.Text("current_version")}"), Output.Row("Attached to", Attached(skill)),
                    Output.Row("Description", skill.Text("description")));
                cli.Out.WriteLine();
                cli.Out.WriteLine(skill.Text("content"));
            });
        }, id, version);
    }

    private static Command Put()
    {
        var name = new Argument<string>("name") { Description = "The skill's name (lowercase letters, digits and dashes)" };
        var file = new Option<FileInfo?>("--file") { Description = "A Markdown file with the skill's content" };
        var content = new Option<string?>("--content") { Description = "The skill's content as text" };
        var description = new Option<string?>("--description") { Description = "What the skill is for" };
        return ClientCommand.Create("put", "Create a skill, or give it new content (a new version)", async (cli, ct) =>
        {
            var text = cli.Get(file) is { } f ? await File.ReadAllTextAsync(f.FullName, ct) : cli.Get(content);
            var body = new Body().Set("name", cli.Get(name)).Set("content", text).Set("description", cli.Get(description));
            var skills = await cli.Client.GetAsync("api/v1/skills", ct);
            var existing = skills.EnumerateArray().FirstOrDefault(s => s.Text("name") == cli.Get(name) && s.Text("global") != "yes");
            var skill = existing.ValueKind == JsonValueKind.Object
                ? await cli.Client.PatchAsync($"api/v1/skills/{Query.Segment(existing.Text("id"))}", body.RequireChanges(), ct)
                : await cli.Client.PostAsync("api/v1/skills", body, ct);
            return cli.Print(skill, () => cli.Out.MarkupLineInterpolated($"[green]Saved[/] skill {skill.Text("name")} ({skill.Text("id")}), version {skill.Text("version")}."));
        }, name, file, content, description);
    }

    private static Command Attach(string action, string description)
    {
        var id = SkillArgument();
        var agent = new Option<string?>("--agent") { Description = "The agent (name or id)" };
        var role = new Option<string?>("--role") { Description = "Every agent of this role" };
        return ClientCommand.Create(action, description, async (cli, ct) =>
        {
            var path = $"api/v1/skills/{Query.Segment(cli.Get(id))}/attachments";
            var body = new Body().Set("agent", cli.Get(agent)).Set("role", cli.Get(role));
            var result = action == "attach"
                ? await cli.Client.PostAsync(path, body, ct)
                : await cli.Client.SendAsync(HttpMethod.Delete, path, body, ct);
            var target = cli.Get(agent) is { } a ? $"agent {a}" : $"role {cli.Get(role)}";
            var shown = result.ValueKind == JsonValueKind.Object ? result : JsonSerializer.SerializeToElement(new { skill = cli.Get(id), detached = target });
            return cli.Print(shown, () => cli.Out.MarkupLineInterpolated($"{(action == "attach" ? "Attached" : "Detached")} skill {cli.Get(id)} {(action == "attach" ? "to" : "from")} {target}."));
        }, id, agent, role);
    }

    private static string Attached(JsonElement skill) => string.Join(", ", skill.Items("attachments")
        .Select(a => a.TextOrNull("role") is { } role ? "role:" + role : "agent:" + (a.TextOrNull("agent_name") ?? a.Text("agent_id"))));

    private static Argument<string> SkillArgument() => new("skill") { Description = "The skill's id or name (see 'bosun skill list')" };
}
