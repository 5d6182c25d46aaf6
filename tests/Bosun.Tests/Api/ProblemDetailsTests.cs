using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Api;

public sealed class ProblemDetailsTests
{
    [Theory, BothStores]
    public async Task Bad_json_bodies_are_400_naming_the_field(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");

        var cases = new (string Json, string Field, string Says)[]
        {
            ("""{"project_id":"WEB","title":"x","approval_required":"yes"}""", "approval_required", "true or false"),
            ("""{"project_id":"WEB","title":"x","priority":"extreme"}""", "priority", "low, normal, high, urgent"),
            ("""{"project_id":"WEB","title":"x","priority":3}""", "priority", "low, normal, high, urgent"),
            ("""{"project_id":"WEB","title":"x","status":"half_done"}""", "status", "in_progress"),
            ("""{"project_id":"WEB","title":"x","colour":"red"}""", "colour", "not a known field"),
            ("""{"project_id":"WEB","title":"x","due_at":"next tuesday"}""", "due_at", "date-time"),
            ("""{"project_id":"WEB","title":"x","labels":"urgent"}""", "labels", "array"),
            ("""{"project_id":"WEB","title":""}""", "title", "required"),
            ("""{"project_id":"NOPE","title":"x"}""", "project_id", "no such project"),
        };
        foreach (var (json, field, says) in cases)
        {
            var problem = await (await acme.Owner.PostRawAsync("/api/v1/work", json)).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.True(problem.FieldErrors(field).Any(m => m.Contains(says, StringComparison.Ordinal)), $"{json}: {problem}");
        }

        var agentProblem = await (await acme.Owner.PostRawAsync("/api/v1/agents", """{"name":"a","role":"r","max_concurrent_runs":"many"}"""))
            .ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("an integer", agentProblem.FieldErrors("max_concurrent_runs")[0]);
        Assert.Empty(await acme.Owner.ListAllAsync("/api/v1/work"));
        Assert.Empty(await acme.Owner.ListAllAsync("/api/v1/agents"));
    }

    [Theory, BothStores]
    public async Task Malformed_or_missing_json_is_400_not_500(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");

        foreach (var json in new[] { """{"project_id":"WEB","title": """, "{nope}", "[1,2]", "\"text\"", "", "null" })
        {
            var response = await acme.Owner.PostRawAsync("/api/v1/work", json);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{json}: {await response.Content.ReadAsStringAsync()}");
            var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
            Assert.Equal("/problems/validation", problem.Str("type"));
            Assert.True(problem.TryGetProperty("errors", out var errors) && errors.EnumerateObject().Any(), $"{json}: {problem}");
        }

        var emptyBody = await acme.Owner.PostRawAsync("/api/v1/projects", "");
        Assert.NotEmpty((await emptyBody.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("body"));

        var noBody = await acme.Owner.SendRawAsync(HttpMethod.Post, "/api/v1/projects", null);
        Assert.Equal(["a JSON body is required"], (await noBody.ProblemAsync(HttpStatusCode.BadRequest)).FieldErrors("body"));

        using var xml = new StringContent("<project/>", Encoding.UTF8, "application/xml");
        var wrongType = await acme.Owner.PostAsync("/api/v1/projects", xml);
        await wrongType.ProblemAsync(HttpStatusCode.UnsupportedMediaType);
        Assert.Empty(await acme.Owner.ListAllAsync("/api/v1/work"));
        Assert.Single(await acme.Owner.ListAllAsync("/api/v1/projects"));
    }

    [Theory, BothStores]
    public async Task A_method_a_route_does_not_take_is_405_with_the_allowed_ones(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();

        var response = await acme.Owner.SendRawAsync(HttpMethod.Delete, "/api/v1/tenant", null);

        Assert.Equal("/problems/method-not-allowed", (await response.ProblemAsync(HttpStatusCode.MethodNotAllowed)).Str("type"));
        Assert.Contains("PATCH", response.Content.Headers.Allow);
    }

    [Theory, BothStores]
    public async Task Bad_query_parameters_are_400_naming_the_parameter(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();

        var cases = new (string Url, string Field)[]
        {
            ("/api/v1/work?limit=abc", "limit"),
            ("/api/v1/work?limit=0", "limit"),
            ("/api/v1/work?limit=501", "limit"),
            ("/api/v1/work?cursor=not-a-cursor", "cursor"),
            ("/api/v1/work?status=ready,half_done", "status"),
            ("/api/v1/work?assignee=bob", "assignee"),
            ("/api/v1/projects?status=bogus", "status"),
            ("/api/v1/users?role=king", "role"),
            ("/api/v1/goals?status=maybe", "status"),
            ("/api/v1/agents?enabled=perhaps", "enabled"),
        };
        foreach (var (url, field) in cases)
        {
            var problem = await (await acme.Owner.GetAsync(url)).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.NotEmpty(problem.FieldErrors(field));
        }
    }

    [Theory, BothStores]
    public async Task A_body_over_one_mebibyte_is_413_with_or_without_a_length(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        var big = $$"""{"project_id":"WEB","title":"big","description":"{{new string('x', (1 << 20) + 10)}}"}""";

        var withLength = await acme.Owner.PostRawAsync("/api/v1/work", big);
        Assert.Equal("/problems/too-large", (await withLength.ProblemAsync(HttpStatusCode.RequestEntityTooLarge)).Str("type"));

        using var streamed = new UnknownLengthContent(Encoding.UTF8.GetBytes(big));
        var chunked = await acme.Owner.PostAsync("/api/v1/work", streamed);
        Assert.Equal("/problems/too-large", (await chunked.ProblemAsync(HttpStatusCode.RequestEntityTooLarge)).Str("type"));

        Assert.Empty(await acme.Owner.ListAllAsync("/api/v1/work"));
        var justUnder = $$"""{"project_id":"WEB","title":"fits","description":"{{new string('x', 90_000)}}"}""";
        Assert.Equal(HttpStatusCode.Created, (await acme.Owner.PostRawAsync("/api/v1/work", justUnder)).StatusCode);
    }

    [Theory, BothStores]
    public async Task Unknown_ids_and_routes_are_404_problems(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        var acme = await app.CreateTenantAsync();
        var unknown = Bosun.Core.Common.Ids.New();

        foreach (var url in new[]
                 {
                     $"/api/v1/work/{unknown}", "/api/v1/work/WEB-1", $"/api/v1/projects/{unknown}", $"/api/v1/goals/{unknown}",
                     $"/api/v1/agents/{unknown}", $"/api/v1/users/{unknown}", "/api/v1/no-such-thing",
                 })
        {
            var problem = await (await acme.Owner.GetAsync(url)).ProblemAsync(HttpStatusCode.NotFound);
            Assert.Equal("/problems/not-found", problem.Str("type"));
        }

        await (await acme.Owner.PatchRawAsync($"/api/v1/projects/{unknown}", """{"name":"x"}""")).ProblemAsync(HttpStatusCode.NotFound);
        await (await acme.Owner.PostRawAsync($"/api/v1/tokens/{unknown}/revoke", "{}")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory, BothStores]
    public async Task Requests_without_a_valid_token_are_401(StoreKind store)
    {
        await using var app = await BosunTestApp.StartAsync(store);
        await app.CreateTenantAsync();

        var anonymous = await app.Anonymous().GetAsync("/api/v1/work");
        await anonymous.ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);

        var forged = await app.ClientFor("bsn_user_not-a-real-token").GetAsync("/api/v1/work");
        await forged.ProblemAsync(HttpStatusCode.Unauthorized);

        var client = app.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", "dXNlcjpwYXNz");
        await (await client.GetAsync("/api/v1/tenant")).ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Health_and_openapi_document_are_served()
    {
        await using var app = await BosunTestApp.StartAsync(StoreKind.Sqlite);
        var client = app.Anonymous();

        var health = await client.GetJsonAsync("/healthz");
        Assert.Equal("ok", health.Str("status"));

        var openApi = await client.GetJsonAsync("/openapi/v1.json");
        Assert.Equal("Bosun API", openApi.GetProperty("info").Str("title"));
        var paths = openApi.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var path in new[]
                 {
                     "/api/v1/tenant", "/api/v1/users", "/api/v1/invitations", "/api/v1/invitations/accept", "/api/v1/agents",
                     "/api/v1/tokens", "/api/v1/projects", "/api/v1/goals", "/api/v1/work", "/api/v1/work/{id}",
                     "/api/v1/work/{id}/dependencies", "/api/v1/work/{id}/comments", "/api/v1/audit",
                 })
        {
            Assert.Contains(path, paths);
        }
    }

    /// Sends a body without Content-Length, the way a streaming client does.
    private sealed class UnknownLengthContent : HttpContent
    {
        private readonly byte[] _bytes;

        public UnknownLengthContent(byte[] bytes)
        {
            _bytes = bytes;
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(_bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
