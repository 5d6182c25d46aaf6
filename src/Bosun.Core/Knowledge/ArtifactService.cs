using System.Security.Cryptography;
using System.Text;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Knowledge;

/// A project's artifacts: their versions, the dependencies between them and what a change reaches, the work items they
/// are linked to, and the knowledge items of a work item. Anyone in the tenant reads them; whoever may plan work writes them.
public sealed partial class ArtifactService(BosunDb db, RequestContext context, TimeProvider clock, WorkItemService workItems)
{
    public const int TypeLength = 63;
    public const int KeyLength = 200;
    public const int TitleLength = 500;
    public const int UriLength = 2000;
    public const int IntegrationRefLength = 500;
    public const int MaxContent = 2_000_000;

    /// The impact of a change stops after this many artifacts; a graph that large needs a person anyway.
    public const int MaxImpact = 10_000;

    public static readonly IReadOnlyList<string> DefaultTypes = ["spec", "code", "doc", "schema", "test", "plan", "research"];

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<Page<ArtifactSummary>> ListAsync(string? project, string? type, string? key, PageRequest page, CancellationToken ct)
    {
        var query = db.Set<Artifact>().AsNoTracking().AsQueryable();
        if (project is { Length: > 0 })
        {
            var projectId = await db.ProjectIdOfAsync(project.Trim(), ct) ?? throw ProblemException.Invalid("project", "no such project");
            query = query.Where(a => a.ProjectId == projectId);
        }

        if (type is { Length: > 0 })
        {
            var t = type.Trim().ToLowerInvariant();
            query = query.Where(a => a.Type == t);
        }

        if (key is { Length: > 0 })
        {
            var k = key.Trim();
            query = query.Where(a => a.Key == k);
        }

        if (page.Cursor is { } cursor)
        {
            query = query.Where(a => string.Compare(a.Id, cursor) > 0);
        }

        return await query.OrderBy(a => a.Id).ToPageAsync(page, a => a.Id, ArtifactSummary.From, ct);
    }

    public async Task<ArtifactView> GetAsync(string id, CancellationToken ct) => await ViewAsync(await FindAsync(id, ct), ct);

    public async Task<ArtifactView> CreateAsync(ArtifactRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var problem = new ValidationProblem();
        string? projectId = null;
        if (Check.Text(problem, "project", request.Project, 100, required: true) is { } project)
        {
            projectId = await db.ProjectIdOfAsync(project, ct);
            if (projectId is null)
            {
                problem.Add("project", "no such project");
            }
        }

        var type = Check.Slug(problem, "type", request.Type);
        var key = CheckKey(problem, request.Key);
        var title = Check.Text(problem, "title", request.Title, TitleLength) ?? key;
        var body = CheckBody(problem, request.Content, Check.Text(problem, "uri", request.Uri, UriLength),
            Check.Text(problem, "integration_ref", request.IntegrationRef, IntegrationRefLength), request.Encoding ?? TokenCounter.Default);
        var metadata = CheckMetadata(problem, request.Metadata);
        problem.ThrowIfAny();
        if (await db.Set<Artifact>().AnyAsync(a => a.ProjectId == projectId && a.Type == type && a.Key == key, ct))
        {
            throw Taken(type!, key!);
        }

        var artifact = new Artifact
        {
            ProjectId = projectId!,
            Type = type!,
            Key = key!,
            Title = title!,
            Encoding = body.Encoding,
            MetadataJson = metadata,
            CreatedBy = context.Actor.Ref,
        };
        body.ApplyTo(artifact);
        db.Set<Artifact>().Add(artifact);
        db.Set<ArtifactVersion>().Add(NewVersion(artifact));
        await SaveAsync(artifact, ct);
        return await ViewAsync(artifact, ct);
    }

    /// A change to the content, uri or integration reference makes a new version (the same content again does not);
    /// the title, metadata and encoding change the artifact in place.
    public async Task<ArtifactView> UpdateAsync(string id, ArtifactRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var artifact = await FindAsync(id, ct);

        // Two changes at once would both make version N+1; the second waits and reads the first's version.
        await RowLock.LockAsync(db, "artifacts", artifact.Id, ct);
        await db.Entry(artifact).ReloadAsync(ct);
        var problem = new ValidationProblem();
        if (request.Project is { Length: > 0 } project && await db.ProjectIdOfAsync(project.Trim(), ct) != artifact.ProjectId)
        {
            problem.Add("project", "an artifact stays in its project; create a new one there");
        }

        if (request.Type is { Length: > 0 } type && type.Trim().ToLowerInvariant() != artifact.Type)
        {
            problem.Add("type", "cannot be changed; create a new artifact of that type");
        }

        if (request.Key is { Length: > 0 } key && key.Trim() != artifact.Key)
        {
            problem.Add("key", "cannot be changed; create a new artifact with that key");
        }

        var title = Check.Text(problem, "title", request.Title, TitleLength);
        var content = request.Content is null ? artifact.Content : request.Content.Length == 0 ? null : request.Content;
        var uri = request.Uri is null ? artifact.Uri : Check.Text(problem, "uri", request.Uri, UriLength);
        var integrationRef = request.IntegrationRef is null ? artifact.IntegrationRef : Check.Text(problem, "integration_ref", request.IntegrationRef, IntegrationRefLength);
        var body = CheckBody(problem, content, uri, integrationRef, request.Encoding ?? artifact.Encoding);
        var metadata = CheckMetadata(problem, request.Metadata);
        problem.ThrowIfAny();

        artifact.Title = title ?? artifact.Title;
        artifact.MetadataJson = metadata ?? artifact.MetadataJson;
        if (body.ContentSha256 == artifact.ContentSha256 && body.Uri == artifact.Uri && body.IntegrationRef == artifact.IntegrationRef)
        {
            // The same body again: no new version, though another encoding counts it again.
            if (body.Encoding != artifact.Encoding)
            {
                body.ApplyTo(artifact);
            }
        }
        else
        {
            var before = artifact.Version;
            body.ApplyTo(artifact);
            artifact.Version = before + 1;
            db.Set<ArtifactVersion>().Add(NewVersion(artifact));
            var impact = await ImpactOfAsync(artifact, ct);
            AuditLog.Record(db, "artifact.changed", "artifact", artifact.Id, new
            {
                version = new { before, after = artifact.Version },
                content_sha256 = artifact.ContentSha256,
                impacted_artifact_ids = impact.Artifacts.Select(a => a.Id).ToList(),
                open_work_item_ids = impact.WorkItems.Select(w => w.Id).ToList(),
            }, Now);
        }

        await SaveAsync(artifact, ct);
        return await ViewAsync(artifact, ct);
    }

    /// Creates the artifact of the project with that type and key, or changes it if there is one.
    public async Task<PutArtifactResult> PutAsync(ArtifactRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var problem = new ValidationProblem();
        var project = Check.Text(problem, "project", request.Project, 100, required: true);
        var type = Check.Slug(problem, "type", request.Type);
        var key = CheckKey(problem, request.Key);
        problem.ThrowIfAny();
        var projectId = await db.ProjectIdOfAsync(project!, ct) ?? throw ProblemException.Invalid("project", "no such project");
        var existing = await db.Set<Artifact>().AsNoTracking()
            .Where(a => a.ProjectId == projectId && a.Type == type && a.Key == key).Select(a => a.Id).FirstOrDefaultAsync(ct);
        return existing is null
            ? new PutArtifactResult(true, await CreateAsync(request, ct))
            : new PutArtifactResult(false, await UpdateAsync(existing, request, ct));
    }

    /// Removes the artifact with its versions, its dependencies both ways and its links to work items.
    public async Task DeleteAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var artifact = await FindAsync(id, ct);
        await db.Set<ArtifactDependency>().Where(d => d.ArtifactId == artifact.Id || d.DependsOnId == artifact.Id).ExecuteDeleteAsync(ct);
        await db.Set<WorkItemArtifact>().Where(l => l.ArtifactId == artifact.Id).ExecuteDeleteAsync(ct);
        await db.Set<ArtifactVersion>().Where(v => v.ArtifactId == artifact.Id).ExecuteDeleteAsync(ct);
        db.Set<Artifact>().Remove(artifact);
        await db.SaveChangesAsync(ct);
    }

    /// Every version, newest first, without content.
    public async Task<IReadOnlyList<ArtifactVersionSummary>> ListVersionsAsync(string id, CancellationToken ct)
    {
        var artifact = await FindAsync(id, ct);
        return await db.Set<ArtifactVersion>().AsNoTracking().Where(v => v.ArtifactId == artifact.Id).OrderByDescending(v => v.Version)
            .Select(v => new ArtifactVersionSummary(v.Version, v.Title, v.Uri, v.IntegrationRef, v.ContentSha256, v.SizeBytes, v.TokenCount, v.Encoding, v.AuthorRef, v.CreatedAt))
            .ToListAsync(ct);
    }

    public async Task<ArtifactVersionView> GetVersionAsync(string id, int version, CancellationToken ct)
    {
        var artifact = await FindAsync(id, ct);
        var row = await db.Set<ArtifactVersion>().AsNoTracking().FirstOrDefaultAsync(v => v.ArtifactId == artifact.Id && v.Version == version, ct)
                  ?? throw ProblemException.NotFound("Artifact version");
        return ArtifactVersionView.From(row);
    }

    public async Task<Artifact> FindAsync(string id, CancellationToken ct) =>
        await db.Set<Artifact>().FirstOrDefaultAsync(a => a.Id == id, ct) ?? throw ProblemException.NotFound("Artifact");

    /// An artifact named by its id, or by "type/key" within <paramref name="projectId"/>; null when there is none.
    private async Task<Artifact?> ResolveAsync(string reference, string projectId, CancellationToken ct)
    {
        reference = reference.Trim();
        if (Ids.IsValid(reference))
        {
            return await db.Set<Artifact>().AsNoTracking().FirstOrDefaultAsync(a => a.Id == reference, ct);
        }

        var slash = reference.IndexOf('/');
        if (slash <= 0)
        {
            return null;
        }

        var (type, key) = (reference[..slash].ToLowerInvariant(), reference[(slash + 1)..]);
        return await db.Set<Artifact>().AsNoTracking().FirstOrDefaultAsync(a => a.ProjectId == projectId && a.Type == type && a.Key == key, ct);
    }

    private async Task<ArtifactView> ViewAsync(Artifact a, CancellationToken ct)
    {
        var dependsOn = await (from d in db.Set<ArtifactDependency>().AsNoTracking()
                               join o in db.Set<Artifact>() on d.DependsOnId equals o.Id
                               where d.ArtifactId == a.Id
                               orderby o.Type, o.Key
                               select new ArtifactEdge(o.Id, o.ProjectId, o.Type, o.Key, o.Title, o.Version, d.Kind)).ToListAsync(ct);
        var dependedOnBy = await (from d in db.Set<ArtifactDependency>().AsNoTracking()
                                  join o in db.Set<Artifact>() on d.ArtifactId equals o.Id
                                  where d.DependsOnId == a.Id
                                  orderby o.Type, o.Key
                                  select new ArtifactEdge(o.Id, o.ProjectId, o.Type, o.Key, o.Title, o.Version, d.Kind)).ToListAsync(ct);
        return new ArtifactView(
            a.Id, a.ProjectId, a.Type, a.Key, a.Title, a.Content, a.Uri, a.IntegrationRef, a.ContentSha256, a.SizeBytes, a.TokenCount, a.Encoding,
            a.Version, WorkItemView.ParseJson(a.MetadataJson), dependsOn, dependedOnBy, a.CreatedBy, a.CreatedAt, a.UpdatedAt);
    }

    private ArtifactVersion NewVersion(Artifact a) => new()
    {
        TenantId = a.TenantId,
        ArtifactId = a.Id,
        Version = a.Version,
        Title = a.Title,
        Content = a.Content,
        Uri = a.Uri,
        IntegrationRef = a.IntegrationRef,
        ContentSha256 = a.ContentSha256,
        SizeBytes = a.SizeBytes,
        TokenCount = a.TokenCount,
        Encoding = a.Encoding,
        AuthorRef = context.Actor.Ref,
    };

    private async Task SaveAsync(Artifact artifact, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex))
        {
            // Another request made the same type and key a moment earlier.
            throw Taken(artifact.Type, artifact.Key);
        }
    }

    private static ProblemException Taken(string type, string key) =>
        ProblemException.Invalid("key", $"the project already has an artifact {type}/{key}; change that one (PATCH, or put_artifact)");

    private static string? CheckKey(ValidationProblem problem, string? value)
    {
        var key = Check.Text(problem, "key", value, KeyLength, required: true);
        if (key is not null && key.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            problem.Add("key", "must not contain spaces or control characters (e.g. api, billing-v2, src/app.cs)");
        }

        return key;
    }

    private static string? CheckMetadata(ValidationProblem problem, System.Text.Json.JsonElement? metadata)
    {
        var json = Check.Json(metadata);
        if (json is not null && metadata!.Value.ValueKind != System.Text.Json.JsonValueKind.Object)
        {
            problem.Add("metadata", "must be a JSON object");
            return null;
        }

        return json;
    }

    /// The artifact's body, measured: its content's hash, size and token count in the encoding.
    private sealed record Body(string? Content, string? Uri, string? IntegrationRef, string Encoding, string? ContentSha256, long SizeBytes, int TokenCount)
    {
        public void ApplyTo(Artifact a)
        {
            (a.Content, a.Uri, a.IntegrationRef, a.Encoding) = (Content, Uri, IntegrationRef, Encoding);
            (a.ContentSha256, a.SizeBytes, a.TokenCount) = (ContentSha256, SizeBytes, TokenCount);
        }
    }

    private static Body CheckBody(ValidationProblem problem, string? content, string? uri, string? integrationRef, string encoding)
    {
        content = string.IsNullOrEmpty(content) ? null : content;
        if (content is null && uri is null && integrationRef is null)
        {
            problem.Add("content", "an artifact needs content, a uri or an integration_ref (at least one)");
        }

        if (content is { Length: > MaxContent })
        {
            problem.Add("content", $"must be at most {MaxContent} characters; keep larger files elsewhere and give their uri");
            content = null;
        }

        if (uri is not null && (!System.Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || uri.Any(char.IsWhiteSpace)
                                || parsed.Scheme is "javascript" or "data" or "vbscript"))
        {
            problem.Add("uri", "must be an absolute URI, e.g. https://example.com/spec.md or s3://bucket/key");
        }

        if (!TokenCounter.IsKnown(encoding))
        {
            problem.Add("encoding", $"must be one of: {string.Join(", ", TokenCounter.Encodings)}");
            encoding = TokenCounter.Default;
        }

        if (problem.HasErrors || content is null)
        {
            return new Body(content, uri, integrationRef, encoding, null, 0, 0);
        }

        var bytes = Encoding.UTF8.GetBytes(content);
        return new Body(content, uri, integrationRef, encoding, Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.LongLength, TokenCounter.Count(content, encoding));
    }
}
