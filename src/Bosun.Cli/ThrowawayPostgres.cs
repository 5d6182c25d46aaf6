using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Bosun.Cli;

/// A private PostgreSQL cluster in a temporary directory on a free port, for tests and benchmarks.
/// Needs Debian's postgresql binaries; as root the server runs as the postgres user, since PostgreSQL
/// refuses to run as root.
public sealed class ThrowawayPostgres : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _dir;
    private readonly bool _asPostgresUser;

    public int Port { get; }

    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=100;Include Error Detail=true";

    private ThrowawayPostgres(string bin, string dir, int port, bool asPostgresUser)
    {
        _bin = bin;
        _dir = dir;
        Port = port;
        _asPostgresUser = asPostgresUser;
    }

    /// <param name="durable">false turns off fsync for tests; benchmarks keep PostgreSQL's durable defaults.</param>
    public static async Task<ThrowawayPostgres> StartAsync(bool durable = false)
    {
        var bin = FindBinaries() ?? throw new InvalidOperationException(
            "PostgreSQL server binaries were not found (looked in /usr/lib/postgresql/*/bin and PATH). Install Debian's 'postgresql' package.");
        var asPostgresUser = Environment.UserName == "root";
        var dir = Path.Combine(Path.GetTempPath(), $"bosun-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        if (asPostgresUser)
        {
            await RunAsync("chown", ["postgres:postgres", dir]);
        }

        var data = Path.Combine(dir, "data");
        var port = FreePort();
        var pg = new ThrowawayPostgres(bin, dir, port, asPostgresUser);
        await pg.RunPgAsync("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"]);
        var settings = $"-p {port} -k {dir} -c listen_addresses=127.0.0.1 -c max_connections=1000 -c shared_buffers=256MB";
        if (!durable)
        {
            settings += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
        }

        await pg.RunPgAsync("pg_ctl", ["-D", data, "-l", Path.Combine(dir, "server.log"), "-o", settings, "-w", "-t", "60", "start"]);
        return pg;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunPgAsync("pg_ctl", ["-D", Path.Combine(_dir, "data"), "-m", "immediate", "-w", "stop"]);
        }
        finally
        {
            try
            {
                Directory.Delete(_dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static string? FindBinaries()
    {
        var versions = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
            : Enumerable.Empty<string>();
        foreach (var version in versions)
        {
            var bin = Path.Combine(version, "bin");
            if (File.Exists(Path.Combine(bin, "pg_ctl")))
            {
                return bin;
            }
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').FirstOrDefault(p => File.Exists(Path.Combine(p, "pg_ctl")));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// Stops the cluster in a data directory whose owner can no longer do it: a benchmark killed before it could stop
    /// its server leaves that server running.
    public static Task StopAsync(string dataDirectory) =>
        RunPgAsync(FindBinaries() ?? throw new InvalidOperationException("PostgreSQL server binaries were not found."),
            Environment.UserName == "root", "pg_ctl", ["-D", dataDirectory, "-m", "immediate", "-w", "stop"]);

    private Task RunPgAsync(string tool, IReadOnlyList<string> args) => RunPgAsync(_bin, _asPostgresUser, tool, args);

    private static Task RunPgAsync(string bin, bool asPostgresUser, string tool, IReadOnlyList<string> args)
    {
        var path = Path.Combine(bin, tool);
        return asPostgresUser ? RunAsync("runuser", ["-u", "postgres", "--", path, .. args]) : RunAsync(path, args);
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed with exit code {process.ExitCode}:\n{await stdout}\n{await stderr}");
        }
    }
}
