using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Server.Web;

/// Signing in with email and password, accepting an invitation, signing out.
internal static class SignInPages
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/signin", (HttpContext http, string? next) => SignInForm(http, FormState.Empty, next));

        app.MapPost("/signin", async (HttpContext http, SignInService signIn) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            try
            {
                var session = await signIn.SignInAsync(new SignInRequest(form["email"], form["password"], form["tenant"]), http.RequestAborted);
                WebAuth.StartSession(http, session);
                return (IResult)new SeeOther(WebAuth.LocalPath(form["next"]));
            }
            catch (ProblemException problem)
            {
                return SignInForm(http, new FormState(form, problem), form["next"], problem.Status);
            }
        });

        app.MapPost("/signout", async (HttpContext http, SignInService signIn) =>
        {
            if (WebAuth.Principal(http) is { } principal)
            {
                await signIn.SignOutAsync(principal.SessionId, http.RequestAborted);
            }

            WebAuth.EndSession(http);
            return new SeeOther("/signin");
        });

        app.MapGet("/invite/{token}", async (string token, HttpContext http, PeopleService people) =>
        {
            var invitation = await FindInvitationAsync(http, people, token);
            return invitation is null ? InvitationGone(http) : InviteForm(http, token, invitation, FormState.Empty);
        });

        app.MapPost("/invite/{token}", async (string token, HttpContext http, PeopleService people, SignInService signIn, BosunDb db) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var invitation = await FindInvitationAsync(http, people, token);
            if (invitation is null)
            {
                return InvitationGone(http);
            }

            try
            {
                var problem = new ValidationProblem();
                var password = form["password"].ToString();
                if (password.Length == 0)
                {
                    problem.Add("password", "is required to sign in to the web UI");
                }
                else if (password != form["password_again"].ToString())
                {
                    problem.Add("password_again", "does not match the password");
                }

                problem.ThrowIfAny();
                var accepted = await db.InTransactionAsync(c => people.AcceptAsync(new AcceptInvitation(token, form["name"], password), c), write: true, http.RequestAborted);
                var user = await db.InTransactionAsync(c => db.Users.AsNoTracking().SingleAsync(u => u.Id == accepted.User.Id, c), write: false, http.RequestAborted);
                WebAuth.StartSession(http, await signIn.StartAsync(user, "user.signed_in", http.RequestAborted));
                Layout.SetFlash(http, $"Welcome to {invitation.TenantName}, {user.Name}.");
                return (IResult)new SeeOther("/board");
            }
            catch (ProblemException problem)
            {
                db.ChangeTracker.Clear();
                return InviteForm(http, token, invitation, new FormState(form, problem), problem.Status);
            }
        });
    }

    private static HtmlResult SignInForm(HttpContext http, FormState form, string? next, int status = 200)
    {
        var body = Html.Of($"""
            <section class="narrow">
            <h1>Sign in to Bosun</h1>
            <form method="post" action="/signin" novalidate>
            {Layout.Token(http)}
            <input type="hidden" name="next" value="{WebAuth.LocalPath(next)}">
            {form.Summary()}
            {Field.Text(form, "email", "Email", type: "email", required: true, autocomplete: "username")}
            {Field.Text(form, "password", "Password", type: "password", required: true, autocomplete: "current-password")}
            {Field.Text(form, "tenant", "Tenant", hint: "Only needed when your email belongs to several tenants, e.g. acme", autocomplete: "organization")}
            <button type="submit" class="primary">Sign in</button>
            </form>
            </section>
            """);
        return Layout.Page(http, "Sign in", Nav.None, body, status);
    }

    private sealed record PendingInvitation(string Email, PersonRole Role, string TenantName);

    private static async Task<PendingInvitation?> FindInvitationAsync(HttpContext http, PeopleService people, string token)
    {
        var db = http.RequestServices.GetRequiredService<BosunDb>();
        return await db.InTransactionAsync(async c =>
        {
            var invitation = await people.FindPendingInvitationAsync(token, c);
            if (invitation is null)
            {
                return null;
            }

            var tenant = await db.Tenants.IgnoreQueryFilters().AsNoTracking().SingleAsync(t => t.Id == invitation.TenantId, c);
            return new PendingInvitation(invitation.Email, invitation.Role, tenant.Name);
        }, write: false, http.RequestAborted);
    }

    private static HtmlResult InviteForm(HttpContext http, string token, PendingInvitation invitation, FormState form, int status = 200)
    {
        var body = Html.Of($"""
            <section class="narrow">
            <h1>Join {invitation.TenantName}</h1>
            <p>You were invited as <strong>{invitation.Role.Snake()}</strong> with the email <strong>{invitation.Email}</strong>. Choose your name and a password.</p>
            <form method="post" action="/invite/{Html.Segment(token)}" novalidate>
            {Layout.Token(http)}
            {form.Summary()}
            {Field.Text(form, "name", "Your name", required: true, autocomplete: "name")}
            {Field.Text(form, "password", "Password", type: "password", required: true, hint: $"At least {PeopleService.MinPasswordLength} characters", autocomplete: "new-password")}
            {Field.Text(form, "password_again", "Password again", type: "password", required: true, autocomplete: "new-password")}
            <button type="submit" class="primary">Join and sign in</button>
            </form>
            </section>
            """);
        return Layout.Page(http, "Accept invitation", Nav.None, body, status);
    }

    private static HtmlResult InvitationGone(HttpContext http) =>
        Layout.Error(http, new ProblemException(404, "Invitation not found", "The invitation does not exist, has expired, or was already used. Ask for a new one."));
}
