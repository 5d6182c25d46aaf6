using Bosun.Cli.Client;

namespace Bosun.Cli.Import;

public sealed record ImportTotals(
    int Files, int Sessions, int Messages, int CallsRecorded, int CallsAlreadyKnown, long InputTokens, long OutputTokens,
    long CacheReadTokens, long CacheWriteTokens, IReadOnlyList<LineProblem> Problems);

/// Parses transcript files locally and posts each session to the server (POST /api/v1/sessions/import).
public static class TranscriptImporter
{
    public static async Task<ImportTotals> RunAsync(BosunClient client, ITranscriptFormat format, IReadOnlyList<string> files,
        Action<int>? linesRead, Action<string>? fileDone, CancellationToken ct)
    {
        var problems = new List<LineProblem>();
        int sessions = 0, messages = 0, recorded = 0, known = 0;
        long input = 0, output = 0, cacheRead = 0, cacheWrite = 0;
        foreach (var file in files)
        {
            var parsed = format.Parse(file, linesRead);
            problems.AddRange(parsed.Problems);
            var session = parsed.Session;
            if ((session.Messages?.Count ?? 0) == 0 && (session.LlmCalls?.Count ?? 0) == 0)
            {
                fileDone?.Invoke(file);
                continue;
            }

            try
            {
                var result = await client.PostAsync("/api/v1/sessions/import", session, ct);
                sessions++;
                messages += session.Messages?.Count ?? 0;
                recorded += result.GetProperty("llm_calls_recorded").GetInt32();
                known += result.GetProperty("llm_calls_already_known").GetInt32();
                foreach (var call in session.LlmCalls ?? [])
                {
                    input += call.InputTokens ?? 0;
                    output += call.OutputTokens ?? 0;
                    cacheRead += call.CacheReadTokens ?? 0;
                    cacheWrite += call.CacheWriteTokens ?? 0;
                }
            }
            catch (ApiProblem problem)
            {
                problems.Add(new LineProblem(file, 0, $"not imported: {problem.Message}"));
            }

            fileDone?.Invoke(file);
        }

        return new ImportTotals(files.Count, sessions, messages, recorded, known, input, output, cacheRead, cacheWrite, problems);
    }
}
