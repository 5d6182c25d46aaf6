using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Knowledge;

/// <param name="Revisions">How many revisions the document's name has on its item (the list shows the newest of each).</param>
public sealed record DocumentView(
    string Id, string WorkItemId, string Name, string MimeType, string SniffedType, long Size, string Sha256, int Revision, int Revisions,
    bool HasText, string UploadedBy, string UploadedByName, DateTime CreatedAt);

/// A text document's text, for agents; null for a file that is not text.
public sealed record DocumentText(DocumentView Document, string? Text, bool Truncated);

/// A document's bytes to send, with the view that says what they are.
public sealed record DocumentContent(DocumentView Document, Stream Content);

/// <param name="FileName">The name the upload came with; <paramref name="Name"/> overrides it.</param>
/// <param name="ContentType">The declared type; missing or application/octet-stream means "whatever the name says".</param>
public sealed record DocumentUpload(string? FileName, string? Name, string? ContentType, Stream Content);

/// Files uploaded to work items: stored once per content (see <see cref="DocumentStore"/>), checked against the type
/// they claim, kept with their text when they are text (and then found by search), revised by uploading the same name
/// again. Anyone in the tenant who may comment uploads; removing one takes the right to edit work.
public sealed class DocumentService(BosunDb db, RequestContext context, DocumentStore store)
{
    public const int MaxNameLength = 255;

    /// Text kept per document: enough to search and read a long specification, and a bound on the row.
    public const int MaxTextChars = 1_000_000;

    public async Task<Page<DocumentView>> ListAsync(string workItem, bool allRevisions, CancellationToken ct)
    {
        var itemId = await ItemIdAsync(workItem, ct);
        var rows = await db.Set<Document>().AsNoTracking().Where(d => d.WorkItemId == itemId).Select(Listed).ToListAsync(ct);
        var counts = rows.GroupBy(d => d.Name).ToDictionary(g => g.Key, g => g.Count());
        var shown = allRevisions ? rows : rows.GroupBy(d => d.Name).Select(g => g.MaxBy(d => d.Revision)!);
        return new Page<DocumentView>(shown.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).Select(d => View(d, counts[d.Name])).ToList(), null);
    }

    public async Task<DocumentView> GetAsync(string workItem, string documentId, CancellationToken ct)
    {
        var document = await FindAsync(workItem, documentId, ct);
        return View(document, await RevisionsAsync(document, ct));
    }

    public async Task<DocumentText> ReadTextAsync(string workItem, string documentId, CancellationToken ct)
    {
        var itemId = await ItemIdAsync(workItem, ct);
        var document = await db.Set<Document>().AsNoTracking().FirstOrDefaultAsync(d => d.WorkItemId == itemId && d.Id == documentId, ct)
                       ?? throw ProblemException.NotFound("Document");
        return new DocumentText(View(document, await RevisionsAsync(document, ct)), document.Text, document.Text?.Length >= MaxTextChars);
    }

    /// The file to download. A file gone from disk is a 409 naming the document, never a server error.
    public async Task<DocumentContent> OpenAsync(string workItem, string documentId, CancellationToken ct)
    {
        var document = await FindAsync(workItem, documentId, ct);
        var content = store.OpenRead(context.RequireTenant(), document.Sha256) ?? throw Missing(document);
        return new DocumentContent(View(document, await RevisionsAsync(document, ct)), content);
    }

    public async Task<DocumentView> UploadAsync(string workItem, DocumentUpload upload, CancellationToken ct)
    {
        Permissions.Require(context, Capability.Comment);
        var problem = new ValidationProblem();
        var name = CheckName(problem, upload.Name ?? FileNameOf(upload.FileName));
        var declared = DocumentTypes.Normalize(upload.ContentType);
        if (upload.ContentType is { Length: > 0 } && declared is null)
        {
            problem.Add("type", $"must be a media type such as text/markdown; got {upload.ContentType}");
        }

        problem.ThrowIfAny();
        var itemId = await db.InTransactionAsync(c => ItemIdAsync(workItem, c), write: false, ct);

        var tenant = context.RequireTenant();
        using var staged = await store.StageAsync(tenant, upload.Content, ct);
        if (DocumentTypes.ExecutableKind(staged.Head) is { } executable)
        {
            throw ProblemException.Invalid("file", $"is {executable}; executables are not accepted as documents");
        }

        var sniffed = DocumentTypes.Sniff(staged.Head, staged.Text is not null);
        var type = declared is null or DocumentTypes.Binary ? DocumentTypes.FromExtension(name!) ?? sniffed : declared;
        if (!DocumentTypes.Fits(type, sniffed, name!))
        {
            throw ProblemException.Invalid("file", $"is declared as {type} but its content is {sniffed}");
        }

        var text = sniffed == DocumentTypes.PlainText ? staged.Text : null;
        return await db.InTransactionAsync(async c =>
        {
            // The file goes into place inside the write, under the lock a removal of the same bytes takes too.
            await DocumentStatements.LockFileAsync(db, tenant, staged.Sha256, c);
            var made = store.Keep(tenant, staged);
            try
            {
                var revision = await db.Set<Document>().Where(d => d.WorkItemId == itemId && d.Name == name).MaxAsync(d => (int?)d.Revision, c) ?? 0;
                var document = new Document
                {
                    WorkItemId = itemId,
                    Name = name!,
                    MimeType = type,
                    SniffedType = sniffed,
                    Size = staged.Size,
                    Sha256 = staged.Sha256,
                    Revision = revision + 1,
                    UploadedBy = context.Actor.Ref,
                    UploadedByName = context.Actor.Name,
                    Text = text,
                };
                db.Set<Document>().Add(document);
                await db.SaveChangesAsync(c);
                return View(document, revision + 1);
            }
            catch
            {
                if (made)
                {
                    store.Remove(tenant, staged.Sha256);
                }

                db.ChangeTracker.Clear();
                throw;
            }
        }, write: true, ct);
    }

    /// Removes one revision; its file goes too when no other document of the tenant holds the same bytes.
    public async Task DeleteAsync(string workItem, string documentId, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var document = await FindAsync(workItem, documentId, ct);
        await DocumentStatements.LockFileAsync(db, context.RequireTenant(), document.Sha256, ct);
        db.Set<Document>().Remove(document);
        await db.SaveChangesAsync(ct);
        if (!await db.Set<Document>().AnyAsync(d => d.Sha256 == document.Sha256, ct))
        {
            store.Remove(context.RequireTenant(), document.Sha256);
        }
    }

    private static ProblemException Missing(Document document)
    {
        var problem = new ProblemException(409, "Document missing",
            $"The file of document {document.Name} (revision {document.Revision}, {document.Id}) is not in the document store; upload it again.",
            "/problems/document-missing");
        problem.Extensions["document_id"] = document.Id;
        return problem;
    }

    private static string? FileNameOf(string? uploaded) =>
        uploaded is { Length: > 0 } ? uploaded.Replace('\\', '/').Split('/').Last().Trim().Trim('"') : null;

    private static string? CheckName(ValidationProblem problem, string? name)
    {
        var checkedName = Check.Text(problem, "name", name, MaxNameLength, required: true);
        if (checkedName is not null && (checkedName.IndexOfAny(['/', '\\']) >= 0 || checkedName.Any(char.IsControl) || checkedName is "." or ".."))
        {
            problem.Add("name", "must be a file name, without a folder or control characters");
        }

        return checkedName;
    }

    private async Task<string> ItemIdAsync(string workItem, CancellationToken ct)
    {
        var key = workItem.ToUpperInvariant();
        return await db.WorkItems.AsNoTracking().Where(w => w.Id == workItem || w.Key == key).Select(w => w.Id).FirstOrDefaultAsync(ct)
               ?? throw ProblemException.NotFound("Work item");
    }

    private async Task<Document> FindAsync(string workItem, string documentId, CancellationToken ct)
    {
        var itemId = await ItemIdAsync(workItem, ct);
        return await db.Set<Document>().Where(d => d.WorkItemId == itemId && d.Id == documentId).Select(Listed).FirstOrDefaultAsync(ct)
               ?? throw ProblemException.NotFound("Document");
    }

    private async Task<int> RevisionsAsync(Document document, CancellationToken ct) =>
        await db.Set<Document>().CountAsync(d => d.WorkItemId == document.WorkItemId && d.Name == document.Name, ct);

    /// Every column but the text, which lists and downloads never need.
    private static readonly System.Linq.Expressions.Expression<Func<Document, Document>> Listed = d => new Document
    {
        TenantId = d.TenantId, Id = d.Id, WorkItemId = d.WorkItemId, Name = d.Name, MimeType = d.MimeType, SniffedType = d.SniffedType,
        Size = d.Size, Sha256 = d.Sha256, Revision = d.Revision, UploadedBy = d.UploadedBy, UploadedByName = d.UploadedByName,
        CreatedAt = d.CreatedAt, Text = d.Text == null ? null : "",
    };

    private static DocumentView View(Document d, int revisions) => new(
        d.Id, d.WorkItemId, d.Name, d.MimeType, d.SniffedType, d.Size, d.Sha256, d.Revision, revisions, d.Text is not null,
        d.UploadedBy, d.UploadedByName, d.CreatedAt);
}
