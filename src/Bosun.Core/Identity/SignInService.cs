using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Identity;

public sealed record SignInRequest(string? Email, string? Password, string? Tenant);

public sealed record PendingInvitation(string Email, PersonRole Role, string TenantName);

/// A new web session: <see cref="Secret"/> goes into the cookie and is never stored.
public sealed record StartedSession(string Secret, DateTime ExpiresAt, WebPrincipal Principal);

/// The person behind a web session cookie, resolved before the tenant is known.
public sealed record WebPrincipal(
    string TenantId, string TenantSlug, string TenantName, string SessionId, string UserId, string Name, string Email, PersonRole Role,
    TenantStatus TenantStatus)
{
    public Actor Actor => new(ActorType.Person, UserId, Name);
}

/// Email and password sign-in for the web UI, with lockout after repeated failures. It opens its own
/// transactions: the person is looked up across tenants first, and only then is their tenant entered.
public sealed class SignInService(BosunDb db, RequestContext context, TimeProvider clock, PeopleService people)
{
    public const int MaxFailedSignIns = 5;
    public static readonly TimeSpan LockoutLength = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromDays(7);

    // Verified when no account matches, so a wrong email takes as long as a wrong password.
    private static readonly string DecoyHash = PasswordHasher.Hash(Guid.NewGuid().ToString());

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<StartedSession> SignInAsync(SignInRequest request, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        var email = Check.Email(problem, "email", request.Email);
        var slug = Check.Slug(problem, "tenant", request.Tenant, required: false);
        if (string.IsNullOrEmpty(request.Password))
        {
            problem.Add("password", "is required");
        }
        else if (request.Password.Length > 1000)
        {
            problem.Add("password", "must be at most 1000 characters");
        }

        problem.ThrowIfAny();
        var password = request.Password!;
        var now = Now;

        var user = await db.InTransactionAsync(async c =>
        {
            var candidates = await (from u in db.Users.IgnoreQueryFilters()
                                    join t in db.Tenants.IgnoreQueryFilters() on u.TenantId equals t.Id
                                    where u.Email == email && u.Status == PersonStatus.Active && (slug == null || t.Slug == slug)
                                    orderby u.TenantId
                                    select u).Take(20).ToListAsync(c);
            var open = candidates.Where(u => u.PasswordHash is not null && !(u.LockedUntil > now)).ToList();
            if (open.Count == 0)
            {
                PasswordHasher.Verify(password, DecoyHash);
            }

            var matches = open.Where(u => PasswordHasher.Verify(password, u.PasswordHash!)).ToList();
            if (matches.Count == 0)
            {
                foreach (var failed in open)
                {
                    failed.FailedSignIns += 1;
                    if (failed.FailedSignIns >= MaxFailedSignIns)
                    {
                        failed.FailedSignIns = 0;
                        failed.LockedUntil = now + LockoutLength;
                    }
                }

                await db.SaveChangesAsync(c);
                return null;
            }

            return matches;
        }, write: true, ct);

        if (user is null)
        {
            var lockedUntil = await LockedUntilAsync(email!, slug, now, ct);
            if (lockedUntil is { } until)
            {
                var refused = new ProblemException(429, "Too many failed sign-ins",
                    $"Sign-in is locked after {MaxFailedSignIns} failed attempts; try again after {until:HH:mm} UTC.", "/problems/signin-locked");
                refused.Errors["password"] = [$"locked after {MaxFailedSignIns} failed attempts until {until:HH:mm} UTC"];
                throw refused;
            }

            var wrong = new ProblemException(400, "Sign-in failed", "The email or password is wrong.", "/problems/signin-failed");
            wrong.Errors["password"] = ["the email or password is wrong"];
            throw wrong;
        }

        if (user.Count > 1)
        {
            throw ProblemException.Invalid("tenant", "this email belongs to several tenants: enter the tenant's slug");
        }

        return await StartAsync(user[0], "user.signed_in", ct);
    }

    private async Task<DateTime?> LockedUntilAsync(string email, string? slug, DateTime now, CancellationToken ct) =>
        await db.InTransactionAsync(c =>
            (from u in db.Users.IgnoreQueryFilters()
             join t in db.Tenants.IgnoreQueryFilters() on u.TenantId equals t.Id
             where u.Email == email && u.Status == PersonStatus.Active && (slug == null || t.Slug == slug) && u.LockedUntil > now
             select u.LockedUntil).MaxAsync(c), write: false, ct);

    /// Opens a session for a person who just proved who they are (a password, or an invitation they accepted).
    public async Task<StartedSession> StartAsync(User user, string action, CancellationToken ct)
    {
        context.EnterTenant(user.TenantId, new Actor(ActorType.Person, user.Id, user.Name), user.Role);
        var secret = Secrets.NewToken("session");
        var now = Now;
        var session = new WebSession { UserId = user.Id, TokenHash = Secrets.Hash(secret), CreatedAt = now, ExpiresAt = now + SessionLifetime };
        var tenant = await db.InTransactionAsync(async c =>
        {
            var tenant = await db.Tenants.AsNoTracking().SingleAsync(t => t.Id == user.TenantId, c);
            TenantAccess.Require(tenant.Status);
            db.Set<WebSession>().Add(session);
            await db.Users.Where(u => u.Id == user.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.FailedSignIns, 0).SetProperty(u => u.LockedUntil, (DateTime?)null).SetProperty(u => u.LastSeenAt, now), c);
            AuditLog.Record(db, action, "user", user.Id, new { session = new { after = session.Id } }, now);
            await db.SaveChangesAsync(c);
            return tenant;
        }, write: true, ct);
        return new StartedSession(secret, session.ExpiresAt,
            new WebPrincipal(tenant.Id, tenant.Slug, tenant.Name, session.Id, user.Id, user.Name, user.Email, user.Role, tenant.Status));
    }

    /// The invitation behind a link, with the name of the tenant it is for; null when it is unknown, expired or used.
    public async Task<PendingInvitation?> FindInvitationAsync(string token, CancellationToken ct) =>
        await db.InTransactionAsync(async c =>
        {
            var invitation = await people.FindPendingInvitationAsync(token, c);
            if (invitation is null)
            {
                return null;
            }

            var tenant = await db.Tenants.IgnoreQueryFilters().AsNoTracking().SingleAsync(t => t.Id == invitation.TenantId, c);
            return new PendingInvitation(invitation.Email, invitation.Role, tenant.Name);
        }, write: false, ct);

    /// Accepts an invitation and opens a session for the person it made: the web UI's way in from an invitation link.
    public async Task<StartedSession> AcceptInvitationAsync(AcceptInvitation request, CancellationToken ct)
    {
        try
        {
            var accepted = await db.InTransactionAsync(c => people.AcceptAsync(request, c), write: true, ct);
            var user = await db.InTransactionAsync(c => db.Users.AsNoTracking().SingleAsync(u => u.Id == accepted.User.Id, c), write: false, ct);
            return await StartAsync(user, "user.signed_in", ct);
        }
        catch
        {
            // A refused acceptance leaves nothing tracked for the form shown again with its problems.
            db.ChangeTracker.Clear();
            throw;
        }
    }

    /// The signed-in person for a session cookie; null when the session is unknown, expired or the person deactivated.
    public async Task<WebPrincipal?> AuthenticateAsync(string? secret, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length > 200)
        {
            return null;
        }

        var hash = Secrets.Hash(secret);
        var now = Now;
        return await (from s in db.Set<WebSession>().IgnoreQueryFilters()
                      join u in db.Users.IgnoreQueryFilters() on new { s.TenantId, Id = s.UserId } equals new { u.TenantId, u.Id }
                      join t in db.Tenants.IgnoreQueryFilters() on s.TenantId equals t.Id
                      where s.TokenHash == hash && s.ExpiresAt > now && u.Status == PersonStatus.Active
                      select new WebPrincipal(t.Id, t.Slug, t.Name, s.Id, u.Id, u.Name, u.Email, u.Role, t.Status)).AsNoTracking().FirstOrDefaultAsync(ct);
    }

    /// Ends the current person's session (the tenant is already entered from it).
    public async Task SignOutAsync(string sessionId, CancellationToken ct)
    {
        await db.InTransactionAsync(async c =>
        {
            var removed = await db.Set<WebSession>().Where(s => s.Id == sessionId).ExecuteDeleteAsync(c);
            if (removed > 0 && context.Actor.Id is { } userId)
            {
                AuditLog.Record(db, "user.signed_out", "user", userId, new { session = new { before = sessionId } }, Now);
                await db.SaveChangesAsync(c);
            }
        }, write: true, ct);
    }

    /// Sets a person's password from the server's command line (`bosun set-password`), outside any request.
    public async Task<UserView> SetPasswordAsync(string? tenantSlug, string? email, string? password, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        var slug = Check.Slug(problem, "tenant", tenantSlug);
        var address = Check.Email(problem, "email", email);
        if (password is null || password.Length < PeopleService.MinPasswordLength)
        {
            problem.Add("password", $"must be at least {PeopleService.MinPasswordLength} characters");
        }

        problem.ThrowIfAny();
        var tenant = await db.InTransactionAsync(c => db.Tenants.IgnoreQueryFilters().FirstOrDefaultAsync(t => t.Slug == slug, c), write: false, ct)
            ?? throw ProblemException.NotFound($"Tenant '{slug}'");
        context.EnterTenant(tenant.Id, Actor.System);
        return await db.InTransactionAsync(async c =>
        {
            var user = await db.Users.FirstOrDefaultAsync(u => u.Email == address, c) ?? throw ProblemException.NotFound($"Person '{address}'");
            user.PasswordHash = PasswordHasher.Hash(password!);
            user.FailedSignIns = 0;
            user.LockedUntil = null;
            AuditLog.Record(db, "user.password_set", "user", user.Id, new { }, Now);
            await db.SaveChangesAsync(c);
            return UserView.From(user);
        }, write: true, ct);
    }
}
