using System.CommandLine;
using Bosun.Cli.Client;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// A person's notifications and how they hear of each kind; projects' chat channels and the delivery log for owners and
/// admins. Chat webhook URLs carry the channel's credential, so they come from standard input, never from an argument.
public static class NotifyCommands
{
    public static Command Create()
    {
        var group = ClientCommand.Group("notify", "Your notifications, how you hear of each kind, chat channels and the delivery log",
            List(), Read(), Prefs(), Set(), ChatUrl(), Routes(), Deliveries());
        group.Aliases.Add("notifications");
        return group;
    }

    private static Command List()
    {
        var unread = new Option<bool>("--unread") { Description = "Only what you have not read" };
        var list = new ListOptions();
        return ClientCommand.Create("list", "Your notifications, newest first", async (cli, ct) =>
        {
            var rows = await list.FetchAsync(cli, "api/v1/notifications", new Query().Add("unread", cli.Get(unread) ? true : null), ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "notifications",
                    Column.Of("When", n => n.Time("created_at")), Column.Of("Kind", "kind"), Column.Of("What", "title"),
                    Column.Of("Read", n => n.GetProperty("read").GetBoolean() ? "yes" : "no"), Column.Of("Id", "id"));
            }

            return CliContext.Ok;
        }, [unread, .. list.Symbols]);
    }

    private static Command Read()
    {
        var id = new Argument<string?>("id") { Description = "The notification's id; leave out with --all", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Mark every notification read" };
        return ClientCommand.Create("read", "Mark a notification, or all of them, read", async (cli, ct) =>
        {
            if (cli.Get(all))
            {
                var marked = await cli.Client.PostAsync("api/v1/notifications/read-all", new { }, ct);
                return cli.Print(marked, () => cli.Out.MarkupLineInterpolated($"Marked {marked.Text("marked")} read."));
            }

            var target = cli.Get(id) ?? throw new UsageException("Name a notification's id, or use --all.");
            var read = await cli.Client.PostAsync($"api/v1/notifications/{Query.Segment(target)}/read", new { }, ct);
            return cli.Print(read, () => cli.Out.MarkupLineInterpolated($"Read: {read.Text("title")}"));
        }, id, all);
    }

    private static Command Prefs() => ClientCommand.Create("prefs", "How you hear of each kind of notification", async (cli, ct) =>
    {
        var prefs = await cli.Client.GetAsync("api/v1/notifications/preferences", ct);
        return cli.Print(prefs, () =>
        {
            cli.Out.Table(prefs.GetProperty("kinds").EnumerateArray().ToList(), "kinds",
                Column.Of("Kind", "kind"), Column.Of("In app", p => OnOff(p, "in_app")), Column.Of("Email", p => OnOff(p, "email")),
                Column.Of("Chat", p => OnOff(p, "chat")), Column.Of("Digest", "digest"), Column.Of("Means", "means"));
            cli.Out.MarkupLineInterpolated($"Email {(prefs.GetProperty("email_available").GetBoolean() ? "is" : "is not")} configured on this server; your chat URL is {(prefs.GetProperty("chat_url_set").GetBoolean() ? "set" : "not set")}.");
        });
    });

    private static string OnOff(System.Text.Json.JsonElement p, string field) => p.GetProperty(field).GetBoolean() ? "on" : "off";

    private static Command Set()
    {
        var kind = new Argument<string>("kind") { Description = "assigned, approval, blocked, escalation, question, budget_warning, budget_stop, mention or connection_expired" };
        var inApp = new Option<bool?>("--in-app") { Description = "In the app: true or false" };
        var email = new Option<bool?>("--email") { Description = "By email: true or false" };
        var chat = new Option<bool?>("--chat") { Description = "To your chat URL: true or false" };
        var digest = new Option<string?>("--digest") { Description = "none (one message per event), hourly or daily" };
        return ClientCommand.Create("set", "Choose how you hear of one kind", async (cli, ct) =>
        {
            var change = new Body().Set("kind", cli.Get(kind)).Set("in_app", cli.Get(inApp)).Set("email", cli.Get(email)).Set("chat", cli.Get(chat)).Set("digest", cli.Get(digest));
            var prefs = await cli.Client.PatchAsync("api/v1/notifications/preferences", new { kinds = new[] { change } }, ct);
            return cli.Print(prefs, () => cli.Out.MarkupLineInterpolated($"Saved how you hear of {cli.Get(kind)}."));
        }, kind, inApp, email, chat, digest);
    }

    private static Command ChatUrl()
    {
        var remove = new Option<bool>("--remove") { Description = "Remove your chat URL" };
        return ClientCommand.Create("chat-url", "Set your Slack-compatible incoming-webhook URL from standard input (never an argument)", async (cli, ct) =>
        {
            var url = cli.Get(remove) ? "" : await SecretCommands.ReadValueAsync(null, ct);
            var prefs = await cli.Client.PatchAsync("api/v1/notifications/preferences", new { chat_webhook_url = url }, ct);
            return cli.Print(prefs, () => cli.Out.MarkupLine(url.Length == 0 ? "Removed your chat URL." : "Set your chat URL; turn chat on per kind with [grey]bosun notify set KIND --chat true[/]."));
        }, remove);
    }

    private static Command Routes()
    {
        var list = ClientCommand.Create("list", "Projects' chat channels (the host of each URL, never the URL)", async (cli, ct) =>
        {
            var routes = await cli.Client.GetAsync("api/v1/notification-routes", ct);
            return cli.Print(routes, () => cli.Out.Table(routes.EnumerateArray().ToList(), "routes",
                Column.Of("Project", "project_id"), Column.Of("Host", "url_host"), Column.Of("Kinds", r => string.Join(",", r.GetProperty("kinds").EnumerateArray().Select(k => k.GetString()))),
                Column.Of("Id", "id")));
        });
        var project = new Option<string>("--project") { Description = "The project (key or id)", Required = true };
        var kinds = new Option<string?>("--kinds") { Description = "Comma-separated kinds, or * (default: approval, blocked, escalation, budget_stop, connection_expired)" };
        var add = ClientCommand.Create("add", "Send a project's notifications to a chat channel; the URL comes from standard input", async (cli, ct) =>
        {
            var url = await SecretCommands.ReadValueAsync(null, ct);
            var body = new Body().Set("project", cli.Get(project)).Set("url", url)
                .Set("kinds", cli.Get(kinds)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            var route = await cli.Client.PostAsync("api/v1/notification-routes", body, ct);
            return cli.Print(route, () => cli.Out.MarkupLineInterpolated($"[green]Added[/] a chat route to {route.Text("url_host")} ({route.Text("id")})."));
        }, project, kinds);
        var id = new Argument<string>("id") { Description = "The route's id" };
        var remove = ClientCommand.Create("remove", "Stop sending to a chat channel", async (cli, ct) =>
        {
            await cli.Client.DeleteAsync($"api/v1/notification-routes/{Query.Segment(cli.Get(id))}", ct);
            if (cli.Json)
            {
                cli.PrintJson(new { removed = cli.Get(id) });
            }
            else
            {
                cli.Out.MarkupLineInterpolated($"Removed chat route {cli.Get(id)}.");
            }

            return CliContext.Ok;
        }, id);
        return ClientCommand.Group("routes", "Projects' chat channels", list, add, remove);
    }

    private static Command Deliveries()
    {
        var status = new Option<string?>("--status") { Description = "pending, delivered or failed" };
        var list = new ListOptions();
        return ClientCommand.Create("deliveries", "Every email and chat message, newest first, with attempts and the last error", async (cli, ct) =>
        {
            var rows = await list.FetchAsync(cli, "api/v1/notification-deliveries", new Query().Add("status", cli.Get(status)), ct);
            if (rows is not null)
            {
                cli.Out.Table(rows, "deliveries",
                    Column.Of("When", d => d.Time("created_at")), Column.Of("Channel", "channel"), Column.Of("Kind", "kind"), Column.Of("To", "to"),
                    new Column("Status", d => Output.Status(d.Text("status"))), Column.Of("Attempts", "attempts"), Column.Of("Last error", "last_error"), Column.Of("Id", "id"));
            }

            return CliContext.Ok;
        }, [status, .. list.Symbols]);
    }
}
