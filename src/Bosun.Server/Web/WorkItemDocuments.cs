using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Knowledge;
using Bosun.Server.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Server.Web;

/// The documents section of a work item's page: its files with download links, and a form to upload one.
internal static class WorkItemDocuments
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var maxBytes = app.ServiceProvider.GetRequiredService<DocumentOptions>().MaxBytes;
        app.MapPost("/work/{key}/documents", async (string key, HttpContext http, DocumentService documents) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            try
            {
                // The service opens its own short transactions around the file it stores.
                var uploaded = await DocumentEndpoints.UploadAsync(http.Request, key, documents, http.RequestAborted);
                Layout.SetFlash(http, $"Uploaded {uploaded.Name} (revision {uploaded.Revision}).");
                return (IResult)new SeeOther($"/work/{Html.Segment(key)}");
            }
            catch (ProblemException problem) when (problem.Status != 404)
            {
                http.RequestServices.GetRequiredService<BosunDb>().ChangeTracker.Clear();
                return await WorkItemPage.ShowAsync(http, key, new FormState(form, problem, "document"), problem.Status);
            }
        }).WithMetadata(new BodySizeLimit(maxBytes + DocumentEndpoints.FormOverhead));

        app.MapGet("/work/{key}/documents/{id}", async (string key, string id, HttpContext http, DocumentService documents) =>
            DocumentEndpoints.Download(http.Response, await http.ReadAsync(c => documents.OpenAsync(key, id, c))));
    }

    public static Task<Page<DocumentView>> LoadAsync(IServiceProvider services, string itemId, CancellationToken ct) =>
        services.GetRequiredService<DocumentService>().ListAsync(itemId, allRevisions: true, ct);

    public static void Render(HtmlWriter w, HttpContext http, string key, IReadOnlyList<DocumentView> documents, FormState form)
    {
        w.Add($"""<section aria-labelledby="documents-h"><h2 id="documents-h">Documents</h2>""");
        if (documents.Count == 0)
        {
            w.Add($"""<p class="muted">No documents.</p>""");
        }
        else
        {
            w.Add($"""<table class="documents"><thead><tr><th>Name</th><th>Revision</th><th>Type</th><th>Size</th><th>Uploaded</th></tr></thead><tbody>""");
            foreach (var d in documents)
            {
                w.Add($"""
                    <tr data-testid="document"><td><a href="/work/{Html.Segment(key)}/documents/{d.Id}" download>{d.Name}</a></td>
                    <td>{d.Revision} of {d.Revisions}</td><td>{d.MimeType}</td><td>{Size(d.Size)}</td>
                    <td>{d.UploadedByName} <small>{Format.Time(d.CreatedAt)}</small></td></tr>
                    """);
            }

            w.Add($"</tbody></table>");
        }

        w.Add($"""
            <form method="post" action="/work/{Html.Segment(key)}/documents" enctype="multipart/form-data" novalidate>
            {Layout.Token(http)}
            {form.Summary("document", "document-")}
            {Field.Text(form, "file", "Upload a file", type: "file", required: true, idPrefix: "document-")}
            {Field.Text(form, "name", "Name (default: the file's; the same name again makes the next revision)", idPrefix: "document-", maxLength: DocumentService.MaxNameLength)}
            <button type="submit">Upload</button>
            </form>
            </section>
            """);
    }

    private static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1 << 20 => $"{bytes / 1024.0:0.#} KiB",
        _ => $"{bytes / (double)(1 << 20):0.#} MiB",
    };
}
