using Bosun.Core.Common;
using Bosun.Core.Identity;
using Bosun.Core.Notifications;
using Bosun.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Api;

public static class NotificationEndpoints
{
    public static void MapNotifications(this IEndpointRouteBuilder api)
    {
        var mine = api.MapGroup("/notifications").WithTags("Notifications");
        mine.MapGet("", (bool? unread, int? limit, string? cursor, NotificationService s, CancellationToken ct) =>
                s.ListAsync(unread ?? false, PageRequest.From(limit, cursor), ct))
            .WithSummary("Your notifications, newest first, with your unread count; ?unread=true only those not read yet");
        mine.MapPost("/{id}/read", (string id, NotificationService s, CancellationToken ct) => s.MarkReadAsync(id, ct))
            .WithSummary("Mark one of your notifications read");
        mine.MapPost("/read-all", async (NotificationService s, CancellationToken ct) => new { marked = await s.MarkAllReadAsync(ct) })
            .WithSummary("Mark all your notifications read");
        mine.MapGet("/preferences", (NotificationService s, CancellationToken ct) => s.PreferencesAsync(ct))
            .WithSummary("How you hear of each kind: in_app, email, chat, digest (none|hourly|daily); defaults until you choose");
        mine.MapPatch("/preferences", (PreferencesRequest body, NotificationService s, CancellationToken ct) => s.SetPreferencesAsync(body, ct))
            .WithSummary("Change kinds {kinds: [{kind, in_app?, email?, chat?, digest?}]} and your chat_webhook_url (\"\" removes it; never shown again)");

        var routes = api.MapGroup("/notification-routes").WithTags("Notifications");
        routes.MapGet("", (NotificationService s, CancellationToken ct) => s.ListRoutesAsync(ct))
            .WithSummary("Projects' chat channels (Slack-compatible incoming webhooks); the URL is never shown, only its host");
        routes.MapPost("", async Task<Created<ChatRouteView>> (ChatRouteRequest body, NotificationService s, CancellationToken ct) =>
            {
                var route = await s.AddRouteAsync(body, ct);
                return TypedResults.Created($"/api/v1/notification-routes/{route.Id}", route);
            })
            .WithSummary("Send a project's events of some kinds {project, url, kinds?} to a chat channel");
        routes.MapDelete("/{id}", async Task<NoContent> (string id, NotificationService s, CancellationToken ct) =>
            {
                await s.RemoveRouteAsync(id, ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Stop sending to a chat channel");
        api.MapGet("/notification-deliveries", (string? status, int? limit, string? cursor, NotificationService s, CancellationToken ct) =>
                s.DeliveriesAsync(status, PageRequest.From(limit, cursor), ct))
            .WithTags("Notifications").WithSummary("Every email and chat message, newest first, with attempts and the last error; ?status=pending|delivered|failed");

        var account = api.MapGroup("/account").WithTags("People");
        account.MapPost("/password-reset", async Task<Accepted<object>> (PasswordResetRequest body, AccountEmails s, CancellationToken ct) =>
            {
                await s.RequestPasswordResetAsync(body, ct);
                return TypedResults.Accepted((string?)null, (object)new { status = "sent", detail = "If the address belongs to an account, a link to reset its password was emailed; it works once, within an hour." });
            })
            .AllowAnonymous().WithMetadata(Transactions.AccountEmail)
            .WithSummary("Email a password-reset link {email, tenant?}; the answer is the same whether or not the address has an account");
        account.MapPost("/password-reset/confirm", (PasswordResetConfirm body, AccountEmails s, CancellationToken ct) => s.ResetPasswordAsync(body, ct))
            .AllowAnonymous().WithMetadata(Transactions.AccountEmail)
            .WithSummary("Set a new password {token, password} with the link's token; signs the person out everywhere");
        account.MapPost("/verify-email", (VerifyEmailRequest body, AccountEmails s, CancellationToken ct) => s.VerifyEmailAsync(body.Token, ct))
            .AllowAnonymous().WithMetadata(Transactions.AccountEmail)
            .WithSummary("Confirm an email address {token} with the token of a verification link");
        account.MapPost("/email-verification", async Task<Accepted<object>> (HttpContext http, AccountEmails s, CancellationToken ct) =>
            {
                await s.RequestVerificationAsync(SiteUrl(http), ct);
                return TypedResults.Accepted((string?)null, (object)new { status = "sent" });
            })
            .WithSummary("Email yourself a link that verifies your address");
    }

    public sealed record VerifyEmailRequest(string? Token);

    internal static string SiteUrl(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}";
}
