using System.Diagnostics;
using System.Text;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.AspNetCore.Http;

namespace Bosun.Server.Web;

/// An HTML answer with the headers every Bosun page carries: no caching of tenant data, a strict content
/// policy (scripts and styles only from Bosun itself), and the server-side time it took.
internal sealed class HtmlResult(string body, int status = 200) : IResult
{
    public const string StartedItem = "bosun.web.started";

    public async Task ExecuteAsync(HttpContext http)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/html; charset=utf-8";
        Secure(http.Response.Headers);
        if (http.Items[StartedItem] is long started)
        {
            http.Response.Headers["Server-Timing"] = $"app;dur={Stopwatch.GetElapsedTime(started).TotalMilliseconds:0.0}";
        }

        var bytes = Encoding.UTF8.GetBytes(body);
        http.Response.ContentLength = bytes.Length;
        await http.Response.Body.WriteAsync(bytes, http.RequestAborted);
    }

    public static void Secure(IHeaderDictionary headers)
    {
        headers.CacheControl = "no-store";
        headers["Content-Security-Policy"] = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";
        headers["X-Content-Type-Options"] = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers["X-Frame-Options"] = "DENY";
    }
}

internal enum Nav { None, Board, Inbox, Goals, Plans, Artifacts, Templates, Schedules, Rules, Deliverables, Memory, Costs, Sessions, Agents, Machines, Secrets, Connections, Activity, Notifications, Roles, Policies }

internal static class Layout
{
    private const string FlashCookie = "bosun_flash";

    public static HtmlResult Page(HttpContext http, string title, Nav nav, Html body, int status = 200)
    {
        var principal = WebAuth.Principal(http);
        var w = new HtmlWriter();
        w.Add($"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{title} · Bosun</title>
            <link rel="stylesheet" href="{Assets.Url("bosun.css")}">
            <link rel="icon" href="{Assets.Url("bosun.svg")}" type="image/svg+xml">
            </head>
            <body>
            <a class="skip" href="#main">Skip to content</a>
            <header class="top">
            <a class="brand" href="/board">Bosun</a>
            """);
        if (principal is not null)
        {
            w.Add($"""<span class="tenant" title="Tenant">{principal.TenantName}</span><nav aria-label="Main"><ul>""");
            foreach (var (item, label, href) in new[]
                     {
                         (Nav.Board, "Board", "/board"), (Nav.Inbox, "Inbox", "/inbox"), (Nav.Goals, "Goals", "/goals"), (Nav.Plans, "Plans", "/plans"),
                         (Nav.Artifacts, "Artifacts", "/artifacts"), (Nav.Templates, "Templates", "/templates"), (Nav.Schedules, "Schedules", "/schedules"), (Nav.Rules, "Rules", "/rules"), (Nav.Deliverables, "Deliverables", "/deliverables"), (Nav.Memory, "Memory", "/memory"),
                         (Nav.Costs, "Costs", "/costs"), (Nav.Sessions, "Sessions", "/sessions"), (Nav.Agents, "Agents", "/agents"), (Nav.Machines, "Machines", "/machines"), (Nav.Secrets, "Secrets", "/secrets"), (Nav.Connections, "Connections", "/connections"), (Nav.Roles, "Roles", "/roles"), (Nav.Policies, "Policies", "/policies"), (Nav.Activity, "Activity", "/activity"),
                     })
            {
                w.Add($"""<li><a href="{href}"{(item == nav ? Html.Raw(" aria-current=\"page\"") : Html.Empty)}>{label}</a></li>""");
            }

            w.Add($"""
                </ul></nav>
                {Bell(http, nav)}
                <form class="top-search" method="get" action="/search" role="search"><input type="search" name="q" placeholder="Search" aria-label="Search everything" maxlength="500"></form>
                <form class="signout" method="post" action="/signout">{Token(http)}<span class="who">{principal.Name} <small>({principal.Role.Snake()})</small></span> <button type="submit" class="link">Sign out</button></form>
                """);
        }

        w.Add($"""
            </header>
            <main id="main" tabindex="-1">
            {Flash(http)}
            {body}
            </main>
            </body>
            </html>
            """);
        return new HtmlResult(w.ToString(), status);
    }

    /// The link to the person's notifications, with the unread count the page's guard read.
    private static Html Bell(HttpContext http, Nav nav)
    {
        var unread = http.Items[NotificationsPage.UnreadItem] as int? ?? 0;
        return Html.Of($"""<a class="bell" href="/notifications"{(nav == Nav.Notifications ? Html.Raw(" aria-current=\"page\"") : Html.Empty)}>Notifications{(unread > 0 ? Html.Of($" <span class=\"badge\" aria-label=\"{unread} unread\">{unread}</span>") : Html.Empty)}</a>""");
    }

    public static HtmlResult Error(HttpContext http, ProblemException problem)
    {
        var body = Html.Of($"""
            <h1>{problem.Title}</h1>
            <p class="notice error" role="alert">{problem.Detail}</p>
            <p><a href="/board">Back to the board</a></p>
            """);
        return Page(http, problem.Title, Nav.None, body, problem.Status);
    }

    /// The hidden anti-forgery field every form carries.
    public static Html Token(HttpContext http) =>
        Html.Of($"""<input type="hidden" name="{WebAuth.TokenField}" value="{WebAuth.FormToken(http)}">""");

    /// A one-line message shown on the next page after a redirect ("Approved WEB-3").
    public static void SetFlash(HttpContext http, string message) =>
        http.Response.Cookies.Append(FlashCookie, Uri.EscapeDataString(message.Length > 300 ? message[..300] : message),
            new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/", Secure = http.Request.IsHttps });

    private static Html Flash(HttpContext http)
    {
        if (http.Request.Cookies[FlashCookie] is not { Length: > 0 } raw)
        {
            return Html.Empty;
        }

        http.Response.Cookies.Delete(FlashCookie, new CookieOptions { Path = "/" });
        return Html.Of($"""<p class="notice ok" role="status">{Uri.UnescapeDataString(raw)}</p>""");
    }
}
