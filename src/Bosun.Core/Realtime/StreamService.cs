using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Realtime;

public sealed record StreamEventView(
    long Id, string Type, string EntityType, string EntityId, string? ProjectId, string? WorkItemId, string? WorkItemKey,
    string Actor, string ActorName, JsonElement Changes, DateTime CreatedAt)
{
    public static StreamEventView From(StreamEvent e) => new(
        e.Seq, e.Type, e.EntityType, e.EntityId, e.ProjectId, e.WorkItemId, e.WorkItemKey, e.ActorRef, e.ActorName,
        WorkItemView.ParseJson(e.ChangesJson) ?? default, e.CreatedAt);
}

public sealed class RealtimeOptions
{
    /// A comment line sent when a stream has been quiet this long, so proxies and clients know it is alive.
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// How often streams look for events committed by other Bosun processes.
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// Events stay available for resuming at least this long.
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(72);
}

/// What a stream subscriber may read: the tenant's events after a sequence number, each read in its own
/// short transaction so a long-lived stream never holds one open.
public sealed class StreamService(BosunDb db, RequestContext context, StreamSequencer sequencer)
{
    public const int BatchSize = 500;

    /// A filter of event types ("work_item.*,run.ended"); null means every type.
    public static IReadOnlyList<string>? ParseTypes(string? types, string field = "types")
    {
        if (string.IsNullOrWhiteSpace(types))
        {
            return null;
        }

        var patterns = types.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
        var unknown = patterns.Where(p => !StreamEvents.Types.Any(t => StreamEvents.Matches(p, t))).ToList();
        if (unknown.Count > 0)
        {
            throw ProblemException.Invalid(field, $"'{string.Join("', '", unknown)}' matches no event type; known types: {string.Join(", ", StreamEvents.Types)} (or 'work_item.*', '*')");
        }

        return patterns;
    }

    public Task<string> ResolveProjectAsync(string reference, CancellationToken ct) =>
        db.InTransactionAsync(async c => await db.ProjectIdOfAsync(reference, c)
            ?? throw ProblemException.Invalid("project", "no such project"), write: false, ct);

    /// The newest sequence number; every event up to it has committed.
    public async Task<long> HeadAsync(CancellationToken ct)
    {
        await sequencer.CatchUpAsync(context.RequireTenant(), ct);
        return await db.InTransactionAsync(c => db.Set<StreamHead>().AsNoTracking().Select(h => (long?)h.LastSeq).FirstOrDefaultAsync(c), write: false, ct) ?? 0;
    }

    /// The oldest event still kept, or null when none is. (Events still waiting for their number have negative ones.)
    public Task<long?> OldestAsync(CancellationToken ct) =>
        db.InTransactionAsync(c => db.Set<StreamEvent>().AsNoTracking().Where(e => e.Seq > 0).OrderBy(e => e.Seq).Select(e => (long?)e.Seq).FirstOrDefaultAsync(c), write: false, ct);

    /// Up to <see cref="BatchSize"/> events after <paramref name="after"/>, in order, optionally of one project.
    /// Writes that finished before the call are numbered first, so a reader sees its own.
    public async Task<List<StreamEvent>> ReadAfterAsync(long after, string? projectId, CancellationToken ct)
    {
        await sequencer.CatchUpAsync(context.RequireTenant(), ct);
        return await db.InTransactionAsync(c =>
        {
            var query = db.Set<StreamEvent>().AsNoTracking().Where(e => e.Seq > after);
            if (projectId is not null)
            {
                query = query.Where(e => e.ProjectId == projectId);
            }

            return query.OrderBy(e => e.Seq).Take(BatchSize).ToListAsync(c);
        }, write: false, ct);
    }
}
