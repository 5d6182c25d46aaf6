using System.Diagnostics;
using System.Text;
using Bosun.Cli;

namespace Bosun.Tests.Cli;

/// The real `bosun` executable in a process of its own, run as a user runs it, with a temporary directory of its own
/// as working directory and TMPDIR.
internal sealed class BosunProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();

    private BosunProcess(Process process, string tempDir)
    {
        _process = process;
        TempDir = tempDir;
    }

    public string TempDir { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static BosunProcess Start(params string[] args)
    {
        // The throwaway PostgreSQL runs as the postgres user when the tests run as root; it must reach its directory.
        var tempDir = Directory.CreateTempSubdirectory("bosun-process-test-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(tempDir, (UnixFileMode)0b111_101_101);
        }
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = tempDir,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "bosun.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["TMPDIR"] = tempDir;
        start.Environment["COLUMNS"] = "200";
        var process = Process.Start(start) ?? throw new InvalidOperationException("bosun did not start");
        var bosun = new BosunProcess(process, tempDir);
        process.OutputDataReceived += (_, e) => bosun.Append(bosun._output, e.Data);
        process.ErrorDataReceived += (_, e) => bosun.Append(bosun._error, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return bosun;
    }

    private void Append(StringBuilder to, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            to.AppendLine(line);
        }
    }

    public string Transcript()
    {
        lock (_output)
        {
            return $"exit {(_process.HasExited ? _process.ExitCode : "none")}\n--- stdout\n{_output}\n--- stderr\n{_error}";
        }
    }

    public async Task WaitForOutputAsync(string text, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.False(_process.HasExited, $"bosun ended before printing \"{text}\":\n{Transcript()}");
            Assert.True(DateTime.UtcNow < deadline, $"no \"{text}\" within {limit}:\n{Transcript()}");
            await Task.Delay(200);
        }
    }

    public async Task<int> ExitAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"bosun did not end within {limit}:\n{Transcript()}");
        }

        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, _process.Id.ToString()]) ?? throw new InvalidOperationException("no kill");
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// Database directories left in the temporary directory: a SQLite file's or a throwaway PostgreSQL's.
    public IReadOnlyList<string> LeftBehind() =>
        Directory.GetDirectories(TempDir, "bosun-*").ToList();

    /// PostgreSQL servers whose data directory is under the path, found by their command lines.
    public static IReadOnlyList<string> PostgresServersUnder(string path) =>
        Directory.GetDirectories("/proc")
            .Select(dir => Path.Combine(dir, "cmdline"))
            .Select(file =>
            {
                try
                {
                    return File.ReadAllText(file).Replace('\0', ' ');
                }
                catch (IOException)
                {
                    return "";
                }
                catch (UnauthorizedAccessException)
                {
                    return "";
                }
            })
            .Where(line => line.Contains("postgres", StringComparison.Ordinal) && line.Contains(path, StringComparison.Ordinal))
            .ToList();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        foreach (var data in Directory.GetDirectories(TempDir, "bosun-pg-*").Select(dir => Path.Combine(dir, "data"))
                     .Where(data => File.Exists(Path.Combine(data, "postmaster.pid"))))
        {
            // Only after a failed test: the server was started detached, so it outlives the killed command. A
            // server that will not stop must not hide the test's own failure.
            try
            {
                await ThrowawayPostgres.StopAsync(data);
            }
            catch (InvalidOperationException)
            {
            }
        }

        try
        {
            Directory.Delete(TempDir, recursive: true);
        }
        catch (IOException)
        {
            // A server that outlived a failed test may still hold files; the run's temporary directory goes with it.
        }
    }
}
