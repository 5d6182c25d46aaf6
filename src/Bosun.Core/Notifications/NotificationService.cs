using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Core.Identity;
using Bosun.Core.Integrations;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Notifications;

public sealed record NotificationView(string Id, string Kind, string Title, string? Body, string? Link, string? WorkItemId, string ActorName, bool Read, DateTime CreatedAt)
{
    internal static NotificationView From(Notification n) =>
        new(n.Id, NotificationKinds.Name(n.Kind), n.Title, n.Body, n.Link, n.WorkItemId, n.ActorName, n.ReadAt is not null, n.CreatedAt);
}

public sealed record NotificationList(IReadOnlyList<NotificationView> Items, string? NextCursor, int Unread);

public sealed record PreferenceView(string Kind, string Means, bool InApp, bool Email, bool Chat, string Digest, bool IsDefault);

public sealed record PreferencesView(IReadOnlyList<PreferenceView> Kinds, bool EmailAvailable, bool ChatUrlSet, string? ChatUrlHost);

public sealed record PreferenceRequest(string? Kind, bool? InApp, bool? Email, bool? Chat, string? Digest);

/// Preferences to change, and a person's own chat URL: a URL sets it, "" removes it, null leaves it.
public sealed record PreferencesRequest(IReadOnlyList<PreferenceRequest>? Kinds, string? ChatWebhookUrl);

public sealed record ChatRouteRequest(string? Project, string? Url, IReadOnlyList<string>? Kinds);

public sealed record ChatRouteView(string Id, string? ProjectId, string UrlHost, IReadOnlyList<string> Kinds, DateTime CreatedAt);

public sealed record DeliveryView(string Id, string Channel, string Kind, string? To, string Subject, string Status, int Attempts, DateTime? DigestAt,
    DateTime? NextAttemptAt, DateTime? LastAttemptAt, string? LastError, DateTime? DeliveredAt, DateTime CreatedAt);

/// What people read and choose: their in-app list, their channels per kind, the project chat routes (owners and admins),
/// and the delivery log. Everything of a person is theirs alone: no one reads or marks another's notifications.
public sealed class NotificationService(BosunDb db, RequestContext context, TimeProvider clock, MailOptions mail, SecretBox box)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private string Me => context.Actor.Type == ActorType.Person ? context.Actor.Id!
        : throw ProblemException.Forbidden("Notifications belong to people; agents and integrations have none.");

    /// Newest first; <paramref name="unreadOnly"/> for what is not read yet.
    public async Task<NotificationList> ListAsync(bool unreadOnly, PageRequest page, CancellationToken ct)
    {
        var me = Me;
        var query = db.Set<Notification>().AsNoTracking().Where(n => n.UserId == me && n.Listed);
        if (unreadOnly)
        {
            query = query.Where(n => n.ReadAt == null);
        }

        if (page.Cursor is { } cursor)
        {
            query = query.Where(n => string.Compare(n.Id, cursor) < 0);
        }

        var result = await query.OrderByDescending(n => n.Id).ToPageAsync(page, n => n.Id, NotificationView.From, ct);
        return new NotificationList(result.Items, result.NextCursor, await UnreadCountAsync(ct));
    }

    public Task<int> UnreadCountAsync(CancellationToken ct)
    {
        var me = Me;
        return db.Set<Notification>().AsNoTracking().CountAsync(n => n.UserId == me && n.Listed && n.ReadAt == null, ct);
    }

    public async Task<NotificationView> MarkReadAsync(string id, CancellationToken ct)
    {
        var me = Me;
        var now = Now;
        await db.Set<Notification>().Where(n => n.Id == id && n.UserId == me && n.ReadAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.ReadAt, now), ct);
        var n = await db.Set<Notification>().AsNoTracking().FirstOrDefaultAsync(n => n.Id == id && n.UserId == me && n.Listed, ct)
                ?? throw ProblemException.NotFound("Notification");
        return NotificationView.From(n);
    }

    public async Task<int> MarkAllReadAsync(CancellationToken ct)
    {
        var me = Me;
        var now = Now;
        return await db.Set<Notification>().Where(n => n.UserId == me && n.ReadAt == null).ExecuteUpdateAsync(s => s.SetProperty(n => n.ReadAt, now), ct);
    }

    public async Task<PreferencesView> PreferencesAsync(CancellationToken ct)
    {
        var me = Me;
        var rows = await db.Set<NotificationPreference>().AsNoTracking().Where(p => p.UserId == me).ToDictionaryAsync(p => p.Kind, ct);
        var route = await db.Set<ChatRoute>().AsNoTracking().FirstOrDefaultAsync(r => r.UserId == me, ct);
        var kinds = NotificationKinds.All.Select(k => rows.TryGetValue(k.Kind, out var p)
            ? new PreferenceView(NotificationKinds.Name(k.Kind), k.Means, p.InApp, p.Email, p.Chat, EnumNames<DigestMode>.ToName(p.Digest), false)
            : new PreferenceView(NotificationKinds.Name(k.Kind), k.Means, k.Default.InApp, k.Default.Email, k.Default.Chat, EnumNames<DigestMode>.ToName(k.Default.Digest), true)).ToList();
        return new PreferencesView(kinds, mail.Configured, route is not null, route?.UrlHint);
    }

    public async Task<PreferencesView> SetPreferencesAsync(PreferencesRequest request, CancellationToken ct)
    {
        var me = Me;
        var problem = new ValidationProblem();
        var changes = new List<(NotificationKind Kind, PreferenceRequest Request, DigestMode? Digest)>();
        foreach (var (item, i) in (request.Kinds ?? []).Select((k, i) => (k, i)))
        {
            if (!EnumNames<NotificationKind>.TryParse(item.Kind, out var kind))
            {
                problem.Add($"kinds[{i}].kind", $"must be one of {string.Join(", ", NotificationKinds.All.Select(k => NotificationKinds.Name(k.Kind)))}");
                continue;
            }

            DigestMode? digest = null;
            if (item.Digest is not null)
            {
                if (EnumNames<DigestMode>.TryParse(item.Digest, out var d))
                {
                    digest = d;
                }
                else
                {
                    problem.Add($"kinds[{i}].digest", "must be none, hourly or daily");
                }
            }

            changes.Add((kind, item, digest));
        }

        string? chatUrl = null;
        if (request.ChatWebhookUrl is { Length: > 0 } url)
        {
            chatUrl = CheckChatUrl(problem, "chat_webhook_url", url);
        }

        problem.ThrowIfAny();
        var now = Now;
        var existing = await db.Set<NotificationPreference>().Where(p => p.UserId == me).ToDictionaryAsync(p => p.Kind, ct);
        foreach (var (kind, item, digest) in changes)
        {
            if (!existing.TryGetValue(kind, out var row))
            {
                var d = NotificationKinds.Default(kind);
                row = new NotificationPreference { UserId = me, Kind = kind, InApp = d.InApp, Email = d.Email, Chat = d.Chat, Digest = d.Digest };
                db.Add(row);
                existing[kind] = row;
            }

            row.InApp = item.InApp ?? row.InApp;
            row.Email = item.Email ?? row.Email;
            row.Chat = item.Chat ?? row.Chat;
            row.Digest = digest ?? row.Digest;
            row.UpdatedAt = now;
        }

        if (request.ChatWebhookUrl is not null)
        {
            await db.Set<ChatRoute>().Where(r => r.UserId == me).ExecuteDeleteAsync(ct);
            if (chatUrl is not null)
            {
                db.Add(NewRoute(null, me, chatUrl, "*", now));
            }
        }

        AuditLog.Record(db, "notification_preferences.changed", "user", me,
            new { kinds = changes.Select(c => NotificationKinds.Name(c.Kind)).ToList(), chat_webhook_url = request.ChatWebhookUrl is null ? null : chatUrl is null ? "removed" : "set" }, now);
        await db.SaveChangesAsync(ct);
        return await PreferencesAsync(ct);
    }

    public async Task<IReadOnlyList<ChatRouteView>> ListRoutesAsync(CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageNotifications);
        var routes = await db.Set<ChatRoute>().AsNoTracking().Where(r => r.UserId == null).OrderBy(r => r.Id).ToListAsync(ct);
        return routes.Select(View).ToList();
    }

    /// A project's chat channel (Slack-compatible incoming webhook), for the kinds given or those that need a person.
    public async Task<ChatRouteView> AddRouteAsync(ChatRouteRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageNotifications);
        var problem = new ValidationProblem();
        var projectId = request.Project is { Length: > 0 } p
            ? await db.Projects.Where(x => x.Key == p.ToUpperInvariant() || x.Id == p).Select(x => x.Id).FirstOrDefaultAsync(ct)
            : null;
        if (projectId is null)
        {
            problem.Add("project", request.Project is { Length: > 0 } ? "no such project" : "is required");
        }

        var url = CheckChatUrl(problem, "url", request.Url);
        var kinds = new List<string>();
        foreach (var (kind, i) in (request.Kinds ?? NotificationKinds.RouteDefault.Select(NotificationKinds.Name).ToList()).Select((k, i) => (k, i)))
        {
            if (kind == "*" || EnumNames<NotificationKind>.TryParse(kind, out _))
            {
                kinds.Add(kind);
            }
            else
            {
                problem.Add($"kinds[{i}]", "is not a notification kind");
            }
        }

        problem.ThrowIfAny();
        var route = NewRoute(projectId, null, url!, kinds.Contains("*") ? "*" : string.Join(',', kinds.Distinct()), Now);
        db.Add(route);
        AuditLog.Record(db, "chat_route.created", "chat_route", route.Id, new { project_id = projectId, url_host = route.UrlHint, kinds = route.Kinds }, Now);
        await db.SaveChangesAsync(ct);
        return View(route);
    }

    public async Task RemoveRouteAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageNotifications);
        if (await db.Set<ChatRoute>().Where(r => r.Id == id && r.UserId == null).ExecuteDeleteAsync(ct) == 0)
        {
            throw ProblemException.NotFound("Chat route");
        }

        AuditLog.Record(db, "chat_route.deleted", "chat_route", id, new { }, Now);
        await db.SaveChangesAsync(ct);
    }

    /// The outbox's log for owners and admins, newest first: every email and chat message, its attempts and last error.
    public async Task<Page<DeliveryView>> DeliveriesAsync(string? status, PageRequest page, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageNotifications);
        var query = db.Set<NotificationDelivery>().AsNoTracking();
        if (status is not null)
        {
            var s = Check.OneOf<NotificationDeliveryStatus>("status", status)!.Value;
            query = query.Where(d => d.Status == s);
        }

        if (page.Cursor is { } cursor)
        {
            query = query.Where(d => string.Compare(d.Id, cursor) < 0);
        }

        return await query.OrderByDescending(d => d.Id).ToPageAsync(page, d => d.Id, d => new DeliveryView(d.Id, EnumNames<NotificationChannel>.ToName(d.Channel), d.Kind,
            d.ToAddress, d.Subject, EnumNames<NotificationDeliveryStatus>.ToName(d.Status), d.Attempts, d.DigestAt, d.NextAttemptAt,
            d.LastAttemptAt, d.LastError, d.DeliveredAt, d.CreatedAt), ct);
    }

    private ChatRoute NewRoute(string? projectId, string? userId, string url, string kinds, DateTime now)
    {
        var route = new ChatRoute { ProjectId = projectId, UserId = userId, UrlSealed = "", UrlHint = new Uri(url).Host, Kinds = kinds, CreatedBy = context.Actor.Ref, CreatedAt = now };
        route.UrlSealed = box.Seal(url, NotificationSender.ChatRoutePurpose(context.RequireTenant(), route.Id));
        return route;
    }

    private static ChatRouteView View(ChatRoute r) => new(r.Id, r.ProjectId, r.UrlHint, r.Kinds.Split(','), r.CreatedAt);

    private static string? CheckChatUrl(ValidationProblem problem, string field, string? value)
    {
        if (value is not { Length: > 0 })
        {
            problem.Add(field, "is required");
            return null;
        }

        if (value.Length > 2000 || !Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.UserInfo.Length > 0)
        {
            problem.Add(field, "must be an http or https URL of at most 2000 characters");
            return null;
        }

        return value;
    }
}
