using System.Net;
using System.Text.RegularExpressions;
using Bosun.Core.Identity;
using Bosun.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Tests.Web;

public sealed record WebPage(HttpStatusCode Status, string Html, string? Location)
{
    /// The anti-forgery token of the page's forms.
    public string FormToken => Regex.Match(Html, "name=\"_csrf\" value=\"([^\"]+)\"").Groups[1].Value;

    /// The message shown next to a field, or null.
    public string? FieldError(string id) =>
        Regex.Match(Html, $"<p class=\"error\" id=\"{Regex.Escape(id)}-error\">([^<]*)</p>") is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : null;
}

/// A browser without a screen: keeps cookies, sends forms with the page's anti-forgery token, does not follow redirects.
public sealed partial class WebClient : IDisposable
{
    private readonly HttpClient _http;

    public WebClient(BosunTestApp app)
    {
        Cookies = new CookieContainer();
        _http = new HttpClient(new CookieContainerHandler(Cookies) { InnerHandler = app.CreateHandler() }) { BaseAddress = new Uri("http://localhost/") };
    }

    public CookieContainer Cookies { get; }

    public WebPage? Last { get; private set; }

    public async Task<WebPage> GetAsync(string url) => Last = await ReadAsync(await _http.GetAsync(url));

    /// Posts a form the way the page would, with the token from the last page unless one is given.
    public async Task<WebPage> PostAsync(string url, IDictionary<string, string> fields, string? token = null)
    {
        var body = new Dictionary<string, string>(fields);
        if ((token ?? Last?.FormToken) is { Length: > 0 } csrf)
        {
            body["_csrf"] = csrf;
        }

        return Last = await ReadAsync(await _http.PostAsync(url, new FormUrlEncodedContent(body)));
    }

    /// Posts a multipart form (a file upload) with the token from the last page.
    public async Task<WebPage> PostMultipartAsync(string url, MultipartFormDataContent form)
    {
        form.Add(new StringContent(Last?.FormToken ?? ""), "_csrf");
        return Last = await ReadAsync(await _http.PostAsync(url, form));
    }

    /// The raw answer to a GET, for downloads.
    public Task<HttpResponseMessage> GetRawAsync(string url) => _http.GetAsync(url);

    public async Task<WebPage> SignInAsync(string email, string password, string? tenant = null)
    {
        await GetAsync("/signin");
        var fields = new Dictionary<string, string> { ["email"] = email, ["password"] = password };
        if (tenant is not null)
        {
            fields["tenant"] = tenant;
        }

        return await PostAsync("/signin", fields);
    }

    private static async Task<WebPage> ReadAsync(HttpResponseMessage response) =>
        new(response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.Location?.ToString());

    public void Dispose() => _http.Dispose();
}

public static class WebTestTenants
{
    public const string Password = "correct horse battery";

    /// Gives the tenant's owner a web password, the way `bosun set-password` does.
    public static async Task SetOwnerPasswordAsync(this TestTenant tenant, string password = Password)
    {
        await using var scope = tenant.App.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<SignInService>().SetPasswordAsync(tenant.Slug, "owner@example.test", password, CancellationToken.None);
    }
}
