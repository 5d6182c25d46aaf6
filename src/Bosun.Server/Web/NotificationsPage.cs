using Bosun.Core.Common;
using Bosun.Core.Identity;
using Bosun.Core.Notifications;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Server.Web;

/// The signed-in person's notifications, newest first, and how they want to hear of each kind. The header shows the
/// unread count on every page (<see cref="CountUnreadAsync"/>).
internal static class NotificationsPage
{
    public const string UnreadItem = "bosun.unread";

    private sealed record Model(NotificationList List, PreferencesView Preferences, bool Verified);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/notifications", (HttpContext http, string? cursor) => ShowAsync(http, cursor, FormState.Empty));
        app.MapPost("/notifications/{id}/read", async (string id, HttpContext http, NotificationService notifications) =>
        {
            var read = await http.WriteAsync(c => notifications.MarkReadAsync(id, c));
            return new SeeOther(read.Link ?? "/notifications");
        });
        app.MapPost("/notifications/read-all", async (HttpContext http, NotificationService notifications) =>
        {
            var marked = await http.WriteAsync(c => notifications.MarkAllReadAsync(c));
            Layout.SetFlash(http, $"Marked {marked} read.");
            return new SeeOther("/notifications");
        });
        app.MapPost("/notifications/preferences", async (HttpContext http, NotificationService notifications) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            try
            {
                var kinds = NotificationKinds.All.Select(k => NotificationKinds.Name(k.Kind)).Select(k => new PreferenceRequest(k,
                    form[$"{k}.in_app"] == "true", form[$"{k}.email"] == "true", form[$"{k}.chat"] == "true", form[$"{k}.digest"])).ToList();
                var url = form["remove_chat_url"] == "true" ? "" : BoardPage.Optional(form["chat_webhook_url"]);
                await http.WriteAsync(c => notifications.SetPreferencesAsync(new PreferencesRequest(kinds, url), c));
                Layout.SetFlash(http, "Saved your notification settings.");
                return (IResult)new SeeOther("/notifications#settings");
            }
            catch (ProblemException problem) when (problem.Status == 400)
            {
                return await ShowAsync(http, null, new FormState(form, problem, "settings"), problem.Status);
            }
        });
        app.MapPost("/notifications/verify-email", async (HttpContext http, AccountEmails emails) =>
        {
            try
            {
                await http.WriteAsync(async c =>
                {
                    await emails.RequestVerificationAsync(Api.NotificationEndpoints.SiteUrl(http), c);
                    return true;
                });
                Layout.SetFlash(http, "We emailed you a link; open it to verify your address.");
            }
            catch (ProblemException problem) when (problem.Status is 409 or 429 or 503)
            {
                Layout.SetFlash(http, problem.Detail ?? problem.Title);
            }

            return new SeeOther("/notifications#settings");
        });
    }

    /// The unread count for the header, read before a signed-in page renders.
    public static async Task CountUnreadAsync(HttpContext http)
    {
        var notifications = http.RequestServices.GetRequiredService<NotificationService>();
        http.Items[UnreadItem] = await http.ReadAsync(notifications.UnreadCountAsync);
    }

    private static async Task<IResult> ShowAsync(HttpContext http, string? cursor, FormState form, int status = 200)
    {
        var services = http.RequestServices;
        var page = PageRequest.From(50, cursor);
        var model = await http.ReadAsync(async c =>
        {
            var notifications = services.GetRequiredService<NotificationService>();
            var me = await services.GetRequiredService<PeopleService>().GetAsync(WebAuth.Principal(http)!.UserId, c);
            return new Model(await notifications.ListAsync(false, page, c), await notifications.PreferencesAsync(c), me.EmailVerified);
        });
        return Layout.Page(http, "Notifications", Nav.Notifications, Render(http, model, form, cursor is not null), status);
    }

    private static Html Render(HttpContext http, Model model, FormState form, bool older)
    {
        var w = new HtmlWriter();
        w.Add($"""
            <h1>Notifications <small>{model.List.Unread} unread</small></h1>
            <form method="post" action="/notifications/read-all" class="inline">{Layout.Token(http)}<button type="submit">Mark all read</button></form>
            """);
        if (model.List.Items.Count == 0)
        {
            w.Add($"""<p class="empty">{(older ? "No older notifications." : "Nothing yet. When work is assigned to you, an approval waits for you or someone mentions you, it shows here.")}</p>""");
        }
        else
        {
            w.Add($"""<ul class="notifications">""");
            foreach (var n in model.List.Items)
            {
                w.Add($"""
                    <li class="{(n.Read ? "read" : "unread")}">
                    <form method="post" action="/notifications/{Html.Segment(n.Id)}/read" class="inline">{Layout.Token(http)}<button type="submit" class="link">{n.Title}</button></form>
                    {(n.Body is { Length: > 0 } body ? Html.Of($"<p>{body}</p>") : Html.Empty)}
                    <small>{n.ActorName} · {Format.Time(n.CreatedAt)}{(n.Read ? Html.Empty : Html.Raw(" · <strong>unread</strong>"))}</small>
                    </li>
                    """);
            }

            w.Add($"</ul>");
        }

        if (model.List.NextCursor is { } next)
        {
            w.Add($"""<p><a href="/notifications{Html.Query(("cursor", next))}">Older</a></p>""");
        }

        w.Add($"""
            <h2 id="settings">How you hear of each kind</h2>
            {(model.Preferences.EmailAvailable ? Html.Empty : Html.Raw("<p class=\"notice\">This server sends no email: ask an admin to set BOSUN_SMTP_HOST.</p>"))}
            <form method="post" action="/notifications/preferences" novalidate>
            {Layout.Token(http)}
            {(form.IsFor("settings") ? form.Summary() : Html.Empty)}
            <table><thead><tr><th scope="col">Kind</th><th scope="col">In app</th><th scope="col">Email</th><th scope="col">Chat</th><th scope="col">Digest</th></tr></thead><tbody>
            """);
        foreach (var p in model.Preferences.Kinds)
        {
            Html Box(string channel, bool on) =>
                Html.Of($"""<td><input type="checkbox" name="{p.Kind}.{channel}" value="true" aria-label="{p.Kind} by {channel.Replace('_', ' ')}"{(on ? Html.Raw(" checked") : Html.Empty)}></td>""");
            var digest = new HtmlWriter();
            foreach (var mode in new[] { "none", "hourly", "daily" })
            {
                digest.Add($"""<option value="{mode}"{(mode == p.Digest ? Html.Raw(" selected") : Html.Empty)}>{mode}</option>""");
            }

            w.Add($"""
                <tr><th scope="row">{p.Kind.Replace('_', ' ')}<br><small>{p.Means}</small></th>{Box("in_app", p.InApp)}{Box("email", p.Email)}{Box("chat", p.Chat)}
                <td><select name="{p.Kind}.digest" aria-label="{p.Kind} digest">{digest.ToHtml()}</select></td></tr>
                """);
        }

        w.Add($"""
            </tbody></table>
            {Field.Text(form, "chat_webhook_url", "Your chat webhook URL", type: "password", hint: model.Preferences.ChatUrlSet
                ? $"Set ({model.Preferences.ChatUrlHost}); type a new one to replace it. A Slack-compatible incoming webhook."
                : "A Slack-compatible incoming webhook; kept sealed and never shown again.", autocomplete: "off")}
            {(model.Preferences.ChatUrlSet ? Field.Checkbox(form, "remove_chat_url", "Remove my chat URL") : Html.Empty)}
            <button type="submit" class="primary">Save</button>
            </form>
            """);
        if (!model.Verified)
        {
            w.Add($"""
                <p>Your email is not verified yet.</p>
                <form method="post" action="/notifications/verify-email" class="inline">{Layout.Token(http)}<button type="submit">Email me a verification link</button></form>
                """);
        }

        return w.ToHtml();
    }
}
