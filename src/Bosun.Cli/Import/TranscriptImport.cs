using System.Text.Json;
using Bosun.Core.Ledger;

namespace Bosun.Cli.Import;

/// A line that could not be read; the rest of its file still imports.
public sealed record LineProblem(string File, int Line, string Reason);

/// One transcript file parsed into what the server stores. An orphan is a sub-agent whose parent's transcript is gone:
/// it names its parent, and is imported on its own when the server has never seen that parent.
public sealed record ParsedSession(string File, SessionImport Session, int Lines, IReadOnlyList<LineProblem> Problems, bool Orphan = false);

/// The transcript formats Bosun imports, read locally; the sessions are then posted to the server, so they
/// land in the tenant of the token.
public interface ITranscriptFormat
{
    SessionSource Source { get; }

    /// Transcript files under <paramref name="root"/>, parents before the sub-agent files that refer to them.
    IReadOnlyList<string> FindFiles(string root);

    ParsedSession Parse(string file, Action<int>? linesRead = null);
}

internal static class Json
{
    public static string? Text(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static long Long(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : 0;

    public static JsonElement Obj(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v : default;

    public static DateTimeOffset? Time(this JsonElement e, string name) =>
        e.Text(name) is { } text && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    public static string Truncate(string? text, int max) =>
        text is null ? "" : text.Length <= max ? text : text[..max];

    /// Reads a JSONL file line by line; a line that is not JSON is reported with its number and skipped.
    public static IEnumerable<(int Line, JsonElement Json)> Lines(string file, List<LineProblem> problems, Action<int>? linesRead)
    {
        var number = 0;
        foreach (var text in File.ReadLines(file))
        {
            number++;
            linesRead?.Invoke(1);
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            JsonElement json;
            try
            {
                using var document = JsonDocument.Parse(text);
                json = document.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                problems.Add(new LineProblem(file, number, $"not valid JSON ({ex.Message.Split('.')[0]})"));
                continue;
            }

            if (json.ValueKind != JsonValueKind.Object)
            {
                problems.Add(new LineProblem(file, number, "not a JSON object"));
                continue;
            }

            yield return (number, json);
        }
    }
}
