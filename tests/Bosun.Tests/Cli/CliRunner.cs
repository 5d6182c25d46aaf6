using System.CommandLine;
using System.Text.Json;
using Bosun.Cli;
using Bosun.Cli.Client;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Cli;

public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public JsonElement Json() => JsonDocument.Parse(Output).RootElement.Clone();

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// Runs `bosun` command lines in-process the way a terminal would, against the test app's server, with
/// stdout and stderr captured and a config file of its own.
public sealed class CliRunner : IDisposable
{
    public const string Url = "http://bosun.test";

    private readonly BosunTestApp? _app;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"bosun-cli-{Guid.NewGuid():N}");

    /// Without an app, commands go over the network like the real executable.
    public CliRunner(BosunTestApp? app)
    {
        _app = app;
        ConfigPath = Path.Combine(_dir, "config.json");
    }

    public string ConfigPath { get; }

    public async Task<CliResult> RunAsync(params string[] args)
    {
        // Both values flow only into this call, so runners never see each other's server or login.
        BosunClient.HandlerOverride.Value = _app is null ? null : _app.CreateHandler;
        ClientSettings.ConfigPathOverride.Value = ConfigPath;
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await BosunCli.RunAsync(args, new InvocationConfiguration { Output = output, Error = error });
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// Runs a command line that must succeed.
    public async Task<CliResult> OkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, $"bosun {string.Join(' ', args)}\n{result}");
        return result;
    }

    public Task<CliResult> LoginAsync(string token) => OkAsync("login", "--url", Url, "--token", token);

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
