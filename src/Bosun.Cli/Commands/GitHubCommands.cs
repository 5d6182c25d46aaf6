using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// GitHub integrations: which repositories may send webhooks, and the secret they are signed with (printed once).
public static class GitHubCommands
{
    public static Command Create() => ClientCommand.Group("github", "GitHub integrations: pull requests and checks flowing back into items", Add(), List(), Remove());

    private static Command Add()
    {
        var repos = new Option<string[]>("--repo") { Description = "A repository as owner/name (e.g. acme/web); repeat for several", Required = true };
        var project = new Option<string?>("--project") { Description = "Only items of this project (key or id); default: every project" };
        var doneOnMerge = new Option<bool>("--done-on-merge") { Description = "Move an item to done when a pull request naming it is merged" };
        var description = new Option<string?>("--description") { Description = "What it is for" };
        return ClientCommand.Create("add", "Accept GitHub webhooks from repositories and print the webhook URL and secret (shown only once)", async (cli, ct) =>
        {
            var created = await cli.Client.PostAsync("api/v1/github/integrations", new Body()
                .Set("repositories", cli.Result.GetValue(repos))
                .Set("project", cli.Get(project))
                .Set("done_on_merge", cli.Get(doneOnMerge) ? true : null)
                .Set("description", cli.Get(description)), ct);
            return cli.Print(created, () =>
            {
                cli.Out.MarkupLineInterpolated($"[green]Added[/] GitHub integration {created.Text("id")} for {Repositories(created)}.");
                cli.Out.MarkupLineInterpolated($"In each repository's Settings → Webhooks, add the payload URL {cli.Settings.Url.TrimEnd('/')}{created.Text("webhook_path")}");
                cli.Out.MarkupLine("with content type application/json, the events pull requests, check runs, check suites and statuses, and this secret (shown only now):");
                cli.RawOut.WriteLine(created.Text("secret"));
            });
        }, repos, project, doneOnMerge, description);
    }

    private static Command List()
    {
        var list = new ListOptions();
        return ClientCommand.Create("list", "List GitHub integrations (their secrets' prefixes only)", async (cli, ct) =>
        {
            var rows = await list.FetchAsync(cli, "api/v1/github/integrations", new Query(), ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "GitHub integrations",
                    Column.Of("Repositories", Repositories), Column.Of("Project", g => g.TextOrNull("project_key") ?? "all"),
                    Column.Of("Done on merge", g => g.GetProperty("done_on_merge").GetBoolean() ? "yes" : "no"),
                    Column.Of("Secret", "secret_prefix"), Column.Of("Last delivery", g => g.Time("last_delivery_at")), Column.Of("Id", "id"));
            }

            return CliContext.Ok;
        }, list.Symbols);
    }

    private static Command Remove()
    {
        var id = new Argument<string>("id") { Description = "The integration's id (see 'bosun github list')" };
        return ClientCommand.Create("remove", "Remove an integration: its webhooks are refused from now on; pull requests and checks stay with their items", async (cli, ct) =>
        {
            var removed = await cli.Client.DeleteAsync($"api/v1/github/integrations/{Query.Segment(cli.Get(id))}", ct);
            return cli.Print(removed, () => cli.Out.MarkupLineInterpolated($"Removed GitHub integration {cli.Get(id)}."));
        }, id);
    }

    private static string Repositories(JsonElement integration) =>
        string.Join(", ", integration.GetProperty("repositories").EnumerateArray().Select(r => r.GetString()));
}
