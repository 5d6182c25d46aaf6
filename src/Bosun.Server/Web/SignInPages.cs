using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

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

        app.MapGet("/invite/{token}", async (string token, HttpContext http, SignInService signIn) =>
        {
            var invitation = await signIn.FindInvitationAsync(token, http.RequestAborted);
            return invitation is null ? InvitationGone(http) : InviteForm(http, token, invitation, FormState.Empty);
        });

        app.MapPost("/invite/{token}", async (string token, HttpContext http, SignInService signIn) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var invitation = await signIn.FindInvitationAsync(token, http.RequestAborted);
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
                var session = await signIn.AcceptInvitationAsync(new AcceptInvitation(token, form["name"], password), http.RequestAborted);
                WebAuth.StartSession(http, session);
                Layout.SetFlash(http, $"Welcome to {invitation.TenantName}, {session.Principal.Name}.");
                return (IResult)new SeeOther("/board");
            }
            catch (ProblemException problem)
            {
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
