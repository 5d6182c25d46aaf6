using System.Security.Cryptography;
using System.Text;

namespace Bosun.Core.Common;

/// Bearer secrets are random, high-entropy strings; a SHA-256 of them is enough to store
/// (unlike passwords, they cannot be guessed from a dictionary).
public static class Secrets
{
    /// Operator tokens start apart from tenant tokens (bsn_), so a request is told which kind it sent before any lookup.
    public const string OperatorTokenStart = "bop_";

    public static string NewToken(string kind) => $"bsn_{kind}_{RandomText()}";

    public static string NewOperatorToken() => OperatorTokenStart + RandomText();

    public static bool IsOperatorToken(string secret) => secret.StartsWith(OperatorTokenStart, StringComparison.Ordinal);

    private static string RandomText()
    {
        Span<byte> bytes = stackalloc byte[24];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url(bytes);
    }

    public static string Hash(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// The first characters after the kind marker: enough to tell tokens apart in a list, useless to an attacker.
    public static string PrefixOf(string token) => token.Length > 16 ? token[..16] : token;

    public static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
