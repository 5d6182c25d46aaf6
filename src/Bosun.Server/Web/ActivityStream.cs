using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Core.Identity;
using Bosun.Core.Realtime;
using Bosun.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace Bosun.Server.Web;

/// The activity page's live feed: server-sent events for the signed-in person's tenant, read from the same
/// tenant stream as GET /api/v1/stream (ids follow commit order, so a resume never skips a late commit), polled
/// once a second in a short read transaction. Resumes after the id in Last-Event-ID (or ?after=).
internal static class ActivityStream
{
    public sealed record ActivityEvent(string Id, DateTime At, string ActorName, string Actor, string Action, string Text, string Subject, string? Link);

    private static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan KeepAliveEvery = TimeSpan.FromSeconds(15);

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/ui/stream", async (HttpContext http, BosunDb db, StreamService stream, AuditSubjectService subjects, RequestContext request, IHostApplicationLifetime lifetime, string? after) =>
        {
            Permissions.Require(request, Capability.ReadAudit);
            var resume = http.Request.Headers["Last-Event-ID"].ToString() is { Length: > 0 } header ? header : after;
            long? last = null;
            if (resume is not null)
            {
                last = long.TryParse(resume, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
                    ? id
                    : throw ProblemException.Invalid("after", "is not an activity id");
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
            var ct = stop.Token;
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-store";
            http.Response.Headers["X-Accel-Buffering"] = "no";
            await http.Response.WriteAsync("retry: 2000\n\n", ct);
            await http.Response.Body.FlushAsync(ct);
            var quietSince = DateTime.UtcNow;
            try
            {
                // A fresh connection without a position starts at the present.
                var cursor = last ?? await db.InTransactionAsync(stream.HeadAsync, write: false, ct);
                while (!ct.IsCancellationRequested)
                {
                    var from = cursor;
                    var events = await db.InTransactionAsync(c => stream.ReadAfterAsync(from, null, c), write: false, ct);
                    var names = events.Count == 0
                        ? new Dictionary<string, string>()
                        : await db.InTransactionAsync(c => subjects.NamesAsync(events.Select(e => (e.EntityType, e.EntityId)), c), write: false, ct);
                    foreach (var e in events)
                    {
                        var activity = Describe(e.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), e.CreatedAt, e.ActorName, e.ActorRef, e.Type, e.EntityType, e.EntityId, names);
                        await http.Response.WriteAsync($"id: {e.Seq}\nevent: activity\ndata: {JsonSerializer.Serialize(activity, BosunJson.Options)}\n\n", ct);
                        cursor = e.Seq;
                    }

                    if (events.Count > 0 || DateTime.UtcNow - quietSince > KeepAliveEvery)
                    {
                        if (events.Count == 0)
                        {
                            await http.Response.WriteAsync(": keep-alive\n\n", ct);
                        }

                        await http.Response.Body.FlushAsync(ct);
                        quietSince = DateTime.UtcNow;
                    }

                    if (events.Count < StreamService.BatchSize)
                    {
                        await Task.Delay(PollEvery, ct);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // The browser left or the server is stopping; the stream simply ends.
            }

            return Results.Empty;
        });

    private static readonly Dictionary<string, string> Phrases = new(StringComparer.Ordinal)
    {
        ["user.signed_in"] = "signed in",
        ["user.signed_out"] = "signed out",
        ["user.password_set"] = "set the password of",
        ["work_item.labels_changed"] = "changed the labels of",
        ["work_item.dependency_added"] = "added a dependency to",
        ["work_item.dependency_removed"] = "removed a dependency from",
        ["agent.projects_changed"] = "changed the projects of",
    };

    /// An audit row in the words of the activity feed ("Ada · created work item · WEB-3").
    public static ActivityEvent Describe(AuditEntry entry, IReadOnlyDictionary<string, string> names) =>
        Describe(entry.Id, entry.CreatedAt, entry.ActorName, entry.ActorRef, entry.Action, entry.EntityType, entry.EntityId, names);

    public static ActivityEvent Describe(AuditView entry, IReadOnlyDictionary<string, string> names) =>
        Describe(entry.Id, entry.CreatedAt, entry.ActorName, entry.Actor, entry.Action, entry.EntityType, entry.EntityId, names);

    private static ActivityEvent Describe(string id, DateTime at, string actorName, string actor, string action, string entityType, string entityId,
        IReadOnlyDictionary<string, string> names)
    {
        var verb = action.Contains('.') ? action[(action.IndexOf('.') + 1)..] : action;
        var text = Phrases.GetValueOrDefault(action) ?? $"{verb.Replace('_', ' ')} {entityType.Replace('_', ' ')}";
        var subject = names.GetValueOrDefault(entityId) ?? entityId;
        if (entityType == "user" && actor == $"user:{entityId}" && action is "user.signed_in" or "user.signed_out")
        {
            subject = "";
        }

        var link = entityType switch
        {
            "work_item" => $"/work/{Html.Segment(subject)}",
            "goal" => $"/goals#goal-{entityId}",
            "agent" => "/agents",
            "project" when names.ContainsKey(entityId) => $"/board?project={Html.Segment(subject)}",
            "approval" => "/inbox",
            _ => null,
        };
        return new ActivityEvent(id, at, actorName, actor, action, text, subject, link);
    }
}
