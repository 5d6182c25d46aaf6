using System.Text;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Planning;

namespace Bosun.Core.Dispatch;

/// One check a completing run reports in `artifacts.checks`.
public sealed record ReportedCheck(string Name, CheckStatus Status, string? Url, string? Summary);

/// A check that kept an item from being done, and why: missing, failed, pending or skipped.
public sealed record FailedCheck(string Name, string Reason, string? Summary);

/// What a completion reports about its quality: the checks it ran and the paths it changed (null when it names none).
public sealed record CheckReport(IReadOnlyList<ReportedCheck> Checks, IReadOnlyList<string>? ChangedPaths)
{
    public static readonly CheckReport None = new([], null);

    public bool IsEmpty => Checks.Count == 0 && ChangedPaths is null;
}

/// A project's quality gate applied to a completion. A project whose policy requires checks or limits paths lets an
/// item be done only when every required check passed, no reported check failed and no changed path lies outside the
/// allowed ones; a project without such a policy only records the checks.
public static class QualityGate
{
    public const int MaxChecks = 200;
    public const int MaxChangedPaths = 10_000;

    /// The name under which changed paths outside the allowed ones are reported, as if a check of that name failed.
    public const string AllowedPathsCheck = "allowed_paths";

    /// Reads `artifacts.checks` and `artifacts.changed_paths`; a malformed entry is named as `artifacts.checks[2].status`.
    public static CheckReport Read(JsonElement? artifacts, ValidationProblem problem)
    {
        if (artifacts is not { ValueKind: JsonValueKind.Object } reported)
        {
            return CheckReport.None;
        }

        var checks = new List<ReportedCheck>();
        if (reported.TryGetProperty("checks", out var entries) && entries.ValueKind != JsonValueKind.Null)
        {
            if (entries.ValueKind != JsonValueKind.Array)
            {
                problem.Add("artifacts.checks", "must be an array of {\"name\": ..., \"status\": \"passed\"|\"failed\"|\"pending\"|\"skipped\", \"url\"?: ..., \"summary\"?: ...}");
            }
            else if (entries.GetArrayLength() > MaxChecks)
            {
                problem.Add("artifacts.checks", $"at most {MaxChecks} checks");
            }
            else
            {
                var i = 0;
                foreach (var entry in entries.EnumerateArray())
                {
                    if (ReadCheck(entry, $"artifacts.checks[{i}]", problem) is { } check)
                    {
                        if (checks.FindIndex(c => SameName(c.Name, check.Name)) is >= 0 and var first)
                        {
                            problem.Add($"artifacts.checks[{i}].name", $"'{check.Name}' is reported twice (also artifacts.checks[{first}])");
                        }

                        checks.Add(check);
                    }

                    i++;
                }
            }
        }

        return new CheckReport(checks, ReadPaths(reported, problem));
    }

    private static ReportedCheck? ReadCheck(JsonElement entry, string at, ValidationProblem problem)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            problem.Add(at, "must be an object with a name and a status");
            return null;
        }

        var part = new ValidationProblem();
        var name = Check.Text(part, "name", Text(entry, "name", part), 200, required: true);
        var statusText = Text(entry, "status", part);
        CheckStatus status = default;
        if (statusText is null)
        {
            part.Add("status", "is required");
        }
        else if (!EnumNames<CheckStatus>.TryParse(statusText, out status))
        {
            part.Add("status", $"must be one of: {string.Join(", ", EnumNames<CheckStatus>.All)}");
        }

        var url = Check.Text(part, "url", Text(entry, "url", part), 2000);
        var summary = Check.Text(part, "summary", Text(entry, "summary", part), 4000);
        problem.AddAll(at + ".", part);
        return part.HasErrors ? null : new ReportedCheck(name!, status, url, summary);
    }

    private static string? Text(JsonElement entry, string field, ValidationProblem problem)
    {
        if (!entry.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            problem.Add(field, "must be a string");
            return null;
        }

        return value.GetString();
    }

    private static IReadOnlyList<string>? ReadPaths(JsonElement reported, ValidationProblem problem)
    {
        if (!reported.TryGetProperty("changed_paths", out var entries) || entries.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (entries.ValueKind != JsonValueKind.Array || entries.GetArrayLength() > MaxChangedPaths)
        {
            problem.Add("artifacts.changed_paths", $"must be an array of at most {MaxChangedPaths} paths");
            return null;
        }

        var paths = new List<string>();
        var i = 0;
        foreach (var entry in entries.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.String || entry.GetString() is not { Length: > 0 and <= 1000 } path)
            {
                problem.Add($"artifacts.changed_paths[{i}]", "must be a path of 1 to 1000 characters");
            }
            else
            {
                paths.Add(path);
            }

            i++;
        }

        return paths;
    }

    /// Whether the policy holds completions to anything; a project without one only records what its runs report.
    public static bool Applies(ProjectPolicy? policy) =>
        policy is not null && (Names(policy.RequiredChecksJson).Count > 0 || Names(policy.AllowedPathsJson).Count > 0);

    /// The checks that keep the item from being done, in the policy's order, then the failed ones it does not name,
    /// then the changed paths outside the allowed ones; empty when the completion passes.
    public static IReadOnlyList<FailedCheck> Judge(ProjectPolicy? policy, CheckReport report)
    {
        if (!Applies(policy))
        {
            return [];
        }

        var required = Names(policy!.RequiredChecksJson);
        var failed = new List<FailedCheck>();
        foreach (var name in required)
        {
            var check = report.Checks.FirstOrDefault(c => SameName(c.Name, name));
            if (check is not { Status: CheckStatus.Passed })
            {
                failed.Add(new FailedCheck(check?.Name ?? name, check is null ? "missing" : check.Status.Snake(), check?.Summary));
            }
        }

        failed.AddRange(report.Checks
            .Where(c => c.Status == CheckStatus.Failed && !required.Any(r => SameName(r, c.Name)))
            .Select(c => new FailedCheck(c.Name, "failed", c.Summary)));
        if (PathsCheck(policy, report) is { Status: CheckStatus.Failed } paths)
        {
            failed.Add(new FailedCheck(paths.Name, "failed", paths.Summary));
        }

        return failed;
    }

    /// The `allowed_paths` check, when the policy limits paths and the run named the paths it changed.
    public static ReportedCheck? PathsCheck(ProjectPolicy? policy, CheckReport report)
    {
        if (policy is null || report.ChangedPaths is not { } changed || Names(policy.AllowedPathsJson) is not { Count: > 0 } allowed)
        {
            return null;
        }

        var outside = changed.Where(path => !PathPatterns.Allows(allowed, path)).Distinct().ToList();
        return outside.Count == 0
            ? new ReportedCheck(AllowedPathsCheck, CheckStatus.Passed, null, $"{changed.Count} changed path(s) within {string.Join(", ", allowed)}")
            : new ReportedCheck(AllowedPathsCheck, CheckStatus.Failed, null,
                Truncate($"outside {string.Join(", ", allowed)}: {string.Join(", ", outside)}", 4000));
    }

    /// How the revision notes of an item the gate held back begin.
    public const string NotesHeading = "The project's checks did not pass:";

    /// The revision notes the next run receives: which checks to fix, with what each reported.
    public static string Notes(IReadOnlyList<FailedCheck> failed)
    {
        var notes = new StringBuilder(NotesHeading);
        foreach (var check in failed)
        {
            notes.Append("\n- ").Append(check.Name).Append(": ").Append(check.Reason);
            if (check.Summary is { Length: > 0 } summary)
            {
                notes.Append(" (").Append(Truncate(summary, 500)).Append(')');
            }
        }

        return Truncate(notes.ToString(), 20_000);
    }

    /// "lint failed, tests missing": for subjects and messages.
    public static string Describe(IReadOnlyList<FailedCheck> failed) => string.Join(", ", failed.Select(f => $"{f.Name} {f.Reason}"));

    public static IReadOnlyList<string> Names(string json) =>
        json is "[]" or "" ? [] : JsonSerializer.Deserialize<List<string>>(json) ?? [];

    public static bool SameName(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}

/// Path patterns as a policy writes them, matched against whole paths from the repository's root: `*` and `?` within
/// one directory, `**` across any number of them, and a trailing `/` for everything below a directory (`docs/` is
/// `docs/**`).
public static class PathPatterns
{
    public static bool Allows(IReadOnlyList<string> patterns, string path) =>
        Normalize(path) is { } clean && patterns.Any(p => Matches(p, clean));

    /// The path with forward slashes and without a leading `./`; null for a path that leaves the repository (absolute, or
    /// with a `..` step), which no pattern allows.
    public static string? Normalize(string path)
    {
        var clean = path.Replace('\\', '/');
        while (clean.StartsWith("./", StringComparison.Ordinal))
        {
            clean = clean[2..];
        }

        return clean.Length == 0 || clean.StartsWith('/') || (clean.Length > 1 && clean[1] == ':') || clean.Split('/').Contains("..") ? null : clean;
    }

    public static bool Matches(string pattern, string path)
    {
        var parts = (pattern.EndsWith('/') ? pattern + "**" : pattern).Split('/');
        return MatchFrom(parts, 0, path.Split('/'), 0);
    }

    private static bool MatchFrom(string[] pattern, int p, string[] path, int s)
    {
        for (; p < pattern.Length; p++, s++)
        {
            if (pattern[p] == "**")
            {
                // At the end it takes at least one step (a file below); inside, zero or more directories.
                if (p == pattern.Length - 1)
                {
                    return s < path.Length;
                }

                for (var skip = s; skip <= path.Length; skip++)
                {
                    if (MatchFrom(pattern, p + 1, path, skip))
                    {
                        return true;
                    }
                }

                return false;
            }

            if (s >= path.Length || !SegmentMatches(pattern[p], path[s]))
            {
                return false;
            }
        }

        return s == path.Length;
    }

    /// `*` and `?` within one name, with the usual backtracking to the last star.
    private static bool SegmentMatches(string pattern, string name)
    {
        int p = 0, n = 0, star = -1, resume = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == name[n]))
            {
                p++;
                n++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = n;
            }
            else if (star >= 0)
            {
                p = star + 1;
                n = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
