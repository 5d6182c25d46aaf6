using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// The instance operator: `operator create` works on the database like `init`; `operator tenants` calls the
/// operator API with an operator token (bop_...).
public static class OperatorCommands
{
    public static Command Create() => ClientCommand.Group("operator", "Run the instance: operators and the tenants they manage",
        NewOperator(),
        ClientCommand.Group("tenants", "Tenants of this instance, as an operator sees them", List(), NewTenant(),
            Move("suspend", "Suspend a tenant: its tokens and sign-ins are refused until it is resumed"),
            Move("resume", "Make a suspended or cancelled tenant active again"),
            Move("cancel", "Cancel a tenant: its data stays, its tokens and sign-ins are refused"),
            Update()));

    private static Command NewOperator()
    {
        var email = new Option<string>("--email") { Description = "The operator's email", Required = true };
        var name = new Option<string?>("--name") { Description = "The operator's name (default: the part of the email before @)" };
        var json = ServerCommands.JsonOption("Print {\"operator\": ..., \"token\": ...} for scripts");
        var command = new Command("create", "Create an instance operator on the database directly and print its token (shown once)") { email, name, json };
        command.SetAction((result, ct) => ServerCommands.CreateOperatorAsync(result, result.GetValue(email), result.GetValue(name), result.GetValue(json), ct));
        return command;
    }

    private static Command List()
    {
        var status = new Option<string?>("--status") { Description = "Only tenants in this status: trialing, active, suspended or cancelled" };
        var list = new ListOptions();
        return ClientCommand.Create("list", "List the instance's tenants", async (cli, ct) =>
        {
            var rows = await list.FetchAsync(cli, "api/v1/operator/tenants", new Query().Add("status", cli.Get(status)), ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "tenants",
                    Column.Of("Slug", "slug"), Column.Of("Name", "name"), Column.Of("Plan", "plan"),
                    new Column("Status", t => Output.Status(t.Text("status"))), Column.Of("Created", t => t.Time("created_at")), Column.Of("Id", "id"));
            }

            return CliContext.Ok;
        }, [status, .. list.Symbols]);
    }

    private static Command NewTenant()
    {
        var slug = new Option<string>("--slug") { Description = "Short name: lowercase letters, digits and dashes", Required = true };
        var name = new Option<string?>("--name") { Description = "Display name (default: the slug)" };
        var email = new Option<string>("--owner-email") { Description = "Email of the first owner", Required = true };
        var ownerName = new Option<string?>("--owner-name") { Description = "Name of the first owner" };
        return ClientCommand.Create("create", "Create a tenant with its first owner and print the owner's token (shown once)", async (cli, ct) =>
        {
            var created = await cli.Client.PostAsync("api/v1/operator/tenants", new Body()
                .Set("slug", cli.Get(slug))
                .Set("name", cli.Get(name))
                .Set("owner_email", cli.Get(email))
                .Set("owner_name", cli.Get(ownerName)), ct);
            return cli.Print(created, () =>
            {
                cli.Out.MarkupLineInterpolated($"[green]Created[/] tenant {created.GetProperty("tenant").Text("slug")} with owner {created.Text("owner_email")}.");
                cli.Out.MarkupLine("Owner API token (shown only now; hand it to the owner):");
                cli.RawOut.WriteLine(created.Text("owner_token"));
            });
        }, slug, name, email, ownerName);
    }

    private static Command Move(string verb, string description)
    {
        var tenant = new Argument<string>("tenant") { Description = "The tenant's slug or id" };
        return ClientCommand.Create(verb, description, async (cli, ct) =>
        {
            var moved = await cli.Client.PostAsync($"api/v1/operator/tenants/{Query.Segment(cli.Get(tenant))}/{verb}", null, ct);
            return cli.Print(moved, () => Render(cli.Out, moved));
        }, tenant);
    }

    private static Command Update()
    {
        var tenant = new Argument<string>("tenant") { Description = "The tenant's slug or id" };
        var status = new Option<string>("--status") { Description = "trialing or active", Required = true };
        return ClientCommand.Create("update", "Move a tenant between trialing and active", async (cli, ct) =>
        {
            var moved = await cli.Client.PatchAsync($"api/v1/operator/tenants/{Query.Segment(cli.Get(tenant))}", new Body().Set("status", cli.Get(status)), ct);
            return cli.Print(moved, () => Render(cli.Out, moved));
        }, tenant, status);
    }

    private static void Render(IAnsiConsole console, JsonElement tenant) => console.Details(
        Output.Row("Slug", tenant.Text("slug")),
        Output.Row("Name", tenant.Text("name")),
        Output.Row("Plan", tenant.Text("plan")),
        Output.Row("Status", Output.Status(tenant.Text("status"))),
        Output.Row("Id", tenant.Text("id")),
        Output.Row("Created", tenant.Time("created_at")));
}
