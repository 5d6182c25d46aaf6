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

    public static string? Url(ValidationProblem problem, string field, string? value)
    {
        var url = Text(problem, field, value, 2000);
        if (url is not null && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "ssh" or "git" or "file"))
        {
            problem.Add(field, "must be an absolute URL");
        }

        return url;
    }

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
}

public static class Money
{
    public const long MicrosPerDollar = 1_000_000;

    public static long ToMicros(decimal usd) => (long)Math.Round(usd * MicrosPerDollar, MidpointRounding.AwayFromZero);

    public static decimal ToUsd(long micros) => (decimal)micros / MicrosPerDollar;

    public static decimal? ToUsd(long? micros) => micros is { } m ? ToUsd(m) : null;
}
