using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// `bosun doc`: files uploaded to work items.
public static class DocumentCommands
{
    public static Command Create() => ClientCommand.Group("doc", "Documents: files uploaded to work items", List(), Upload(), Get());

    private static Command List()
    {
        var item = ItemArgument();
        var all = new Option<bool>("--all") { Description = "Every revision, not only the newest of each name" };
        return ClientCommand.Create("list", "List an item's documents, newest first", async (cli, ct) =>
        {
            var page = await cli.Client.GetAsync(new Query().Add("revisions", cli.Get(all) ? "all" : null).On(DocumentsPath(cli.Get(item))), ct);
            return cli.Print(page, () => cli.Out.Table(page.Items("items"), "documents",
                Column.Of("Id", "id"), Column.Of("Name", d => Output.Truncate(d.Text("name"), 50)), Column.Of("Type", "mime_type"),
                Column.Of("Size", d => Size(d.GetProperty("size").GetInt64())),
                Column.Of("Rev", d => $"{d.Text("revision")}/{d.Text("revisions")}"), Column.Of("By", "uploaded_by_name"), Column.Of("At", d => d.Time("created_at"))));
        }, item, all);
    }

    private static Command Upload()
    {
        var item = ItemArgument();
        var file = new Argument<FileInfo>("file") { Description = "The file to upload" };
        var name = new Option<string?>("--name") { Description = "The document's name (default the file's); the same name again makes the next revision" };
        var type = new Option<string?>("--type") { Description = "Its media type, e.g. text/markdown (default: what its extension says)" };
        return ClientCommand.Create("upload", "Upload a file to a work item", async (cli, ct) =>
        {
            var path = cli.Get(file);
            if (!path.Exists)
            {
                throw new UsageException($"No file {path.FullName}.");
            }

            var doc = await cli.Client.UploadAsync(DocumentsPath(cli.Get(item)), path, cli.Get(type), [("name", cli.Get(name))], ct);
            return cli.Print(doc, () => cli.Out.MarkupLineInterpolated(
                $"[green]Uploaded[/] {doc.Text("name")} revision {doc.Text("revision")} ({doc.Text("id")}, {doc.Text("mime_type")}, {Size(doc.GetProperty("size").GetInt64())})."));
        }, item, file, name, type);
    }

    private static Command Get()
    {
        var item = ItemArgument();
        var id = new Argument<string>("document") { Description = "The document's id (bosun doc list shows it)" };
        var output = new Option<FileInfo?>("--out") { Description = "Where to save it (default: its name, in this folder); - writes it to standard output" };
        return ClientCommand.Create("get", "Download a document", async (cli, ct) =>
        {
            var url = $"{DocumentsPath(cli.Get(item))}/{Query.Segment(cli.Get(id))}";
            var doc = await cli.Client.GetAsync(url, ct);
            if (cli.Get(output) is { Name: "-" })
            {
                await using var stdout = Console.OpenStandardOutput();
                await cli.Client.DownloadAsync($"{url}/content", stdout, ct);
                return CliContext.Ok;
            }

            var target = cli.Get(output)?.FullName ?? Path.GetFullPath(Path.GetFileName(doc.Text("name")));
            var written = 0L;
            var temp = target + ".part";
            try
            {
                await using (var stream = File.Create(temp))
                {
                    written = await cli.Client.DownloadAsync($"{url}/content", stream, ct);
                }

                File.Move(temp, target, overwrite: true);
            }
            finally
            {
                File.Delete(temp);
            }

            return cli.Print(doc, () => cli.Out.MarkupLineInterpolated($"Saved {doc.Text("name")} revision {doc.Text("revision")} to {target} ({Size(written)})."));
        }, item, id, output);
    }

    private static Argument<string> ItemArgument() => new("item") { Description = "The work item (key such as WEB-42, or id)" };

    private static string DocumentsPath(string item) => $"api/v1/work/{Query.Segment(item)}/documents";

    private static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1 << 20 => $"{bytes / 1024.0:0.#} KiB",
        _ => $"{bytes / (double)(1 << 20):0.#} MiB",
    };
}
