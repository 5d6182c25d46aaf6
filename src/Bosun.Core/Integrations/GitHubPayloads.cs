using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Bosun.Core.Common;
using Bosun.Core.Dispatch;
using Octokit.Webhooks;

namespace Bosun.Core.Integrations;

/// Reading what GitHub sends: the signature, the payloads (with Octokit.Webhooks' models), the item keys a pull request
/// names and what a check's status and conclusion mean for Bosun's quality gate.
public static partial class GitHubPayloads
{
    /// The events Bosun acts on; others are answered 202 and ignored.
    public static readonly IReadOnlyList<string> Events = ["pull_request", "check_run", "check_suite", "status", "ping"];

    public const int MaxKeys = 20;

    // GitHub leaves fields out that the models mark required (a fork's repository, a check without an app); a payload
    // is read for what Bosun needs, and a field it needs but lacks is named in the 400.
    private static readonly JsonSerializerOptions Options = new()
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { Lenient } },
    };

    private static void Lenient(JsonTypeInfo type)
    {
        foreach (var property in type.Properties)
        {
            property.IsRequired = false;
        }
    }

    /// Whether `X-Hub-Signature-256` is `sha256=` and the HMAC-SHA256 of the raw body under the secret, compared in
    /// constant time.
    public static bool SignatureMatches(string secret, byte[] body, string? header)
    {
        if (header is null || !header.StartsWith("sha256=", StringComparison.Ordinal) || header.Length != 7 + 64)
        {
            return false;
        }

        byte[] given;
        try
        {
            given = Convert.FromHexString(header.AsSpan(7));
        }
        catch (FormatException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body), given);
    }

    /// The header value GitHub would send for this body under this secret.
    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    public static T Read<T>(byte[] body) where T : WebhookEvent
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body, Options) ?? throw ProblemException.Invalid("body", "must be a JSON object");
        }
        catch (JsonException ex)
        {
            throw ProblemException.Invalid("body", $"is not a GitHub {typeof(T).Name} payload ({ex.Message.Split('.')[0]})");
        }
    }

    /// Item keys such as `WEB-42` in a branch name, a title or a body, in upper case, first mention first. Branch names
    /// are usually lower case (`web-42-fix-login`), so case does not matter.
    public static IReadOnlyList<string> Keys(params string?[] texts)
    {
        var keys = new List<string>();
        foreach (var text in texts)
        {
            if (string.IsNullOrEmpty(text))
            {
                continue;
            }

            foreach (Match match in KeyPattern().Matches(text.Length > 100_000 ? text[..100_000] : text))
            {
                var key = $"{match.Groups[1].Value.ToUpperInvariant()}-{match.Groups[2].Value}";
                if (!keys.Contains(key) && keys.Count < MaxKeys)
                {
                    keys.Add(key);
                }
            }
        }

        return keys;
    }

    /// A check run's or suite's status and conclusion: not completed is pending; success passed; neutral and skipped
    /// skipped; every other conclusion (failure, cancelled, timed out, action required, stale) failed.
    public static CheckStatus FromCheck(string? status, string? conclusion) => status is not "completed"
        ? CheckStatus.Pending
        : conclusion switch
        {
            "success" => CheckStatus.Passed,
            "neutral" or "skipped" => CheckStatus.Skipped,
            null => CheckStatus.Pending,
            _ => CheckStatus.Failed,
        };

    /// A commit status's state: pending, success passed, failure and error failed.
    public static CheckStatus FromStatus(string? state) => state switch
    {
        "success" => CheckStatus.Passed,
        "failure" or "error" => CheckStatus.Failed,
        _ => CheckStatus.Pending,
    };

    public static string? Clip(string? text, int max) => text is null ? null : text.Length <= max ? text : text[..(max - 1)] + "…";

    [GeneratedRegex(@"(?<![A-Za-z0-9])([A-Za-z][A-Za-z0-9]{1,9})-0*([1-9][0-9]{0,8})(?![0-9])")]
    private static partial Regex KeyPattern();
}
