using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Core.Identity;
using Bosun.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;

namespace Bosun.Server.Web;

/// The activity page's live feed: server-sent events for the signed-in person's tenant, read from the audit
/// log by polling it once a second in a short read transaction. Resumes after the id in Last-Event-ID (or ?after=).
/// Kept apart so the page can move to the shared tenant stream without touching anything else.
internal static class ActivityStream
{
    public sealed record ActivityEvent(string Id, DateTime At, string ActorName, string Actor, string Action, string Text, string Subject, string? Link);

    private static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan KeepAliveEvery = TimeSpan.FromSeconds(15);

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/ui/stream", async (HttpContext http, BosunDb db, RequestContext request, IHostApplicationLifetime lifetime, string? after) =>
        {
            Permissions.Require(request, Capability.ReadAudit);
            var last = http.Request.Headers["Last-Event-ID"].ToString() is { Length: > 0 } resume ? resume : after;
            if (last is not null && !Ids.IsValid(last))
            {
                throw ProblemException.Invalid("after", "is not an activity id");
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
                while (!ct.IsCancellationRequested)
                {
                    var from = last;
                    var entries = await db.InTransactionAsync(c =>
                    {
                        var query = db.AuditEntries.AsNoTracking();
                        if (from is not null)
                        {
                            query = query.Where(a => string.Compare(a.Id, from) > 0);
                        }
                        else
                        {
                            // A fresh connection without a position starts at the present.
                            query = query.OrderByDescending(a => a.Id).Take(1);
                        }

                        return query.OrderBy(a => a.Id).Take(200).ToListAsync(c);
                    }, write: false, ct);
                    if (from is null)
                    {
                        last = entries.LastOrDefault()?.Id ?? Ids.New();
                        entries.Clear();
                    }

                    foreach (var entry in entries)
                    {
                        await http.Response.WriteAsync($"id: {entry.Id}\nevent: activity\ndata: {JsonSerializer.Serialize(Describe(entry), BosunJson.Options)}\n\n", ct);
                        last = entry.Id;
                    }

                    if (entries.Count > 0 || DateTime.UtcNow - quietSince > KeepAliveEvery)
                    {
                        if (entries.Count == 0)
                        {
                            await http.Response.WriteAsync(": keep-alive\n\n", ct);
                        }

                        await http.Response.Body.FlushAsync(ct);
                        quietSince = DateTime.UtcNow;
                    }

                    await Task.Delay(PollEvery, ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // The browser left or the server is stopping; the stream simply ends.
            }

            return Results.Empty;
        });

    /// An audit row in the words of the activity feed ("Ada · created work item · WEB-3").
    public static ActivityEvent Describe(AuditEntry entry)
    {
        using var changes = JsonDocument.Parse(entry.ChangesJson);
        return Describe(entry.Id, entry.CreatedAt, entry.ActorName, entry.ActorRef, entry.Action, entry.EntityType, entry.EntityId, changes.RootElement);
    }

    public static ActivityEvent Describe(AuditView entry) =>
        Describe(entry.Id, entry.CreatedAt, entry.ActorName, entry.Actor, entry.Action, entry.EntityType, entry.EntityId, entry.Changes);

    private static ActivityEvent Describe(string id, DateTime at, string actorName, string actor, string action, string entityType, string entityId, JsonElement changes)
    {
        var verb = action.Contains('.') ? action[(action.IndexOf('.') + 1)..] : action;
        var text = $"{verb.Replace('_', ' ')} {entityType.Replace('_', ' ')}";
        // A work item's key is in the changes when it was created; later rows name it by id, which its page also accepts.
        var subject = entityType == "work_item" && changes.ValueKind == JsonValueKind.Object
            && changes.TryGetProperty("key", out var key) && key.ValueKind == JsonValueKind.Object
            && key.TryGetProperty("after", out var after) && after.ValueKind == JsonValueKind.String
            ? after.GetString()!
            : entityId;
        var link = entityType switch
        {
            "work_item" => $"/work/{subject}",
            "goal" => $"/goals#goal-{entityId}",
            "agent" => "/agents",
            "approval" => "/inbox",
            _ => null,
        };
        return new ActivityEvent(id, at, actorName, actor, action, text, subject, link);
    }
}
