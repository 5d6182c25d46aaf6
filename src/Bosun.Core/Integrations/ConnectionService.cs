using System.Text.Json;
using System.Text.RegularExpressions;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Integrations;

/// What a person sends to create or change a connection. <see cref="ClientSecret"/> is write-only: it goes to the vault.
public sealed record ConnectionRequest(
    string? Name, string? Provider, string? Type, string? Description, string? Project, IReadOnlyList<string>? Secrets, IReadOnlyList<string>? Scopes,
    string? AuthorizeUrl, string? TokenUrl, string? ClientId, string? ClientSecret, string? TokenAuth, string? ExternalId, string? ExternalUrl, string? Status)
{
    public override string ToString() => $"ConnectionRequest {{ Name = {Name}, Provider = {Provider}, Type = {Type} }}";
}

/// A connection as people see it: never a token or the client secret, only the names of the secrets that hold them.
public sealed record ConnectionView(
    string Id, string Name, string Provider, ConnectionType Type, ConnectionStatus Status, string? Description, string? ProjectId,
    IReadOnlyList<string> Secrets, IReadOnlyList<string> Scopes, string? AuthorizeUrl, string? TokenUrl, string? ClientId, string TokenAuth,
    string? ExternalId, string? ExternalUrl, DateTime? ExpiresAt, string? Owner, string? LastError, DateTime? ConnectedAt, DateTime? RefreshedAt,
    DateTime? RevokedAt, string? CreatedBy, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static ConnectionView From(Connection c) => new(
        c.Id, c.Name, c.Provider, c.Type, c.Status, c.Description, c.ProjectId, ConnectionService.Words(c.SecretNames), ConnectionService.Words(c.Scopes),
        c.AuthorizeUrl, c.TokenUrl, c.ClientId, c.TokenAuth, c.ExternalId, c.ExternalUrl, c.ExpiresAt, c.OwnerUserId is null ? null : $"user:{c.OwnerUserId}",
        c.LastError, c.ConnectedAt, c.RefreshedAt, c.RevokedAt, c.CreatedBy, c.CreatedAt, c.UpdatedAt);
}

/// The access token, answered only to the agent of a bound, active run.
public sealed record ConnectionToken(string Name, string Provider, string AccessToken, DateTime? ExpiresAt, IReadOnlyList<string> Scopes)
{
    public override string ToString() => $"ConnectionToken {{ Name = {Name}, Provider = {Provider} }}";
}

/// The authorize and token URLs of providers people connect often; a connection may give its own instead.
public sealed record ProviderPreset(string AuthorizeUrl, string TokenUrl, string TokenAuth);

/// Connected accounts: owners and admins create them and connect OAuth2 ones from the web UI (authorization code with
/// PKCE); the tokens are vault secrets, refreshed ahead of expiry, read by bound agents during their runs. A failed
/// refresh marks the connection expired and gives its owner a work item to connect it again.
public sealed partial class ConnectionService(
    BosunDb db, RequestContext context, TimeProvider clock, SecretService secrets, SecretVault vault, SecretBox box, OAuthClient oauth, WorkItemService work)
{
    public const int NameLength = 80;
    public const string ClientSecretPost = "client_secret_post";
    public const string ClientSecretBasic = "client_secret_basic";
    public static readonly TimeSpan AuthorizationLifetime = TimeSpan.FromMinutes(10);

    // Longer than a token request may take (the client gives up after 15 seconds).
    private static readonly TimeSpan RefreshLease = TimeSpan.FromMinutes(1);

    public static readonly IReadOnlyDictionary<string, ProviderPreset> Presets = new Dictionary<string, ProviderPreset>(StringComparer.Ordinal)
    {
        ["github"] = new("https://github.com/login/oauth/authorize", "https://github.com/login/oauth/access_token", ClientSecretPost),
        ["google"] = new("https://accounts.google.com/o/oauth2/v2/auth", "https://oauth2.googleapis.com/token", ClientSecretPost),
        ["slack"] = new("https://slack.com/oauth/v2/authorize", "https://slack.com/api/oauth.v2.access", ClientSecretPost),
        ["linear"] = new("https://linear.app/oauth/authorize", "https://api.linear.app/oauth/token", ClientSecretPost),
    };

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public static string ClientSecretName(string name) => $"{name}.client_secret";

    public static string AccessTokenName(string name) => $"{name}.access_token";

    public static string RefreshTokenName(string name) => $"{name}.refresh_token";

    internal static string Purpose(string tenantId, string authorizationId) => $"connection-state:{tenantId}:{authorizationId}";

    internal static IReadOnlyList<string> Words(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public async Task<Page<ConnectionView>> ListAsync(bool revoked, PageRequest page, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageConnections);
        var query = db.Set<Connection>().AsNoTracking().Where(c => revoked ? c.RevokedAt != null : c.RevokedAt == null);
        if (page.Cursor is { } cursor)
        {
            query = query.Where(c => string.Compare(c.Id, cursor) > 0);
        }

        return await query.OrderBy(c => c.Id).ToPageAsync(page, c => c.Id, ConnectionView.From, ct);
    }

    public async Task<ConnectionView> GetAsync(string reference, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageConnections);
        return ConnectionView.From(await FindAsync(reference, ct));
    }

    public async Task<ConnectionView> CreateAsync(ConnectionRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageConnections);
        var problem = new ValidationProblem();
        var name = Check.Text(problem, "name", request.Name, NameLength, required: true);
        if (name is not null && !NamePattern().IsMatch(name))
        {
            problem.Add("name", "must be letters, digits, '_', '-' and '.', starting with a letter or '_' (e.g. github-acme)");
        }

        var provider = Check.Text(problem, "provider", request.Provider?.Trim().ToLowerInvariant(), 50, required: true);
        var type = CheckType(problem, request.Type) ?? ConnectionType.Oauth2;
        var preset = provider is not null && type == ConnectionType.Oauth2 ? Presets.GetValueOrDefault(provider) : null;
        var connection = new Connection
        {
            TenantId = context.RequireTenant(),
            Name = name ?? "",
            Provider = provider ?? "",
            Type = type,
            AuthorizeUrl = preset?.AuthorizeUrl,
            TokenUrl = preset?.TokenUrl,
            TokenAuth = preset?.TokenAuth ?? ClientSecretPost,
            Status = type == ConnectionType.Oauth2 ? ConnectionStatus.Pending : ConnectionStatus.Connected,
            OwnerUserId = context.Actor.Type == ActorType.Person ? context.Actor.Id : null,
            CreatedBy = context.Actor.Ref,
        };
        if (request.Status is not null)
        {
            problem.Add("status", "is set by connecting, refreshing and revoking");
        }

        await ApplyAsync(connection, request, problem, ct);
        if (type == ConnectionType.Oauth2)
        {
            Check.Text(problem, "authorize_url", connection.AuthorizeUrl, 2000, required: true);
            Check.Text(problem, "token_url", connection.TokenUrl, 2000, required: true);
            Check.Text(problem, "client_id", connection.ClientId, 500, required: true);
        }

        if (name is not null && await db.Set<Connection>().AnyAsync(c => c.Name == name && c.RevokedAt == null, ct))
        {
            problem.Add("name", $"a connection named {name} exists already");
        }

        problem.ThrowIfAny();
        if (request.ClientSecret is { Length: > 0 } clientSecret)
        {
            await StoreSecretAsync(connection, ClientSecretName(connection.Name), clientSecret, "OAuth2 client secret", null, ct);
        }

        db.Set<Connection>().Add(connection);
        await db.SaveChangesAsync(ct);
        return ConnectionView.From(connection);
    }

    public async Task<ConnectionView> UpdateAsync(string reference, ConnectionRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageConnections);
        var connection = await FindAsync(reference, ct);
        var problem = new ValidationProblem();
        foreach (var (field, value) in new[] { ("name", request.Name), ("provider", request.Provider), ("type", request.Type) })
        {
            if (value is not null)
            {
                problem.Add(field, "cannot change; create a new connection and revoke this one");
            }
        }

        if (request.Status is not null)
        {
            problem.Add("status", "is set by connecting, refreshing and revoking (DELETE revokes)");
        }

        if (connection.RevokedAt is not null)
        {
            problem.Add("id", "the connection is revoked; create a new one");
        }

        await ApplyAsync(connection, request, problem, ct);
        problem.ThrowIfAny();
        if (request.ClientSecret is { Length: > 0 } clientSecret)
        {
            await StoreSecretAsync(connection, ClientSecretName(connection.Name), clientSecret, "OAuth2 client secret", null, ct);
        }

        await db.SaveChangesAsync(ct);
        return ConnectionView.From(connection);
    }

    /// Revokes the connection: its client secret and tokens are archived (erased, their bindings removed), its name free.
    public async Task<ConnectionView> RevokeAsync(string reference, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageConnections);
        var connection = await FindAsync(reference, ct);
        if (connection.RevokedAt is null)
        {
            foreach (var name in new[] { ClientSecretName(connection.Name), AccessTokenName(connection.Name), RefreshTokenName(connection.Name) })
            {
                if (await VaultSecretAsync(name, ct) is not null)
                {
                    await secrets.ArchiveAsync(name, null, ct);
                }
            }

            connection.Status = ConnectionStatus.Revoked;
            connection.RevokedAt = Now;
            connection.ExpiresAt = null;
            await db.SaveChangesAsync(ct);
        }

        return ConnectionView.From(connection);
    }

    /// Lets an agent or a role read the connection's access token during its runs: a binding of the token's secret.
    public async Task<SecretBindingView> AddBindingAsync(string reference, BindingRequest request, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageConnections);
        var connection = await FindAsync(reference, ct);
        if (await VaultSecretAsync(AccessTokenName(connection.Name), ct) is null)
        {
            throw ProblemException.Conflict($"Connection {connection.Name} holds no access token yet; connect it first.", "/problems/connection-not-connected");
        }

        return await secrets.AddBindingAsync(AccessTokenName(connection.Name), null, request, ct);
    }

    /// The first step of the authorization code flow, for the person at the browser: a single-use state (stored hashed)
    /// and a PKCE verifier (stored sealed), and the provider's authorize URL to send the browser to.
    public async Task<string> StartAuthorizationAsync(string reference, string redirectUri, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageConnections);
        if (context.Actor.Type != ActorType.Person)
        {
            throw ProblemException.Forbidden("A person connects an account, from the web UI.");
        }

        var connection = await FindAsync(reference, ct);
        var problem = new ValidationProblem();
        if (connection.RevokedAt is not null)
        {
            problem.Add("id", "the connection is revoked; create a new one");
        }

        if (connection.Type != ConnectionType.Oauth2)
        {
            problem.Add("type", "only oauth2 connections are authorized at a provider");
        }

        problem.ThrowIfAny();
        var state = Secrets.NewToken("state");
        var (verifier, challenge) = OAuthClient.NewPkce();
        var authorization = new ConnectionAuthorization
        {
            ConnectionId = connection.Id,
            StateHash = Secrets.Hash(state),
            VerifierSealed = "",
            RedirectUri = redirectUri,
            UserId = context.Actor.Id!,
            ExpiresAt = Now + AuthorizationLifetime,
        };
        authorization.VerifierSealed = box.Seal(verifier, Purpose(connection.TenantId, authorization.Id));
        db.Set<ConnectionAuthorization>().Add(authorization);
        await db.SaveChangesAsync(ct);
        return OAuthClient.AuthorizeUrl(connection.AuthorizeUrl!, connection.ClientId!, redirectUri, connection.Scopes, state, challenge);
    }

    /// The provider sent the browser back: the state is used up (it never works twice), the code exchanged with the
    /// verifier for tokens, and the tokens stored in the vault. Opens its own transactions: the exchange is a call to
    /// the provider, made while no transaction is open.
    public async Task<ConnectionView> CompleteAuthorizationAsync(string? state, string? code, string? error, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageConnections);
        if (string.IsNullOrEmpty(state))
        {
            throw ProblemException.Invalid("state", "is required");
        }

        if (string.IsNullOrEmpty(code) && string.IsNullOrEmpty(error))
        {
            throw ProblemException.Invalid("code", "is required");
        }

        var (id, exchange) = await db.InTransactionAsync(async c =>
        {
            var hash = Secrets.Hash(state);
            var authorization = await db.Set<ConnectionAuthorization>().FirstOrDefaultAsync(a => a.StateHash == hash, c);
            if (authorization is null || authorization.UsedAt is not null || authorization.ExpiresAt <= Now || authorization.UserId != context.Actor.Id)
            {
                throw ProblemException.Invalid("state", "is unknown, used already or expired; press Connect again");
            }

            authorization.UsedAt = Now;
            var connection = await db.Set<Connection>().FirstAsync(x => x.Id == authorization.ConnectionId, c);
            if (connection.RevokedAt is not null)
            {
                throw ProblemException.Invalid("state", "belongs to a connection that was revoked meanwhile");
            }

            Grant? grant = null;
            if (string.IsNullOrEmpty(error))
            {
                var verifier = box.Open(authorization.VerifierSealed, Purpose(connection.TenantId, authorization.Id));
                grant = new Grant(connection, [
                    new("grant_type", "authorization_code"), new("code", code!), new("redirect_uri", authorization.RedirectUri), new("code_verifier", verifier),
                ], await OpenAsync(ClientSecretName(connection.Name), c));
            }
            else
            {
                connection.Status = ConnectionStatus.Error;
                connection.LastError = Cut($"the provider refused the authorization: {error}");
            }

            await db.SaveChangesAsync(c);
            return (connection.Id, grant);
        }, write: true, ct);

        var answer = exchange is null ? null : await oauth.RequestAsync(exchange.TokenUrl, exchange.TokenAuth, exchange.ClientId, exchange.ClientSecret, exchange.Form, ct);
        return await StoreAsync(id, answer, refresh: false, ct);
    }

    /// Stores what the token endpoint answered, in a transaction of its own; a connection revoked meanwhile keeps nothing.
    private Task<ConnectionView> StoreAsync(string id, TokenAnswer? answer, bool refresh, CancellationToken ct) =>
        db.InTransactionAsync(async c =>
        {
            // Read afresh: it may have been revoked, or its lease changed, while the provider answered.
            db.ChangeTracker.Clear();
            var connection = await db.Set<Connection>().FirstAsync(x => x.Id == id, c);
            if (answer is not null && connection.RevokedAt is null)
            {
                await StoreAnswerAsync(connection, answer, refresh, c);
            }

            connection.RefreshingUntil = null;
            await db.SaveChangesAsync(c);
            return ConnectionView.From(connection);
        }, write: true, ct);

    private sealed record Grant(string Id, string TokenUrl, string TokenAuth, string ClientId, IReadOnlyList<KeyValuePair<string, string>> Form, string? ClientSecret)
    {
        public Grant(Connection connection, IReadOnlyList<KeyValuePair<string, string>> form, string? clientSecret)
            : this(connection.Id, connection.TokenUrl!, connection.TokenAuth, connection.ClientId!, form, clientSecret)
        {
        }

        public override string ToString() => $"Grant {{ Id = {Id} }}";
    }

    /// Exchanges the refresh token for new tokens. When that fails, the connection is expired: audited as
    /// connection.expired, and its owner gets a work item to connect it again (once, not at every failed try).
    /// Opens its own transactions, as the authorization does.
    public async Task<ConnectionView> RefreshAsync(string reference, CancellationToken ct)
    {
        Permissions.Require(context, Capability.ManageConnections);
        var grant = await db.InTransactionAsync(async c =>
        {
            var connection = await FindAsync(reference, c);
            var problem = new ValidationProblem();
            if (connection.RevokedAt is not null)
            {
                problem.Add("id", "the connection is revoked; create a new one");
            }

            if (connection.Type != ConnectionType.Oauth2)
            {
                problem.Add("type", "only oauth2 connections hold tokens to refresh");
            }
            else if (connection.Status is not (ConnectionStatus.Connected or ConnectionStatus.Expired))
            {
                problem.Add("status", $"the connection is {connection.Status.Snake()}; connect it first");
            }

            problem.ThrowIfAny();

            // One refresh at a time across Bosun processes: a provider that rotates refresh tokens refuses the second.
            var now = Now;
            var claimed = await db.Set<Connection>().Where(x => x.Id == connection.Id && (x.RefreshingUntil == null || x.RefreshingUntil <= now))
                .ExecuteUpdateAsync(u => u.SetProperty(x => x.RefreshingUntil, now + RefreshLease), c);
            if (claimed == 0)
            {
                return (Id: connection.Id, Claimed: false, Grant: (Grant?)null);
            }

            var refreshToken = await OpenAsync(RefreshTokenName(connection.Name), c);
            return (Id: connection.Id, Claimed: true, Grant: refreshToken is null ? null
                : new Grant(connection, [new("grant_type", "refresh_token"), new("refresh_token", refreshToken)], await OpenAsync(ClientSecretName(connection.Name), c)));
        }, write: true, ct);

        if (!grant.Claimed)
        {
            return await db.InTransactionAsync(async c => ConnectionView.From(await FindAsync(grant.Id, c)), write: false, ct);
        }

        var answer = grant.Grant is { } g
            ? await oauth.RequestAsync(g.TokenUrl, g.TokenAuth, g.ClientId, g.ClientSecret, g.Form, ct)
            : TokenAnswer.Failed("the provider gave no refresh token; connect it again");
        return await StoreAsync(grant.Id, answer, refresh: true, ct);
    }

    /// The current access token for the agent holding the run: the read is the access token secret's, so it is refused
    /// and recorded exactly as a bound secret's read is.
    public Task<ConnectionToken> ReadTokenForRunAsync(string runId, string name, string via, CancellationToken ct) =>
        db.InTransactionAsync(async c =>
        {
            var connection = await db.Set<Connection>().AsNoTracking().FirstOrDefaultAsync(x => x.Name == name && x.RevokedAt == null, c)
                             ?? throw ProblemException.NotFound("Connection");
            if (connection.Type != ConnectionType.Oauth2)
            {
                throw ProblemException.Conflict($"Connection {name} is of type {connection.Type.Snake()}; read its secrets ({connection.SecretNames}) instead.");
            }

            if (connection.Status == ConnectionStatus.Pending)
            {
                throw NotConnected(connection);
            }

            var token = await secrets.ReadForRunAsync(runId, AccessTokenName(connection.Name), via, c);
            if (connection.Status != ConnectionStatus.Connected)
            {
                // Thrown inside the transaction, so the read is not recorded either.
                throw NotConnected(connection);
            }

            return new ConnectionToken(connection.Name, connection.Provider, token.Value, connection.ExpiresAt, Words(connection.Scopes));
        }, write: true, ct);

    private static ProblemException NotConnected(Connection connection) => ProblemException.Conflict(
        $"Connection {connection.Name} is {connection.Status.Snake()}; a person must connect it again on the connections page.", "/problems/connection-not-connected");

    private async Task StoreAnswerAsync(Connection connection, TokenAnswer answer, bool refresh, CancellationToken ct)
    {
        var now = Now;
        if (answer.Ok)
        {
            var expiresAt = answer.ExpiresIn is { } seconds ? now.AddSeconds(seconds) : (DateTime?)null;
            await StoreSecretAsync(connection, AccessTokenName(connection.Name), answer.AccessToken!, $"OAuth2 access token of connection {connection.Name}", expiresAt, ct);
            if (answer.RefreshToken is { Length: > 0 } refreshToken)
            {
                await StoreSecretAsync(connection, RefreshTokenName(connection.Name), refreshToken, $"OAuth2 refresh token of connection {connection.Name}", null, ct);
            }

            connection.Status = ConnectionStatus.Connected;
            connection.ExpiresAt = expiresAt;
            connection.Scopes = answer.Scope is { Length: > 0 } scope ? string.Join(' ', scope.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries)) : connection.Scopes;
            connection.LastError = null;
            if (refresh)
            {
                connection.RefreshedAt = now;
            }
            else
            {
                connection.ConnectedAt = now;
                connection.OwnerUserId = context.Actor.Type == ActorType.Person ? context.Actor.Id : connection.OwnerUserId;
            }

            return;
        }

        connection.LastError = Cut(answer.Error ?? "failed");
        if (!refresh)
        {
            connection.Status = ConnectionStatus.Error;
            return;
        }

        if (connection.Status == ConnectionStatus.Connected)
        {
            connection.Status = ConnectionStatus.Expired;
            AuditLog.Record(db, "connection.expired", "connection", connection.Id,
                new { name = connection.Name, provider = connection.Provider, owner_user_id = connection.OwnerUserId, status = new { before = "connected", after = "expired" }, error = connection.LastError }, now);
            await AlertOwnerAsync(connection, ct);
        }
    }

    /// A work item for the connection's owner, in the project the connection names or else the tenant's first project;
    /// a tenant without projects gets the audit row and the stream event only.
    private async Task AlertOwnerAsync(Connection connection, CancellationToken ct)
    {
        var projectId = connection.ProjectId ?? await db.Projects.AsNoTracking().OrderBy(p => p.Id).Select(p => p.Id).FirstOrDefaultAsync(ct);
        if (projectId is null)
        {
            return;
        }

        var owner = await db.Users.AsNoTracking().Where(u => u.Id == connection.OwnerUserId && u.Status == PersonStatus.Active).Select(u => u.Id).FirstOrDefaultAsync(ct);
        var input = JsonSerializer.SerializeToElement(new { connection_id = connection.Id, connection = connection.Name, error = connection.LastError });
        await work.CreateAsync(new CreateWorkItem(
            projectId, "task", Cut($"Reconnect {connection.Name} ({connection.Provider})", 500),
            $"Bosun could not refresh the token of the connection {connection.Name} ({connection.Provider}): {connection.LastError}.\n"
            + "Agents cannot use it until it is connected again: open Connections in the web UI and press Reconnect.",
            WorkStatus.Ready, Priority.High, owner is null ? null : $"user:{owner}", null, null, null, ["connection"], false, input, null), ct);
    }

    /// Creates the tenant-wide vault secret, or gives it a new value (a new version), and lists it among the connection's.
    private async Task StoreSecretAsync(Connection connection, string name, string value, string description, DateTime? expiresAt, CancellationToken ct)
    {
        DateTimeOffset? expires = expiresAt is { } at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
        if (await VaultSecretAsync(name, ct) is not null)
        {
            await secrets.UpdateAsync(name, null, new SecretRequest(null, null, null, null, value, expires, expires is null, null), ct);
        }
        else
        {
            await secrets.CreateAsync(new SecretRequest(name, null, "oauth2", description, value, expires, null, null), ct);
        }

        if (!Words(connection.SecretNames).Contains(name))
        {
            connection.SecretNames = string.Join(' ', [.. Words(connection.SecretNames), name]);
        }
    }

    private Task<Secret?> VaultSecretAsync(string name, CancellationToken ct) =>
        db.Set<Secret>().FirstOrDefaultAsync(s => s.Name == name && s.ProjectId == null && s.ArchivedAt == null, ct);

    private async Task<string?> OpenAsync(string name, CancellationToken ct) =>
        await VaultSecretAsync(name, ct) is { } secret ? vault.Open(secret) : null;

    /// The fields create and change share, checked into <paramref name="problem"/>.
    private async Task ApplyAsync(Connection connection, ConnectionRequest request, ValidationProblem problem, CancellationToken ct)
    {
        if (request.Description is not null)
        {
            connection.Description = Check.Text(problem, "description", request.Description, 500);
        }

        if (request.Project is not null)
        {
            connection.ProjectId = request.Project.Length == 0 ? null : await db.ProjectIdOfAsync(request.Project, ct);
            if (request.Project.Length > 0 && connection.ProjectId is null)
            {
                problem.Add("project", $"no project '{request.Project}' in this tenant");
            }
        }

        if (request.Secrets is { } names)
        {
            foreach (var name in names)
            {
                if (!await db.Set<Secret>().AnyAsync(s => s.Name == name && s.ArchivedAt == null, ct))
                {
                    problem.Add("secrets", $"no secret '{name}' in the vault");
                }
            }

            connection.SecretNames = string.Join(' ', names.Concat(Words(connection.SecretNames).Where(n => n.StartsWith(connection.Name + ".", StringComparison.Ordinal))).Distinct());
        }

        if (request.Scopes is { } scopes)
        {
            if (scopes.Any(s => s.Length == 0 || s.Any(char.IsWhiteSpace)))
            {
                problem.Add("scopes", "each scope is one word, without spaces");
            }

            connection.Scopes = string.Join(' ', scopes);
            Check.Text(problem, "scopes", connection.Scopes, 2000);
        }

        connection.AuthorizeUrl = Check.HttpUrl(problem, "authorize_url", request.AuthorizeUrl) ?? connection.AuthorizeUrl;
        connection.TokenUrl = Check.HttpUrl(problem, "token_url", request.TokenUrl) ?? connection.TokenUrl;
        connection.ExternalUrl = Check.HttpUrl(problem, "external_url", request.ExternalUrl) ?? connection.ExternalUrl;
        connection.ClientId = Check.Text(problem, "client_id", request.ClientId, 500) ?? connection.ClientId;
        connection.ExternalId = Check.Text(problem, "external_id", request.ExternalId, 200) ?? connection.ExternalId;
        if (request.TokenAuth is { } tokenAuth)
        {
            if (tokenAuth is not (ClientSecretPost or ClientSecretBasic))
            {
                problem.Add("token_auth", $"must be {ClientSecretPost} or {ClientSecretBasic}");
            }

            connection.TokenAuth = tokenAuth;
        }

        if (request.ClientSecret is { } clientSecret && (clientSecret.Length == 0 || clientSecret.Length > SecretService.ValueLength))
        {
            problem.Add("client_secret", $"must be 1 to {SecretService.ValueLength} characters");
        }

        if (request.ClientSecret is not null && connection.Type != ConnectionType.Oauth2)
        {
            problem.Add("client_secret", "only an oauth2 connection has a client secret; keep other credentials in the vault and name them in secrets");
        }
    }

    private async Task<Connection> FindAsync(string reference, CancellationToken ct)
    {
        if (Ids.IsValid(reference) && await db.Set<Connection>().FirstOrDefaultAsync(c => c.Id == reference, ct) is { } byId)
        {
            return byId;
        }

        return await db.Set<Connection>().FirstOrDefaultAsync(c => c.Name == reference && c.RevokedAt == null, ct)
               ?? throw ProblemException.NotFound("Connection");
    }

    private static ConnectionType? CheckType(ValidationProblem problem, string? value)
    {
        try
        {
            return Check.OneOf<ConnectionType>("type", value);
        }
        catch (ProblemException)
        {
            problem.Add("type", "must be oauth2, api_key, basic or custom");
            return null;
        }
    }

    private static string Cut(string text, int max = OAuthClient.ErrorLength) => text.Length <= max ? text : text[..(max - 1)] + "…";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_.-]*$")]
    private static partial Regex NamePattern();
}
