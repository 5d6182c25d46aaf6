using Bosun.Core.Common;
using Bosun.Core.Knowledge;
using Bosun.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace Bosun.Server.Api;

public static class DocumentEndpoints
{
    /// Room for the multipart framing and the form's other fields around a file of the largest size.
    public const long FormOverhead = 1 << 20;

    public static void MapDocuments(this IEndpointRouteBuilder api)
    {
        var maxBytes = api.ServiceProvider.GetRequiredService<DocumentOptions>().MaxBytes;
        var documents = api.MapGroup("/work/{id}/documents").WithTags("Documents");
        documents.MapGet("", (string id, string? revisions, DocumentService s, CancellationToken ct) =>
                s.ListAsync(id, AllRevisions(revisions), ct))
            .WithSummary("An item's documents, newest first, each the newest revision of its name with how many there are; ?revisions=all lists every revision");
        documents.MapPost("", async Task<Created<DocumentView>> (string id, HttpRequest request, DocumentService s, CancellationToken ct) =>
            {
                var created = await UploadAsync(request, id, s, ct);
                return TypedResults.Created($"/api/v1/work/{created.WorkItemId}/documents/{created.Id}", created);
            })
            .WithMetadata(Transactions.Upload, new BodySizeLimit(maxBytes + FormOverhead))
            .WithSummary($"Upload a file (multipart/form-data: file, and optionally name and type) of at most {maxBytes >> 20} MiB; the same name again makes the next revision");
        documents.MapGet("/{docId}", (string id, string docId, DocumentService s, CancellationToken ct) => s.GetAsync(id, docId, ct))
            .WithSummary("A document's type, size, hash, revision and uploader");
        documents.MapGet("/{docId}/content", async (string id, string docId, HttpResponse response, DocumentService s, CancellationToken ct) =>
                Download(response, await s.OpenAsync(id, docId, ct)))
            .WithSummary("Download a document as an attachment, with the type it was stored with");
        documents.MapDelete("/{docId}", async Task<NoContent> (string id, string docId, DocumentService s, CancellationToken ct) =>
        {
            await s.DeleteAsync(id, docId, ct);
            return TypedResults.NoContent();
        }).WithSummary("Remove one revision of a document; its file goes when nothing else holds the same bytes");
    }

    internal static bool AllRevisions(string? revisions) => revisions switch
    {
        null or "" or "latest" => false,
        "all" => true,
        _ => throw ProblemException.Invalid("revisions", "must be all or latest"),
    };

    /// Reads a multipart upload: the file part named `file`, with `name` and `type` overriding its file name and type.
    internal static async Task<DocumentView> UploadAsync(HttpRequest request, string item, DocumentService s, CancellationToken ct)
    {
        if (!request.HasFormContentType)
        {
            throw ProblemException.Invalid("file", "send the file as multipart/form-data, in a part named file");
        }

        var form = await request.ReadFormAsync(ct);
        var file = form.Files.GetFile("file") ?? throw ProblemException.Invalid("file", "is required: a part named file holding the document");
        await using var content = file.OpenReadStream();
        var name = form["name"].ToString() is { Length: > 0 } n ? n : null;
        var type = form["type"].ToString() is { Length: > 0 } t ? t : file.ContentType;
        return await s.UploadAsync(item, new DocumentUpload(file.FileName, name, type, content), ct);
    }

    /// The file as an attachment of its stored type: never shown inline, never sniffed as something else.
    internal static IResult Download(HttpResponse response, DocumentContent content)
    {
        response.Headers[HeaderNames.XContentTypeOptions] = "nosniff";
        response.Headers[HeaderNames.ContentSecurityPolicy] = "sandbox";
        return TypedResults.Stream(content.Content, content.Document.MimeType, content.Document.Name,
            entityTag: new EntityTagHeaderValue($"\"{content.Document.Sha256}\""), enableRangeProcessing: true);
    }
}
