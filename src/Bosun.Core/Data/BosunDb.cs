using System.Data.Common;
using System.Linq.Expressions;
using Bosun.Core.Common;
using Bosun.Core.Data.Postgres;
using Bosun.Core.Data.Sqlite;
using Bosun.Core.Dispatch;
using Bosun.Core.Governance;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Data;

public sealed class BosunDb : DbContext
{
    /// Contexts are pooled: EF builds a context's services once and reuses the context for many units of work, each
    /// of which starts with <see cref="Lease"/>. Setting up those services for every request was the largest single cost
    /// of a request inside EF (about a twelfth of Bosun's own CPU in the PostgreSQL agent loop).
    public BosunDb(DbContextOptions<BosunDb> options)
        : base(options)
    {
        IsPostgres = (bool)Providers.GetValue(options, o => PostgresStore.IsIn(o));
        SharesCommits = !IsPostgres && (bool)SharedCommits.GetValue(options, o => SqliteSharedCommitInterceptor.IsIn(o));
        Lease(new RequestContext(), null);
    }

    /// Starts a unit of work on this context: whom it runs for and, on SQLite, a kept-open connection to run on.
    /// Nothing of the previous unit of work that used this context survives it.
    public BosunDb Lease(RequestContext context, SqliteConnections? connections)
    {
        Context = context;
        DirectAudits.Clear();
        Stream.Clear();
        GenericPlans = false;
        SharedCommitWriter = null;

        // Every unit of work runs in one transaction that commits or rolls back as a whole, so the
        // savepoint EF would set around each SaveChanges only costs two round trips.
        Database.AutoSavepointsEnabled = false;

        if (!IsPostgres && connections?.Rent() is { } connection)
        {
            Database.SetDbConnection(connection, contextOwnsConnection: false);
            _connections = connections;
            _borrowed = connection;
        }
        else if (_connections is not null)
        {
            // The last unit of work ran on a kept-open connection, which went back with it; this one opens its own.
            // Without a connection EF also forgets the connection string, and SQLite opens an empty database for none.
            Database.SetDbConnection(null, contextOwnsConnection: true);
            Database.SetConnectionString(_connections.ConnectionString);
            _connections = null;
        }

        return this;
    }

    private SqliteConnections? _connections;
    private DbConnection? _borrowed;

    /// SQLite: the database file, known without reading the connection string again.
    internal string? File => _connections?.File;

    /// SQLite: the process's writer connection, for a write transaction that holds the write gate.
    internal DbConnection? Writer => _borrowed is null ? null : _connections?.Writer;

    /// SQLite: the kept-open connections this unit of work borrowed from, if it did.
    internal SqliteConnections? Connections => _borrowed is null ? null : _connections;

    /// SQLite: write transactions may share a commit with others (see <see cref="SqliteWriteQueue"/>).
    internal bool SharesCommits { get; }

    /// SQLite: the write of this unit of work that runs inside a shared commit, while it runs.
    internal SharedCommitWriter? SharedCommitWriter { get; set; }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<DbContextOptions, object> SharedCommits = new();

    /// Moves the unit of work onto the writer connection for its write transaction, and back to its own after it.
    internal void UseConnection(DbConnection? connection) =>
        Database.SetDbConnection(connection ?? _borrowed, contextOwnsConnection: false);

    // The connection is taken off the context before the context goes back to the pool, and given back after. Taken
    // after, it could be the connection of the next unit of work, which may lease this context the moment it is back:
    // that unit of work lost its connection half-way (its next transaction opened a connection to no file at all, and
    // failed with "no such table") while the connection went to yet another unit of work.
    public override void Dispose()
    {
        var (connection, connections) = (Interlocked.Exchange(ref _borrowed, null), _connections);
        base.Dispose();
        GiveBack(connection, connections);
    }

    public override async ValueTask DisposeAsync()
    {
        var (connection, connections) = (Interlocked.Exchange(ref _borrowed, null), _connections);
        await base.DisposeAsync();
        GiveBack(connection, connections);
    }

    private static void GiveBack(DbConnection? connection, SqliteConnections? connections)
    {
        if (connection is not null)
        {
            connections!.Return(connection);
        }
    }

    public RequestContext Context { get; private set; } = null!;

    /// Audit rows that hot paths wrote with plain SQL in the open transaction; the stream picks them up at commit.
    internal List<Governance.DirectAudit.Written> DirectAudits { get; } = [];

    /// PostgreSQL: this unit of work's transactions plan their prepared statements once (plan_cache_mode =
    /// force_generic_plan). Otherwise PostgreSQL may plan a prepared statement afresh on every execution, which took
    /// about a tenth of the machine's CPU in the dispatch benchmark. Set by the dispatch hot paths, whose statements
    /// look rows up by key or walk an index in order, so one plan fits every execution; other queries keep the default.
    public bool GenericPlans { get; set; }

    /// Stream events recorded in this unit of work and not yet committed.
    internal Realtime.StreamRecorder.Buffer Stream { get; } = new();

    // Read by the global query filters; EF re-evaluates it per query, so each request sees only its tenant.
    private string? CurrentTenantId => Context.TenantId;

    // Read by the same filters on project-scoped rows: null for a principal who sees the whole tenant (EF then leaves
    // the test out of the SQL), otherwise the only projects a guest was given a role in.
    private string[]? VisibleProjects => Context.VisibleProjectIds;

    /// Rows that belong to one project, hidden from a person who holds roles in other projects only.
    private static readonly Type[] ProjectScoped =
    [
        typeof(WorkItem), typeof(Goal), typeof(Governance.Approval), typeof(Ledger.LlmCall), typeof(Ledger.CostDaily),
        typeof(Realtime.StreamEvent), typeof(Plan), typeof(Deliverable),
        typeof(Knowledge.Artifact), typeof(Ledger.AgentEvent), typeof(Planning.ProjectPolicy),
    ];

    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<User> Users => Set<User>();
    public DbSet<Invitation> Invitations => Set<Invitation>();
    public DbSet<Agent> Agents => Set<Agent>();
    public DbSet<AgentProject> AgentProjects => Set<AgentProject>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<Project> Projects => Set<Project>();
    public DbSet<Goal> Goals => Set<Goal>();
    public DbSet<WorkItem> WorkItems => Set<WorkItem>();
    public DbSet<WorkItemLabel> WorkItemLabels => Set<WorkItemLabel>();
    public DbSet<WorkItemDependency> WorkItemDependencies => Set<WorkItemDependency>();
    public DbSet<Comment> Comments => Set<Comment>();
    public DbSet<Run> Runs => Set<Run>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();
    public DbSet<Approval> Approvals => Set<Approval>();
    public DbSet<Template> Templates => Set<Template>();
    public DbSet<TemplateVersion> TemplateVersions => Set<TemplateVersion>();
    public DbSet<Plan> Plans => Set<Plan>();
    public DbSet<PlanVersion> PlanVersions => Set<PlanVersion>();
    public DbSet<Deliverable> Deliverables => Set<Deliverable>();
    public DbSet<DeliverablePeriod> DeliverablePeriods => Set<DeliverablePeriod>();
    public DbSet<ProjectPolicy> ProjectPolicies => Set<ProjectPolicy>();
    public DbSet<RunCheck> RunChecks => Set<RunCheck>();
    public DbSet<HumanInput.ItemForm> ItemForms => Set<HumanInput.ItemForm>();
    public DbSet<HumanInput.Submission> Submissions => Set<HumanInput.Submission>();
    public DbSet<HumanInput.Question> Questions => Set<HumanInput.Question>();
    public DbSet<Automation.Schedule> Schedules => Set<Automation.Schedule>();
    public DbSet<Automation.ScheduleFiring> ScheduleFirings => Set<Automation.ScheduleFiring>();

    // Asking EF for the provider's name initialises the context's services and reads assembly metadata; hot paths ask
    // often, so the answer is kept per options instance (built once per process).
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<DbContextOptions, object> Providers = new();

    public bool IsPostgres { get; }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(BosunDb).Assembly);
        if (IsPostgres)
        {
            // Positions compare byte by byte, as on SQLite; a language collation would order them differently.
            modelBuilder.Entity<WorkItem>().Property(x => x.Position).UseCollation("C");
        }

        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            if (typeof(ITenantScoped).IsAssignableFrom(entity.ClrType))
            {
                ApplyTenantFilter(modelBuilder, entity.ClrType);
            }

            foreach (var property in entity.GetProperties())
            {
                if (property.ClrType == typeof(string) && property.Name.EndsWith("Id", StringComparison.Ordinal) && property.GetMaxLength() is null)
                {
                    property.SetMaxLength(26);
                }

                var type = Nullable.GetUnderlyingType(property.ClrType) ?? property.ClrType;
                if (type.IsEnum && type != typeof(Priority))
                {
                    property.SetValueConverter((Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter)
                        Activator.CreateInstance(typeof(SnakeCaseEnumConverter<>).MakeGenericType(type))!);
                    property.SetMaxLength(32);
                }
                else if (type == typeof(DateTime) && !IsPostgres)
                {
                    // SQLite hands DateTime back without a kind; every Bosun time is UTC.
                    property.SetValueConverter(property.ClrType == typeof(DateTime) ? UtcConverters.Required : UtcConverters.Optional);
                }
            }
        }
    }

    private void ApplyTenantFilter(ModelBuilder modelBuilder, Type clrType)
    {
        // e => e.TenantId == this.CurrentTenantId, referencing the context so EF parameterises it per instance.
        var e = Expression.Parameter(clrType, "e");
        Expression body = Expression.Equal(
            Expression.Property(e, nameof(ITenantScoped.TenantId)),
            Expression.Property(Expression.Constant(this), nameof(CurrentTenantId)));

        // && (this.VisibleProjects == null || this.VisibleProjects.Contains(e.ProjectId)); a project is seen by its id.
        var project = clrType == typeof(Project) ? nameof(Project.Id) : ProjectScoped.Contains(clrType) ? "ProjectId" : null;
        if (project is not null)
        {
            var visible = Expression.Property(Expression.Constant(this), nameof(VisibleProjects));
            var contains = Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [typeof(string)], visible, Expression.Property(e, project));
            body = Expression.AndAlso(body, Expression.OrElse(Expression.Equal(visible, Expression.Constant(null, typeof(string[]))), contains));
        }
        else if (clrType == typeof(Run) || clrType == typeof(Comment))
        {
            // Runs and comments are seen through their work item.
            Expression<Func<string, bool>> seen = id => VisibleProjects == null
                || Set<WorkItem>().Any(w => w.Id == id && VisibleProjects.Contains(w.ProjectId));
            body = Expression.AndAlso(body, new ParameterReplacer(seen.Parameters[0], Expression.Property(e, "WorkItemId")).Visit(seen.Body));
        }

        modelBuilder.Entity(clrType).HasQueryFilter(Expression.Lambda(body, e));
    }

    private sealed class ParameterReplacer(ParameterExpression from, Expression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }
}

internal static class UtcConverters
{
    public static readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTime, DateTime> Required =
        new(v => v.ToUniversalTime(), v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

    public static readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTime?, DateTime?> Optional =
        new(v => v.HasValue ? v.Value.ToUniversalTime() : v, v => v.HasValue ? DateTime.SpecifyKind(v.Value, DateTimeKind.Utc) : v);
}
