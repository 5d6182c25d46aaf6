using System.Text.Json;
using Bosun.Cli.Client;

namespace Bosun.Cli.Import;

public sealed record ImportTotals(
    int Files, int Sessions, int Messages, int CallsRecorded, int CallsAlreadyKnown, long InputTokens, long OutputTokens,
    long CacheReadTokens, long CacheWriteTokens, IReadOnlyList<LineProblem> Problems, int Orphans = 0);

/// Parses transcript files locally and posts each session to the server (POST /api/v1/sessions/import).
public static class TranscriptImporter
{
    public static async Task<ImportTotals> RunAsync(BosunClient client, ITranscriptFormat format, IReadOnlyList<string> files,
        Action<int>? linesRead, Action<string>? fileDone, CancellationToken ct)
    {
        var problems = new List<LineProblem>();
        int sessions = 0, messages = 0, recorded = 0, known = 0, orphans = 0;
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
                var result = await PostAsync(client, parsed, ct);
                sessions++;
                orphans += parsed.Orphan ? 1 : 0;
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

        return new ImportTotals(files.Count, sessions, messages, recorded, known, input, output, cacheRead, cacheWrite, problems, orphans);
    }

    /// An orphan links to its parent when the server imported the parent before; otherwise it is a session of its own,
    /// its external id (parent/sub-agent) still naming the parent, and a later import that finds the parent links it.
    private static async Task<JsonElement> PostAsync(BosunClient client, ParsedSession parsed, CancellationToken ct)
    {
        try
        {
            return await client.PostAsync("/api/v1/sessions/import", parsed.Session, ct);
        }
        catch (ApiProblem problem) when (parsed.Orphan && problem.Status == 400 && problem.Problem is { ValueKind: JsonValueKind.Object } body
                                         && body.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object
                                         && errors.TryGetProperty("parent_external_id", out _))
        {
            return await client.PostAsync("/api/v1/sessions/import", parsed.Session with { ParentExternalId = null }, ct);
        }
    }
}
