using System.Runtime.InteropServices;

namespace Bosun.Cli.Commands;

/// This machine and working folder as `POST /machines/check-in` takes them. The machine id is BOSUN_MACHINE_ID when
/// set, else the host name (which is also what transcript imports report, so both land on one machine); the type is
/// BOSUN_MACHINE_TYPE, or `ci` when a CI system's CI variable is set. Git's branch and commit are read from the
/// folder's .git without running git.
internal static class Placement
{
    public static Dictionary<string, object?> Here(string? runId, string? folder = null)
    {
        folder ??= Directory.GetCurrentDirectory();
        var (branch, commit) = Git(folder);
        return new Dictionary<string, object?>
        {
            ["machine_id"] = Environment.GetEnvironmentVariable("BOSUN_MACHINE_ID") is { Length: > 0 } id ? id : null,
            ["hostname"] = Environment.MachineName,
            ["os"] = OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsMacOS() ? "darwin" : OperatingSystem.IsWindows() ? "windows" : RuntimeInformation.OSDescription,
            ["os_version"] = Environment.OSVersion.Version.ToString(),
            ["user"] = Environment.UserName,
            ["type"] = Environment.GetEnvironmentVariable("BOSUN_MACHINE_TYPE") is { Length: > 0 } type ? type
                : Environment.GetEnvironmentVariable("CI") is { Length: > 0 } ? "ci" : null,
            ["workspace"] = new Dictionary<string, object?> { ["path"] = folder, ["git_branch"] = branch, ["git_commit"] = commit },
            ["run_id"] = runId,
        };
    }

    /// The branch and commit of the repository holding the folder, from .git/HEAD and the ref it names.
    internal static (string? Branch, string? Commit) Git(string folder)
    {
        for (var dir = new DirectoryInfo(folder); dir is not null; dir = dir.Parent)
        {
            var git = Path.Combine(dir.FullName, ".git");
            if (!Directory.Exists(git))
            {
                continue;
            }

            try
            {
                var head = File.ReadAllText(Path.Combine(git, "HEAD")).Trim();
                if (!head.StartsWith("ref: ", StringComparison.Ordinal))
                {
                    return (null, head.Length == 40 ? head : null);
                }

                var name = head[5..];
                var branch = name.StartsWith("refs/heads/", StringComparison.Ordinal) ? name["refs/heads/".Length..] : name;
                var loose = Path.Combine(git, name.Replace('/', Path.DirectorySeparatorChar));
                if (File.Exists(loose))
                {
                    return (branch, File.ReadAllText(loose).Trim());
                }

                var packed = Path.Combine(git, "packed-refs");
                var line = File.Exists(packed) ? File.ReadLines(packed).FirstOrDefault(l => l.EndsWith(" " + name, StringComparison.Ordinal)) : null;
                return (branch, line?.Split(' ')[0]);
            }
            catch (IOException)
            {
                return (null, null);
            }
        }

        return (null, null);
    }
}
