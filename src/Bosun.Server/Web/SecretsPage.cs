using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Integrations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Web;

/// The vault for owners and admins: every secret's metadata, who may read it and who did. A value is typed into a
/// password field and never shown again, not even to the person who set it.
internal static class SecretsPage
{
    private const int RecentAccesses = 50;

    private sealed record Model(IReadOnlyList<SecretView> Secrets, IReadOnlyList<SecretAccessView> Accesses);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/secrets", async (HttpContext http) => (IResult)await ShowAsync(http, FormState.Empty));

        app.MapPost("/secrets", (HttpContext http, SecretService secrets) => http.PostFormAsync("/secrets", "new", async (form, c) =>
        {
            var created = await secrets.CreateAsync(new SecretRequest(form["name"], FormPosts.Blank(form["project"]), FormPosts.Blank(form["type"]), FormPosts.Blank(form["description"]),
                form["value"], ExpiresAt(form["expires_at"]), null, null), c);
            return $"Stored secret {created.Name}.";
        }, ShowAsync));
        app.MapPost("/secrets/{id}/value", (string id, HttpContext http, SecretService secrets) => http.PostFormAsync("/secrets", id, async (form, c) =>
        {
            var updated = await secrets.UpdateAsync(id, null, new SecretRequest(null, null, null, null, form["value"], null, null, null), c);
            return $"Set version {updated.Version} of {updated.Name}.";
        }, ShowAsync));
        app.MapPost("/secrets/{id}/bindings", (string id, HttpContext http, SecretService secrets) => http.PostFormAsync("/secrets", id, async (form, c) =>
        {
            var binding = await secrets.AddBindingAsync(id, null, new BindingRequest(form["subject"]), c);
            return $"{binding.Subject} may read it now.";
        }, ShowAsync));
        app.MapPost("/secrets/{id}/bindings/{binding}/delete", (string id, string binding, HttpContext http, SecretService secrets) => http.PostFormAsync("/secrets", id, async (_, c) =>
        {
            await secrets.RemoveBindingAsync(id, null, binding, c);
            return "Removed the binding.";
        }, ShowAsync));
        app.MapPost("/secrets/{id}/archive", (string id, HttpContext http, SecretService secrets) => http.PostFormAsync("/secrets", id, async (_, c) =>
        {
            var archived = await secrets.ArchiveAsync(id, null, c);
            return $"Archived {archived.Name}; its value is erased.";
        }, ShowAsync));
    }

    private static DateTimeOffset? ExpiresAt(string? value) =>
        DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : null;

    private static async Task<HtmlResult> ShowAsync(HttpContext http, FormState form, int status = 200)
    {
        var services = http.RequestServices;
        var model = await http.ReadAsync(async c =>
        {
            var secrets = services.GetRequiredService<SecretService>();
            var all = new List<SecretView>();
            for (string? cursor = null; ;)
            {
                var page = await secrets.ListAsync(null, false, new PageRequest(PageRequest.MaxLimit, cursor), c);
                foreach (var secret in page.Items)
                {
                    all.Add(await secrets.GetAsync(secret.Id, null, c));
                }

                if ((cursor = page.NextCursor) is null)
                {
                    break;
                }
            }

            var accesses = await secrets.AccessesAsync(null, null, null, new PageRequest(RecentAccesses, null), c);
            return new Model(all, accesses.Items);
        });
        return Layout.Page(http, "Secrets", Nav.Secrets, Render(http, model, form), status);
    }

    private static Html Render(HttpContext http, Model m, FormState form)
    {
        var types = new[] { ("api_key", "API key"), ("oauth2", "OAuth2 token"), ("basic", "User and password"), ("custom", "Other") };
        var w = new HtmlWriter();
        w.Add($"""
            <h1>Secrets</h1>
            <p>Credentials agents use while they hold a run. A value is sealed as soon as it arrives and is never shown again; an
            agent bound to a secret (or of a bound role) reads it during its runs with <code>GET /api/v1/runs/RUN/secrets/NAME</code>,
            the MCP tool <code>get_secret</code> or <code>bosun agent run --secret NAME=ENV</code>, and each read is listed below.</p>
            <section class="panel narrow" aria-labelledby="new-secret-h">
            <h2 id="new-secret-h">Add a secret</h2>
            <form method="post" action="/secrets" novalidate autocomplete="off">
            {Layout.Token(http)}
            {form.Summary("new", "new-")}
            {Field.Text(FormFor(form, "new"), "name", "Name (e.g. GITHUB_TOKEN)", required: true, idPrefix: "new-", maxLength: SecretService.NameLength)}
            {Field.Select(FormFor(form, "new"), "type", "Type", types, "api_key", "new-")}
            {Field.Text(FormFor(form, "new"), "project", "Project (key; empty for every project)", idPrefix: "new-")}
            {Field.Text(FormFor(form, "new"), "description", "Description", idPrefix: "new-", maxLength: 500)}
            {Field.Text(FormFor(form, "new"), "expires_at", "Expires (YYYY-MM-DD, UTC; optional)", idPrefix: "new-")}
            {Field.Text(FormFor(form, "new"), "value", "Value", type: "password", required: true, idPrefix: "new-", autocomplete: "new-password")}
            <button type="submit" class="primary">Store secret</button>
            </form>
            </section>
            """);
        if (m.Secrets.Count == 0)
        {
            w.Add($"""<p class="muted" data-testid="no-secrets">No secrets yet.</p>""");
        }

        foreach (var secret in m.Secrets)
        {
            var scoped = FormFor(form, secret.Id);
            w.Add($"""
                <article class="panel secret" id="secret-{secret.Id}" data-secret="{secret.Name}">
                <div class="goal-head"><h2>{secret.Name}</h2><span class="status" data-testid="secret-status">{secret.Status}</span></div>
                <p class="meta"><span>{secret.Type.Snake()}</span><span>{(secret.ProjectId is null ? "every project" : $"project {secret.ProjectId}")}</span><span>version {secret.Version}</span><span>key {secret.KeyId}</span>
                <span>set {Format.Time(secret.ValueSetAt)}</span><span>expires {Format.Time(secret.ExpiresAt)}</span><span>last used {Format.Time(secret.LastUsedAt)}</span><span>last checked {Format.Time(secret.LastCheckedAt)}</span></p>
                """);
            if (secret.Description is { Length: > 0 } description)
            {
                w.Add($"<p>{description}</p>");
            }

            w.Add($"""<h3>May read it</h3><ul class="bindings">""");
            foreach (var binding in secret.Bindings ?? [])
            {
                w.Add($"""
                    <li>{binding.Subject}{(binding.SubjectName is { } name && !binding.Subject.EndsWith(name, StringComparison.Ordinal) ? Html.Of($" ({name})") : Html.Empty)}
                    <form class="inline" method="post" action="/secrets/{secret.Id}/bindings/{binding.Id}/delete">{Layout.Token(http)}<button type="submit" class="link">Remove</button></form></li>
                    """);
            }

            if (secret.Bindings is not { Count: > 0 })
            {
                w.Add($"""<li class="muted">Nobody yet.</li>""");
            }

            w.Add($"""
                </ul>
                {form.Summary(secret.Id, $"s{secret.Id}-")}
                <form method="post" action="/secrets/{secret.Id}/bindings" novalidate>
                {Layout.Token(http)}
                {Field.Text(scoped, "subject", "Let read: agent:NAME or role:ROLE", idPrefix: $"s{secret.Id}-")}
                <button type="submit">Bind</button>
                </form>
                <form method="post" action="/secrets/{secret.Id}/value" novalidate autocomplete="off">
                {Layout.Token(http)}
                {Field.Text(scoped, "value", "New value", type: "password", idPrefix: $"s{secret.Id}-", autocomplete: "new-password")}
                <button type="submit">Set value</button>
                </form>
                <form method="post" action="/secrets/{secret.Id}/archive">{Layout.Token(http)}<button type="submit" class="danger">Archive</button></form>
                </article>
                """);
        }

        w.Add($"""<section aria-labelledby="accesses-h"><h2 id="accesses-h">Recent reads</h2>""");
        if (m.Accesses.Count == 0)
        {
            w.Add($"""<p class="muted">None yet.</p></section>""");
            return w.ToHtml();
        }

        w.Add($"""
            <div class="table-wrap"><table class="accesses">
            <thead><tr><th scope="col">When</th><th scope="col">Secret</th><th scope="col">Version</th><th scope="col">Who</th><th scope="col">Run</th><th scope="col">Via</th></tr></thead>
            <tbody>
            """);
        foreach (var access in m.Accesses)
        {
            w.Add($"""<tr><td>{Format.Time(access.CreatedAt)}</td><td>{access.SecretName}</td><td>{access.Version}</td><td>{access.ActorName}</td><td><code>{access.RunId}</code></td><td>{access.Via}</td></tr>""");
        }

        w.Add($"</tbody></table></div></section>");
        return w.ToHtml();
    }

    // Only the form that was sent shows what was typed and what was wrong.
    private static FormState FormFor(FormState form, string scope) => form.Scope == scope ? form : FormState.Empty;
}
