using System.Text.Json;
using System.Text.RegularExpressions;

namespace Bosun.Core.Common;

/// Edge validation shared by every service: each failure names the field so the client can point at it.
public static partial class Check
{
    public static string? Text(ValidationProblem problem, string field, string? value, int max, bool required = false)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            if (required)
            {
                problem.Add(field, "is required");
            }

            return null;
        }

        if (trimmed.Length > max)
        {
            problem.Add(field, $"must be at most {max} characters");
        }

        return trimmed;
    }

    /// An absolute http or https URL without credentials in it; null when absent or refused.
    public static string? HttpUrl(ValidationProblem problem, string field, string? value, bool required = false)
    {
        var url = Text(problem, field, value, 2000, required);
        if (url is not null && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.UserInfo.Length == 0))
        {
            problem.Add(field, "must be an absolute http or https URL without credentials");
            return null;
        }

        return url;
    }

    public static string? Email(ValidationProblem problem, string field, string? value, bool required = true)
    {
        var email = Text(problem, field, value, 320, required)?.ToLowerInvariant();
        if (email is not null && !EmailPattern().IsMatch(email))
        {
            problem.Add(field, "is not an email address");
        }

        return email;
    }

    public static string? Slug(ValidationProblem problem, string field, string? value, bool required = true)
    {
        var slug = Text(problem, field, value, 63, required)?.ToLowerInvariant();
        if (slug is not null && !SlugPattern().IsMatch(slug))
        {
            problem.Add(field, "must be lowercase letters, digits and dashes, starting with a letter");
        }

        return slug;
    }

    /// A repository in any form `git clone` takes: an http(s), ssh, git or file URL, scp-like `user@host:path`, or an
    /// absolute local path. It is kept as given; only what git could never clone (and what a link must never be) is refused.
    public static string? RepositoryUrl(ValidationProblem problem, string field, string? value)
    {
        var url = Text(problem, field, value, 2000);
        if (url is not null && !IsCloneable(url))
        {
            problem.Add(field, "must be a repository git can clone: an https, http, ssh, git or file URL, user@host:path, or an absolute path");
        }

        return url;
    }

    private static bool IsCloneable(string url)
    {
        if (url.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return false;
        }

        if (url.StartsWith('/'))
        {
            return url.Length > 1;
        }

        if (url.Contains("://", StringComparison.Ordinal))
        {
            return Uri.TryCreate(url, UriKind.Absolute, out var uri)
                   && (uri.Scheme is "http" or "https" or "ssh" or "git" or "git+ssh" or "ssh+git" ? uri.Host.Length > 0 : uri.Scheme == "file" && uri.AbsolutePath.Length > 1);
        }

        // Git reads `host:path` with no slash before the colon as scp-like ssh; a URL scheme that a browser would run
        // (javascript:, data:) reads the same way, and is never a host.
        var scp = ScpPattern().Match(url);
        return scp.Success && scp.Groups["host"].Value.ToLowerInvariant() is not ("javascript" or "data" or "vbscript" or "file");
    }

    /// The highest cap on concurrent runs a tenant or a project takes.
    public const int MaxConcurrentRunsCap = 100_000;

    public static int? Range(ValidationProblem problem, string field, int? value, int min, int max)
    {
        if (value is { } v && (v < min || v > max))
        {
            problem.Add(field, $"must be between {min} and {max}");
        }

        return value;
    }

    public static long? Usd(ValidationProblem problem, string field, decimal? value)
    {
        if (value is not { } v)
        {
            return null;
        }

        if (v < 0 || v > 1_000_000_000m)
        {
            problem.Add(field, "must be between 0 and 1000000000");
            return null;
        }

        return Money.ToMicros(v);
    }

    public static string? Json(JsonElement? value) =>
        value is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } v ? v.GetRawText() : null;

    public static string? Id(ValidationProblem problem, string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (!Ids.IsValid(value))
        {
            problem.Add(field, "is not a valid id");
        }

        return value;
    }

    public static DateTime? Utc(DateTimeOffset? value) => value?.UtcDateTime;

    /// A filter value given as the enum's snake_case word, as the API writes it ("in_progress", "owner").
    public static TEnum? OneOf<TEnum>(string field, string? value) where TEnum : struct, Enum
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return Data.EnumNames<TEnum>.TryParse(value, out var parsed)
            ? parsed
            : throw ProblemException.Invalid(field, $"must be one of: {string.Join(", ", Data.EnumNames<TEnum>.All)}");
    }

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"^[a-z][a-z0-9-]{0,62}$")]
    private static partial Regex SlugPattern();

    [GeneratedRegex(@"^(?:[^@/:]+@)?(?<host>[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):(?<path>.+)$")]
    private static partial Regex ScpPattern();
}

public static class Money
{
    public const long MicrosPerDollar = 1_000_000;

    public static long ToMicros(decimal usd) => (long)Math.Round(usd * MicrosPerDollar, MidpointRounding.AwayFromZero);

    public static decimal ToUsd(long micros) => (decimal)micros / MicrosPerDollar;

    public static decimal? ToUsd(long? micros) => micros is { } m ? ToUsd(m) : null;
}
