using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Bosun.Cli;
using Npgsql;

namespace Bosun.Tests.Scale;

/// A real PgBouncer in transaction mode in front of the throwaway PostgreSQL, on a free port, with its ini and user list
/// in a temporary directory. As root it switches to the postgres user (`-u`), since PgBouncer refuses to run as root.
internal sealed class PgBouncer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;
    private readonly StringBuilder _output = new();

    public int Port { get; }

    private PgBouncer(Process process, string dir, int port)
    {
        _process = process;
        _dir = dir;
        Port = port;
    }

    /// The connection string of a database behind the pooler, with what Bosun needs there: no prepared statements.
    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Max Auto Prepare=0;Include Error Detail=true";

    /// <param name="poolSize">Server connections per database: fewer than the clients, so that transactions of
    /// different clients (and tenants) take turns on the same server connections.</param>
    public static async Task<PgBouncer> StartAsync(ThrowawayPostgres postgres, int poolSize)
    {
        var binary = new[] { "/usr/sbin/pgbouncer", "/usr/bin/pgbouncer" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("pgbouncer was not found: install Debian's 'pgbouncer' package (./test.sh does when it runs as root).");
        var dir = Directory.CreateTempSubdirectory("bosun-pgbouncer-").FullName;
        var port = FreePort();
        var ini = Path.Combine(dir, "pgbouncer.ini");
        await File.WriteAllTextAsync(Path.Combine(dir, "userlist.txt"), "\"postgres\" \"\"\n");
        await File.WriteAllTextAsync(ini, $"""
            [databases]
            * = host=127.0.0.1 port={postgres.Port}

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = {port}
            unix_socket_dir =
            auth_type = trust
            auth_file = {Path.Combine(dir, "userlist.txt")}
            pool_mode = transaction
            default_pool_size = {poolSize}
            max_client_conn = 1000
            logfile = {Path.Combine(dir, "pgbouncer.log")}
            """);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            using var chown = Process.Start("chown", ["-R", "postgres:postgres", dir])!;
            await chown.WaitForExitAsync();
        }

        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asRoot)
        {
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add("postgres");
        }

        start.ArgumentList.Add(ini);
        var process = Process.Start(start) ?? throw new InvalidOperationException("pgbouncer did not start");
        var bouncer = new PgBouncer(process, dir, port);
        process.OutputDataReceived += (_, e) => bouncer.Append(e.Data);
        process.ErrorDataReceived += (_, e) => bouncer.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(bouncer.ConnectionString("postgres") + ";Pooling=false");
                await connection.OpenAsync();
                return bouncer;
            }
            catch (Exception ex) when (ex is NpgsqlException or SocketException)
            {
                if (process.HasExited || DateTime.UtcNow > deadline)
                {
                    await bouncer.DisposeAsync();
                    throw new InvalidOperationException($"pgbouncer did not accept connections: {ex.Message}\n{bouncer.Log()}");
                }

                await Task.Delay(100);
            }
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    /// What PgBouncer printed and logged, for a failure's message.
    public string Log()
    {
        var file = Path.Combine(_dir, "pgbouncer.log");
        lock (_output)
        {
            return $"{_output}{(File.Exists(file) ? File.ReadAllText(file) : "")}";
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
