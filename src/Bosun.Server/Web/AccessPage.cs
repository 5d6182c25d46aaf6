using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance.Access;
using Bosun.Core.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Web;

/// Roles (system and the tenant's own), who holds which role where, policies, and an explain box that answers "may
/// this principal do this here, and why?" with the same evaluator every request goes through.
internal static class AccessPage
{
    private sealed record RolesModel(IReadOnlyList<RoleView> Roles, IReadOnlyList<UserView> People, IReadOnlyList<AssignmentView> Assignments, bool CanManage);

    private sealed record PoliciesModel(IReadOnlyList<PolicyView> Policies, ExplainView? Explained, string? ExplainError, bool CanManage);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/roles", async (HttpContext http) => (IResult)await ShowRolesAsync(http, FormState.Empty));
        app.MapPost("/roles", (HttpContext http, AccessService access) => http.PostFormAsync("/roles", "new", async (form, c) =>
        {
            var capabilities = (form["capabilities"].ToString() ?? "").Split([' ', ',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var role = await access.CreateRoleAsync(new RoleInput(form["key"], FormPosts.Blank(form["name"]), FormPosts.Blank(form["description"]), capabilities), c);
            return $"Created the role {role.Key}.";
        }, ShowRolesAsync));
        app.MapPost("/roles/assign", (HttpContext http, AccessService access) => http.PostFormAsync("/roles", "assign", async (form, c) =>
        {
            var expires = DateTimeOffset.TryParse(form["expires_at"], System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : (DateTimeOffset?)null;
            var assignment = await access.AssignAsync(new AssignInput(form["role"], FormPosts.Blank(form["user_id"]), null, FormPosts.Blank(form["project"]), null, expires), c);
            return $"Gave the role {assignment.Role}.";
        }, ShowRolesAsync));
        app.MapPost("/roles/assignments/{id}/delete", (string id, HttpContext http, AccessService access) => http.PostFormAsync("/roles", id, async (_, c) =>
        {
            await access.UnassignAsync(id, c);
            return "Took the role back.";
        }, ShowRolesAsync));

        app.MapGet("/policies", async (HttpContext http) => (IResult)await ShowPoliciesAsync(http, FormState.Empty));
        app.MapPost("/policies", (HttpContext http, AccessService access) => http.PostFormAsync("/policies", "new", async (form, c) =>
        {
            static string[] List(string? text) => (text ?? "").Split([' ', ',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            JsonElement? conditions = null;
            if (FormPosts.Blank(form["conditions"]) is { } json)
            {
                try
                {
                    conditions = JsonDocument.Parse(json).RootElement.Clone();
                }
                catch (JsonException)
                {
                    throw ProblemException.Invalid("conditions", "must be JSON, e.g. {\"resource.status\": {\"$in\": [\"blocked\"]}}");
                }
            }

            var effect = form["effect"] == "deny" ? PolicyEffect.Deny : PolicyEffect.Allow;
            var priority = int.TryParse(form["priority"], out var p) ? p : (int?)null;
            var created = await access.CreatePolicyAsync(new PolicyInput(form["name"], FormPosts.Blank(form["description"]), effect,
                List(form["actions"]), List(form["resources"]), conditions, priority, true), c);
            return $"Created the policy {created.Name}.";
        }, ShowPoliciesAsync));
        app.MapPost("/policies/{id}/toggle", (string id, HttpContext http, AccessService access) => http.PostFormAsync("/policies", id, async (form, c) =>
        {
            var changed = await access.UpdatePolicyAsync(id, new PolicyInput(null, null, null, null, null, null, null, form["enabled"] == "true"), c);
            return $"{changed.Name} is {(changed.Enabled ? "on" : "off")}.";
        }, ShowPoliciesAsync));
        app.MapPost("/policies/{id}/delete", (string id, HttpContext http, AccessService access) => http.PostFormAsync("/policies", id, async (_, c) =>
        {
            await access.DeletePolicyAsync(id, c);
            return "Deleted the policy.";
        }, ShowPoliciesAsync));
    }

    private static async Task<HtmlResult> ShowRolesAsync(HttpContext http, FormState form, int status = 200)
    {
        var services = http.RequestServices;
        var context = services.GetRequiredService<RequestContext>();
        var model = await http.ReadAsync(async c =>
        {
            var access = services.GetRequiredService<AccessService>();
            var canManage = Permissions.Has(context, Capability.ManagePeople);
            var people = new List<UserView>();
            if (canManage)
            {
                var users = services.GetRequiredService<PeopleService>();
                for (string? cursor = null; ;)
                {
                    var page = await users.ListAsync(new PeopleFilter(null, null), new PageRequest(PageRequest.MaxLimit, cursor), c);
                    people.AddRange(page.Items);
                    if ((cursor = page.NextCursor) is null || people.Count >= 1000)
                    {
                        break;
                    }
                }
            }

            var assignments = canManage ? await access.AssignmentsOfAsync([.. people.Select(p => p.Id)], c) : [];
            return new RolesModel(await access.ListRolesAsync(c), people, assignments, canManage);
        });
        return Layout.Page(http, "Roles", Nav.Roles, RenderRoles(http, model, form), status);
    }

    private static Html RenderRoles(HttpContext http, RolesModel m, FormState form)
    {
        var w = new HtmlWriter();
        w.Add($"""
            <h1>Roles</h1>
            <p>A role is a set of capabilities. Everyone holds a tenant role (a guest holds none); a role can also be given for one
            project only, optionally until a date. A guest sees only the projects they hold a role in.</p>
            <div class="table-wrap"><table class="roles" data-testid="roles">
            <thead><tr><th scope="col">Role</th><th scope="col">Kind</th><th scope="col">Capabilities</th></tr></thead><tbody>
            """);
        foreach (var role in m.Roles)
        {
            w.Add($"""<tr data-role="{role.Key}"><th scope="row">{role.Name}</th><td>{(role.System ? "system" : "yours")}</td><td><code>{string.Join(" ", role.Capabilities)}</code></td></tr>""");
        }

        w.Add($"</tbody></table></div>");
        if (!m.CanManage)
        {
            return w.ToHtml();
        }

        w.Add($"""
            <section aria-labelledby="people-h"><h2 id="people-h">People and their roles</h2><div class="table-wrap"><table class="people" data-testid="people">
            <thead><tr><th scope="col">Person</th><th scope="col">Tenant role</th><th scope="col">Project and item roles</th></tr></thead><tbody>
            """);
        foreach (var person in m.People)
        {
            w.Add($"""<tr data-person="{person.Email}"><th scope="row">{person.Name} <span class="muted">{person.Email}</span></th><td>{person.Role.Snake()}</td><td><ul class="bindings">""");
            foreach (var a in m.Assignments.Where(a => a.UserId == person.Id))
            {
                var where = a.ProjectId is { } p ? $"project {p}" : a.Resource ?? "the tenant";
                var until = a.ExpiresAt is { } e ? (a.Expired ? $", expired {Format.Time(e)}" : $", until {Format.Time(e)}") : "";
                w.Add($"""
                    <li data-testid="assignment">{a.Role} in {where}{until}
                    <form class="inline" method="post" action="/roles/assignments/{a.Id}/delete">{Layout.Token(http)}<button type="submit" class="link">Take back</button></form></li>
                    """);
            }

            w.Add($"</ul></td></tr>");
        }

        var roleOptions = m.Roles.Where(r => r.Key != SystemRoles.Owner).Select(r => (r.Key, r.Name));
        var peopleOptions = m.People.Select(p => (p.Id, $"{p.Name} ({p.Email})"));
        var assign = form.Scope == "assign" ? form : FormState.Empty;
        var create = form.Scope == "new" ? form : FormState.Empty;
        w.Add($"""
            </tbody></table></div></section>
            <section class="panel narrow" aria-labelledby="assign-h">
            <h2 id="assign-h">Give a role</h2>
            <form method="post" action="/roles/assign" novalidate>
            {Layout.Token(http)}
            {form.Summary("assign", "as-")}
            {Field.Select(assign, "user_id", "Person", peopleOptions, idPrefix: "as-")}
            {Field.Select(assign, "role", "Role", roleOptions, SystemRoles.Reviewer, "as-")}
            {Field.Text(assign, "project", "Project key (empty: the whole tenant)", idPrefix: "as-")}
            {Field.Text(assign, "expires_at", "Until (YYYY-MM-DD, UTC; optional)", idPrefix: "as-")}
            <button type="submit" class="primary">Give role</button>
            </form>
            </section>
            <section class="panel narrow" aria-labelledby="new-role-h">
            <h2 id="new-role-h">Define a role</h2>
            <form method="post" action="/roles" novalidate>
            {Layout.Token(http)}
            {form.Summary("new", "nr-")}
            {Field.Text(create, "key", "Key (e.g. client-reviewer)", required: true, idPrefix: "nr-")}
            {Field.Text(create, "name", "Name", idPrefix: "nr-")}
            {Field.TextArea(create, "capabilities", "Capabilities (e.g. work:read work:comment approval:decide)", required: true, idPrefix: "nr-")}
            <button type="submit">Define role</button>
            </form>
            </section>
            """);
        return w.ToHtml();
    }

    private static async Task<HtmlResult> ShowPoliciesAsync(HttpContext http, FormState form, int status = 200)
    {
        var services = http.RequestServices;
        var context = services.GetRequiredService<RequestContext>();
        var query = http.Request.Query;
        var model = await http.ReadAsync(async c =>
        {
            var access = services.GetRequiredService<AccessService>();
            ExplainView? explained = null;
            string? error = null;
            if (FormPosts.Blank(query["action"]) is { } action)
            {
                try
                {
                    explained = await access.ExplainAsync(new ExplainInput(FormPosts.Blank(query["principal"]), action, FormPosts.Blank(query["resource"]), null, null), c);
                }
                catch (ProblemException problem) when (problem.Status is 400 or 403)
                {
                    error = problem.Errors.Count > 0 ? string.Join("; ", problem.Errors.Select(e => $"{e.Key} {string.Join(", ", e.Value)}")) : problem.Detail;
                }
            }

            return new PoliciesModel(await access.ListPoliciesAsync(c), explained, error, Permissions.Has(context, Capability.ManagePolicies));
        });
        return Layout.Page(http, "Policies", Nav.Policies, RenderPolicies(http, model, form, query), status);
    }

    private static Html RenderPolicies(HttpContext http, PoliciesModel m, FormState form, IQueryCollection query)
    {
        var w = new HtmlWriter();
        w.Add($"""
            <h1>Policies</h1>
            <p>A policy allows or denies actions on resources when all its conditions hold. A deny always wins; an allow adds to
            what roles grant. Every check of every request goes through them.</p>
            <section class="panel narrow" aria-labelledby="explain-h">
            <h2 id="explain-h">Explain a decision</h2>
            <form method="get" action="/policies">
            {Field.Text(FormState.Empty, "principal", "Who (user:ID, agent:NAME or an email; empty: you)", query["principal"], idPrefix: "ex-")}
            {Field.Text(FormState.Empty, "action", "Action (e.g. work:move)", query["action"], required: true, idPrefix: "ex-")}
            {Field.Text(FormState.Empty, "resource", "Resource (e.g. work:WEB-12, project:WEB)", query["resource"], idPrefix: "ex-")}
            <button type="submit">Explain</button>
            </form>
            """);
        if (m.Explained is { } e)
        {
            w.Add($"""
                <p class="explained" data-testid="explained" data-result="{(e.Allowed ? "allow" : "deny")}"><strong>{(e.Allowed ? "Allowed" : "Denied")}</strong>:
                {e.Principal} {e.Action} on {e.Resource}: {e.Reason}.</p>
                """);
        }
        else if (m.ExplainError is { } error)
        {
            w.Add($"""<p class="error" role="alert" data-testid="explain-error">{error}</p>""");
        }

        w.Add($"""
            </section>
            <div class="table-wrap"><table class="policies" data-testid="policies">
            <thead><tr><th scope="col">Policy</th><th scope="col">Effect</th><th scope="col">Actions</th><th scope="col">Resources</th><th scope="col">Conditions</th><th scope="col">Priority</th><th scope="col">On</th></tr></thead><tbody>
            """);
        foreach (var p in m.Policies)
        {
            w.Add($"""
                <tr data-policy="{p.Name}"><th scope="row">{p.Name}{(p.System ? Html.Raw(" <span class=\"muted\">built in</span>") : Html.Empty)}</th><td>{p.Effect.Snake()}</td>
                <td><code>{string.Join(" ", p.Actions)}</code></td><td><code>{string.Join(" ", p.Resources)}</code></td><td><code>{p.Conditions.GetRawText()}</code></td>
                <td>{(p.System ? "" : p.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture))}</td><td>
                """);
            if (m.CanManage)
            {
                w.Add($"""
                    <form class="inline" method="post" action="/policies/{p.Id}/toggle">{Layout.Token(http)}<input type="hidden" name="enabled" value="{(p.Enabled ? "false" : "true")}">
                    <button type="submit" class="link">{(p.Enabled ? "Turn off" : "Turn on")}</button></form>
                    """);
                if (!p.System)
                {
                    w.Add($"""<form class="inline" method="post" action="/policies/{p.Id}/delete">{Layout.Token(http)}<button type="submit" class="link">Delete</button></form>""");
                }
            }
            else
            {
                w.Add($"{(p.Enabled ? "on" : "off")}");
            }

            w.Add($"</td></tr>");
        }

        w.Add($"</tbody></table></div>");
        if (m.CanManage)
        {
            var create = form.Scope == "new" ? form : FormState.Empty;
            w.Add($"""
                <section class="panel narrow" aria-labelledby="new-policy-h">
                <h2 id="new-policy-h">Write a policy</h2>
                <form method="post" action="/policies" novalidate>
                {Layout.Token(http)}
                {form.Summary("new", "np-")}
                {Field.Text(create, "name", "Name", required: true, idPrefix: "np-")}
                {Field.Select(create, "effect", "Effect", [("allow", "allow"), ("deny", "deny")], "deny", "np-")}
                {Field.Text(create, "actions", "Actions (e.g. work:move work:assign, or work:*)", required: true, idPrefix: "np-")}
                {Field.Text(create, "resources", "Resources (e.g. project:WEB, work:type=review; empty: all)", idPrefix: "np-")}
                {Field.TextArea(create, "conditions", "Conditions (JSON, e.g. {\"principal.kind\": \"agent\"})", idPrefix: "np-")}
                {Field.Text(create, "priority", "Priority (higher first among allows)", idPrefix: "np-")}
                <button type="submit" class="primary">Write policy</button>
                </form>
                </section>
                """);
        }

        return w.ToHtml();
    }
}
