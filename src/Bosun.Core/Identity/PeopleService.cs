using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Identity;

/// <paramref name="ProjectId"/> and <paramref name="ProjectRole"/>: a role in one project, given on acceptance; with
/// role `guest` the person sees that project only (a client's reviewer).
public sealed record InvitePerson(string? Email, PersonRole? Role, string? ProjectId = null, string? ProjectRole = null);

public sealed record AcceptInvitation(string? Token, string? Name, string? Password);

public sealed record AcceptedInvitation(UserView User, IssuedToken Token);

public sealed record UpdatePerson(string? Name, PersonRole? Role, System.Text.Json.JsonElement? Attributes = null);

public sealed record PeopleFilter(PersonRole? Role, PersonStatus? Status);

public sealed class PeopleService(BosunDb db, RequestContext context, TimeProvider clock)
{
    public static readonly TimeSpan InvitationLifetime = TimeSpan.FromDays(7);
    public const int MinPasswordLength = 10;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public Task<Page<UserView>> ListAsync(PeopleFilter filter, PageRequest page, CancellationToken ct)
    {
        var query = db.Users.AsNoTracking().AsQueryable();
        if (filter.Role is { } role)
        {
            query = query.Where(u => u.Role == role);
        }

        if (filter.Status is { } status)
        {
            query = query.Where(u => u.Status == status);
        }

        if (page.Cursor is { } cursor)
        {
            query = query.Where(u => string.Compare(u.Id, cursor) > 0);
        }

        return query.OrderBy(u => u.Id).ToPageAsync(page, u => u.Id, UserView.From, ct);
    }

    public async Task<UserView> GetAsync(string id, CancellationToken ct) => UserView.From(await FindAsync(id, ct));

    public async Task<UserView> UpdateAsync(string id, UpdatePerson request, CancellationToken ct)
    {
        var user = await FindAsync(id, ct);
        var self = context.Actor.Type == ActorType.Person && context.Actor.Id == id;
        if (!self || request.Role is not null)
        {
            Permissions.Require(context, Capability.ManagePeople);
        }

        var problem = new ValidationProblem();
        var name = Check.Text(problem, "name", request.Name, 200);
        var attributes = Governance.Access.Attributes.Check(problem, "attributes", request.Attributes);
        problem.ThrowIfAny();
        if (attributes is not null)
        {
            // What policies test of a person is set by those who manage people, not by the person.
            Permissions.Require(context, Capability.ManagePeople);
            user.AttributesJson = attributes == "{}" ? null : attributes;
        }

        if (request.Role is { } role && role != user.Role)
        {
            // Only owners hand out or take away ownership, and a tenant always keeps one active owner.
            if ((role == PersonRole.Owner || user.Role == PersonRole.Owner) && context.PersonRole != PersonRole.Owner)
            {
                throw ProblemException.Forbidden("Only an owner may grant or remove the owner role.");
            }

            if (user.Role == PersonRole.Owner)
            {
                await EnsureAnotherOwnerAsync(user.Id, ct);
            }

            user.Role = role;
        }

        user.Name = name ?? user.Name;
        await db.SaveChangesAsync(ct);
        return UserView.From(user);
    }

    public async Task<UserView> DeactivateAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManagePeople);
        var user = await FindAsync(id, ct);
        if (user.Role == PersonRole.Owner)
        {
            if (context.PersonRole != PersonRole.Owner)
            {
                throw ProblemException.Forbidden("Only an owner may deactivate an owner.");
            }

            await EnsureAnotherOwnerAsync(user.Id, ct);
        }

        user.Status = PersonStatus.Deactivated;
        await db.SaveChangesAsync(ct);
        return UserView.From(user);
    }

    public async Task<UserView> ReactivateAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManagePeople);
        var user = await FindAsync(id, ct);
        user.Status = PersonStatus.Active;
        user.FailedSignIns = 0;
        user.LockedUntil = null;
        await db.SaveChangesAsync(ct);
        return UserView.From(user);
    }

    public async Task<IssuedInvitation> InviteAsync(InvitePerson request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManagePeople);
        var problem = new ValidationProblem();
        var email = Check.Email(problem, "email", request.Email);
        string? projectId = null;
        if (request.ProjectId is { Length: > 0 } project)
        {
            projectId = await Planning.ProjectLookup.ProjectIdOfAsync(db, project, ct);
            if (projectId is null)
            {
                problem.Add("project_id", "no such project");
            }
        }

        if ((request.ProjectId is null) != (request.ProjectRole is null))
        {
            problem.Add(request.ProjectId is null ? "project_id" : "project_role", "is required with " + (request.ProjectId is null ? "project_role" : "project_id"));
        }
        else if (request.ProjectRole is { } projectRole && !Governance.Access.SystemRoles.IsSystem(projectRole)
                 && !await db.Set<Governance.Access.Role>().AnyAsync(r => r.Key == projectRole, ct))
        {
            problem.Add("project_role", $"no role '{projectRole}'; see GET /api/v1/roles");
        }
        else if (request.ProjectRole == Governance.Access.SystemRoles.Owner)
        {
            problem.Add("project_role", "owner is a tenant role only; for a project give admin, member, reviewer or a role of your own");
        }

        if (request.Role == PersonRole.Guest && request.ProjectId is null)
        {
            problem.Add("project_id", "is required for a guest, who sees only the project they are invited to");
        }

        problem.ThrowIfAny();
        var role = request.Role ?? PersonRole.Member;
        if (role == PersonRole.Owner && context.PersonRole != PersonRole.Owner)
        {
            throw ProblemException.Forbidden("Only an owner may invite another owner.");
        }

        if (await db.Users.AnyAsync(u => u.Email == email, ct))
        {
            throw ProblemException.Invalid("email", "already belongs to a person in this tenant");
        }

        var secret = Secrets.NewToken("invite");
        var invitation = new Invitation
        {
            Email = email!,
            Role = role,
            ProjectId = projectId,
            ProjectRoleKey = request.ProjectRole,
            TokenHash = Secrets.Hash(secret),
            InvitedByUserId = context.Actor.Type == ActorType.Person ? context.Actor.Id : null,
            ExpiresAt = Now + InvitationLifetime,
        };
        db.Invitations.Add(invitation);
        await db.SaveChangesAsync(ct);
        return new IssuedInvitation(InvitationView.From(invitation, Now), secret, $"/invite/{secret}");
    }

    public Task<Page<InvitationView>> ListInvitationsAsync(PageRequest page, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManagePeople);
        var query = db.Invitations.AsNoTracking().AsQueryable();
        if (page.Cursor is { } cursor)
        {
            query = query.Where(i => string.Compare(i.Id, cursor) > 0);
        }

        var now = Now;
        return query.OrderBy(i => i.Id).ToPageAsync(page, i => i.Id, i => InvitationView.From(i, now), ct);
    }

    public async Task<InvitationView> RevokeInvitationAsync(string id, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManagePeople);
        var invitation = await db.Invitations.FirstOrDefaultAsync(i => i.Id == id, ct) ?? throw ProblemException.NotFound("Invitation");
        if (invitation.AcceptedAt is not null)
        {
            throw ProblemException.Conflict("The invitation was already accepted.");
        }

        invitation.RevokedAt ??= Now;
        await db.SaveChangesAsync(ct);
        return InvitationView.From(invitation, Now);
    }

    /// Looks up a pending invitation by its secret, across tenants (the invitee has no token yet).
    public async Task<Invitation?> FindPendingInvitationAsync(string? token, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 200)
        {
            return null;
        }

        var hash = Secrets.Hash(token);
        var now = Now;
        return await db.Invitations.IgnoreQueryFilters()
            .FirstOrDefaultAsync(i => i.TokenHash == hash && i.AcceptedAt == null && i.RevokedAt == null && i.ExpiresAt > now, ct);
    }

    /// Turns an invitation into a person of the inviting tenant and gives them a first API token.
    public async Task<AcceptedInvitation> AcceptAsync(AcceptInvitation request, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        Check.Text(problem, "token", request.Token, 200, required: true);
        var name = Check.Text(problem, "name", request.Name, 200, required: true);
        if (request.Password is { } password && password.Length < MinPasswordLength)
        {
            problem.Add("password", $"must be at least {MinPasswordLength} characters");
        }

        problem.ThrowIfAny();
        var invitation = await FindPendingInvitationAsync(request.Token, ct)
            ?? throw new ProblemException(404, "Not found", "The invitation does not exist, has expired, or was already used.", "/problems/not-found");

        context.EnterTenant(invitation.TenantId, Actor.System);
        if (await db.Users.AnyAsync(u => u.Email == invitation.Email, ct))
        {
            throw ProblemException.Conflict("A person with this email already exists in the tenant.");
        }

        var user = new User
        {
            Email = invitation.Email,
            Name = name!,
            Role = invitation.Role,
            PasswordHash = request.Password is { } p ? PasswordHasher.Hash(p) : null,
        };
        db.Users.Add(user);
        if (invitation.ProjectId is { } invitedTo && invitation.ProjectRoleKey is { } projectRoleKey)
        {
            db.Add(new Governance.Access.RoleAssignment
            {
                RoleKey = projectRoleKey, UserId = user.Id, ProjectId = invitedTo, CreatedByRef = $"invitation:{invitation.Id}",
            });
        }

        invitation.AcceptedAt = Now;
        invitation.AcceptedUserId = user.Id;
        var token = TokenIssuer.Issue(db, invitation.TenantId, "first token (invitation)", user.Id, null, null, $"user:{user.Id}");
        await db.SaveChangesAsync(ct);
        return new AcceptedInvitation(UserView.From(user), token);
    }

    private async Task<User> FindAsync(string id, CancellationToken ct) =>
        await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct) ?? throw ProblemException.NotFound("Person");

    private async Task EnsureAnotherOwnerAsync(string userId, CancellationToken ct)
    {
        if (!await db.Users.AnyAsync(u => u.Role == PersonRole.Owner && u.Status == PersonStatus.Active && u.Id != userId, ct))
        {
            throw ProblemException.Conflict("A tenant must keep at least one active owner.");
        }
    }
}
