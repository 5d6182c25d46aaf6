using System.Security.Cryptography;
using System.Text;
using Bosun.Core.Common;
using Bosun.Core.Identity;
using Microsoft.AspNetCore.Http;

namespace Bosun.Server.Web;

/// Web UI sign-in state: the session cookie, the person it names, and the anti-forgery token every form carries.
internal static class WebAuth
{
    public const string SessionCookie = "bosun_session";
    public const string FormCookie = "bosun_form";
    public const string TokenField = "_csrf";
    private const string PrincipalItem = "bosun.web.principal";
    private const string SecretItem = "bosun.web.form-secret";

    public static WebPrincipal? Principal(HttpContext http) => http.Items[PrincipalItem] as WebPrincipal;

    public static void SetPrincipal(HttpContext http, WebPrincipal principal) => http.Items[PrincipalItem] = principal;

    public static void StartSession(HttpContext http, StartedSession session)
    {
        http.Response.Cookies.Append(SessionCookie, session.Secret, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = http.Request.IsHttps,
            Path = "/",
            Expires = session.ExpiresAt,
        });
        http.Items[SecretItem] = session.Secret;
        SetPrincipal(http, session.Principal);
    }

    public static void EndSession(HttpContext http) =>
        http.Response.Cookies.Delete(SessionCookie, new CookieOptions { Path = "/", HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = http.Request.IsHttps });

    /// The anti-forgery token for forms on this page. It is derived from a secret only this browser holds in an
    /// HttpOnly cookie (the session, or before sign-in a random form cookie), so another site cannot produce it,
    /// and any Bosun process sharing the database accepts it.
    public static string FormToken(HttpContext http)
    {
        var secret = FormSecret(http);
        if (secret is null)
        {
            secret = Secrets.NewToken("form");
            http.Response.Cookies.Append(FormCookie, secret, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = http.Request.IsHttps,
                Path = "/",
            });
            http.Items[SecretItem] = secret;
        }

        return Derive(secret);
    }

    /// A form post is accepted only with the token of this browser's secret, and never from another origin.
    public static bool FormIsGenuine(HttpContext http, IFormCollection form)
    {
        var origin = http.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && origin != "null" && !string.Equals(origin, $"{http.Request.Scheme}://{http.Request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var secret = FormSecret(http);
        var sent = form[TokenField].ToString();
        return secret is not null && sent.Length > 0
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Derive(secret)), Encoding.ASCII.GetBytes(sent));
    }

    private static string? FormSecret(HttpContext http)
    {
        if (http.Items[SecretItem] is string known)
        {
            return known;
        }

        var cookie = Principal(http) is not null ? SessionCookie : FormCookie;
        return http.Request.Cookies[cookie] is { Length: > 0 and <= 200 } value ? value : null;
    }

    private static string Derive(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("bosun-form\n" + secret)))[..40];

    /// Only paths of this site, so a crafted sign-in link cannot send someone elsewhere.
    public static string LocalPath(string? next) =>
        next is { Length: > 1 } path && path[0] == '/' && path[1] != '/' && path[1] != '\\' && !path.Contains("://", StringComparison.Ordinal) ? path : "/board";
}

/// Resolves the web session cookie on every non-API request and enters the person's tenant for the request,
/// the way bearer authentication does for the API.
public sealed class WebSessionMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, SignInService signIn, RequestContext request, Bosun.Core.Governance.Access.AccessLoader access)
    {
        var path = context.Request.Path;
        // Signing in and accepting an invitation start from no tenant, whatever an older cookie says.
        var ownTenantSelection = path.StartsWithSegments("/signin") || path.StartsWithSegments("/invite");
        if (!ownTenantSelection && !path.StartsWithSegments("/api") && !path.StartsWithSegments("/mcp") && !path.StartsWithSegments("/otlp") && !path.StartsWithSegments("/ui/assets")
            && context.Request.Cookies[WebAuth.SessionCookie] is { Length: > 0 } secret
            && await signIn.AuthenticateAsync(secret, context.RequestAborted) is { } principal)
        {
            try
            {
                TenantAccess.Require(principal.TenantStatus);
            }
            catch (ProblemException refused)
            {
                // The session ends with the tenant's access; signing in again meets the same refusal.
                WebAuth.EndSession(context);
                await Layout.Error(context, refused).ExecuteAsync(context);
                return;
            }

            request.RequestId = context.TraceIdentifier;
            request.EnterTenant(principal.TenantId, principal.Actor, principal.Role);
            await access.EnterAsync(context.Connection.RemoteIpAddress?.ToString(), context.RequestAborted);
            WebAuth.SetPrincipal(context, principal);
        }

        await next(context);
    }
}
