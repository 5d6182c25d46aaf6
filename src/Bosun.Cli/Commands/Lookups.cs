using Bosun.Cli.Client;

namespace Bosun.Cli.Commands;

/// Turns the names people type (project keys, agent names) into the ids some API fields require.
public static class Lookups
{
    public static async Task<string> ProjectIdAsync(CliContext cli, string reference, CancellationToken ct) =>
        (await FindAsync(cli, "projects", reference, "project", ct)).Text("id");

    public static async Task<string> AgentIdAsync(CliContext cli, string reference, CancellationToken ct) =>
        (await FindAsync(cli, "agents", reference, "agent", ct)).Text("id");

    public static async Task<List<string>?> ProjectIdsAsync(CliContext cli, string[]? references, CancellationToken ct)
    {
        if (references is null or { Length: 0 })
        {
            return null;
        }

        var ids = new List<string>();
        foreach (var reference in references)
        {
            ids.Add(await ProjectIdAsync(cli, reference, ct));
        }

        return ids;
    }

    private static async Task<System.Text.Json.JsonElement> FindAsync(CliContext cli, string collection, string reference, string what, CancellationToken ct)
    {
        try
        {
            return await cli.Client.GetAsync($"api/v1/{collection}/{Query.Segment(reference)}", ct);
        }
        catch (ApiProblem problem) when (problem.Status == 404)
        {
            throw new UsageException($"No {what} '{reference}' in this tenant.");
        }
    }
}
