using System.Text.RegularExpressions;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Dispatch;
using Bosun.Core.Governance;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Integrations;

/// What a person sends to create or change a secret. <see cref="Value"/> is write-only: no answer carries it back.
public sealed record SecretRequest(
    string? Name, string? Project, string? Type, string? Description, string? Value, DateTimeOffset? ExpiresAt, bool? ClearExpiry, string? Status)
{
    // A request is never printed with its value, whatever logs or formats it.
    public override string ToString() => $"SecretRequest {{ Name = {Name}, Project = {Project}, Type = {Type} }}";
}

public sealed record BindingRequest(string? Subject);

public sealed record SecretBindingView(string Id, string SecretId, string Subject, string? SubjectName, string? CreatedBy, DateTime CreatedAt);

/// A secret's metadata: everything but its value.
public sealed record SecretView(
    string Id, string Name, string Scope, string? ProjectId, SecretType Type, string? Description, string Status, int Version, string? KeyId,
    DateTime? ExpiresAt, DateTime? LastUsedAt, DateTime? LastCheckedAt, DateTime? ValueSetAt, DateTime? ArchivedAt, string? CreatedBy,
    DateTime CreatedAt, DateTime UpdatedAt, IReadOnlyList<SecretBindingView>? Bindings)
{
    public static SecretView From(Secret s, DateTime now, IReadOnlyList<SecretBindingView>? bindings = null) => new(
        s.Id, s.Name, s.ProjectId is null ? "tenant" : "project", s.ProjectId, s.Type, s.Description, StatusOf(s, now), s.Version, s.KeyId,
        s.ExpiresAt, s.LastUsedAt, s.LastCheckedAt, s.ValueSetAt, s.ArchivedAt, s.CreatedBy, s.CreatedAt, s.UpdatedAt, bindings);

    /// active, failing, expired (past expires_at) or archived.
    public static string StatusOf(Secret s, DateTime now) =>
        s.Status == SecretStatus.Archived ? "archived" : s.ExpiresAt is { } at && at <= now ? "expired" : s.Status.Snake();
}

public sealed record SecretAccessView(
    string Id, string SecretId, string SecretName, int Version, string Actor, string ActorName, string RunId, string WorkItemId, string Via, DateTime CreatedAt)
{
    public static SecretAccessView From(SecretAccess a) => new(a.Id, a.SecretId, a.SecretName, a.Version, a.ActorRef, a.ActorName, a.RunId, a.WorkItemId, a.Via, a.CreatedAt);
}

/// The value, answered only to the agent of a bound, active run.
public sealed record SecretValue(string Name, SecretType Type, int Version, DateTime? ExpiresAt, string Value)
{
    public override string ToString() => $"SecretValue {{ Name = {Name}, Version = {Version} }}";
}

/// The vault's rules: owners and admins keep secrets and say who may read them; an agent reads a bound secret only
/// through a run it holds, and each read is recorded. Values go in and never come back out, but to that agent.
public sealed partial class SecretService(BosunDb db, RequestContext context, TimeProvider clock, SecretVault vault)
{
    public const int NameLength = 100;
    public const int ValueLength = 16_384;

    // Base64 of the value with its nonce and tag, and the version prefix.
    public const int SealedLength = (ValueLength * 4 + 28 * 4) / 3 + 16;

    public const string ViaRest = "rest";
    public const string ViaMcp = "mcp";

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<Page<SecretView>> ListAsync(string? project, bool archived, PageRequest page, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageSecrets);
        var query = db.Set<Secret>().AsNoTracking().Where(s => archived ? s.ArchivedAt != null : s.ArchivedAt == null);
        if (project is { Length: > 0 })
        {
            var projectId = await ProjectAsync(project, ct);
            query = query.Where(s => s.ProjectId == projectId);
        }

        if (page.Cursor is { } cursor)
        {
            query = query.Where(s => string.Compare(s.Id, cursor) > 0);
        }

        var now = Now;
        return await query.OrderBy(s => s.Id).ToPageAsync(page, s => s.Id, s => SecretView.From(s, now), ct);
    }

    public async Task<SecretView> GetAsync(string reference, string? project, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageSecrets);
        var secret = await FindAsync(reference, project, ct);
        return SecretView.From(secret, Now, await BindingsOfAsync(secret.Id, ct));
    }

    public async Task<SecretView> CreateAsync(SecretRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageSecrets);
        var problem = new ValidationProblem();
        var name = CheckName(problem, request.Name);
        var type = CheckType(problem, request.Type) ?? SecretType.ApiKey;
        var description = Check.Text(problem, "description", request.Description, 500);
        var value = CheckValue(problem, request.Value, required: true);
        if (request.Status is not null)
        {
            problem.Add("status", "is set by a check once the secret exists (PATCH with status)");
        }

        string? projectId = null;
        if (request.Project is { Length: > 0 } project)
        {
            projectId = await db.ProjectIdOfAsync(project, ct);
            if (projectId is null)
            {
                problem.Add("project", $"no project '{project}' in this tenant");
            }
        }

        problem.ThrowIfAny();
        if (await db.Set<Secret>().AnyAsync(s => s.Name == name && s.ProjectId == projectId && s.ArchivedAt == null, ct))
        {
            throw ProblemException.Invalid("name", $"a secret named {name} exists in this scope already; set a new value with PATCH");
        }

        var now = Now;
        var secret = new Secret
        {
            TenantId = context.RequireTenant(),
            Name = name!,
            ProjectId = projectId,
            Type = type,
            Description = description,
            ExpiresAt = Check.Utc(request.ExpiresAt),
            ValueSetAt = now,
            CreatedBy = context.Actor.Ref,
        };
        vault.Seal(secret, value!);
        db.Set<Secret>().Add(secret);
        await db.SaveChangesAsync(ct);
        return SecretView.From(secret, now, []);
    }

    /// Changes the metadata, records a check (status), or sets a new value under a new data key.
    public async Task<SecretView> UpdateAsync(string reference, string? project, SecretRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageSecrets);
        var secret = await FindAsync(reference, project, ct);
        var problem = new ValidationProblem();
        if (request.Name is not null || request.Project is not null)
        {
            problem.Add(request.Name is not null ? "name" : "project", "cannot change; create a secret with the new name or scope and archive this one");
        }

        var type = CheckType(problem, request.Type);
        var description = Check.Text(problem, "description", request.Description, 500);
        var value = CheckValue(problem, request.Value, required: false);
        SecretStatus? status = null;
        if (request.Status is { } given)
        {
            status = given switch
            {
                "active" => SecretStatus.Active,
                "failing" => SecretStatus.Failing,
                _ => null,
            };
            if (status is null)
            {
                problem.Add("status", "must be active (the last check passed) or failing (it failed)");
            }
        }

        if (secret.ArchivedAt is not null)
        {
            problem.Add("id", "the secret is archived; create a new one");
        }

        problem.ThrowIfAny();
        var now = Now;
        secret.Type = type ?? secret.Type;
        secret.Description = request.Description is null ? secret.Description : description;
        secret.ExpiresAt = request.ClearExpiry == true ? null : Check.Utc(request.ExpiresAt) ?? secret.ExpiresAt;
        if (status is { } checkedStatus)
        {
            secret.Status = checkedStatus;
            secret.LastCheckedAt = now;
        }

        if (value is not null)
        {
            vault.Seal(secret, value);
            secret.Version++;
            secret.ValueSetAt = now;
            secret.Status = status ?? SecretStatus.Active;
        }

        await db.SaveChangesAsync(ct);
        return SecretView.From(secret, now, await BindingsOfAsync(secret.Id, ct));
    }

    /// Archives the secret: its value and data key are erased, its bindings removed, its name free for a new one;
    /// the access events stay.
    public async Task<SecretView> ArchiveAsync(string reference, string? project, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageSecrets);
        var secret = await FindAsync(reference, project, ct);
        if (secret.ArchivedAt is null)
        {
            db.Set<SecretBinding>().RemoveRange(await db.Set<SecretBinding>().Where(b => b.SecretId == secret.Id).ToListAsync(ct));
            secret.ValueSealed = null;
            secret.DataKeySealed = null;
            secret.KeyId = null;
            secret.Status = SecretStatus.Archived;
            secret.ArchivedAt = Now;
            await db.SaveChangesAsync(ct);
        }

        return SecretView.From(secret, Now, []);
    }

    public async Task<IReadOnlyList<SecretBindingView>> ListBindingsAsync(string reference, string? project, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageSecrets);
        var secret = await FindAsync(reference, project, ct);
        return await BindingsOfAsync(secret.Id, ct);
    }

    /// Lets an agent ("agent:NAME" or its id) or every agent of a role ("role:NAME") read the secret.
    public async Task<SecretBindingView> AddBindingAsync(string reference, string? project, BindingRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageSecrets);
        var secret = await FindAsync(reference, project, ct);
        if (secret.ArchivedAt is not null)
        {
            throw ProblemException.Invalid("id", "the secret is archived");
        }

        var (subject, name) = await SubjectAsync(request.Subject, ct);
        var existing = await db.Set<SecretBinding>().AsNoTracking().FirstOrDefaultAsync(b => b.SecretId == secret.Id && b.SubjectRef == subject, ct);
        if (existing is not null)
        {
            return new SecretBindingView(existing.Id, secret.Id, existing.SubjectRef, name, existing.CreatedBy, existing.CreatedAt);
        }

        var binding = new SecretBinding { SecretId = secret.Id, SubjectRef = subject, CreatedBy = context.Actor.Ref };
        db.Set<SecretBinding>().Add(binding);
        await db.SaveChangesAsync(ct);
        return new SecretBindingView(binding.Id, secret.Id, subject, name, binding.CreatedBy, binding.CreatedAt);
    }

    public async Task RemoveBindingAsync(string reference, string? project, string subjectOrId, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageSecrets);
        var secret = await FindAsync(reference, project, ct);
        var binding = await db.Set<SecretBinding>().FirstOrDefaultAsync(b => b.SecretId == secret.Id && b.Id == subjectOrId, ct);
        if (binding is null)
        {
            var (subject, _) = await SubjectAsync(subjectOrId, ct);
            binding = await db.Set<SecretBinding>().FirstOrDefaultAsync(b => b.SecretId == secret.Id && b.SubjectRef == subject, ct)
                      ?? throw ProblemException.NotFound("Binding");
        }

        db.Set<SecretBinding>().Remove(binding);
        await db.SaveChangesAsync(ct);
    }

    /// Reads of the tenant's secrets (one secret's when named), newest first.
    public async Task<Page<SecretAccessView>> AccessesAsync(string? reference, string? project, string? runId, PageRequest page, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageSecrets);
        var query = db.Set<SecretAccess>().AsNoTracking().AsQueryable();
        if (reference is { Length: > 0 })
        {
            var secret = await FindAsync(reference, project, ct);
            query = query.Where(a => a.SecretId == secret.Id);
        }

        if (runId is { Length: > 0 })
        {
            query = query.Where(a => a.RunId == runId);
        }

        if (page.Cursor is { } cursor)
        {
            query = query.Where(a => string.Compare(a.Id, cursor) < 0);
        }

        return await query.OrderByDescending(a => a.Id).ToPageAsync(page, a => a.Id, SecretAccessView.From, ct);
    }

    /// The value of a secret for the agent that holds the run: the run must be active and hold its item's lease, the
    /// secret must be the run's project's or the tenant's, and bound to the agent or its role. The read is recorded in
    /// the same transaction as it happens.
    public Task<SecretValue> ReadForRunAsync(string runId, string name, string via, CancellationToken ct) =>
        db.InTransactionAsync(async c =>
        {
            if (context.Actor.Type != ActorType.Agent)
            {
                throw ProblemException.Forbidden("Secrets are read by the agent that holds a run, with its own token.");
            }

            var run = await db.Runs.AsNoTracking().Where(r => r.Id == runId)
                          .Select(r => new { r.AgentId, r.Status, r.WorkItemId }).FirstOrDefaultAsync(c)
                      ?? throw ProblemException.NotFound("Run");
            if (run.AgentId != context.Actor.Id)
            {
                throw ProblemException.Forbidden("This run belongs to another worker.");
            }

            var now = Now;
            var item = await db.WorkItems.AsNoTracking().Where(w => w.Id == run.WorkItemId)
                .Select(w => new { w.ProjectId, w.ActiveRunId, w.LeaseExpiresAt }).FirstAsync(c);
            if (run.Status != RunStatus.Active || item.ActiveRunId != runId || item.LeaseExpiresAt is not { } lease || lease <= now)
            {
                throw new ProblemException(403, "Run not active",
                    $"Run {runId} does not hold its work item now; secrets are read only during an active run.", "/problems/run-not-active");
            }

            var secret = await db.Set<Secret>()
                             .Where(s => s.Name == name && s.ArchivedAt == null && (s.ProjectId == item.ProjectId || s.ProjectId == null))
                             .OrderBy(s => s.ProjectId == null).FirstOrDefaultAsync(c)
                         ?? throw ProblemException.NotFound("Secret");
            var agent = $"agent:{context.Actor.Id}";
            var role = $"role:{context.AgentRole}";
            if (!await db.Set<SecretBinding>().AnyAsync(b => b.SecretId == secret.Id && (b.SubjectRef == agent || b.SubjectRef == role), c))
            {
                throw ProblemException.Forbidden($"Secret {secret.Name} is not bound to this agent or its role.");
            }

            if (secret.ExpiresAt is { } expires && expires <= now)
            {
                throw ProblemException.Conflict($"Secret {secret.Name} expired at {expires:O}; a person must set a new value.", "/problems/secret-expired");
            }

            string value;
            try
            {
                value = vault.Open(secret);
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                // The key it was sealed with is gone from this server's configuration, or the row was altered.
                throw ProblemException.Conflict(
                    $"Secret {secret.Name} cannot be opened with this server's keys (it was sealed under key {secret.KeyId}); a person must configure that key or set a new value.",
                    "/problems/secret-unreadable");
            }

            secret.LastUsedAt = now;
            db.Set<SecretAccess>().Add(new SecretAccess
            {
                SecretId = secret.Id,
                SecretName = secret.Name,
                Version = secret.Version,
                ActorRef = agent,
                ActorName = context.Actor.Name,
                RunId = runId,
                WorkItemId = run.WorkItemId,
                Via = via,
            });
            await db.SaveChangesAsync(c);
            return new SecretValue(secret.Name, secret.Type, secret.Version, secret.ExpiresAt, value);
        }, write: true, ct);

    private async Task<List<SecretBindingView>> BindingsOfAsync(string secretId, CancellationToken ct)
    {
        var bindings = await db.Set<SecretBinding>().AsNoTracking().Where(b => b.SecretId == secretId).OrderBy(b => b.Id).ToListAsync(ct);
        var agentIds = bindings.Select(b => b.SubjectRef).Where(s => s.StartsWith("agent:", StringComparison.Ordinal)).Select(s => s[6..]).ToList();
        var names = await db.Agents.AsNoTracking().Where(a => agentIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, a => a.Name, ct);
        return bindings.Select(b => new SecretBindingView(b.Id, b.SecretId, b.SubjectRef,
            b.SubjectRef.StartsWith("agent:", StringComparison.Ordinal) ? names.GetValueOrDefault(b.SubjectRef[6..]) : b.SubjectRef[5..],
            b.CreatedBy, b.CreatedAt)).ToList();
    }

    private async Task<(string Ref, string Name)> SubjectAsync(string? subject, CancellationToken ct)
    {
        var given = subject?.Trim() ?? "";
        if (given.StartsWith("agent:", StringComparison.Ordinal) && given.Length > 6)
        {
            var reference = given[6..];
            var agent = await db.Agents.AsNoTracking().Where(a => a.Id == reference || a.Name == reference).Select(a => new { a.Id, a.Name }).FirstOrDefaultAsync(ct)
                        ?? throw ProblemException.Invalid("subject", $"no agent '{reference}' in this tenant");
            return ($"agent:{agent.Id}", agent.Name);
        }

        if (given.StartsWith("role:", StringComparison.Ordinal) && given.Length is > 5 and <= 55)
        {
            return (given, given[5..]);
        }

        throw ProblemException.Invalid("subject", "must be agent:NAME (or agent:ID) or role:ROLE (every agent of that role)");
    }

    private async Task<Secret> FindAsync(string reference, string? project, CancellationToken ct)
    {
        if (Ids.IsValid(reference) && await db.Set<Secret>().FirstOrDefaultAsync(s => s.Id == reference, ct) is { } byId)
        {
            return byId;
        }

        var projectId = project is { Length: > 0 } ? await ProjectAsync(project, ct) : null;
        return await db.Set<Secret>().FirstOrDefaultAsync(s => s.Name == reference && s.ProjectId == projectId && s.ArchivedAt == null, ct)
               ?? throw ProblemException.NotFound("Secret");
    }

    private async Task<string> ProjectAsync(string project, CancellationToken ct) =>
        await db.ProjectIdOfAsync(project, ct) ?? throw ProblemException.Invalid("project", $"no project '{project}' in this tenant");

    private static string? CheckName(ValidationProblem problem, string? value)
    {
        var name = Check.Text(problem, "name", value, NameLength, required: true);
        if (name is not null && !NamePattern().IsMatch(name))
        {
            problem.Add("name", "must be letters, digits, '_', '-' and '.', starting with a letter or '_' (e.g. GITHUB_TOKEN)");
        }

        return name;
    }

    private static SecretType? CheckType(ValidationProblem problem, string? value)
    {
        try
        {
            return Check.OneOf<SecretType>("type", value);
        }
        catch (ProblemException)
        {
            problem.Add("type", "must be api_key, oauth2, basic or custom");
            return null;
        }
    }

    // The messages never repeat the value, not even a part of it.
    private static string? CheckValue(ValidationProblem problem, string? value, bool required)
    {
        if (string.IsNullOrEmpty(value))
        {
            if (required || value is not null)
            {
                problem.Add("value", "is required (read from stdin or a file by the CLI)");
            }

            return null;
        }

        if (value.Length > ValueLength)
        {
            problem.Add("value", $"must be at most {ValueLength} characters");
        }

        return value;
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_.-]*$")]
    private static partial Regex NamePattern();
}
