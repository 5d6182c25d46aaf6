using System.Net;
using System.Text;
using System.Text.Json;
using Bosun.Server.Http;

namespace Bosun.Tests.Infrastructure;

/// A person of a test tenant with a client that authenticates as them.
public sealed record TestPerson(string Id, string Email, string Role, HttpClient Client, string Token);

public static class TestTenantExtensions
{
    /// Invites a person and accepts the invitation the way the invitee would, anonymously.
    public static async Task<TestPerson> AddPersonAsync(this TestTenant tenant, string role = "member", string? email = null)
    {
        email ??= $"{role}-{Guid.NewGuid():N}@example.test";
        var invitation = await tenant.Owner.PostJsonAsync("/api/v1/invitations", new { email, role });
        var accepted = await tenant.App.Anonymous().PostJsonAsync("/api/v1/invitations/accept",
            new { token = invitation.Str("token"), name = email.Split('@')[0] });
        var secret = accepted.GetProperty("token").Str("token");
        return new TestPerson(accepted.GetProperty("user").Str("id"), email, role, tenant.App.ClientFor(secret), secret);
    }

    public static async Task<JsonElement> CreateGoalAsync(this TestTenant tenant, object body) =>
        await tenant.Owner.PostJsonAsync("/api/v1/goals", body);
}

public static class HttpSend
{
    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string url, string json, string? idempotencyKey = null) =>
        client.SendRawAsync(HttpMethod.Post, url, json, idempotencyKey);

    public static Task<HttpResponseMessage> PatchRawAsync(this HttpClient client, string url, string json, string? idempotencyKey = null) =>
        client.SendRawAsync(HttpMethod.Patch, url, json, idempotencyKey);

    public static async Task<HttpResponseMessage> SendRawAsync(this HttpClient client, HttpMethod method, string url, string? json, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> SendJsonAsync(this HttpClient client, HttpMethod method, string url, object? body, string? idempotencyKey = null) =>
        client.SendRawAsync(method, url, body is null ? null : JsonSerializer.Serialize(body, BosunJson.Options), idempotencyKey);

    /// Asserts an RFC 7807 answer with the status and returns its body.
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.Str("title")));
        Assert.False(string.IsNullOrEmpty(problem.Str("type")));
        return problem;
    }

    /// The messages a problem gives for one field; fails if the field is not named.
    public static IReadOnlyList<string> FieldErrors(this JsonElement problem, string field)
    {
        Assert.True(problem.TryGetProperty("errors", out var errors), $"no field errors in {problem}");
        Assert.True(errors.TryGetProperty(field, out var messages), $"'{field}' is not named in {errors}");
        return messages.EnumerateArray().Select(m => m.GetString()!).ToList();
    }

    public static async Task<List<JsonElement>> ListAllAsync(this HttpClient client, string url)
    {
        var page = await client.GetJsonAsync(url + (url.Contains('?') ? "&" : "?") + "limit=500");
        Assert.Equal(JsonValueKind.Null, page.GetProperty("next_cursor").ValueKind);
        return page.GetProperty("items").EnumerateArray().ToList();
    }
}
