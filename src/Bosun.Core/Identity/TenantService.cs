using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Identity;

public sealed record TenantBootstrap(TenantView Tenant, UserView Owner, IssuedToken Token);

public sealed record UpdateTenant(
    string? Name, string? Slug, string? Plan, decimal? MonthlySpendCapUsd, bool? ClearMonthlySpendCap, bool? StorePromptText,
    int? MaxConcurrentRuns = null, bool? ClearMaxConcurrentRuns = null);

public sealed class TenantService(BosunDb db, RequestContext context, Ledger.BudgetService budgets)
{
    /// Creates a tenant with its first owner and an owner token. Runs outside any tenant (bosun init).
    public async Task<TenantBootstrap> CreateAsync(string? slug, string? name, string? ownerEmail, string? ownerName, CancellationToken ct)
    {
        var problem = new ValidationProblem();
        var tenantSlug = Check.Slug(problem, "tenant", slug);
        var tenantName = Check.Text(problem, "name", name, 200) ?? tenantSlug;
        var email = Check.Email(problem, "admin_email", ownerEmail);
        var personName = Check.Text(problem, "admin_name", ownerName, 200) ?? email?.Split('@')[0];
        problem.ThrowIfAny();

        return await db.InTransactionAsync(async c =>
        {
            if (await db.Tenants.IgnoreQueryFilters().AnyAsync(t => t.Slug == tenantSlug, c))
            {
                throw ProblemException.Conflict($"A tenant with slug '{tenantSlug}' already exists.");
            }

            var tenant = new Tenant { Name = tenantName!, Slug = tenantSlug! };
            var owner = new User { TenantId = tenant.Id, Email = email!, Name = personName!, Role = PersonRole.Owner };
            db.Tenants.Add(tenant);
            db.Users.Add(owner);
            var token = TokenIssuer.Issue(db, tenant.Id, "owner token (bosun init)", owner.Id, null, null, "system");
            await db.SaveChangesAsync(c);
            return new TenantBootstrap(TenantView.From(tenant), UserView.From(owner), token);
        }, write: true, ct);
    }

    public async Task<TenantView> GetAsync(CancellationToken ct) =>
        TenantView.From(await db.Tenants.SingleAsync(t => t.Id == context.RequireTenant(), ct));

    public async Task<TenantView> UpdateAsync(UpdateTenant request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageTenant);
        var problem = new ValidationProblem();
        var name = Check.Text(problem, "name", request.Name, 200);
        var slug = Check.Slug(problem, "slug", request.Slug, required: false);
        var plan = Check.Text(problem, "plan", request.Plan, 50);
        var cap = Check.Usd(problem, "monthly_spend_cap_usd", request.MonthlySpendCapUsd);
        var runs = Check.Range(problem, "max_concurrent_runs", request.MaxConcurrentRuns, 1, Check.MaxConcurrentRunsCap);
        problem.ThrowIfAny();

        var tenant = await db.Tenants.SingleAsync(t => t.Id == context.RequireTenant(), ct);
        if (slug is not null && slug != tenant.Slug && await db.Tenants.IgnoreQueryFilters().AnyAsync(t => t.Slug == slug, ct))
        {
            throw ProblemException.Invalid("slug", "is taken by another tenant");
        }

        tenant.Name = name ?? tenant.Name;
        tenant.Slug = slug ?? tenant.Slug;
        tenant.Plan = plan ?? tenant.Plan;
        if (request.ClearMonthlySpendCap == true)
        {
            tenant.MonthlySpendCapMicros = null;
        }
        else if (cap is not null)
        {
            tenant.MonthlySpendCapMicros = cap;
        }

        tenant.StorePromptText = request.StorePromptText ?? tenant.StorePromptText;
        tenant.MaxConcurrentRuns = request.ClearMaxConcurrentRuns == true ? null : runs ?? tenant.MaxConcurrentRuns;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex) && slug is not null)
        {
            // On PostgreSQL row-level security hides other tenants from the check above; the unique index still sees them.
            throw ProblemException.Invalid("slug", "is taken by another tenant");
        }

        // The monthly cap is enforced as a tenant-wide stop budget, changed in the same transaction.
        await budgets.SyncTenantCapAsync(ct);
        return TenantView.From(tenant);
    }
}
