using System.CommandLine;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// `bosun search`: one full-text search over work items, comments, artifacts, documents, session messages and memory.
public static class SearchCommands
{
    public static Command Create()
    {
        var words = new Argument<string[]>("words") { Description = "What to look for: words, \"a phrase\", OR between two terms, -word to leave out", Arity = ArgumentArity.OneOrMore };
        var kind = new Option<string?>("--kind") { Description = "Only these kinds, comma-separated: work_item, comment, artifact, document, message, memory" };
        var project = new Option<string?>("--project") { Description = "Only this project (key or id)" };
        var limit = new Option<int?>("--limit") { Description = "At most this many results, 1-50 (default 10)" };
        return ClientCommand.Create("search", "Search work items, comments, artifacts, documents, session messages and memory, best match first", async (cli, ct) =>
        {
            var query = new Query().Add("q", string.Join(' ', cli.Get(words) ?? [])).Add("kind", cli.Get(kind)).Add("project", cli.Get(project)).Add("limit", cli.Get(limit));
            var found = await cli.Client.GetAsync(query.On("api/v1/search"), ct);
            return cli.Print(found, () => cli.Out.Table(found.GetProperty("results").EnumerateArray().ToList(), "matches",
                Column.Of("Kind", "kind"),
                Column.Of("Where", r => r.Text("work_item_key") is { Length: > 0 } key ? key : Output.Truncate(r.Text("title"), 30)),
                Column.Of("Title", r => Output.Truncate(r.Text("title"), 40)),
                new Column("Match", r => new Markup(Marked(r))),
                Column.Of("Score", r => r.GetProperty("score").GetDouble().ToString("0.###", System.Globalization.CultureInfo.InvariantCulture))));
        }, words, kind, project, limit);
    }

    /// The snippet as markup with the matched words in bold, everything else escaped.
    private static string Marked(JsonElement hit)
    {
        var snippet = hit.Text("snippet");
        var text = new StringBuilder();
        var at = 0;
        foreach (var h in hit.GetProperty("highlights").EnumerateArray())
        {
            var (start, length) = (h.GetProperty("start").GetInt32(), h.GetProperty("length").GetInt32());
            if (start < at || start + length > snippet.Length)
            {
                continue;
            }

            text.Append(Markup.Escape(snippet[at..start])).Append("[bold yellow]").Append(Markup.Escape(snippet.Substring(start, length))).Append("[/]");
            at = start + length;
        }

        return text.Append(Markup.Escape(snippet[at..])).ToString();
    }
}
