using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bosun.Server;

namespace Bosun.Tests.Cli;

/// `bosun serve` as people run it: quiet by default, one line per request when asked, and never a secret a request
/// carried (a bearer token, a `?token=` query, an invitation link's token).
public sealed partial class ServeLoggingTests
{
    private const string HeaderSecret = "bsn_user_headersecret0001";
    private const string QuerySecret = "bsn_user_querysecret0002";
    private const string PathSecret = "bsn_invite_pathsecret0003";
    private static readonly string[] Paths = ["/healthz", "/api/v1/projects", "/invite/" + PathSecret];

    [Fact]
    public async Task Serve_by_default_prints_its_start_up_and_no_line_per_request()
    {
        var lines = await ServeAndRequestAsync();

        Assert.Contains(lines, l => l.Contains("Listening on http://127.0.0.1:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Bosun is using SQLite", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Migrations applied:", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.Contains(ServerLogging.StartupCategory, l));
    }

    [Fact]
    public async Task Serve_at_information_prints_exactly_one_line_per_request_without_secrets()
    {
        var lines = await ServeAndRequestAsync("--log-level", "information");

        var requests = lines.Where(l => !l.Contains(ServerLogging.StartupCategory, StringComparison.Ordinal)).ToList();
        Assert.Equal(Paths.Length, requests.Count);
        Assert.Single(requests, l => l.Contains("GET /healthz 200 ", StringComparison.Ordinal));
        Assert.Single(requests, l => l.Contains("GET /api/v1/projects 401 ", StringComparison.Ordinal));
        Assert.Single(requests, l => l.Contains("GET /invite/*** ", StringComparison.Ordinal));
        AssertNoSecret(lines);
    }

    [Fact]
    public async Task Serve_with_json_format_prints_one_json_object_per_line()
    {
        var lines = await ServeAndRequestAsync("--log-level", "information", "--log-format", "json");

        var entries = lines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        var requests = entries.Where(e => e.GetProperty("Category").GetString() == ServerLogging.RequestCategory).ToList();
        Assert.Equal(Paths.Length, requests.Count);
        Assert.Equal(entries.Count - Paths.Length, entries.Count(e => e.GetProperty("Category").GetString() == ServerLogging.StartupCategory));
        var healthz = Assert.Single(requests, e => e.GetProperty("State").GetProperty("Path").GetString() == "/healthz");
        Assert.Equal("GET", healthz.GetProperty("State").GetProperty("Method").GetString());
        Assert.Equal(200, healthz.GetProperty("State").GetProperty("Status").GetInt32());
        Assert.False(string.IsNullOrEmpty(healthz.GetProperty("State").GetProperty("RequestId").GetString()));
        AssertNoSecret(lines);
    }

    /// Starts `bosun serve` on a port of its own, sends the requests, stops it with Ctrl+C and returns everything it
    /// printed (the console logger has written all its lines once the process has ended).
    private static async Task<IReadOnlyList<string>> ServeAndRequestAsync(params string[] options)
    {
        await using var serve = BosunProcess.Start(["serve", "--urls", "http://127.0.0.1:0", .. options]);
        await serve.WaitForOutputAsync("Listening on", TimeSpan.FromMinutes(1));
        var url = ListeningUrl().Match(serve.Output).Value;
        using (var client = new HttpClient { BaseAddress = new Uri(url) })
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", HeaderSecret);
            foreach (var path in Paths)
            {
                using var response = await client.GetAsync(path == "/api/v1/projects" ? $"{path}?token={QuerySecret}" : path);
            }
        }

        serve.Signal("INT");
        await serve.ExitAsync(TimeSpan.FromSeconds(30));
        return serve.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static void AssertNoSecret(IReadOnlyList<string> lines)
    {
        foreach (var secret in new[] { HeaderSecret, QuerySecret, PathSecret, "token=" })
        {
            Assert.DoesNotContain(lines, l => l.Contains(secret, StringComparison.Ordinal));
        }
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+")]
    private static partial Regex ListeningUrl();
}
