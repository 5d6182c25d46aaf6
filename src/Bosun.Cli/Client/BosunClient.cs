using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Bosun.Server.Http;

namespace Bosun.Cli.Client;

/// A failed API call, carrying the server's problem details.
public sealed class ApiProblem(int status, JsonElement? problem, string message, TimeSpan? retryAfter = null) : Exception(message)
{
    public int Status { get; } = status;
    public JsonElement? Problem { get; } = problem;

    /// How long Bosun asked the caller to wait before trying again (the Retry-After header), if it said.
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public string? Type => Problem is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty("type", out var type) ? type.GetString() : null;
}

/// Where the CLI finds a running Bosun and the token to use: --url/--token, then BOSUN_URL/BOSUN_TOKEN,
/// then the file `bosun login` wrote.
public sealed record ClientSettings(string Url, string? Token)
{
    public static readonly Option<string?> UrlOption = new("--url") { Description = "Bosun server URL (or BOSUN_URL)", Recursive = true };
    public static readonly Option<string?> TokenOption = new("--token") { Description = "API token (or BOSUN_TOKEN)", Recursive = true };

    /// Lets tests give each run its own config file without touching the process environment.
    public static readonly AsyncLocal<string?> ConfigPathOverride = new();

    public static string ConfigPath =>
        ConfigPathOverride.Value
        ?? Environment.GetEnvironmentVariable("BOSUN_CONFIG")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "bosun", "config.json");

    public static ClientSettings Resolve(ParseResult result)
    {
        var saved = Load();
        var url = result.GetValue(UrlOption) ?? Environment.GetEnvironmentVariable("BOSUN_URL") ?? saved?.Url ?? "http://127.0.0.1:5080";
        var token = result.GetValue(TokenOption) ?? Environment.GetEnvironmentVariable("BOSUN_TOKEN") ?? saved?.Token;
        return new ClientSettings(url.TrimEnd('/'), token);
    }

    public static ClientSettings? Load()
    {
        var path = ConfigPath;
        return File.Exists(path) ? JsonSerializer.Deserialize<ClientSettings>(File.ReadAllText(path), BosunJson.Options) : null;
    }

    /// Saved readable by the user only: the file holds a bearer token.
    public void Save()
    {
        var path = ConfigPath;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var json = JsonSerializer.Serialize(this, BosunJson.Options);
        if (OperatingSystem.IsWindows())
        {
            File.WriteAllText(path, json);
            return;
        }

        // Mode 0600 before the token is written, so it is never readable by others, not even for a moment.
        if (File.Exists(path))
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        using var writer = new StreamWriter(stream);
        writer.Write(json);
    }

    /// Removes the saved login; false when there was none.
    public static bool Forget()
    {
        var path = ConfigPath;
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }
}

/// The REST API as the CLI uses it. Tests swap the transport for the in-process server with <see cref="HandlerOverride"/>.
public sealed class BosunClient : IDisposable
{
    public static readonly AsyncLocal<Func<HttpMessageHandler>?> HandlerOverride = new();

    private readonly HttpClient _http;

    public BosunClient(ClientSettings settings)
    {
        _http = HandlerOverride.Value is { } handler ? new HttpClient(handler()) : new HttpClient();
        _http.BaseAddress = new Uri(settings.Url + "/");
        _http.Timeout = TimeSpan.FromMinutes(2);
        if (settings.Token is { } token)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public HttpClient Http => _http;

    public Task<JsonElement> GetAsync(string path, CancellationToken ct = default) => SendAsync(HttpMethod.Get, path, null, ct);

    public Task<JsonElement> PostAsync(string path, object? body, CancellationToken ct = default) => SendAsync(HttpMethod.Post, path, body, ct);

    public Task<JsonElement> PatchAsync(string path, object? body, CancellationToken ct = default) => SendAsync(HttpMethod.Patch, path, body, ct);

    public Task<JsonElement> DeleteAsync(string path, CancellationToken ct = default) => SendAsync(HttpMethod.Delete, path, null, ct);

    /// A POST that a retry (with the same key) answers with the first response instead of doing twice.
    public Task<JsonElement> PostOnceAsync(string path, object? body, string idempotencyKey, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, path, body, ct, idempotencyKey);

    /// Uploads a file as multipart/form-data in a part named <paramref name="field"/>, with the other form fields given.
    public async Task<JsonElement> UploadAsync(string path, FileInfo file, string? contentType, IEnumerable<(string Name, string? Value)> fields,
        CancellationToken ct = default, string field = "file")
    {
        await using var stream = file.OpenRead();
        using var form = new MultipartFormDataContent();
        var part = new StreamContent(stream);
        if (contentType is not null)
        {
            part.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        form.Add(part, field, file.Name);
        foreach (var (name, value) in fields)
        {
            if (value is not null)
            {
                form.Add(new StringContent(value), name);
            }
        }

        return await SendAsync(HttpMethod.Post, path, form, ct);
    }

    /// Streams a download into <paramref name="target"/>; a refusal is an <see cref="ApiProblem"/> as for any request.
    public async Task<long> DownloadAsync(string path, Stream target, CancellationToken ct = default)
    {
        using var response = await _http.GetAsync(path.TrimStart('/'), HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            throw Problem(response, JsonOf(response, text), text);
        }

        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var before = target.CanSeek ? target.Position : 0;
        await body.CopyToAsync(target, ct);
        return target.CanSeek ? target.Position - before : response.Content.Headers.ContentLength ?? 0;
    }

    public async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct = default, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        if (body is not null)
        {
            request.Content = body as HttpContent ?? JsonContent.Create(body, options: BosunJson.Options);
        }

        using var response = await _http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        var json = JsonOf(response, text);
        if (!response.IsSuccessStatusCode)
        {
            throw Problem(response, json, text);
        }

        return json ?? default;
    }

    private static ApiProblem Problem(HttpResponseMessage response, JsonElement? json, string text)
    {
        var detail = json?.TryGetProperty("detail", out var d) == true ? d.GetString() : text;
        return new ApiProblem((int)response.StatusCode, json, $"{(int)response.StatusCode} {response.ReasonPhrase}: {detail}", response.Headers.RetryAfter?.Delta);
    }

    private static JsonElement? JsonOf(HttpResponseMessage response, string text) =>
        text.Length > 0 && (response.Content.Headers.ContentType?.MediaType?.Contains("json") ?? false) ? JsonDocument.Parse(text).RootElement.Clone() : null;

    public void Dispose() => _http.Dispose();
}
