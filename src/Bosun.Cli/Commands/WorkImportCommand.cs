using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bosun.Cli.Client;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// `bosun work import FILE.jsonl`: one work item a line, the JSON of POST /api/v1/work/batch's items, sent in batches
/// that are each created whole or not at all.
public static partial class WorkImportCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "A JSONL file: one work item a line, with ref, parent_ref and depends_on_refs to link them" };
        var project = new Option<string?>("--project") { Description = "The project (key or id) of lines that name none" };
        var batch = new Option<int>("--batch") { Description = "Items a request, at most 1000", DefaultValueFactory = _ => 500 };
        return ClientCommand.Create("import", "Create work items from a JSONL file, a batch at a time", async (cli, ct) =>
        {
            var size = cli.Get(batch);
            if (size is < 1 or > 1000)
            {
                return cli.FailUsage("--batch must be 1 to 1000");
            }

            var path = cli.Get(file);
            if (!path.Exists)
            {
                return cli.FailUsage($"no file {path.FullName}");
            }

            var lines = new List<(int Line, JsonObject Item)>();
            var number = 0;
            foreach (var text in await File.ReadAllLinesAsync(path.FullName, ct))
            {
                number++;
                if (text.Trim().Length == 0)
                {
                    continue;
                }

                if (Parse(text) is not { } item)
                {
                    return cli.FailUsage($"line {number}: not a JSON object");
                }

                if (cli.Get(project) is { } key && !item.ContainsKey("project_id"))
                {
                    item["project_id"] = key;
                }

                lines.Add((number, item));
            }

            var created = new List<JsonElement>();
            var earlier = new Dictionary<string, string>(StringComparer.Ordinal);
            async Task<int> SendAllAsync(Action<int>? advance)
            {
                foreach (var chunk in lines.Chunk(size))
                {
                    try
                    {
                        var answer = await cli.Client.PostAsync("api/v1/work/batch", new { items = chunk.Select(c => PointToEarlier(c.Item, earlier)) }, ct);
                        foreach (var made in answer.GetProperty("items").EnumerateArray())
                        {
                            created.Add(made.Clone());
                            if (made.TryGetProperty("ref", out var name) && name.GetString() is { } key)
                            {
                                earlier[key] = made.GetProperty("item").GetProperty("id").GetString()!;
                            }
                        }

                        advance?.Invoke(chunk.Length);
                    }
                    catch (ApiProblem problem) when (problem.Status == 400)
                    {
                        ReportByLine(cli, problem, chunk);
                        return CliContext.Rejected;
                    }
                }

                return CliContext.Ok;
            }

            int code;
            if (!cli.Json && cli.Out.Profile.Capabilities.Interactive)
            {
                code = await cli.Out.Progress().StartAsync(async progress =>
                {
                    var task = progress.AddTask("Creating work items", maxValue: lines.Count);
                    return await SendAllAsync(n => task.Increment(n));
                });
            }
            else
            {
                code = await SendAllAsync(null);
            }

            var summary = new { created = created.Count, lines = lines.Count, items = created };
            if (cli.Json)
            {
                cli.PrintJson(summary);
            }
            else
            {
                cli.Out.MarkupLineInterpolated($"Created [bold]{created.Count}[/] of {lines.Count} work items.");
            }

            return code;
        }, file, project, batch);
    }

    /// Refs live within one request, so a line naming an item of an earlier batch names it by the id it was given.
    private static JsonObject PointToEarlier(JsonObject item, Dictionary<string, string> earlier)
    {
        if (item["parent_ref"]?.GetValue<string>() is { } parent && earlier.TryGetValue(parent, out var parentId))
        {
            item.Remove("parent_ref");
            item["parent_id"] = parentId;
        }

        if (item["depends_on_refs"] is JsonArray refs)
        {
            var named = refs.Select(r => r?.GetValue<string>() ?? "").ToList();
            var ids = named.Where(earlier.ContainsKey).Select(r => earlier[r]).ToList();
            if (ids.Count > 0)
            {
                item["depends_on_refs"] = new JsonArray([.. named.Where(r => !earlier.ContainsKey(r)).Select(r => (JsonNode)r)]);
                var dependsOn = item["depends_on"] as JsonArray ?? [];
                item["depends_on"] = new JsonArray([.. dependsOn.Select(d => d?.DeepClone()), .. ids.Select(id => (JsonNode)id)]);
            }
        }

        return item;
    }

    private static JsonObject? Parse(string text)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// The server names fields by their index in the batch; the user knows them by their line in the file.
    private static void ReportByLine(CliContext cli, ApiProblem problem, (int Line, JsonObject Item)[] chunk)
    {
        cli.Error.MarkupLineInterpolated($"[red bold]Nothing of this batch was created[/] (lines {chunk[0].Line} to {chunk[^1].Line}):");
        if (problem.Problem is { ValueKind: JsonValueKind.Object } body && body.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in errors.EnumerateObject())
            {
                var match = Indexed().Match(field.Name);
                var where = match.Success && int.Parse(match.Groups[1].Value) is var i && i < chunk.Length
                    ? $"line {chunk[i].Line}: {match.Groups[2].Value}"
                    : field.Name;
                var messages = string.Join("; ", field.Value.EnumerateArray().Select(m => m.ToString()));
                cli.Error.MarkupLineInterpolated($"  [yellow]{where}[/]: {messages}");
            }
        }
        else
        {
            cli.Error.WriteLine(problem.Message);
        }
    }

    [GeneratedRegex(@"^items\[(\d+)\]\.?(.*)$")]
    private static partial Regex Indexed();
}
