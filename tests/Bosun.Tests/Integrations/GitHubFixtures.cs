using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Bosun.Core.Integrations;
using Bosun.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Bosun.Tests.Integrations;

/// Webhook payloads shaped as GitHub sends them (trimmed to the fields a receiver commonly reads, with GitHub's names
/// and nesting), and a sender that signs them as GitHub does.
public static class GitHubFixtures
{
    public const string Repo = "acme/web";

    private static object Owner(string login) => new { login, id = 9001, node_id = "MDQ6VXNlcjkwMDE=", type = "User", site_admin = false };

    public static object Repository(string fullName = Repo) => new
    {
        id = 123456789,
        node_id = "R_kgDOHTX5Ng",
        name = fullName.Split('/')[1],
        full_name = fullName,
        @private = true,
        owner = Owner(fullName.Split('/')[0]),
        html_url = $"https://github.com/{fullName}",
        url = $"https://api.github.com/repos/{fullName}",
        default_branch = "main",
        created_at = "2026-01-05T10:00:00Z",
        updated_at = "2026-03-01T10:00:00Z",
        pushed_at = "2026-03-02T08:59:00Z",
    };

    public static string PullRequest(
        string action, int number, string title, string branch, string sha, string state = "open", bool merged = false, bool draft = false,
        string? body = null, string repo = Repo) => JsonSerializer.Serialize(new
        {
            action,
            number,
            pull_request = new
            {
                url = $"https://api.github.com/repos/{repo}/pulls/{number}",
                id = 1800000000 + number,
                node_id = "PR_kwDOHTX5Ns5rJ0Aa",
                html_url = $"https://github.com/{repo}/pull/{number}",
                number,
                state,
                locked = false,
                title,
                user = Owner("ada"),
                body,
                created_at = "2026-03-02T09:00:00Z",
                updated_at = "2026-03-02T09:05:00Z",
                closed_at = state == "closed" ? "2026-03-02T10:00:00Z" : null,
                merged_at = merged ? "2026-03-02T10:00:00Z" : null,
                merge_commit_sha = merged ? "f00dfeed" : null,
                draft,
                head = new { label = $"acme:{branch}", @ref = branch, sha, user = Owner("acme"), repo = Repository(repo) },
                @base = new { label = "acme:main", @ref = "main", sha = "0000base", user = Owner("acme"), repo = Repository(repo) },
                author_association = "MEMBER",
                merged,
                mergeable = (bool?)null,
                comments = 0,
                commits = 1,
                additions = 10,
                deletions = 2,
                changed_files = 1,
            },
            repository = Repository(repo),
            sender = Owner("ada"),
        });

    public static string CheckRun(string action, string name, string sha, string status, string? conclusion, string repo = Repo) => JsonSerializer.Serialize(new
    {
        action,
        check_run = new
        {
            id = 2200000001,
            node_id = "CR_kwDOHTX5Ns8AAAAB",
            head_sha = sha,
            external_id = "",
            url = $"https://api.github.com/repos/{repo}/check-runs/2200000001",
            html_url = $"https://github.com/{repo}/runs/2200000001",
            details_url = $"https://github.com/{repo}/actions/runs/1/job/2200000001",
            status,
            conclusion,
            started_at = "2026-03-02T09:06:00Z",
            completed_at = status == "completed" ? "2026-03-02T09:08:00Z" : null,
            output = new { title = conclusion == "failure" ? "2 tests failed" : "All tests passed", summary = "42 tests", text = (string?)null, annotations_count = 0 },
            name,
            check_suite = new { id = 2100000001, head_branch = "web-1-landing", head_sha = sha, status, conclusion },
            app = new { id = 15368, slug = "github-actions", name = "GitHub Actions" },
            pull_requests = Array.Empty<object>(),
        },
        repository = Repository(repo),
        sender = Owner("github-actions[bot]"),
    });

    public static string CheckSuite(string action, string sha, string status, string? conclusion, string repo = Repo) => JsonSerializer.Serialize(new
    {
        action,
        check_suite = new
        {
            id = 2100000001,
            node_id = "CS_kwDOHTX5Ns8AAAAB",
            head_branch = "web-1-landing",
            head_sha = sha,
            status,
            conclusion,
            url = $"https://api.github.com/repos/{repo}/check-suites/2100000001",
            before = "0000base",
            after = sha,
            pull_requests = Array.Empty<object>(),
            app = new { id = 15368, slug = "github-actions", name = "GitHub Actions" },
            created_at = "2026-03-02T09:06:00Z",
            updated_at = "2026-03-02T09:08:00Z",
            latest_check_runs_count = 2,
        },
        repository = Repository(repo),
        sender = Owner("github-actions[bot]"),
    });

    public static string Status(string context, string sha, string state, string? description = null, string repo = Repo) => JsonSerializer.Serialize(new
    {
        id = 31000000001,
        sha,
        name = repo,
        target_url = $"https://ci.example.test/{context}/1",
        context,
        description,
        state,
        commit = new { sha, node_id = "C_kwDOHTX5NtoAKGY", html_url = $"https://github.com/{repo}/commit/{sha}" },
        branches = Array.Empty<object>(),
        created_at = "2026-03-02T09:07:00Z",
        updated_at = "2026-03-02T09:07:00Z",
        repository = Repository(repo),
        sender = Owner("ci-bot"),
    });

    public static string Ping(int hookId = 77) => JsonSerializer.Serialize(new
    {
        zen = "Keep it logically awesome.",
        hook_id = hookId,
        hook = new { type = "Repository", id = hookId, name = "web", active = true, events = new[] { "pull_request", "check_run" }, config = new { content_type = "json", insecure_ssl = "0", url = "https://bosun.example.test/api/v1/github/x/webhook" } },
        repository = Repository(),
        sender = Owner("ada"),
    });

    /// Posts a payload as GitHub does: the raw body, its event and delivery id, and its signature under the secret
    /// (or the given signature header, or none when it is empty).
    public static async Task<HttpResponseMessage> SendAsync(
        BosunTestApp app, string integrationId, string secret, string @event, string json, string? delivery = null, string? signature = null)
    {
        var body = Encoding.UTF8.GetBytes(json);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/github/{integrationId}/webhook") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-GitHub-Event", @event);
        request.Headers.Add("X-GitHub-Delivery", delivery ?? Guid.NewGuid().ToString());
        request.Headers.Add("X-GitHub-Hook-ID", "77");
        request.Headers.UserAgent.ParseAdd("GitHub-Hookshot/7a5bd0c");
        if (signature != "")
        {
            request.Headers.Add("X-Hub-Signature-256", signature ?? GitHubPayloads.Sign(secret, body));
        }

        using var client = app.Anonymous();
        return await client.SendAsync(request);
    }

    public static async Task<(string Id, string Secret)> CreateIntegrationAsync(TestTenant tenant, object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["repositories"] = new[] { Repo } };
        foreach (var property in extra?.GetType().GetProperties() ?? [])
        {
            body[property.Name] = property.GetValue(extra);
        }

        var created = await tenant.Owner.PostJsonAsync("/api/v1/github/integrations", body);
        return (created.Str("id"), created.Str("secret"));
    }
}

/// Every line the server logs, whatever its level.
public sealed class LogCapture : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            capture.Lines.Enqueue($"{formatter(state, exception)} {exception}");
    }
}
