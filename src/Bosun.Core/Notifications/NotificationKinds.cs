using Bosun.Core.Data;

namespace Bosun.Core.Notifications;

/// A person's channels for one kind.
public sealed record Channels(bool InApp, bool Email, bool Chat, DigestMode Digest);

/// Every kind in one place: what it means and how a person hears it until they choose. Noisy kinds (a budget
/// nearing its limit, an item blocked) stay in the app by default; what waits for the person also goes by email.
/// Chat is off until a person gives a chat URL and turns it on.
public static class NotificationKinds
{
    public static readonly IReadOnlyList<(NotificationKind Kind, string Means, Channels Default)> All =
    [
        (NotificationKind.Assigned, "a work item was assigned to you", new(true, true, false, DigestMode.None)),
        (NotificationKind.Approval, "an approval waits for a decision you may make", new(true, true, false, DigestMode.None)),
        (NotificationKind.Blocked, "an item assigned to you or made by you is blocked or failed", new(true, false, false, DigestMode.None)),
        (NotificationKind.Escalation, "work failed or a question expired, and it was handed to you", new(true, true, false, DigestMode.None)),
        (NotificationKind.Question, "an agent asked you a question", new(true, true, false, DigestMode.None)),
        (NotificationKind.BudgetWarning, "a budget reached its warning level (owners and admins)", new(true, false, false, DigestMode.None)),
        (NotificationKind.BudgetStop, "a budget reached its cap and stopped work (owners and admins)", new(true, true, false, DigestMode.None)),
        (NotificationKind.Mention, "someone mentioned you in a comment (@email or @name)", new(true, true, false, DigestMode.None)),
        (NotificationKind.ConnectionExpired, "a connected account could not refresh its token", new(true, true, false, DigestMode.None)),
    ];

    /// What a project's chat route hears unless told otherwise: what needs a person's attention.
    public static readonly IReadOnlyList<NotificationKind> RouteDefault =
        [NotificationKind.Approval, NotificationKind.Blocked, NotificationKind.Escalation, NotificationKind.BudgetStop, NotificationKind.ConnectionExpired];

    public static Channels Default(NotificationKind kind) => All.First(k => k.Kind == kind).Default;

    public static string Name(NotificationKind kind) => EnumNames<NotificationKind>.ToName(kind);
}
