using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bosun.Core.Common;

namespace Bosun.Core.Integrations;

/// What a token endpoint answered. Tokens are kept out of its printed form, so no log or message shows them.
public sealed record TokenAnswer(string? AccessToken, string? RefreshToken, long? ExpiresIn, string? Scope, string? Error)
{
    public bool Ok => AccessToken is { Length: > 0 } && Error is null;

    public static TokenAnswer Failed(string error) => new(null, null, null, null, error);

    public override string ToString() => $"TokenAnswer {{ Ok = {Ok}, ExpiresIn = {ExpiresIn}, Scope = {Scope}, Error = {Error} }}";
}

/// The client side of OAuth2 (RFC 6749 with PKCE, RFC 7636): the authorization URL, and the calls to the token endpoint
/// on the integrations' HTTP client, which never follows redirects.
public sealed class OAuthClient(WebhookTransport transport)
{
    public const int ErrorLength = 200;

    /// A PKCE verifier (43 characters, 256 random bits) and its S256 challenge.
    public static (string Verifier, string Challenge) NewPkce()
    {
        var verifier = Secrets.Base64Url(RandomNumberGenerator.GetBytes(32));
        return (verifier, Challenge(verifier));
    }

    public static string Challenge(string verifier) => Secrets.Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    public static string AuthorizeUrl(string authorizeUrl, string clientId, string redirectUri, string scopes, string state, string challenge)
    {
        var query = new List<string>
        {
            "response_type=code",
            $"client_id={Uri.EscapeDataString(clientId)}",
            $"redirect_uri={Uri.EscapeDataString(redirectUri)}",
            $"state={Uri.EscapeDataString(state)}",
            $"code_challenge={challenge}",
            "code_challenge_method=S256",
        };
        if (scopes.Length > 0)
        {
            query.Add($"scope={Uri.EscapeDataString(scopes)}");
        }

        return authorizeUrl + (authorizeUrl.Contains('?', StringComparison.Ordinal) ? "&" : "?") + string.Join("&", query);
    }

    /// Posts a grant to the token endpoint with the client's credentials in the body (client_secret_post) or in a Basic
    /// header (client_secret_basic). A refusal comes back as the provider's error code, never its body.
    public async Task<TokenAnswer> RequestAsync(string tokenUrl, string tokenAuth, string clientId, string? clientSecret,
        IEnumerable<KeyValuePair<string, string>> grant, CancellationToken ct)
    {
        var form = grant.ToList();
        using var request = new HttpRequestMessage(HttpMethod.Post, tokenUrl);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (tokenAuth == ConnectionService.ClientSecretBasic && clientSecret is not null)
        {
            var pair = $"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(clientSecret)}";
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(pair)));
        }
        else
        {
            form.Add(new("client_id", clientId));
            if (clientSecret is not null)
            {
                form.Add(new("client_secret", clientSecret));
            }
        }

        request.Content = new FormUrlEncodedContent(form);
        try
        {
            using var response = await transport.Client.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            JsonElement body;
            try
            {
                body = JsonDocument.Parse(text).RootElement;
            }
            catch (JsonException)
            {
                return TokenAnswer.Failed($"the token endpoint answered {(int)response.StatusCode} without JSON");
            }

            if (!response.IsSuccessStatusCode || Text(body, "error") is not null)
            {
                var code = Text(body, "error") ?? "no error code";
                return TokenAnswer.Failed(Cut($"the token endpoint answered {(int)response.StatusCode} {code}"));
            }

            var expiresIn = body.TryGetProperty("expires_in", out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var seconds) ? seconds
                : e.ValueKind == JsonValueKind.String && long.TryParse(e.GetString(), out var parsed) ? parsed : (long?)null;
            return Text(body, "access_token") is { Length: > 0 } access
                ? new TokenAnswer(access, Text(body, "refresh_token"), expiresIn, Text(body, "scope"), null)
                : TokenAnswer.Failed("the token endpoint answered without an access_token");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return TokenAnswer.Failed(Cut($"the token endpoint could not be reached ({ex.GetType().Name})"));
        }
    }

    private static string? Text(JsonElement body, string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Cut(string text) => text.Length <= ErrorLength ? text : text[..ErrorLength];
}
