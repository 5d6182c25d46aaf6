using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bosun.Core.Data;
using Bosun.Core.Knowledge;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Tests.Knowledge;

/// Files uploaded to work items: stored once per content, revised by name, checked against their type, searchable
/// when they are text, and never answered with a server error when their file is gone.
public sealed class DocumentTests
{
    private const string Notes = "# Devlog 14\n\nThe flamingo importer now reads every batch twice as fast.\n";

    [Theory, BothStores]
    public async Task A_devlog_entrys_markdown_document_is_found_by_search(StoreKind store)
    {
        var (app, _) = await StartAsync(store);
        await using var _app = app;
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("DEV");
        var entry = await acme.CreateWorkAsync("DEV", "Devlog: importer speed", new { type = "devlog" });

        var uploaded = await (await UploadAsync(acme.Owner, entry.Str("key"), Encoding.UTF8.GetBytes(Notes), "devlog-14.md")).ReadSuccessAsync();
        Assert.Equal("devlog-14.md", uploaded.Str("name"));
        Assert.Equal("text/markdown", uploaded.Str("mime_type"));
        Assert.Equal("text/plain", uploaded.Str("sniffed_type"));
        Assert.Equal(1, uploaded.GetProperty("revision").GetInt32());
        Assert.True(uploaded.GetProperty("has_text").GetBoolean());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Notes))), uploaded.Str("sha256"));

        var hit = Assert.Single(Results(await acme.Owner.GetJsonAsync("/api/v1/search?q=flamingo")));
        Assert.Equal("document", hit.Str("kind"));
        Assert.Equal(uploaded.Str("id"), hit.Str("id"));
        Assert.Equal(entry.Str("key"), hit.Str("work_item_key"));
        Assert.Equal("devlog-14.md", hit.Str("title"));
        Assert.Equal("document", hit.Str("field"));
        Assert.Equal("Owner", hit.Str("author"));
        Assert.Single(Results(await acme.Owner.GetJsonAsync("/api/v1/search?q=flamingo&kind=document&project=DEV")));
        Assert.Empty(Results(await acme.Owner.GetJsonAsync("/api/v1/search?q=flamingo&kind=comment")));

        // The upload is audited; the text itself stays out of the audit row.
        var audit = await app.WithDbAsync(db => db.AuditEntries.IgnoreQueryFilters().SingleAsync(a => a.EntityType == "document"));
        Assert.Equal("document.created", audit.Action);
        Assert.DoesNotContain("flamingo", audit.ChangesJson);

        await acme.Owner.DeleteAsync($"/api/v1/work/{entry.Str("key")}/documents/{uploaded.Str("id")}");
        Assert.Empty(Results(await acme.Owner.GetJsonAsync("/api/v1/search?q=flamingo")));
    }

    [Theory, BothStores]
    public async Task Uploading_the_same_name_again_makes_the_next_revision_and_keeps_the_older_ones(StoreKind store)
    {
        var (app, _) = await StartAsync(store);
        await using var _app = app;
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("DEV");
        var item = await acme.CreateWorkAsync("DEV", "Spec");
        var url = $"/api/v1/work/{item.Str("id")}/documents";

        var first = await (await UploadAsync(acme.Owner, item.Str("id"), "first draft"u8.ToArray(), "spec.txt")).ReadSuccessAsync();
        var second = await (await UploadAsync(acme.Owner, item.Str("id"), "second draft"u8.ToArray(), "ignored.txt", name: "spec.txt")).ReadSuccessAsync();
        await UploadAsync(acme.Owner, item.Str("id"), "{\"a\": 1}"u8.ToArray(), "data.json");
        Assert.Equal(2, second.GetProperty("revision").GetInt32());
        Assert.Equal("spec.txt", second.Str("name"));

        var latest = Items(await acme.Owner.GetJsonAsync(url));
        Assert.Equal(["data.json", "spec.txt"], latest.Select(d => d.Str("name")));
        var spec = latest.Single(d => d.Str("name") == "spec.txt");
        Assert.Equal(second.Str("id"), spec.Str("id"));
        Assert.Equal(2, spec.GetProperty("revisions").GetInt32());
        Assert.Equal(3, Items(await acme.Owner.GetJsonAsync(url + "?revisions=all")).Count);

        Assert.Equal("first draft", await acme.Owner.GetStringAsync($"{url}/{first.Str("id")}/content"));
        Assert.Equal("second draft", await acme.Owner.GetStringAsync($"{url}/{second.Str("id")}/content"));
        var read = await acme.Owner.GetJsonAsync($"{url}/{first.Str("id")}");
        Assert.Equal(1, read.GetProperty("revision").GetInt32());
        Assert.Equal(2, read.GetProperty("revisions").GetInt32());
    }

    [Theory, BothStores]
    public async Task The_same_bytes_are_stored_once_and_removed_with_the_last_document_holding_them(StoreKind store)
    {
        var (app, directory) = await StartAsync(store);
        await using var _app = app;
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("DEV");
        var one = await acme.CreateWorkAsync("DEV", "One");
        var two = await acme.CreateWorkAsync("DEV", "Two");
        var bytes = RandomNumberGenerator.GetBytes(50_000);

        var a = await (await UploadAsync(acme.Owner, one.Str("id"), bytes, "blob.bin")).ReadSuccessAsync();
        var b = await (await UploadAsync(acme.Owner, two.Str("id"), bytes, "copy.bin")).ReadSuccessAsync();
        Assert.Equal(a.Str("sha256"), b.Str("sha256"));
        var sha = a.Str("sha256");
        var file = Assert.Single(FilesOf(directory, acme.Id));
        Assert.Equal(Path.Combine(directory, acme.Id, sha[..2], sha[2..]), file);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(file));

        Assert.Equal(HttpStatusCode.NoContent, (await acme.Owner.DeleteAsync($"/api/v1/work/{one.Str("id")}/documents/{a.Str("id")}")).StatusCode);
        Assert.True(File.Exists(file));
        Assert.Equal(bytes, await acme.Owner.GetByteArrayAsync($"/api/v1/work/{two.Str("id")}/documents/{b.Str("id")}/content"));
        Assert.Equal(HttpStatusCode.NoContent, (await acme.Owner.DeleteAsync($"/api/v1/work/{two.Str("id")}/documents/{b.Str("id")}")).StatusCode);
        Assert.Empty(FilesOf(directory, acme.Id));
        Assert.Equal(2, await app.WithDbAsync(db => db.AuditEntries.IgnoreQueryFilters().CountAsync(x => x.EntityType == "document" && x.Action == "document.deleted")));
    }

    [Theory, BothStores]
    public async Task An_upload_over_the_limit_is_413_and_leaves_no_row_and_no_file(StoreKind store)
    {
        var (app, directory) = await StartAsync(store, maxMb: 1);
        await using var _app = app;
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("DEV");
        var item = await acme.CreateWorkAsync("DEV", "Big");

        var response = await UploadAsync(acme.Owner, item.Str("id"), new byte[(1 << 20) + 1], "big.bin");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("/problems/too-large", (await response.ReadJsonAsync()).Str("type"));
        // Far over: the body limit stops it before the file is read.
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await UploadAsync(acme.Owner, item.Str("id"), new byte[3 << 20], "bigger.bin")).StatusCode);

        Assert.Empty(FilesOf(directory, acme.Id));
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<Document>().IgnoreQueryFilters().CountAsync()));
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(acme.Owner, item.Str("id"), new byte[1 << 20], "fits.bin")).StatusCode);
    }

    [Theory, BothStores]
    public async Task A_file_whose_content_is_not_its_declared_type_or_is_an_executable_is_refused_naming_file(StoreKind store)
    {
        var (app, directory) = await StartAsync(store);
        await using var _app = app;
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("DEV");
        var item = await acme.CreateWorkAsync("DEV", "Types").ContinueWith(t => t.Result.Str("id"));
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];

        var declaredPdf = await Refused(await UploadAsync(acme.Owner, item, "just some text"u8.ToArray(), "report.pdf", "application/pdf"));
        Assert.Contains("application/pdf", declaredPdf);
        Assert.Contains("text/plain", declaredPdf);
        var pngAsText = await Refused(await UploadAsync(acme.Owner, item, png, "notes.txt", "text/plain"));
        Assert.Contains("text/plain", pngAsText);
        Assert.Contains("image/png", pngAsText);
        // A name's extension stands for the type when none is declared.
        Assert.Contains("image/png", await Refused(await UploadAsync(acme.Owner, item, "<svg/>"u8.ToArray(), "logo.png")));
        Assert.Contains("ELF", await Refused(await UploadAsync(acme.Owner, item, [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1], "tool", "application/octet-stream")));
        Assert.Contains("executable", await Refused(await UploadAsync(acme.Owner, item, "MZ\u0090\0\u0003"u8.ToArray(), "setup.dat")));

        var fine = await (await UploadAsync(acme.Owner, item, png, "chart.png", "image/png")).ReadSuccessAsync();
        Assert.Equal("image/png", fine.Str("sniffed_type"));
        Assert.False(fine.GetProperty("has_text").GetBoolean());
        Assert.Single(FilesOf(directory, acme.Id));

        var noFile = await acme.Owner.PostAsync($"/api/v1/work/{item}/documents", new MultipartFormDataContent { { new StringContent("x"), "name" } });
        Assert.Equal(HttpStatusCode.BadRequest, noFile.StatusCode);
        Assert.True((await noFile.ReadJsonAsync()).GetProperty("errors").TryGetProperty("file", out _));
    }

    [Theory, BothStores]
    public async Task A_download_is_an_attachment_with_its_stored_type_and_nosniff(StoreKind store)
    {
        var (app, _) = await StartAsync(store);
        await using var _app = app;
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("DEV");
        var item = await acme.CreateWorkAsync("DEV", "Downloads");
        var doc = await (await UploadAsync(acme.Owner, item.Str("key"), Encoding.UTF8.GetBytes(Notes), "résumé notes.md")).ReadSuccessAsync();

        var response = await acme.Owner.GetAsync($"/api/v1/work/{item.Str("key")}/documents/{doc.Str("id")}/content");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/markdown", response.Content.Headers.ContentType!.MediaType);
        var disposition = response.Content.Headers.ContentDisposition!;
        Assert.Equal("attachment", disposition.DispositionType);
        Assert.Contains("filename*=UTF-8''r%C3%A9sum%C3%A9%20notes.md", response.Content.Headers.GetValues("Content-Disposition").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(Notes, await response.Content.ReadAsStringAsync());
    }

    [Theory, BothStores]
    public async Task A_document_whose_file_is_gone_is_answered_as_document_missing_not_a_server_error(StoreKind store)
    {
        var (app, directory) = await StartAsync(store);
        await using var _app = app;
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("DEV");
        var item = await acme.CreateWorkAsync("DEV", "Lost");
        var doc = await (await UploadAsync(acme.Owner, item.Str("id"), "soon gone"u8.ToArray(), "gone.txt")).ReadSuccessAsync();
        File.Delete(Assert.Single(FilesOf(directory, acme.Id)));

        var response = await acme.Owner.GetAsync($"/api/v1/work/{item.Str("id")}/documents/{doc.Str("id")}/content");
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.ReadJsonAsync();
        Assert.Equal("/problems/document-missing", problem.Str("type"));
        Assert.Contains("gone.txt", problem.Str("detail"));
        Assert.Equal(doc.Str("id"), problem.Str("document_id"));
        // The row is still listed and can be removed.
        Assert.Single(Items(await acme.Owner.GetJsonAsync($"/api/v1/work/{item.Str("id")}/documents")));
        Assert.Equal(HttpStatusCode.NoContent, (await acme.Owner.DeleteAsync($"/api/v1/work/{item.Str("id")}/documents/{doc.Str("id")}")).StatusCode);
    }

    [Theory, BothStores]
    public async Task Another_tenants_items_and_documents_are_not_found(StoreKind store)
    {
        var (app, directory) = await StartAsync(store);
        await using var _app = app;
        var acme = await app.CreateTenantAsync();
        var globex = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("DEV");
        await globex.CreateProjectAsync("DEV");
        var item = await acme.CreateWorkAsync("DEV", "Private");
        var theirs = await globex.CreateWorkAsync("DEV", "Theirs");
        var doc = await (await UploadAsync(acme.Owner, item.Str("id"), Encoding.UTF8.GetBytes(Notes), "secret.md")).ReadSuccessAsync();
        var url = $"/api/v1/work/{item.Str("id")}/documents";

        Assert.Equal(HttpStatusCode.NotFound, (await globex.Owner.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await globex.Owner.GetAsync($"{url}/{doc.Str("id")}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await globex.Owner.GetAsync($"{url}/{doc.Str("id")}/content")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await globex.Owner.DeleteAsync($"{url}/{doc.Str("id")}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await UploadAsync(globex.Owner, item.Str("id"), "x"u8.ToArray(), "x.txt")).StatusCode);
        // Their own item does not reach our document either.
        Assert.Equal(HttpStatusCode.NotFound, (await globex.Owner.GetAsync($"/api/v1/work/{theirs.Str("id")}/documents/{doc.Str("id")}/content")).StatusCode);
        Assert.Empty(Results(await globex.Owner.GetJsonAsync("/api/v1/search?q=flamingo")));
        Assert.Empty(FilesOf(directory, globex.Id));
        Assert.Single(Items(await acme.Owner.GetJsonAsync(url)));
    }

    [Theory, BothStores]
    public async Task An_agent_lists_and_reads_an_items_documents_over_mcp(StoreKind store)
    {
        var (app, _) = await StartAsync(store);
        await using var _app = app;
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("DEV");
        var item = await acme.CreateWorkAsync("DEV", "Read the spec");
        var doc = await (await UploadAsync(acme.Owner, item.Str("key"), Encoding.UTF8.GetBytes(Notes), "spec.md")).ReadSuccessAsync();
        await UploadAsync(acme.Owner, item.Str("key"), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "chart.png");
        var (_, _, token) = await acme.CreateAgentAsync("reader");
        await using var mcp = await Agents.McpServerTests.ConnectAsync(app, token);

        var listed = await Agents.McpServerTests.CallAsync(mcp, "list_documents", new { work_item = item.Str("key") });
        Assert.Equal(["chart.png", "spec.md"], Items(listed).Select(d => d.Str("name")));
        var read = await Agents.McpServerTests.CallAsync(mcp, "read_document", new { work_item = item.Str("key"), document = doc.Str("id") });
        Assert.Equal(Notes, read.Str("text"));
        Assert.Equal("spec.md", read.GetProperty("document").Str("name"));
    }

    [Theory, BothStores]
    public async Task The_work_item_page_lists_documents_and_uploads_one_with_its_form(StoreKind store)
    {
        var (app, _) = await StartAsync(store);
        await using var _app = app;
        var acme = await app.CreateTenantAsync();
        await Web.WebTestTenants.SetOwnerPasswordAsync(acme);
        await acme.CreateProjectAsync("DEV");
        var item = await acme.CreateWorkAsync("DEV", "Page");
        using var web = new Web.WebClient(app);
        await web.SignInAsync("owner@example.test", Web.WebTestTenants.Password);
        var page = await web.GetAsync($"/work/{item.Str("key")}");
        Assert.Contains("No documents.", page.Html);
        Assert.Contains("enctype=\"multipart/form-data\"", page.Html);

        var form = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes(Notes)), "file", "notes.md" } };
        var posted = await web.PostMultipartAsync($"/work/{item.Str("key")}/documents", form);
        Assert.Equal(HttpStatusCode.SeeOther, posted.Status);
        page = await web.GetAsync($"/work/{item.Str("key")}");
        Assert.Contains("notes.md", page.Html);
        var doc = Assert.Single(Items(await acme.Owner.GetJsonAsync($"/api/v1/work/{item.Str("key")}/documents")));
        Assert.Contains($"/work/{item.Str("key")}/documents/{doc.Str("id")}", page.Html);

        var download = await web.GetRawAsync($"/work/{item.Str("key")}/documents/{doc.Str("id")}");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal(Notes, await download.Content.ReadAsStringAsync());

        // A refused file is shown on the page with the form, naming the problem.
        await web.GetAsync($"/work/{item.Str("key")}");
        var bad = new MultipartFormDataContent { { new ByteArrayContent("text"u8.ToArray()), "file", "photo.jpg" } };
        var refused = await web.PostMultipartAsync($"/work/{item.Str("key")}/documents", bad);
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("image/jpeg", refused.Html);
    }

    [Theory, BothStores]
    public async Task The_cli_uploads_lists_and_downloads_documents(StoreKind store)
    {
        var (app, _) = await StartAsync(store);
        await using var _app = app;
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("DEV");
        var item = await acme.CreateWorkAsync("DEV", "Devlog 14", new { type = "devlog" });
        using var cli = new Cli.CliRunner(app);
        await cli.LoginAsync(acme.OwnerToken);
        var folder = Path.Combine(Path.GetTempPath(), $"bosun-doc-cli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var source = Path.Combine(folder, "devlog-14.md");
            await File.WriteAllTextAsync(source, Notes);
            Assert.Contains("Uploaded devlog-14.md revision 1", (await cli.OkAsync("doc", "upload", item.Str("key"), source)).Output);
            var second = (await cli.OkAsync("doc", "upload", item.Str("key"), source, "--name", "devlog-14.md", "--type", "text/markdown", "--json")).Json();
            Assert.Equal(2, second.GetProperty("revision").GetInt32());

            Assert.Contains("devlog-14.md", (await cli.OkAsync("doc", "list", item.Str("key"))).Output);
            Assert.Equal(2, (await cli.OkAsync("doc", "list", item.Str("key"), "--all", "--json")).Json().GetProperty("items").GetArrayLength());

            var target = Path.Combine(folder, "copy.md");
            await cli.OkAsync("doc", "get", item.Str("key"), second.Str("id"), "--out", target);
            Assert.Equal(Notes, await File.ReadAllTextAsync(target));
            var refused = await cli.RunAsync("doc", "get", item.Str("key"), "01JNOSUCHDOCUMENT000000000", "--out", target);
            Assert.Equal(2, refused.ExitCode);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// SQLite keeps documents beside its file; PostgreSQL in BOSUN_DOCUMENTS_DIR, here a directory of the test's own.
    private static async Task<(BosunTestApp App, string Directory)> StartAsync(StoreKind store, int? maxMb = null)
    {
        var database = await TestDatabases.CreateAsync(store);
        var directory = store == StoreKind.Sqlite
            ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(database.SqliteFile!))!, "documents")
            : Path.Combine(Path.GetTempPath(), "bosun-test-documents", Guid.NewGuid().ToString("N"));
        var app = await BosunTestApp.StartOnAsync(database, configure: builder =>
        {
            if (store == StoreKind.Postgres)
            {
                builder.Configuration["BOSUN_DOCUMENTS_DIR"] = directory;
            }

            if (maxMb is { } mb)
            {
                builder.Configuration["BOSUN_MAX_UPLOAD_MB"] = mb.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        });
        return (app, directory);
    }

    private static async Task<HttpResponseMessage> UploadAsync(HttpClient client, string item, byte[] bytes, string fileName, string? type = null, string? name = null)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        if (type is not null)
        {
            file.Headers.ContentType = new MediaTypeHeaderValue(type);
        }

        form.Add(file, "file", fileName);
        if (name is not null)
        {
            form.Add(new StringContent(name), "name");
        }

        return await client.PostAsync($"/api/v1/work/{item}/documents", form);
    }

    private static async Task<string> Refused(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return string.Join(" ", (await response.ReadJsonAsync()).GetProperty("errors").GetProperty("file").EnumerateArray().Select(e => e.GetString()));
    }

    /// Every file in the tenant's document directory, temporary ones included.
    private static string[] FilesOf(string directory, string tenant) =>
        Directory.Exists(Path.Combine(directory, tenant)) ? Directory.GetFiles(Path.Combine(directory, tenant), "*", SearchOption.AllDirectories) : [];

    private static List<JsonElement> Results(JsonElement found) => found.GetProperty("results").EnumerateArray().ToList();

    private static List<JsonElement> Items(JsonElement page) => page.GetProperty("items").EnumerateArray().ToList();
}
