using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bosun.Tests.Integrations;

/// A real OAuth2 provider on 127.0.0.1: its authorize endpoint sends the browser back with a code, its token endpoint
/// checks the client's credentials and the PKCE verifier against the challenge, issues tokens, and refuses refreshes
/// when told to.
public sealed class FakeOAuthServer : IAsyncDisposable
{
    public const string ClientId = "bosun-test-client";
    public const string ClientSecret = "oauth-client-secret-NEVER-SHOWN-5e1d";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (string Challenge, string RedirectUri)> _codes = new();
    private readonly ConcurrentDictionary<string, bool> _refreshTokens = new();

    private FakeOAuthServer(WebApplication app)
    {
        _app = app;
    }

    public string Url { get; private set; } = "";
    public string AuthorizeUrl => $"{Url}/authorize";
    public string TokenUrl => $"{Url}/token";

    /// Every access and refresh token issued, none of which may show anywhere but to a bound agent.
    public ConcurrentQueue<string> Issued { get; } = new();
    public string? LastAccessToken { get; private set; }
    public int Refreshes;

    /// How the client sent its secret last: "post" or "basic".
    public string? LastClientAuth { get; private set; }
    public bool FailRefresh { get; set; }
    public int ExpiresIn { get; set; } = 3600;

    public static async Task<FakeOAuthServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var server = new FakeOAuthServer(app);
        app.MapGet("/authorize", (HttpContext http) => server.Authorize(http.Request.Query));
        app.MapPost("/token", (HttpContext http, CancellationToken ct) => server.TokenAsync(http));
        await app.StartAsync();
        server.Url = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return server;
    }

    private IResult Authorize(IQueryCollection query)
    {
        if (query["response_type"] != "code" || query["client_id"] != ClientId || query["code_challenge_method"] != "S256"
            || string.IsNullOrEmpty(query["code_challenge"]) || string.IsNullOrEmpty(query["state"]))
        {
            return Results.BadRequest("bad authorization request");
        }

        var code = $"code-{Guid.NewGuid():N}";
        _codes[code] = (query["code_challenge"]!, query["redirect_uri"]!);
        return Results.Redirect($"{query["redirect_uri"]}?code={code}&state={Uri.EscapeDataString(query["state"]!)}");
    }

    private async Task<IResult> TokenAsync(HttpContext http)
    {
        var form = await http.Request.ReadFormAsync();
        string? id = form["client_id"], secret = form["client_secret"];
        LastClientAuth = "post";
        if (http.Request.Headers.Authorization.ToString() is { Length: > 6 } header && header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..])).Split(':', 2);
            (id, secret) = (Uri.UnescapeDataString(pair[0]), Uri.UnescapeDataString(pair[1]));
            LastClientAuth = "basic";
        }

        if (id != ClientId || secret != ClientSecret)
        {
            return Json(new { error = "invalid_client" }, statusCode: 401);
        }

        switch (form["grant_type"].ToString())
        {
            case "authorization_code":
                if (!_codes.TryRemove(form["code"].ToString(), out var issued) || issued.RedirectUri != form["redirect_uri"]
                    || Challenge(form["code_verifier"].ToString()) != issued.Challenge)
                {
                    return Json(new { error = "invalid_grant" }, statusCode: 400);
                }

                return Issue();
            case "refresh_token":
                Interlocked.Increment(ref Refreshes);
                if (FailRefresh || !_refreshTokens.TryRemove(form["refresh_token"].ToString(), out _))
                {
                    return Json(new { error = "invalid_grant" }, statusCode: 400);
                }

                return Issue();
            default:
                return Json(new { error = "unsupported_grant_type" }, statusCode: 400);
        }
    }

    private IResult Issue()
    {
        var access = $"at-{Guid.NewGuid():N}";
        var refresh = $"rt-{Guid.NewGuid():N}";
        _refreshTokens[refresh] = true;
        Issued.Enqueue(access);
        Issued.Enqueue(refresh);
        LastAccessToken = access;
        return Json(new { access_token = access, token_type = "bearer", expires_in = ExpiresIn, refresh_token = refresh, scope = "repo read:org" });
    }

    private static IResult Json(object body, int statusCode = 200) =>
        Results.Text(System.Text.Json.JsonSerializer.Serialize(body), "application/json", Encoding.UTF8, statusCode);

    private static string Challenge(string verifier) =>
        Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
