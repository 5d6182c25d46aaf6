using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Integrations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Web;

/// Connected accounts for owners and admins: each with its status, and a Connect (or Reconnect) button that sends the
/// browser to the provider and back. No token or client secret is ever shown.
internal static class ConnectionsPage
{
    public const string CallbackPath = "/connections/callback";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/connections", async (HttpContext http) => (IResult)await ShowAsync(http, FormState.Empty));

        app.MapPost("/connections", (HttpContext http, ConnectionService connections) => http.PostFormAsync("/connections", "new", async (form, c) =>
        {
            var scopes = FormPosts.Blank(form["scopes"])?.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);
            var created = await connections.CreateAsync(new ConnectionRequest(form["name"], form["provider"], FormPosts.Blank(form["type"]), FormPosts.Blank(form["description"]),
                FormPosts.Blank(form["project"]), null, scopes, FormPosts.Blank(form["authorize_url"]), FormPosts.Blank(form["token_url"]), FormPosts.Blank(form["client_id"]), FormPosts.Blank(form["client_secret"]),
                FormPosts.Blank(form["token_auth"]), null, null, null), c);
            return $"Created connection {created.Name}.";
        }, ShowAsync));
        app.MapPost("/connections/{id}/refresh", async (string id, HttpContext http, ConnectionService connections) =>
        {
            var refreshed = await connections.RefreshAsync(id, http.RequestAborted);
            Layout.SetFlash(http, refreshed.Status == ConnectionStatus.Connected ? $"Refreshed {refreshed.Name}." : $"{refreshed.Name} could not be refreshed: {refreshed.LastError}");
            return new SeeOther("/connections");
        });
        app.MapPost("/connections/{id}/revoke", (string id, HttpContext http, ConnectionService connections) => http.PostFormAsync("/connections", id, async (_, c) =>
        {
            var revoked = await connections.RevokeAsync(id, c);
            return $"Revoked {revoked.Name}; its tokens are erased.";
        }, ShowAsync));

        // Sends the browser to the provider with a new state and PKCE challenge.
        app.MapGet("/connections/{id}/connect", async (string id, HttpContext http, ConnectionService connections) =>
        {
            // BOSUN_PUBLIC_URL when set: behind a proxy the request's own scheme and host are not what the provider must send back to.
            var site = http.RequestServices.GetRequiredService<Bosun.Core.Notifications.MailOptions>().PublicUrl ?? Api.NotificationEndpoints.SiteUrl(http);
            var redirectUri = site + CallbackPath;
            var url = await http.WriteAsync(c => connections.StartAuthorizationAsync(id, redirectUri, c));
            http.Response.Headers.CacheControl = "no-store";
            return Results.Redirect(url);
        });

        // The provider sends the browser back here with the code (or an error) and the state.
        app.MapGet(CallbackPath, async (string? code, string? state, string? error, HttpContext http, ConnectionService connections) =>
        {
            try
            {
                var connection = await connections.CompleteAuthorizationAsync(state, code, error, http.RequestAborted);
                Layout.SetFlash(http, connection.Status == ConnectionStatus.Connected
                    ? $"Connected {connection.Name}."
                    : $"{connection.Name} was not connected: {connection.LastError}");
                return (IResult)new SeeOther("/connections");
            }
            catch (ProblemException problem) when (problem.Status == 400)
            {
                http.RequestServices.GetRequiredService<BosunDb>().ChangeTracker.Clear();
                var reason = string.Join(" ", problem.Errors.SelectMany(e => e.Value.Select(m => $"{e.Key} {m}")));
                return Layout.Page(http, "Not connected", Nav.Connections, Html.Of($"""
                    <h1>Not connected</h1>
                    <p class="notice error" role="alert" data-testid="callback-error">{reason}</p>
                    <p><a href="/connections">Back to connections</a></p>
                    """), 400);
            }
        });
    }

    private static async Task<HtmlResult> ShowAsync(HttpContext http, FormState form, int status = 200)
    {
        var connections = http.RequestServices.GetRequiredService<ConnectionService>();
        var all = await http.ReadAsync(async c =>
        {
            var list = new List<ConnectionView>();
            for (string? cursor = null; ;)
            {
                var page = await connections.ListAsync(false, new PageRequest(PageRequest.MaxLimit, cursor), c);
                list.AddRange(page.Items);
                if ((cursor = page.NextCursor) is null)
                {
                    return list;
                }
            }
        });
        return Layout.Page(http, "Connections", Nav.Connections, Render(http, all, form), status);
    }

    private static Html Render(HttpContext http, IReadOnlyList<ConnectionView> all, FormState form)
    {
        var types = new[] { ("oauth2", "OAuth2"), ("api_key", "API key"), ("basic", "User and password"), ("custom", "Other") };
        var auths = new[] { (ConnectionService.ClientSecretPost, "Client secret in the body"), (ConnectionService.ClientSecretBasic, "Client secret as Basic auth") };
        var fields = form.Scope == "new" ? form : FormState.Empty;
        var w = new HtmlWriter();
        w.Add($"""
            <h1>Connections</h1>
            <p>Accounts at other services that agents use during their runs. An OAuth2 connection is connected here: Connect sends you
            to the provider and back; Bosun keeps the tokens sealed in the vault, refreshes them before they expire, and an agent bound
            to it reads the current token with <code>GET /api/v1/runs/RUN/connections/NAME/token</code>. Presets for
            {string.Join(", ", ConnectionService.Presets.Keys)} fill in the provider's URLs.</p>
            <section class="panel narrow" aria-labelledby="new-connection-h">
            <h2 id="new-connection-h">Add a connection</h2>
            <form method="post" action="/connections" novalidate autocomplete="off">
            {Layout.Token(http)}
            {form.Summary("new", "new-")}
            {Field.Text(fields, "name", "Name (e.g. github-acme)", required: true, idPrefix: "new-", maxLength: ConnectionService.NameLength)}
            {Field.Text(fields, "provider", "Provider (github, google, slack, linear or any name)", required: true, idPrefix: "new-")}
            {Field.Select(fields, "type", "Type", types, "oauth2", "new-")}
            {Field.Text(fields, "scopes", "Scopes (space-separated)", idPrefix: "new-")}
            {Field.Text(fields, "authorize_url", "Authorize URL (empty for a preset's)", idPrefix: "new-")}
            {Field.Text(fields, "token_url", "Token URL (empty for a preset's)", idPrefix: "new-")}
            {Field.Text(fields, "client_id", "Client id", idPrefix: "new-")}
            {Field.Text(fields, "client_secret", "Client secret", type: "password", idPrefix: "new-", autocomplete: "new-password")}
            {Field.Select(fields, "token_auth", "Client authentication", auths, ConnectionService.ClientSecretPost, "new-")}
            {Field.Text(fields, "project", "Project for alerts (key; empty for the first project)", idPrefix: "new-")}
            {Field.Text(fields, "description", "Description", idPrefix: "new-", maxLength: 500)}
            <button type="submit" class="primary">Add connection</button>
            </form>
            </section>
            """);
        if (all.Count == 0)
        {
            w.Add($"""<p class="muted" data-testid="no-connections">No connections yet.</p>""");
        }

        foreach (var c in all)
        {
            var connect = c.Status == ConnectionStatus.Pending ? "Connect" : "Reconnect";
            w.Add($"""
                <article class="panel connection" id="connection-{c.Id}" data-connection="{c.Name}">
                <div class="goal-head"><h2>{c.Name}</h2><span class="status" data-testid="connection-status">{c.Status.Snake()}</span></div>
                <p class="meta"><span>{c.Provider}</span><span>{c.Type.Snake()}</span><span>scopes {string.Join(" ", c.Scopes)}</span>
                <span>expires {Format.Time(c.ExpiresAt)}</span><span>connected {Format.Time(c.ConnectedAt)}</span><span>refreshed {Format.Time(c.RefreshedAt)}</span>
                <span>owner {c.Owner}</span><span>secrets {string.Join(", ", c.Secrets)}</span></p>
                """);
            if (c.LastError is { Length: > 0 } error)
            {
                w.Add($"""<p class="notice error">{error}</p>""");
            }

            if (c.Type == ConnectionType.Oauth2)
            {
                w.Add($"""
                    <p><a class="button primary" href="/connections/{c.Id}/connect" data-testid="connect">{connect}</a></p>
                    <form class="inline" method="post" action="/connections/{c.Id}/refresh">{Layout.Token(http)}<button type="submit">Refresh now</button></form>
                    """);
            }

            w.Add($"""
                {form.Summary(c.Id, $"c{c.Id}-")}
                <form class="inline" method="post" action="/connections/{c.Id}/revoke">{Layout.Token(http)}<button type="submit" class="danger">Revoke</button></form>
                </article>
                """);
        }

        return w.ToHtml();
    }
}
