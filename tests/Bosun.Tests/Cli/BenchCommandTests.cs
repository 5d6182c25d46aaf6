using System.Diagnostics;
using System.Text;
using Bosun.Cli;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;

namespace Bosun.Tests.Cli;

/// `bosun bench` run as a user runs it: the real executable in a process of its own, with a temporary directory of its
/// own, so what the benchmark leaves behind (its SQLite file, its throwaway PostgreSQL) can be looked for afterwards.
/// Figures are printed, never checked: a test does not time things.
[Trait(TestCategory.Key, TestCategory.Bench)]
public sealed class BenchCommandTests
{
    [Theory, BothStores]
    public async Task A_short_dispatch_benchmark_prints_its_figures_and_leaves_nothing_behind(StoreKind store)
    {
        await using var bench = BenchProcess.Start("dispatch", "--store", store.ToString().ToLowerInvariant(),
            "--agents", "2", "--items", "200", "--seconds", "1");

        var exit = await bench.ExitAsync(TimeSpan.FromMinutes(4));

        Assert.True(exit == 0, bench.Transcript());
        Assert.Contains("Bosun cycles / raw SQL baseline:", bench.Output);
        Assert.Contains("batched claims (max 50) / single claims:", bench.Output);
        Assert.Empty(bench.LeftBehind());
    }

    [Theory, BothStores]
    public async Task Ctrl_C_stops_a_benchmark_and_removes_its_server_and_database(StoreKind store)
    {
        await using var bench = BenchProcess.Start("dispatch", "--store", store.ToString().ToLowerInvariant(),
            "--agents", "2", "--items", "2000", "--seconds", "60");
        await bench.WaitForOutputAsync("warm-up round 1", TimeSpan.FromMinutes(2));
        Assert.NotEmpty(bench.LeftBehind());

        bench.Signal("INT");
        var exit = await bench.ExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(exit == 130, bench.Transcript());
        Assert.Contains("Stopped", bench.Output);
        Assert.DoesNotContain("Bosun cycles / raw SQL baseline:", bench.Output);
        Assert.Empty(bench.LeftBehind());
        Assert.Empty(BenchProcess.PostgresServersUnder(bench.TempDir));
    }

    private sealed class BenchProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly StringBuilder _error = new();

        private BenchProcess(Process process, string tempDir)
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

        public static BenchProcess Start(params string[] args)
        {
            // The throwaway PostgreSQL runs as the postgres user when the tests run as root; it must reach its directory.
            var tempDir = Directory.CreateTempSubdirectory("bosun-bench-test-").FullName;
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
            start.ArgumentList.Add("bench");
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment["TMPDIR"] = tempDir;
            start.Environment["COLUMNS"] = "200";
            var process = Process.Start(start) ?? throw new InvalidOperationException("bosun did not start");
            var bench = new BenchProcess(process, tempDir);
            process.OutputDataReceived += (_, e) => bench.Append(bench._output, e.Data);
            process.ErrorDataReceived += (_, e) => bench.Append(bench._error, e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return bench;
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
                Assert.False(_process.HasExited, $"bosun bench ended before printing \"{text}\":\n{Transcript()}");
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
                Assert.Fail($"bosun bench did not end within {limit}:\n{Transcript()}");
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

        /// The benchmark's database directories: a SQLite file's or a throwaway PostgreSQL's.
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
                // Only after a failed test: the server was started detached, so it outlives the killed benchmark. A
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
}
