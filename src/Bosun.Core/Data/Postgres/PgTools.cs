using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Bosun.Core.Data.Safety;
using Npgsql;

namespace Bosun.Core.Data.Postgres;

/// PostgreSQL's pg_dump and pg_restore, found on this machine and run against a database named by an Npgsql connection
/// string. The connection goes to them through libpq's environment variables, and a password through a password file
/// readable only by this user, never on their command line, where any user of the machine could read it.
internal sealed partial class PgTools
{
    public const string BinVariable = "BOSUN_PG_BIN";

    private PgTools(string bin, int major)
    {
        Bin = bin;
        Major = major;
    }

    public string Bin { get; }
    public int Major { get; }

    /// The newest pg_dump and pg_restore found: in BOSUN_PG_BIN, on the PATH, or where Debian, Ubuntu and the PostgreSQL
    /// packages for Red Hat put them. pg_dump refuses a server newer than itself, so one at least as new as
    /// <paramref name="serverMajor"/> is required.
    public static async Task<PgTools> FindAsync(int? serverMajor, CancellationToken ct)
    {
        var found = new List<PgTools>();
        foreach (var dir in Candidates().Distinct(StringComparer.Ordinal))
        {
            if (File.Exists(Path.Combine(dir, "pg_dump")) && File.Exists(Path.Combine(dir, "pg_restore")) && await VersionAsync(dir, ct) is { } major)
            {
                found.Add(new PgTools(dir, major));
            }
        }

        var needed = serverMajor is { } m ? $" {m} or newer" : "";
        var install = serverMajor is { } v ? $"postgresql-client-{v}" : "postgresql-client";
        if (found.Count == 0)
        {
            throw new DataSafetyException(
                $"Backups of PostgreSQL need pg_dump and pg_restore{needed}, which were not found ({BinVariable}, PATH, /usr/lib/postgresql/*/bin). " +
                $"Install PostgreSQL's client programs (Debian and Ubuntu: apt-get install {install}) or set {BinVariable} to their directory.");
        }

        var newest = found.OrderByDescending(t => t.Major).First();
        if (serverMajor is { } server && newest.Major < server)
        {
            throw new DataSafetyException(
                $"The newest pg_dump found ({newest.Bin}) is version {newest.Major}, older than the PostgreSQL server ({server}), which it cannot dump. " +
                $"Install PostgreSQL {server}'s client programs (Debian and Ubuntu: apt-get install {install}) or set {BinVariable}.");
        }

        return newest;
    }

    private static IEnumerable<string> Candidates()
    {
        if (Environment.GetEnvironmentVariable(BinVariable) is { Length: > 0 } configured)
        {
            yield return configured;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            yield return dir;
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            foreach (var version in Directory.GetDirectories("/usr/lib/postgresql"))
            {
                yield return Path.Combine(version, "bin");
            }
        }

        foreach (var version in Directory.Exists("/usr") ? Directory.GetDirectories("/usr", "pgsql-*") : [])
        {
            yield return Path.Combine(version, "bin");
        }
    }

    private static async Task<int?> VersionAsync(string dir, CancellationToken ct)
    {
        try
        {
            var start = new ProcessStartInfo(Path.Combine(dir, "pg_dump"), "--version") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }

            var output = await process.StandardOutput.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            return VersionPattern().Match(output) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// The server's major version.
    public static async Task<int> ServerMajorAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SHOW server_version_num", connection);
        return int.Parse((string)(await command.ExecuteScalarAsync(ct))!, CultureInfo.InvariantCulture) / 10000;
    }

    /// Runs pg_dump or pg_restore with the connection in its environment. Each line it writes to standard error goes to
    /// <paramref name="onError"/> (progress with --verbose); standard output goes to <paramref name="readOutput"/> if
    /// given. Fails with the tool's own message when it exits with an error. With <paramref name="background"/> it runs at
    /// a lower priority (see <see cref="Background"/>), as backups and their checks do.
    public async Task RunAsync(string tool, IReadOnlyList<string> args, string? connectionString, Action<string>? onError, Func<StreamReader, Task>? readOutput,
        CancellationToken ct, bool background = true)
    {
        var start = new ProcessStartInfo(Path.Combine(Bin, tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        string? passfile = null;
        try
        {
            if (connectionString is not null)
            {
                passfile = ConnectionEnvironment(start, new NpgsqlConnectionStringBuilder(connectionString));
            }

            using var process = Process.Start(start) ?? throw new DataSafetyException($"{tool} could not be started from {Bin}.");
            if (background)
            {
                Background.Lower(process);
            }

            process.StandardInput.Close();
            var errors = new List<string>();
            var stderr = Task.Run(async () =>
            {
                while (await process.StandardError.ReadLineAsync(ct) is { } line)
                {
                    lock (errors)
                    {
                        errors.Add(line);
                    }

                    onError?.Invoke(line);
                }
            }, ct);
            var stdout = readOutput is null ? process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, ct) : readOutput(process.StandardOutput);
            try
            {
                await Task.WhenAll(stdout, stderr);
                await process.WaitForExitAsync(ct);
            }
            catch
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                throw;
            }

            if (process.ExitCode != 0)
            {
                // The tool's own error lines first: after them it prints the statement it ran, which alone says little.
                var told = errors.Where(l => !l.Contains(": dumping ", StringComparison.Ordinal) && !l.Contains(": processing ", StringComparison.Ordinal)).ToList();
                var message = string.Join(" ", told.Where(l => l.Contains("error:", StringComparison.OrdinalIgnoreCase)).Take(3)
                    .Concat(told.Where(l => !l.Contains("error:", StringComparison.OrdinalIgnoreCase)).TakeLast(2)));
                throw new DataSafetyException($"{tool} failed (exit code {process.ExitCode}): {message}");
            }
        }
        finally
        {
            if (passfile is not null)
            {
                File.Delete(passfile);
            }
        }
    }

    /// libpq's environment for the connection; returns the password file it wrote, if any.
    private static string? ConnectionEnvironment(ProcessStartInfo start, NpgsqlConnectionStringBuilder connection)
    {
        var env = start.Environment;
        void Set(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                env[name] = value;
            }
        }

        Set("PGHOST", connection.Host);
        Set("PGPORT", connection.Port.ToString(CultureInfo.InvariantCulture));
        Set("PGDATABASE", connection.Database);
        Set("PGUSER", connection.Username);
        Set("PGAPPNAME", "bosun");
        Set("PGCONNECT_TIMEOUT", connection.Timeout.ToString(CultureInfo.InvariantCulture));
        Set("PGSSLMODE", connection.SslMode switch
        {
            SslMode.Disable => "disable",
            SslMode.Allow => "allow",
            SslMode.Prefer => "prefer",
            SslMode.Require => "require",
            SslMode.VerifyCA => "verify-ca",
            SslMode.VerifyFull => "verify-full",
            _ => null,
        });
        Set("PGSSLROOTCERT", connection.RootCertificate);
        Set("PGSSLCERT", connection.SslCertificate);
        Set("PGSSLKEY", connection.SslKey);
        if (string.IsNullOrEmpty(connection.Password))
        {
            return null;
        }

        // libpq prefers PGPASSWORD to a password file; the connection string's password is the one meant here.
        env.Remove("PGPASSWORD");
        var file = Path.Combine(Path.GetTempPath(), $"bosun-pgpass-{Guid.NewGuid():N}");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(file, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write($"*:*:*:*:{connection.Password.Replace(@"\", @"\\", StringComparison.Ordinal).Replace(":", @"\:", StringComparison.Ordinal)}\n");
        }

        env["PGPASSFILE"] = file;
        return file;
    }

    [GeneratedRegex(@"\(PostgreSQL\) (\d+)")]
    private static partial Regex VersionPattern();
}
