using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Core.Integrations;
using Bosun.Core.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Core.Identity;

public enum AccountTokenPurpose { PasswordReset, EmailVerification }

/// A link sent to a person's email. Only its hash is stored; it works once, until it expires.
public sealed class AccountToken : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string UserId { get; set; }
    public AccountTokenPurpose Purpose { get; set; }
    public required string TokenHash { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? UsedAt { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class AccountTokenConfiguration : IEntityTypeConfiguration<AccountToken>
{
    public void Configure(EntityTypeBuilder<AccountToken> b)
    {
        b.ToTable("account_tokens");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.Property(x => x.TokenHash).HasMaxLength(64);
        // A link is looked up by its hash before the tenant is known; not unique, so a table distributed by tenant takes it.
        b.HasIndex(x => x.TokenHash);
        b.HasIndex(x => new { x.TenantId, x.UserId, x.Purpose });
        b.References<AccountToken, User>(x => x.UserId, DeleteBehavior.Cascade);
    }
}

public sealed record PasswordResetRequest(string? Email, string? Tenant);

public sealed record PasswordResetConfirm(string? Token, string? Password);

/// Password reset and email verification by email, sent through the notification outbox (retried like any message,
/// the link sealed in the stored body). Asking for a reset answers the same whether or not the address has an account.
public sealed class AccountEmails(BosunDb db, RequestContext context, TimeProvider clock, MailOptions mail, SecretBox box, IServiceScopeFactory scopes)
{
    public static readonly TimeSpan ResetLifetime = TimeSpan.FromHours(1);
    public static readonly TimeSpan VerificationLifetime = TimeSpan.FromDays(3);

    // One reset email per person per minute, whoever asks: the form cannot be used to flood an inbox.
    private static readonly TimeSpan ResendGap = TimeSpan.FromMinutes(1);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private void RequireMail()
    {
        if (!mail.Configured)
        {
            throw new ProblemException(503, "Email is not configured",
                "This Bosun server sends no email (BOSUN_SMTP_HOST is not set). An admin can set a password with `bosun set-password`.", "/problems/email-not-configured");
        }
    }

    /// The link points at BOSUN_PUBLIC_URL, never at the address the request named: anyone can send a request with a
    /// forged Host header, and the person would get a genuine link to someone else's site.
    public async Task RequestPasswordResetAsync(PasswordResetRequest request, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        var email = Check.Email(problem, "email", request.Email);
        var slug = Check.Slug(problem, "tenant", request.Tenant, required: false);
        problem.ThrowIfAny();
        RequireMail();
        if (mail.PublicUrl is not { } site)
        {
            throw new ProblemException(503, "Bosun's address is not configured",
                "Password reset needs BOSUN_PUBLIC_URL, the address people open Bosun at, for the link it emails. An admin can set a password with `bosun set-password`.",
                "/problems/public-url-not-configured");
        }

        var people = await db.InTransactionAsync(c =>
            (from u in db.Users.IgnoreQueryFilters()
             join t in db.Tenants.IgnoreQueryFilters() on u.TenantId equals t.Id
             where u.Email == email && u.Status == PersonStatus.Active && (slug == null || t.Slug == slug)
             orderby u.TenantId
             select new { u.TenantId, u.Id, u.Email, Tenant = t.Name }).AsNoTracking().Take(20).ToListAsync(c), write: false, ct);

        // Each person is in a tenant of their own unit of work.
        foreach (var person in people)
        {
            await using var scope = scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<RequestContext>().EnterTenant(person.TenantId, Actor.System);
            var sdb = scope.ServiceProvider.GetRequiredService<BosunDb>();
            await sdb.InTransactionAsync(async c =>
            {
                var now = Now;
                if (await sdb.Set<AccountToken>().AnyAsync(t => t.UserId == person.Id && t.Purpose == AccountTokenPurpose.PasswordReset && t.CreatedAt > now - ResendGap, c))
                {
                    return;
                }

                // A new link replaces the ones before it.
                await sdb.Set<AccountToken>().Where(t => t.UserId == person.Id && t.Purpose == AccountTokenPurpose.PasswordReset && t.UsedAt == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.UsedAt, now), c);
                var link = $"{site}/reset-password?token=";
                Issue(sdb, box, person.Id, person.Email, AccountTokenPurpose.PasswordReset, ResetLifetime, "Reset your Bosun password", link,
                    url => $"Someone asked to reset the Bosun password of {person.Email} in {person.Tenant}.\n\nOpen this link within an hour to choose a new one:\n{url}\n\n" +
                           "If it was not you, ignore this email: your password stays as it is.", now);
                AuditLog.Record(sdb, "user.password_reset_requested", "user", person.Id, new { }, now);
                await sdb.SaveChangesAsync(c);
            }, write: true, ct);
        }
    }

    /// Sets the new password of the person the link was sent to, signs them out everywhere and marks their email verified.
    public async Task<UserView> ResetPasswordAsync(PasswordResetConfirm request, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        if (request.Password is null || request.Password.Length < PeopleService.MinPasswordLength)
        {
            problem.Add("password", $"must be at least {PeopleService.MinPasswordLength} characters");
        }
        else if (request.Password.Length > 1000)
        {
            problem.Add("password", "must be at most 1000 characters");
        }

        var token = await FindAsync(request.Token, AccountTokenPurpose.PasswordReset, problem, ct);
        problem.ThrowIfAny();
        context.EnterTenant(token!.TenantId, Actor.System);
        return await db.InTransactionAsync(async c =>
        {
            var now = Now;
            if (await db.Set<AccountToken>().Where(t => t.Id == token.Id && t.UsedAt == null).ExecuteUpdateAsync(s => s.SetProperty(t => t.UsedAt, now), c) == 0)
            {
                throw ProblemException.Invalid("token", "this link was used already; ask for a new one");
            }

            var user = await db.Users.FirstAsync(u => u.Id == token.UserId, c);
            user.PasswordHash = PasswordHasher.Hash(request.Password!);
            user.FailedSignIns = 0;
            user.LockedUntil = null;
            user.EmailVerifiedAt ??= now;
            await db.Set<WebSession>().Where(s => s.UserId == user.Id).ExecuteDeleteAsync(c);
            AuditLog.Record(db, "user.password_reset", "user", user.Id, new { }, now);
            await db.SaveChangesAsync(c);
            return UserView.From(user);
        }, write: true, ct);
    }

    /// Sends the signed-in person a link that proves the address is theirs. <paramref name="siteUrl"/> is where the link points
    /// when BOSUN_PUBLIC_URL is not set: the person asked for it themselves, so the request's own address is safe to use.
    public async Task RequestVerificationAsync(string siteUrl, CancellationToken ct)
    {
        if (context.Actor.Type != ActorType.Person)
        {
            throw ProblemException.Forbidden("Only a person has an email to verify.");
        }

        RequireMail();
        var me = context.Actor.Id!;
        var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == me, ct);
        if (user.EmailVerifiedAt is not null)
        {
            throw ProblemException.Conflict("Your email is verified already.");
        }

        var now = Now;
        if (await db.Set<AccountToken>().AnyAsync(t => t.UserId == me && t.Purpose == AccountTokenPurpose.EmailVerification && t.CreatedAt > now - ResendGap, ct))
        {
            throw new ProblemException(429, "Sent a moment ago", "A verification email was sent less than a minute ago; check your inbox.", "/problems/too-soon");
        }

        Issue(db, box, me, user.Email, AccountTokenPurpose.EmailVerification, VerificationLifetime, "Verify your email for Bosun",
            $"{mail.PublicUrl ?? siteUrl.TrimEnd('/')}/verify-email?token=", url => $"Open this link within three days to confirm that {user.Email} is your address in Bosun:\n{url}", now);
        AuditLog.Record(db, "user.email_verification_requested", "user", me, new { }, now);
        await db.SaveChangesAsync(ct);
    }

    public async Task<UserView> VerifyEmailAsync(string? secret, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        var token = await FindAsync(secret, AccountTokenPurpose.EmailVerification, problem, ct);
        problem.ThrowIfAny();
        context.EnterTenant(token!.TenantId, Actor.System);
        return await db.InTransactionAsync(async c =>
        {
            var now = Now;
            if (await db.Set<AccountToken>().Where(t => t.Id == token.Id && t.UsedAt == null).ExecuteUpdateAsync(s => s.SetProperty(t => t.UsedAt, now), c) == 0)
            {
                throw ProblemException.Invalid("token", "this link was used already");
            }

            var user = await db.Users.FirstAsync(u => u.Id == token.UserId, c);
            user.EmailVerifiedAt ??= now;
            await db.SaveChangesAsync(c);
            return UserView.From(user);
        }, write: true, ct);
    }

    private async Task<AccountToken?> FindAsync(string? secret, AccountTokenPurpose purpose, ValidationProblem problem, CancellationToken ct)
    {
        if (secret is not { Length: > 0 and <= 200 })
        {
            problem.Add("token", "is required");
            return null;
        }

        var hash = Secrets.Hash(secret);
        var now = Now;
        var token = await db.InTransactionAsync(c => db.Set<AccountToken>().IgnoreQueryFilters().AsNoTracking()
            .FirstOrDefaultAsync(t => t.TokenHash == hash && t.Purpose == purpose && t.UsedAt == null && t.ExpiresAt > now, c), write: false, ct);
        if (token is null)
        {
            problem.Add("token", "this link is unknown, used or expired; ask for a new one");
        }

        return token;
    }

    /// A token and its email, the link sealed in the stored body: the outbox opens it only to send it.
    private static void Issue(BosunDb db, SecretBox box, string userId, string email, AccountTokenPurpose purpose, TimeSpan lifetime, string subject,
        string linkPrefix, Func<string, string> bodyFor, DateTime now)
    {
        var secret = Secrets.NewToken(purpose == AccountTokenPurpose.PasswordReset ? "reset" : "verify");
        var token = new AccountToken { UserId = userId, Purpose = purpose, TokenHash = Secrets.Hash(secret), ExpiresAt = now + lifetime, CreatedAt = now };
        db.Add(token);
        var delivery = new NotificationDelivery
        {
            DedupeKey = $"account:{token.Id}", UserId = userId, Channel = NotificationChannel.Email, Kind = EnumNames<AccountTokenPurpose>.ToName(purpose),
            ToAddress = email, Subject = subject, Body = "", Confidential = true, NextAttemptAt = now, CreatedAt = now,
        };
        delivery.Body = box.Seal(bodyFor(linkPrefix + Uri.EscapeDataString(secret)),
            NotificationSender.SealPurpose(db.Context.RequireTenant(), delivery.Id));
        db.Add(delivery);
    }
}
