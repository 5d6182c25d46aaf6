using Microsoft.ML.Tokenizers;

namespace Bosun.Core.Knowledge;

/// Counts tokens the way the models that read the text do. o200k_base and cl100k_base are OpenAI's tiktoken encodings,
/// counted exactly; "claude" is o200k_base times <see cref="ClaudeFactor"/>, an approximation until Anthropic's
/// tokenizer can be counted offline.
public static class TokenCounter
{
    public const string O200k = "o200k_base";
    public const string Cl100k = "cl100k_base";
    public const string Claude = "claude";
    public const string Default = O200k;

    /// Claude's tokenizer makes about a tenth more tokens than o200k_base from the same English text and code.
    public const double ClaudeFactor = 1.1;

    public static readonly IReadOnlyList<string> Encodings = [O200k, Cl100k, Claude];

    // Building a tokenizer reads its whole vocabulary (about a second for o200k), so each is built once per process.
    private static readonly Lazy<Tokenizer> O200kTokenizer = new(() => TiktokenTokenizer.CreateForEncoding(O200k));
    private static readonly Lazy<Tokenizer> Cl100kTokenizer = new(() => TiktokenTokenizer.CreateForEncoding(Cl100k));

    public static bool IsKnown(string? encoding) => encoding is not null && Encodings.Contains(encoding);

    /// The tokens of <paramref name="text"/> in <paramref name="encoding"/> (one of <see cref="Encodings"/>).
    public static int Count(string? text, string encoding = Default)
    {
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }

        return encoding switch
        {
            O200k => O200kTokenizer.Value.CountTokens(text),
            Cl100k => Cl100kTokenizer.Value.CountTokens(text),
            Claude => (int)Math.Ceiling(O200kTokenizer.Value.CountTokens(text) * ClaudeFactor),
            _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, $"known encodings: {string.Join(", ", Encodings)}"),
        };
    }
}
