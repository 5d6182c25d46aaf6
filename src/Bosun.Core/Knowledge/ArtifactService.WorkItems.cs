using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Core.Identity;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Knowledge;

/// What a work item knows: the artifacts linked to it and its knowledge items (requirements, facts, assumptions, questions).
public sealed partial class ArtifactService
{
    public const int KnowledgeTextLength = 20_000;

    public async Task<IReadOnlyList<ArtifactSummary>> LinkedAsync(string workItem, CancellationToken ct)
    {
        var item = await workItems.FindAsync(workItem, ct);
        return await LinkedToAsync(item.Id, ct);
    }

    /// Links an artifact (its id, or type/key in the item's project) to the item; linking it again changes nothing.
    public async Task<IReadOnlyList<ArtifactSummary>> LinkAsync(string workItem, LinkArtifact request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var item = await workItems.FindAsync(workItem, ct);
        var reference = Check.Text(new ValidationProblem(), "artifact", request.Artifact, KeyLength + TypeLength + 1)
                        ?? throw ProblemException.Invalid("artifact", "is required");
        var artifact = await ResolveAsync(reference, item.ProjectId, ct)
                       ?? throw ProblemException.Invalid("artifact", $"no artifact '{reference}' (give its id, or type/key in the item's project)");
        if (!await db.Set<WorkItemArtifact>().AnyAsync(l => l.WorkItemId == item.Id && l.ArtifactId == artifact.Id, ct))
        {
            db.Set<WorkItemArtifact>().Add(new WorkItemArtifact { WorkItemId = item.Id, ArtifactId = artifact.Id, CreatedBy = context.Actor.Ref });
            AuditLog.Record(db, "work_item.artifact_linked", "work_item", item.Id, new { artifact = new { after = Label(artifact) }, artifact_id = artifact.Id }, Now);
            await db.SaveChangesAsync(ct);
        }

        return await LinkedToAsync(item.Id, ct);
    }

    public async Task<IReadOnlyList<ArtifactSummary>> UnlinkAsync(string workItem, string artifactRef, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var item = await workItems.FindAsync(workItem, ct);
        var artifact = await ResolveAsync(artifactRef, item.ProjectId, ct) ?? throw ProblemException.NotFound("Artifact link");
        if (await db.Set<WorkItemArtifact>().Where(l => l.WorkItemId == item.Id && l.ArtifactId == artifact.Id).ExecuteDeleteAsync(ct) == 0)
        {
            throw ProblemException.NotFound("Artifact link");
        }

        AuditLog.Record(db, "work_item.artifact_unlinked", "work_item", item.Id, new { artifact = new { before = Label(artifact) }, artifact_id = artifact.Id }, Now);
        await db.SaveChangesAsync(ct);
        return await LinkedToAsync(item.Id, ct);
    }

    private async Task<IReadOnlyList<ArtifactSummary>> LinkedToAsync(string itemId, CancellationToken ct) =>
        (await (from l in db.Set<WorkItemArtifact>().AsNoTracking()
                join a in db.Set<Artifact>().AsNoTracking() on l.ArtifactId equals a.Id
                where l.WorkItemId == itemId
                select a).ToListAsync(ct))
        .OrderBy(a => a.Type, StringComparer.Ordinal).ThenBy(a => a.Key, StringComparer.Ordinal)
        .Select(ArtifactSummary.From).ToList();

    /// The item's knowledge items in the order they were written; <paramref name="kind"/> keeps one kind.
    public async Task<IReadOnlyList<KnowledgeItemView>> ListKnowledgeAsync(string workItem, string? kind, CancellationToken ct)
    {
        var item = await workItems.FindAsync(workItem, ct);
        var query = db.Set<KnowledgeItem>().AsNoTracking().Where(k => k.WorkItemId == item.Id);
        if (Check.OneOf<KnowledgeKind>("kind", kind) is { } only)
        {
            query = query.Where(k => k.Kind == only);
        }

        return (await query.OrderBy(k => k.Id).ToListAsync(ct)).Select(KnowledgeItemView.From).ToList();
    }

    public async Task<KnowledgeItemView> AddKnowledgeAsync(string workItem, KnowledgeRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var item = await workItems.FindAsync(workItem, ct);
        var problem = new ValidationProblem();
        var kind = CheckKind(problem, request.Kind, required: true) ?? KnowledgeKind.Fact;
        var text = Check.Text(problem, "text", request.Text, KnowledgeTextLength, required: true);
        var answer = CheckAnswer(problem, kind, request.Answer);
        problem.ThrowIfAny();

        var knowledge = new KnowledgeItem { WorkItemId = item.Id, Kind = kind, Text = text!, CreatedBy = context.Actor.Ref };
        SetAnswer(knowledge, answer);
        db.Set<KnowledgeItem>().Add(knowledge);
        await db.SaveChangesAsync(ct);
        return KnowledgeItemView.From(knowledge);
    }

    /// Changes the text, the kind or the answer; an empty answer takes the answer back.
    public async Task<KnowledgeItemView> UpdateKnowledgeAsync(string workItem, string id, KnowledgeRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var knowledge = await FindKnowledgeAsync(workItem, id, ct);
        var problem = new ValidationProblem();
        var kind = CheckKind(problem, request.Kind, required: false) ?? knowledge.Kind;
        var text = Check.Text(problem, "text", request.Text, KnowledgeTextLength);
        var answer = request.Answer is null ? knowledge.Answer : CheckAnswer(problem, kind, request.Answer);
        if (kind != KnowledgeKind.Question && request.Answer is null && knowledge.Answer is not null)
        {
            problem.Add("answer", $"a {kind.Snake()} has no answer; send \"answer\": \"\" to drop it");
        }

        problem.ThrowIfAny();
        knowledge.Kind = kind;
        knowledge.Text = text ?? knowledge.Text;
        SetAnswer(knowledge, answer);
        await db.SaveChangesAsync(ct);
        return KnowledgeItemView.From(knowledge);
    }

    public async Task DeleteKnowledgeAsync(string workItem, string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        db.Set<KnowledgeItem>().Remove(await FindKnowledgeAsync(workItem, id, ct));
        await db.SaveChangesAsync(ct);
    }

    private async Task<KnowledgeItem> FindKnowledgeAsync(string workItem, string id, CancellationToken ct)
    {
        var item = await workItems.FindAsync(workItem, ct);
        return await db.Set<KnowledgeItem>().FirstOrDefaultAsync(k => k.WorkItemId == item.Id && k.Id == id, ct)
               ?? throw ProblemException.NotFound("Knowledge item");
    }

    private void SetAnswer(KnowledgeItem knowledge, string? answer)
    {
        if (answer == knowledge.Answer)
        {
            return;
        }

        knowledge.Answer = answer;
        knowledge.AnsweredBy = answer is null ? null : context.Actor.Ref;
        knowledge.AnsweredAt = answer is null ? null : Now;
    }

    private static KnowledgeKind? CheckKind(ValidationProblem problem, string? value, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                problem.Add("kind", $"is required: one of {string.Join(", ", EnumNames<KnowledgeKind>.All)}");
            }

            return null;
        }

        if (!EnumNames<KnowledgeKind>.TryParse(value.Trim().ToLowerInvariant(), out var kind))
        {
            problem.Add("kind", $"must be one of: {string.Join(", ", EnumNames<KnowledgeKind>.All)}");
            return null;
        }

        return kind;
    }

    private static string? CheckAnswer(ValidationProblem problem, KnowledgeKind kind, string? value)
    {
        var answer = Check.Text(problem, "answer", value, KnowledgeTextLength);
        if (answer is not null && kind != KnowledgeKind.Question)
        {
            problem.Add("answer", $"only a question has an answer; this is a {kind.Snake()}");
        }

        return answer;
    }
}
