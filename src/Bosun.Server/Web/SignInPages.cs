using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Web;

/// Signing in with email and password, accepting an invitation, signing out, and the emailed links: password reset and
/// email verification. A link opens a page whose button does the change, so a mail scanner that follows links uses none.
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

        MapAccountLinks(app);

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
            <p><a href="/forgot-password">Forgot your password?</a></p>
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

    private static void MapAccountLinks(IEndpointRouteBuilder app)
    {
        app.MapGet("/forgot-password", (HttpContext http) => ForgotForm(http, FormState.Empty));
        app.MapPost("/forgot-password", async (HttpContext http, AccountEmails emails) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            try
            {
                await emails.RequestPasswordResetAsync(new PasswordResetRequest(form["email"], BoardPage.Optional(form["tenant"])), http.RequestAborted);
                return Layout.Page(http, "Check your email", Nav.None, Html.Of($"""
                    <section class="narrow">
                    <h1>Check your email</h1>
                    <p role="status">If {form["email"].ToString()} belongs to an account, a link to reset its password is on its way. It works once, within an hour.</p>
                    <p><a href="/signin">Back to sign in</a></p>
                    </section>
                    """));
            }
            catch (ProblemException problem) when (problem.Status is 400 or 503)
            {
                return ForgotForm(http, new FormState(form, problem), problem.Status);
            }
        });

        app.MapGet("/reset-password", (HttpContext http, string? token) => ResetForm(http, token, FormState.Empty));
        app.MapPost("/reset-password", async (HttpContext http, AccountEmails emails) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            try
            {
                if (form["password"].ToString() != form["password_again"].ToString())
                {
                    throw ProblemException.Invalid("password_again", "does not match the password");
                }

                await emails.ResetPasswordAsync(new PasswordResetConfirm(form["token"], form["password"]), http.RequestAborted);
                Layout.SetFlash(http, "Your password is set. Sign in with it.");
                return (IResult)new SeeOther("/signin");
            }
            catch (ProblemException problem) when (problem.Status == 400)
            {
                return ResetForm(http, form["token"], new FormState(form, problem), problem.Status);
            }
        });

        app.MapGet("/verify-email", (HttpContext http, string? token) => Layout.Page(http, "Verify your email", Nav.None, Html.Of($"""
            <section class="narrow">
            <h1>Verify your email</h1>
            <form method="post" action="/verify-email">
            {Layout.Token(http)}
            <input type="hidden" name="token" value="{token}">
            <button type="submit" class="primary">Confirm my address</button>
            </form>
            </section>
            """)));
        app.MapPost("/verify-email", async (HttpContext http, AccountEmails emails) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            try
            {
                var user = await emails.VerifyEmailAsync(form["token"], http.RequestAborted);
                Layout.SetFlash(http, $"{user.Email} is verified.");
                return (IResult)new SeeOther(WebAuth.Principal(http) is null ? "/signin" : "/notifications");
            }
            catch (ProblemException problem) when (problem.Status == 400)
            {
                return Layout.Error(http, new ProblemException(400, "Link not valid", "This link is unknown, used or expired. Ask for a new one on your notifications page."));
            }
        });
    }

    private static HtmlResult ForgotForm(HttpContext http, FormState form, int status = 200) => Layout.Page(http, "Forgot password", Nav.None, Html.Of($"""
        <section class="narrow">
        <h1>Forgot your password?</h1>
        <p>Enter your email and we will send you a link to choose a new one.</p>
        <form method="post" action="/forgot-password" novalidate>
        {Layout.Token(http)}
        {form.Summary()}
        {Field.Text(form, "email", "Email", type: "email", required: true, autocomplete: "username")}
        {Field.Text(form, "tenant", "Tenant", hint: "Only needed when your email belongs to several tenants, e.g. acme", autocomplete: "organization")}
        <button type="submit" class="primary">Send the link</button>
        </form>
        <p><a href="/signin">Back to sign in</a></p>
        </section>
        """), status);

    private static HtmlResult ResetForm(HttpContext http, string? token, FormState form, int status = 200) => Layout.Page(http, "Choose a new password", Nav.None, Html.Of($"""
        <section class="narrow">
        <h1>Choose a new password</h1>
        <form method="post" action="/reset-password" novalidate>
        {Layout.Token(http)}
        <input type="hidden" name="token" value="{token}">
        {form.Summary()}
        {Field.Text(form, "password", "New password", type: "password", required: true, hint: $"At least {PeopleService.MinPasswordLength} characters", autocomplete: "new-password")}
        {Field.Text(form, "password_again", "New password again", type: "password", required: true, autocomplete: "new-password")}
        <button type="submit" class="primary">Set the password</button>
        </form>
        </section>
        """), status);

    private static HtmlResult InvitationGone(HttpContext http) =>
        Layout.Error(http, new ProblemException(404, "Invitation not found", "The invitation does not exist, has expired, or was already used. Ask for a new one."));
}
