using Bosun.Core.Common;
using Bosun.Core.Identity;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Planning;

/// <paramref name="Before"/> or <paramref name="After"/>: the sibling (key or id) the item is to stand next to.
public sealed record MoveWorkItem(string? Before, string? After);

/// Where items stand among their siblings: the children of one item, or the top-level items of one project.
public sealed partial class WorkItemService
{
    /// Puts the item just before or just after a sibling. Only the moved item is written: its new position is a string
    /// between the target's and that of the target's neighbour. When no such string fits in <see cref="Positions.MaxLength"/>
    /// (after very many moves into one gap), the siblings are spaced out again, all of them written once.
    public async Task<WorkItemView> MoveAmongSiblingsAsync(string idOrKey, MoveWorkItem request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.EditWork);
        var item = await FindAsync(idOrKey, ct);
        var (field, reference) = TargetOf(request);
        if (context.Actor.Type == ActorType.Agent && (item.ParentId is null || !await HoldsAsync(item.ParentId, ct)))
        {
            throw ProblemException.Forbidden("Agents reorder only the sub-items of the item they are working on.");
        }

        if (item.ArchivedAt is not null)
        {
            throw ProblemException.Conflict($"{item.Key} is archived: restore it before moving it.", "/problems/archived");
        }

        var target = await FindOrNullAsync(reference, ct) ?? throw ProblemException.Invalid(field, $"no work item '{reference}'");
        if (target.Id == item.Id)
        {
            throw ProblemException.Invalid(field, $"is {item.Key} itself");
        }

        if (target.ParentId != item.ParentId || (item.ParentId is null && target.ProjectId != item.ProjectId))
        {
            throw ProblemException.Invalid(field, item.ParentId is null
                ? $"{target.Key} is not a sibling of {item.Key}: {item.Key} is a top-level item, so the target must be a top-level item of its project"
                : $"{target.Key} is not a sibling of {item.Key}: the target must be another sub-item of the same parent");
        }

        if (target.ArchivedAt is not null)
        {
            throw ProblemException.Invalid(field, $"{target.Key} is archived");
        }

        // Archived siblings keep their place, so a restored item comes back where it stood: they count as neighbours.
        var others = SiblingsOf(item).Where(w => w.Id != item.Id);
        var before = field == "before";
        var neighbour = before
            ? await others.Where(w => string.Compare(w.Position, target.Position) < 0 || (w.Position == target.Position && string.Compare(w.Id, target.Id) < 0))
                .OrderByDescending(w => w.Position).ThenByDescending(w => w.Id).Select(w => w.Position).FirstOrDefaultAsync(ct)
            : await others.Where(w => string.Compare(w.Position, target.Position) > 0 || (w.Position == target.Position && string.Compare(w.Id, target.Id) > 0))
                .OrderBy(w => w.Position).ThenBy(w => w.Id).Select(w => w.Position).FirstOrDefaultAsync(ct);
        var position = before ? Positions.TryBetween(neighbour, target.Position) : Positions.TryBetween(target.Position, neighbour);
        if (position is not null)
        {
            item.Position = position;
        }
        else
        {
            await RespaceAsync(item, target, before, ct);
        }

        await db.SaveChangesAsync(ct);
        return await ViewAsync(item, ct);
    }

    private static (string Field, string Reference) TargetOf(MoveWorkItem request)
    {
        var (before, after) = (request.Before is { Length: > 0 }, request.After is { Length: > 0 });
        if (before == after)
        {
            var why = before ? "give before or after, not both" : "give before or after: the sibling (key or id) to stand next to";
            throw new ValidationProblem().Add("before", why).Add("after", why).ToException();
        }

        return before ? ("before", request.Before!) : ("after", request.After!);
    }

    /// The items that share <paramref name="item"/>'s place in the hierarchy, the item itself among them.
    private IQueryable<WorkItem> SiblingsOf(WorkItem item) => item.ParentId is { } parent
        ? db.WorkItems.Where(w => w.ParentId == parent)
        : db.WorkItems.Where(w => w.ParentId == null && w.ProjectId == item.ProjectId);

    private async Task RespaceAsync(WorkItem item, WorkItem target, bool before, CancellationToken ct)
    {
        var siblings = await SiblingsOf(item).Where(w => w.Id != item.Id).OrderBy(w => w.Position).ThenBy(w => w.Id).ToListAsync(ct);
        var at = siblings.FindIndex(w => w.Id == target.Id);
        siblings.Insert(before ? at : at + 1, item);
        var positions = Positions.Respace(siblings.Count);
        for (var i = 0; i < siblings.Count; i++)
        {
            siblings[i].Position = positions[i];
        }
    }
}
