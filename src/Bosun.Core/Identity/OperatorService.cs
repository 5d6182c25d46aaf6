using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Identity;

public sealed record CreateTenantByOperator(string? Slug, string? Name, string? OwnerEmail, string? OwnerName);

public sealed record ChangeTenantStatus(string? Status);

/// The one refusal a suspended or cancelled tenant's tokens and sessions meet, wherever they are resolved.
public static class TenantAccess
{
    public const string SuspendedType = "/problems/tenant-suspended";

    public static void Require(TenantStatus status)
    {
        if (!Tenant.IsOpen(status))
        {
            throw new ProblemException(403, "Tenant suspended",
                $"This tenant is {EnumNames<TenantStatus>.ToName(status)}: its tokens and sign-ins are refused. Contact the instance operator.", SuspendedType);
        }
    }
}

/// What an instance operator may do: create tenants and move them between trialing, active, suspended and cancelled.
/// An operator acts outside every tenant, so the tenant filter hides every tenant's rows from these units of work;
/// the answers name a tenant and its standing and nothing it holds.
public sealed class OperatorService(BosunDb db, RequestContext context, TenantService tenants)
{
    /// Creates an operator and its first token, from the server's command line (`bosun init --operator`).
    public async Task<CreatedOperator> CreateOperatorAsync(string? email, string? name, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        var address = Check.Email(problem, "email", email);
        var shown = Check.Text(problem, "name", name, 200) ?? address?.Split('@')[0];
        problem.ThrowIfAny();

        return await db.InTransactionAsync(async c =>
        {
            if (await db.Set<Operator>().AnyAsync(o => o.Email == address, c))
            {
                throw ProblemException.Conflict($"An operator with email '{address}' already exists.");
            }

            var created = new Operator { Email = address!, Name = shown! };
            db.Add(created);
            var secret = Secrets.NewOperatorToken();
            db.Add(new OperatorToken { OperatorId = created.Id, Prefix = Secrets.PrefixOf(secret), TokenHash = Secrets.Hash(secret) });
            await db.SaveChangesAsync(c);
            return new CreatedOperator(OperatorView.From(created), secret);
        }, write: true, ct);
    }

    /// The operator behind a bearer token; null when the token is unknown or revoked.
    public async Task<Actor?> AuthenticateAsync(string secret, CancellationToken ct)
    {
        var hash = Secrets.Hash(secret);
        var found = await (from t in db.Set<OperatorToken>()
                           join o in db.Set<Operator>() on t.OperatorId equals o.Id
                           where t.TokenHash == hash && t.RevokedAt == null
                           select new { o.Id, o.Name }).AsNoTracking().FirstOrDefaultAsync(ct);
        return found is null ? null : new Actor(ActorType.Operator, found.Id, found.Name);
    }

    public async Task<Page<OperatorTenantView>> ListTenantsAsync(string? status, PageRequest page, CancellationToken ct)
    {
        RequireOperator();
        var wanted = Check.OneOf<TenantStatus>("status", status);
        var query = db.Tenants.IgnoreQueryFilters().AsNoTracking();
        if (wanted is { } only)
        {
            query = query.Where(t => t.Status == only);
        }

        if (page.Cursor is { } after)
        {
            query = query.Where(t => string.Compare(t.Id, after) > 0);
        }

        return await query.OrderBy(t => t.Id).ToPageAsync(page, t => t.Id, OperatorTenantView.From, ct);
    }

    public async Task<OperatorTenantView> GetTenantAsync(string id, CancellationToken ct)
    {
        RequireOperator();
        return OperatorTenantView.From(await FindAsync(id, ct));
    }

    /// A tenant with its first owner, made as `bosun init` makes one; the owner's token is in the answer only.
    public async Task<OperatorCreatedTenant> CreateTenantAsync(CreateTenantByOperator request, CancellationToken ct)
    {
        RequireOperator();
        var created = await tenants.CreateAsync(request.Slug, request.Name, request.OwnerEmail, request.OwnerName, ct);
        var tenant = await FindAsync(created.Tenant.Id, ct);
        return new OperatorCreatedTenant(OperatorTenantView.From(tenant), created.Owner.Email, created.Token.Token);
    }

    public Task<OperatorTenantView> SuspendAsync(string id, CancellationToken ct) =>
        MoveAsync(id, TenantStatus.Suspended, ct);

    /// Back to active, from suspended or cancelled.
    public Task<OperatorTenantView> ResumeAsync(string id, CancellationToken ct) =>
        MoveAsync(id, TenantStatus.Active, ct);

    public Task<OperatorTenantView> CancelAsync(string id, CancellationToken ct) =>
        MoveAsync(id, TenantStatus.Cancelled, ct);

    /// Moves an open tenant between trialing and active; suspending and cancelling have their own verbs.
    public async Task<OperatorTenantView> UpdateTenantAsync(string id, ChangeTenantStatus request, CancellationToken ct)
    {
        RequireOperator();
        var status = Check.OneOf<TenantStatus>("status", request.Status);
        if (status is null)
        {
            throw ProblemException.Invalid("status", "is required: trialing or active");
        }

        if (!Tenant.IsOpen(status.Value))
        {
            throw ProblemException.Invalid("status", "must be trialing or active; suspend or cancel a tenant with its own action");
        }

        return await MoveAsync(id, status.Value, ct);
    }

    // A tenant is named by id or slug: a slug is lower-case and an id is not, so the two never meet.
    // The tenant is changed as a tracked entity so the audit interceptor writes the change to the tenant's own audit
    // log under the operator's name, and the principal cache forgets the tenant's tokens in this process.
    private async Task<OperatorTenantView> MoveAsync(string id, TenantStatus status, CancellationToken ct)
    {
        RequireOperator();
        var tenant = await Named(id).FirstOrDefaultAsync(ct) ?? throw ProblemException.NotFound($"Tenant '{id}'");
        if (tenant.Status == TenantStatus.Cancelled && status == TenantStatus.Suspended)
        {
            throw ProblemException.Conflict($"Tenant '{tenant.Slug}' is cancelled; resume it first to suspend it.", "/problems/tenant-cancelled");
        }

        tenant.Status = status;
        await db.SaveChangesAsync(ct);
        return OperatorTenantView.From(tenant);
    }

    private async Task<Tenant> FindAsync(string id, CancellationToken ct) =>
        await Named(id).AsNoTracking().FirstOrDefaultAsync(ct) ?? throw ProblemException.NotFound($"Tenant '{id}'");

    private IQueryable<Tenant> Named(string id) => db.Tenants.IgnoreQueryFilters().Where(t => t.Id == id || t.Slug == id);

    public static ProblemException OperatorOnly() =>
        new(403, "Forbidden", "Only an instance operator manages tenants; send an operator token (bop_...).", "/problems/operator-only");

    private void RequireOperator()
    {
        if (context.Actor.Type != ActorType.Operator || context.HasTenant)
        {
            throw OperatorOnly();
        }
    }
}
