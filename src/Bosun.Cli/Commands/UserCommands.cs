using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// People in the tenant and their invitations.
public static class UserCommands
{
    private const string Roles = "owner, admin, member, reviewer or guest (sees only the project of --project)";

    public static Command Create() => ClientCommand.Group("user", "People in your tenant",
        List(), Show(), Invite(), Invitations(), Role(), Rename(),
        SetStatus("deactivate", "Deactivate a person: their tokens stop working"),
        SetStatus("reactivate", "Reactivate a deactivated person"));

    private static Command List()
    {
        var role = new Option<string?>("--role") { Description = $"Only people with this role: {Roles}" };
        var status = new Option<string?>("--status") { Description = "Only active or deactivated people" };
        var list = new ListOptions();
        return ClientCommand.Create("list", "List people", async (cli, ct) =>
        {
            var rows = await list.FetchAsync(cli, "api/v1/users", new Query().Add("role", cli.Get(role)).Add("status", cli.Get(status)), ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "people",
                    Column.Of("Name", "name"), Column.Of("Email", "email"), Column.Of("Role", "role"),
                    new Column("Status", u => Output.Status(u.Text("status"))),
                    Column.Of("Last seen", u => u.Time("last_seen_at")), Column.Of("Id", "id"));
            }

            return CliContext.Ok;
        }, [role, status, .. list.Symbols]);
    }

    private static Command Show()
    {
        var id = new Argument<string>("id") { Description = "The person's id, or 'me'" };
        return ClientCommand.Create("show", "Show a person", async (cli, ct) =>
        {
            var user = await cli.Client.GetAsync($"api/v1/users/{Query.Segment(cli.Get(id))}", ct);
            return cli.Print(user, () => Render(cli.Out, user));
        }, id);
    }

    private static Command Invite()
    {
        var email = new Argument<string>("email") { Description = "Who to invite" };
        var role = new Option<string?>("--role") { Description = $"Their role: {Roles} (default member)" };
        var project = new Option<string?>("--project") { Description = "Also give them a role in this project (key or id)" };
        var projectRole = new Option<string?>("--project-role") { Description = "Their role in --project, e.g. reviewer or a role of your own" };
        return ClientCommand.Create("invite", "Invite a person by email; prints the accept link, valid for 7 days and shown only once", async (cli, ct) =>
        {
            var issued = await cli.Client.PostAsync("api/v1/invitations", new Body().Set("email", cli.Get(email)).Set("role", cli.Get(role))
                .Set("project_id", cli.Get(project)).Set("project_role", cli.Get(projectRole)), ct);
            return cli.Print(issued, () =>
            {
                var invitation = issued.GetProperty("invitation");
                cli.Out.MarkupLineInterpolated($"[green]Invited[/] {invitation.Text("email")} as {invitation.Text("role")}; the invitation expires {invitation.Time("expires_at")}.");
                cli.Out.MarkupLine("Send them this link (shown only now):");
                cli.RawOut.WriteLine(cli.Settings.Url + issued.Text("accept_path"));
                cli.Out.MarkupLine("[grey]Invitation token, for accepting through the API:[/]");
                cli.RawOut.WriteLine(issued.Text("token"));
            });
        }, email, role, project, projectRole);
    }

    private static Command Invitations()
    {
        var list = new ListOptions();
        return ClientCommand.Create("invitations", "List invitations and whether they are pending, accepted, revoked or expired", async (cli, ct) =>
        {
            var rows = await list.FetchAsync(cli, "api/v1/invitations", new Query(), ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "invitations",
                    Column.Of("Email", "email"), Column.Of("Role", "role"),
                    new Column("Status", i => Output.Status(i.Text("status"))),
                    Column.Of("Expires", i => i.Time("expires_at")), Column.Of("Created", i => i.Time("created_at")), Column.Of("Id", "id"));
            }

            return CliContext.Ok;
        }, list.Symbols);
    }

    private static Command Role()
    {
        var id = new Argument<string>("id") { Description = "The person's id" };
        var role = new Argument<string>("role") { Description = Roles };
        return ClientCommand.Create("role", "Change a person's role", async (cli, ct) =>
        {
            var user = await cli.Client.PatchAsync($"api/v1/users/{Query.Segment(cli.Get(id))}", new Body().Set("role", cli.Get(role)), ct);
            return cli.Print(user, () => cli.Out.MarkupLineInterpolated($"{user.Text("name")} <{user.Text("email")}> is now {user.Text("role")}."));
        }, id, role);
    }

    private static Command Rename()
    {
        var id = new Argument<string>("id") { Description = "The person's id, or 'me'" };
        var name = new Argument<string>("name") { Description = "The new name" };
        return ClientCommand.Create("rename", "Change a person's name", async (cli, ct) =>
        {
            var target = cli.Get(id);
            if (target == "me")
            {
                target = (await cli.Client.GetAsync("api/v1/users/me", ct)).Text("id");
            }

            var user = await cli.Client.PatchAsync($"api/v1/users/{Query.Segment(target)}", new Body().Set("name", cli.Get(name)), ct);
            return cli.Print(user, () => cli.Out.MarkupLineInterpolated($"{user.Text("email")} is now called {user.Text("name")}."));
        }, id, name);
    }

    private static Command SetStatus(string verb, string description)
    {
        var id = new Argument<string>("id") { Description = "The person's id" };
        return ClientCommand.Create(verb, description, async (cli, ct) =>
        {
            var user = await cli.Client.PostAsync($"api/v1/users/{Query.Segment(cli.Get(id))}/{verb}", null, ct);
            return cli.Print(user, () => cli.Out.MarkupLineInterpolated($"{user.Text("name")} <{user.Text("email")}> is {user.Text("status")}."));
        }, id);
    }

    private static void Render(IAnsiConsole console, JsonElement user) => console.Details(
        Output.Row("Name", user.Text("name")),
        Output.Row("Email", user.Text("email")),
        Output.Row("Role", user.Text("role")),
        Output.Row("Status", Output.Status(user.Text("status"))),
        Output.Row("Password set", user.Text("has_password")),
        Output.Row("Last seen", user.Time("last_seen_at")),
        Output.Row("Created", user.Time("created_at")),
        Output.Row("Id", user.Text("id")));
}
