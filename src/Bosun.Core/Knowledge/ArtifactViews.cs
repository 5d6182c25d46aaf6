using System.Text.Json;
using Bosun.Core.Planning;

namespace Bosun.Core.Knowledge;

/// <paramref name="Encoding"/>: o200k_base (default), cl100k_base or claude. In a change, an empty string clears
/// content, uri or integration_ref; a field left out stays as it is.
public sealed record ArtifactRequest(
    string? Project = null, string? Type = null, string? Key = null, string? Title = null, string? Content = null, string? Uri = null,
    string? IntegrationRef = null, JsonElement? Metadata = null, string? Encoding = null);

public sealed record AddArtifactDependency(string? DependsOn, string? Kind);

public sealed record LinkArtifact(string? Artifact);

public sealed record KnowledgeRequest(string? Kind = null, string? Text = null, string? Answer = null);

/// One edge of an artifact's graph, seen from the artifact: the other end and the kind of the dependency.
public sealed record ArtifactEdge(string Id, string ProjectId, string Type, string Key, string Title, int Version, ArtifactDependencyKind Kind);

/// An artifact without its content, as lists show it.
public sealed record ArtifactSummary(
    string Id, string ProjectId, string Type, string Key, string Title, string? Uri, string? IntegrationRef, string? ContentSha256,
    long SizeBytes, int TokenCount, string Encoding, int Version, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static ArtifactSummary From(Artifact a) => new(
        a.Id, a.ProjectId, a.Type, a.Key, a.Title, a.Uri, a.IntegrationRef, a.ContentSha256, a.SizeBytes, a.TokenCount, a.Encoding, a.Version,
        a.CreatedAt, a.UpdatedAt);
}

/// <paramref name="DependsOn"/>: what this artifact depends on; <paramref name="DependedOnBy"/>: what depends on it directly.
public sealed record ArtifactView(
    string Id, string ProjectId, string Type, string Key, string Title, string? Content, string? Uri, string? IntegrationRef,
    string? ContentSha256, long SizeBytes, int TokenCount, string Encoding, int Version, JsonElement? Metadata,
    IReadOnlyList<ArtifactEdge> DependsOn, IReadOnlyList<ArtifactEdge> DependedOnBy, string? CreatedBy, DateTime CreatedAt, DateTime UpdatedAt);

public sealed record ArtifactVersionSummary(
    int Version, string Title, string? Uri, string? IntegrationRef, string? ContentSha256, long SizeBytes, int TokenCount, string Encoding,
    string? AuthorRef, DateTime CreatedAt);

public sealed record ArtifactVersionView(
    string ArtifactId, int Version, string Title, string? Content, string? Uri, string? IntegrationRef, string? ContentSha256, long SizeBytes,
    int TokenCount, string Encoding, string? AuthorRef, DateTime CreatedAt)
{
    public static ArtifactVersionView From(ArtifactVersion v) => new(
        v.ArtifactId, v.Version, v.Title, v.Content, v.Uri, v.IntegrationRef, v.ContentSha256, v.SizeBytes, v.TokenCount, v.Encoding, v.AuthorRef, v.CreatedAt);
}

/// An artifact a change reaches: <paramref name="Depth"/> edges away, through <paramref name="Via"/> (what it depends on).
public sealed record ImpactedArtifact(string Id, string ProjectId, string Type, string Key, string Title, int Version, int Depth, string Via, ArtifactDependencyKind Kind);

/// An open work item linked to the artifact or to one it reaches, with the artifacts that link it.
public sealed record ImpactedWorkItem(string Id, string Key, string Title, WorkStatus Status, string ProjectId, IReadOnlyList<string> ArtifactIds);

public sealed record ArtifactImpact(ArtifactSummary Artifact, IReadOnlyList<ImpactedArtifact> Artifacts, IReadOnlyList<ImpactedWorkItem> WorkItems);

public sealed record KnowledgeItemView(
    string Id, string WorkItemId, KnowledgeKind Kind, string Text, string? Answer, string? AnsweredBy, DateTime? AnsweredAt, string? CreatedBy,
    DateTime CreatedAt, DateTime UpdatedAt)
{
    public static KnowledgeItemView From(KnowledgeItem k) => new(
        k.Id, k.WorkItemId, k.Kind, k.Text, k.Answer, k.AnsweredBy, k.AnsweredAt, k.CreatedBy, k.CreatedAt, k.UpdatedAt);
}

/// What a put did: the artifact, and whether it was made now.
public sealed record PutArtifactResult(bool Created, ArtifactView Artifact);
