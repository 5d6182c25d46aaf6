using System.Text.Json;
using System.Text.RegularExpressions;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Bosun.Core.Integrations;
using Bosun.Core.Planning;
using Bosun.Core.Realtime;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Core.Notifications;

/// Turns a tenant's stream events into notifications: who each event is for (<see cref="Recipients"/>), then, by each
/// person's preferences, the in-app row, an email and a chat message, all written in the transaction that moves the
/// tenant's cursor. The outbox (<see cref="NotificationSender"/>) sends them afterwards.
public sealed partial class NotificationRouter(IServiceScopeFactory scopes, TimeProvider clock, StreamSequencer sequencer, MailOptions mail)
{
    private const int Batch = 500;

    // A pass writes at most about this many notifications (three rows each with email and chat) in one transaction, so
    // a wide fan-out never holds SQLite's writer for long; the rest of the events wait for the next pass.
    private const int MostPerPass = 2_000;

    /// <paramref name="catchUp"/>: number committed events first. The background pass leaves that to the stream's own
    /// sequencing service, which always runs, so it costs one round trip less through a small connection pool.
    public async Task<int> FanOutAsync(CancellationToken ct, bool catchUp = true)
    {
        if (catchUp)
        {
            await sequencer.CatchUpAllAsync(ct);
        }

        List<string> behind;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            behind = await db.Set<StreamHead>().IgnoreQueryFilters().AsNoTracking()
                .Where(h => h.LastSeq > (db.Set<NotificationCursor>().IgnoreQueryFilters().Where(c => c.TenantId == h.TenantId).Select(c => (long?)c.CursorSeq).FirstOrDefault() ?? 0))
                .Select(h => h.TenantId).ToListAsync(ct);
        }

        var notified = 0;
        foreach (var tenantId in behind)
        {
            bool more;
            do
            {
                (more, var made) = await FanOutTenantAsync(tenantId, ct);
                notified += made;
            }
            while (more);
        }

        return notified;
    }

    internal sealed record Person(string Id, string Name, string Email, PersonRole Role);

    private sealed record ItemFacts(string Id, string Key, string Title, string Type, string? AssigneeUserId, string? CreatedBy);

    /// One event's news for some people: the kind and what they read.
    private sealed record News(NotificationKind Kind, IReadOnlyCollection<string> UserIds, string Title, string? Body, string? Link);

    private async Task<(bool More, int Made)> FanOutTenantAsync(string tenantId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(tenantId, Actor.System);
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        var box = scope.ServiceProvider.GetRequiredService<SecretBox>();
        return await db.InTransactionAsync(async c =>
        {
            var cursor = await NotificationStatements.LockCursorAsync(db, tenantId, c);
            var events = await db.Set<StreamEvent>().AsNoTracking().Where(e => e.Seq > cursor).OrderBy(e => e.Seq).Take(Batch).ToListAsync(c);
            if (events.Count == 0)
            {
                return (false, 0);
            }

            var (made, last) = await DecideAsync(db, box, events, c);
            await db.Set<NotificationCursor>().Where(x => x.TenantId == tenantId).ExecuteUpdateAsync(s => s.SetProperty(x => x.CursorSeq, last), c);
            await db.SaveChangesAsync(c);
            return (last < events[^1].Seq || events.Count == Batch, made);
        }, write: true, ct);
    }

    /// Returns the notifications made and the last event decided.
    private async Task<(int Made, long Last)> DecideAsync(BosunDb db, SecretBox box, List<StreamEvent> events, CancellationToken ct)
    {
        var candidates = events.Where(e => MayNotify(e.Type)).ToList();
        if (candidates.Count == 0)
        {
            return (0, events[^1].Seq);
        }

        var people = await db.Users.AsNoTracking().Where(u => u.Status == PersonStatus.Active)
            .Select(u => new Person(u.Id, u.Name, u.Email, u.Role)).ToDictionaryAsync(p => p.Id, ct);
        var itemIds = candidates.Where(e => e.WorkItemId is not null).Select(e => e.WorkItemId!).Distinct().ToList();
        var items = itemIds.Count == 0
            ? []
            : await db.WorkItems.AsNoTracking().Where(w => itemIds.Contains(w.Id))
                .Select(w => new ItemFacts(w.Id, w.Key, w.Title, w.Type, w.AssigneeUserId, w.CreatedBy)).ToDictionaryAsync(w => w.Id, ct);

        var news = new List<(StreamEvent Event, News News)>();
        foreach (var e in candidates)
        {
            foreach (var n in Recipients(e, e.WorkItemId is { } id ? items.GetValueOrDefault(id) : null, people))
            {
                news.Add((e, n));
            }
        }

        if (news.Count == 0)
        {
            return (0, events[^1].Seq);
        }

        var last = events[^1].Seq;
        var planned = 0;
        for (var i = 0; i < news.Count; i++)
        {
            planned += news[i].News.UserIds.Count;
            if (planned >= MostPerPass && i + 1 < news.Count && news[i + 1].Event.Seq != news[i].Event.Seq)
            {
                last = news[i].Event.Seq;
                news.RemoveRange(i + 1, news.Count - i - 1);
                break;
            }
        }

        var recipients = news.SelectMany(n => n.News.UserIds).Distinct().ToList();
        var prefs = await db.Set<NotificationPreference>().AsNoTracking().Where(p => recipients.Contains(p.UserId))
            .ToDictionaryAsync(p => (p.UserId, p.Kind), ct);
        var projectIds = news.Select(n => n.Event.ProjectId).OfType<string>().Distinct().ToList();
        var routes = await db.Set<ChatRoute>().AsNoTracking()
            .Where(r => (r.UserId != null && recipients.Contains(r.UserId)) || (r.ProjectId != null && r.UserId == null && projectIds.Contains(r.ProjectId)))
            .ToListAsync(ct);
        var personalRoutes = routes.Where(r => r.UserId is not null).ToDictionary(r => r.UserId!);
        var now = clock.GetUtcNow().UtcDateTime;
        var made = 0;

        foreach (var (e, n) in news)
        {
            foreach (var userId in n.UserIds)
            {
                var channels = prefs.TryGetValue((userId, n.Kind), out var p) ? new Channels(p.InApp, p.Email, p.Chat, p.Digest) : NotificationKinds.Default(n.Kind);
                var email = channels.Email && mail.Configured;
                var chat = channels.Chat && personalRoutes.ContainsKey(userId);
                if (!channels.InApp && !email && !chat)
                {
                    continue;
                }

                var notification = new Notification
                {
                    UserId = userId, Kind = n.Kind, EventSeq = e.Seq, Title = Cut(n.Title, 300), Body = n.Body is null ? null : Cut(n.Body, 2000),
                    Link = n.Link, ProjectId = e.ProjectId, WorkItemId = e.WorkItemId, ActorName = Cut(e.ActorName, 200), Listed = channels.InApp, CreatedAt = now,
                };
                db.Add(notification);
                made++;
                var digestAt = DigestTime(channels.Digest, now);
                if (email)
                {
                    db.Add(Delivery(notification, NotificationChannel.Email, people[userId].Email, null, n, digestAt, now));
                }

                if (chat)
                {
                    db.Add(Delivery(notification, NotificationChannel.Chat, null, personalRoutes[userId].Id, n, digestAt, now));
                }
            }

            // A project's channel hears each event once, whoever else it was for.
            foreach (var route in routes.Where(r => r.UserId is null && r.ProjectId == e.ProjectId && HearsKind(r, n.Kind)))
            {
                db.Add(new NotificationDelivery
                {
                    DedupeKey = $"e{e.Seq}:r{route.Id}", RouteId = route.Id, Channel = NotificationChannel.Chat, Kind = NotificationKinds.Name(n.Kind),
                    Subject = Cut(n.Title, 300), Body = Text(n), NextAttemptAt = now, CreatedAt = now,
                });
            }
        }

        // Two kinds of news for one person in one event (assigned and blocked at once) make one notification: the first.
        DropRepeats(db);
        return (made, last);
    }

    private static void DropRepeats(BosunDb db)
    {
        var seen = new HashSet<(string, long)>();
        var dropped = new HashSet<string>();
        foreach (var entry in db.ChangeTracker.Entries<Notification>().ToList())
        {
            if (!seen.Add((entry.Entity.UserId, entry.Entity.EventSeq)))
            {
                dropped.Add(entry.Entity.Id);
                entry.State = EntityState.Detached;
            }
        }

        var routeSeen = new HashSet<string>();
        foreach (var entry in db.ChangeTracker.Entries<NotificationDelivery>().ToList())
        {
            if ((entry.Entity.NotificationId is { } id && dropped.Contains(id)) || !routeSeen.Add(entry.Entity.DedupeKey))
            {
                entry.State = EntityState.Detached;
            }
        }
    }

    private NotificationDelivery Delivery(Notification n, NotificationChannel channel, string? to, string? routeId, News news, DateTime? digestAt, DateTime now) => new()
    {
        DedupeKey = $"e{n.EventSeq}:u{n.UserId}:{(channel == NotificationChannel.Email ? "email" : "chat")}",
        NotificationId = n.Id, UserId = n.UserId, RouteId = routeId, Channel = channel, Kind = NotificationKinds.Name(n.Kind), ToAddress = to,
        Subject = n.Title, Body = Text(news), DigestAt = digestAt, NextAttemptAt = digestAt ?? now, CreatedAt = now,
    };

    /// The text of an email or a chat message: the body, then the page's address when Bosun knows its own.
    private string Text(News n) => string.Join("\n\n", new[] { n.Body, mail.LinkTo(n.Link) }.Where(s => s is { Length: > 0 }));

    private static bool HearsKind(ChatRoute route, NotificationKind kind) =>
        route.Kinds == "*" || route.Kinds.Split(',').Contains(NotificationKinds.Name(kind));

    /// Hourly digests go out at the top of the next hour, daily ones at the next 08:00 UTC.
    public static DateTime? DigestTime(DigestMode mode, DateTime now) => mode switch
    {
        DigestMode.Hourly => new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc).AddHours(1),
        DigestMode.Daily => now.Date.AddHours(8) > now ? now.Date.AddHours(8) : now.Date.AddDays(1).AddHours(8),
        _ => null,
    };

    private static bool MayNotify(string type) => type is "work_item.created" or "work_item.changed" or "approval.requested" or "question.asked"
        or "question.escalated" or "budget.warning" or "budget.stop" or "comment.created" or "connection.expired";

    private static IEnumerable<News> Recipients(StreamEvent e, ItemFacts? item, Dictionary<string, Person> people)
    {
        var actor = e.ActorRef.StartsWith("user:", StringComparison.Ordinal) ? e.ActorRef[5..] : null;
        var link = e.WorkItemKey is { } key ? $"/work/{key}" : null;
        var label = item is null ? "" : $"{item.Key} {item.Title}";

        // Nobody is told about what they did themselves.
        IReadOnlyCollection<string> To(IEnumerable<string?> ids) =>
            ids.OfType<string>().Where(id => id != actor && people.ContainsKey(id)).Distinct().ToList();

        IReadOnlyCollection<string> WithRoles(params PersonRole[] roles) => To(people.Values.Where(p => roles.Contains(p.Role)).Select(p => p.Id));

        IReadOnlyCollection<string> Addressed(string? toRef) => toRef switch
        {
            ['u', 's', 'e', 'r', ':', .. var id] => To([id]),
            ['r', 'o', 'l', 'e', ':', .. var role] when EnumNames<PersonRole>.TryParse(role, out var r) => WithRoles(r),
            _ => [],
        };

        switch (e.Type)
        {
            case "work_item.created" or "work_item.changed":
                if (After(e.ChangesJson, "assignee_user_id") is { } assignee)
                {
                    var escalation = item?.Type == "escalation" && e.Type == "work_item.created";
                    yield return new News(escalation ? NotificationKind.Escalation : NotificationKind.Assigned, To([assignee]),
                        escalation ? item!.Title : $"{item?.Key ?? "A work item"} was assigned to you: {item?.Title}", null, link);
                }

                if (After(e.ChangesJson, "status") is "blocked" or "failed" && item is not null)
                {
                    var status = After(e.ChangesJson, "status");
                    var creator = item.CreatedBy is ['u', 's', 'e', 'r', ':', .. var id] ? id : null;
                    yield return new News(NotificationKind.Blocked, To([item.AssigneeUserId, creator]), $"{item.Key} is {status}: {item.Title}", null, link);
                }

                break;
            case "approval.requested":
                var subject = After(e.ChangesJson, "subject") ?? label;
                yield return new News(NotificationKind.Approval, WithRoles(PersonRole.Owner, PersonRole.Admin, PersonRole.Reviewer),
                    $"Approval waiting: {subject}", $"Requested by {e.ActorName}.", "/inbox");
                break;
            case "question.asked":
                yield return new News(NotificationKind.Question, Addressed(After(e.ChangesJson, "to_ref")),
                    $"{e.ActorName} asks{(item is null ? "" : $" on {item.Key}")}: {After(e.ChangesJson, "text")}", null, link ?? "/inbox");
                break;
            case "question.escalated":
                yield return new News(NotificationKind.Escalation, Addressed(After(e.ChangesJson, "to")),
                    $"A question{(item is null ? "" : $" on {item.Key}")} expired unanswered and is yours now", null, link ?? "/inbox");
                break;
            case "budget.warning" or "budget.stop":
                var stop = e.Type == "budget.stop";
                yield return new News(stop ? NotificationKind.BudgetStop : NotificationKind.BudgetWarning, WithRoles(PersonRole.Owner, PersonRole.Admin),
                    stop ? "A budget reached its cap" : "A budget reached its warning level",
                    $"Spent {After(e.ChangesJson, "spent_usd") ?? "?"} USD of {After(e.ChangesJson, "amount_usd") ?? "?"} USD{(item is null ? "" : $" on {item.Key}")}.", "/costs");
                break;
            case "comment.created" when After(e.ChangesJson, "body") is { } body:
                var mentioned = Mentioned(body, people.Values);
                if (mentioned.Count > 0)
                {
                    yield return new News(NotificationKind.Mention, To(mentioned), $"{e.ActorName} mentioned you on {item?.Key ?? "a work item"}", Cut(body, 500), link);
                }

                break;
            case "connection.expired":
                var owner = After(e.ChangesJson, "owner_user_id") ?? After(e.ChangesJson, "owner");
                var name = After(e.ChangesJson, "name") ?? e.EntityId;
                yield return new News(NotificationKind.ConnectionExpired, owner is null ? WithRoles(PersonRole.Owner, PersonRole.Admin) : To([owner]),
                    $"Connection {name} expired: its token could not be refreshed", "Reconnect it on the connections page.", "/connections");
                break;
        }
    }

    /// People named in a comment: "@ana@example.com" by email, "@ana" or "@AnaLima" by name (spaces left out), any case.
    internal static List<string> Mentioned(string body, IEnumerable<Person> people)
    {
        var handles = MentionPattern().Matches(body).Select(m => m.Groups[1].Value.TrimEnd('.')).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (handles.Count == 0)
        {
            return [];
        }

        return people.Where(p => handles.Contains(p.Email) || handles.Contains(p.Name.Replace(" ", "", StringComparison.Ordinal))
                                 || handles.Contains(p.Name.Split(' ', 2)[0]))
            .Select(p => p.Id).ToList();
    }

    [GeneratedRegex(@"(?<![\w@])@([\p{L}\p{N}_.+-]+(?:@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+)?)")]
    private static partial Regex MentionPattern();

    /// The value a change gave a field: {"field": {"after": v}} from the audit of a row, or {"field": v} from a recorded action.
    internal static string? After(string changesJson, string field)
    {
        using var doc = JsonDocument.Parse(changesJson);
        if (!doc.RootElement.TryGetProperty(field, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("after", out var after))
        {
            value = after;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
